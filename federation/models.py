from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.backends.signals import connection_created
from django.db.models import Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from vietnam_provinces import Province

PATH_SEGMENT = 9  # "00000042/": eight digits and a slash; see Federation.path and Union.path


def path_segment(pk: int) -> str:
    return f"{pk:08d}/"


def in_scope(queryset, user, path_field: str):
    """`queryset` cut to the user's subtree, through the tree path at `path_field`: the one rule
    behind every model's `visible_to`. Nothing for anonymous users or accounts without a unit."""
    path = user.scope_path if user.is_authenticated else None
    if path is None:
        return queryset.none()
    return queryset.filter(**{f"{path_field}__startswith": path}) if path else queryset


def province_choices():
    return sorted(((int(p.code), p.name) for p in Province.iter_all()), key=lambda c: c[1])


class FederationQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(pk=user.federation_id)

    def reported_to(self, user):
        """Federations whose own figures (dashboard, report, export) the user reads: every one for
        an account above the federations, its own for the federation's roles; none for a union's
        users, who read their union."""
        if not user.is_authenticated:
            return self.none()
        if user.reads_every_federation:
            return self
        return self.none() if user.union_id else self.visible_to(user)

    def making_up(self, federation_id: int, day) -> list[int]:
        """`federation_id` and the federations merged into it (or into one of those) after
        `day`: the federations whose units it was made of on that day."""
        ids, frontier = [federation_id], [federation_id]
        while frontier:
            frontier = list(self.filter(merged_into_id__in=frontier, closed_on__gt=day).values_list("pk", flat=True))
            ids += frontier
        return ids


class Federation(models.Model):
    """A provincial labor federation (Liên đoàn Lao động tỉnh/thành phố): the root of a tree."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    province_code = models.PositiveSmallIntegerField(_("province"), choices=province_choices)
    year_start_month = models.PositiveSmallIntegerField(_("report year starts (month)"), default=1)
    year_start_day = models.PositiveSmallIntegerField(_("report year starts (day)"), default=1)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        help_text=_("The federation that took over its units, members and records."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FederationQuerySet.as_manager()

    class Meta:
        verbose_name = _("federation")
        verbose_name_plural = _("federations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year_start_month__gte=1, year_start_month__lte=12)
                & Q(year_start_day__gte=1, year_start_day__lte=28),
                name="federation_year_start_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("unions:tree")

    @property
    def path(self) -> str:
        return path_segment(self.pk)

    @property
    def province_name(self) -> str:
        return self.get_province_code_display()


class Role(models.TextChoices):
    FEDERATION_ADMIN = "federation_admin", _("Federation administrator")
    FEDERATION_STAFF = "federation_staff", _("Federation staff")
    LEADER = "leader", _("Leader (standing committee)")
    SUPERIOR_OFFICER = "superior_officer", _("Direct-superior union officer")
    GRASSROOTS_CHAIR = "grassroots_chair", _("Grassroots union chair")
    # The General Confederation (Tổng Liên đoàn): reads every federation's dashboards, nothing else.
    NATIONAL_VIEWER = "national_viewer", _("General Confederation viewer")


FEDERATION_ROLES = (Role.FEDERATION_ADMIN, Role.FEDERATION_STAFF, Role.LEADER)
# Roles above the federations: no federation, no union; their reach is every federation.
NATIONAL_ROLES = (Role.NATIONAL_VIEWER,)


class Cap(models.TextChoices):
    """What a role may do. Where it may do it is the user's unit subtree (`visible_to`)."""

    VIEW_STRUCTURE = "view_structure", _("See the union tree")
    MANAGE_STRUCTURE = "manage_structure", _("Create and edit units")
    REORGANIZE = "reorganize", _("Reorganize units")
    MANAGE_USERS = "manage_users", _("Manage accounts")
    VIEW_PERSONAL_DATA = "view_personal_data", _("See members' personal data")
    MANAGE_MEMBERS = "manage_members", _("Keep member rolls")
    UNDO_IMPORTS = "undo_imports", _("Undo imports")
    MANAGE_WELFARE = "manage_welfare", _("Record welfare")
    MANAGE_SHELTERS = "manage_shelters", _("Run the Union Shelter pipeline")
    MANAGE_TARGETS = "manage_targets", _("Set and allocate targets")
    SUBMIT_RETURNS = "submit_returns", _("Fill and submit quarterly returns")
    APPROVE_RETURNS = "approve_returns", _("Approve quarterly returns")
    LOCK_PERIODS = "lock_periods", _("Close and reopen quarters")
    VIEW_REPORTS = "view_reports", _("See reports and dashboards")
    USE_ADMIN_SITE = "use_admin_site", _("Use the administration site")


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.FEDERATION_ADMIN: frozenset(Cap.values),
    Role.FEDERATION_STAFF: frozenset(
        {
            Cap.VIEW_STRUCTURE,
            Cap.MANAGE_STRUCTURE,
            Cap.VIEW_PERSONAL_DATA,
            Cap.MANAGE_MEMBERS,
            Cap.UNDO_IMPORTS,
            Cap.MANAGE_WELFARE,
            Cap.MANAGE_SHELTERS,
            Cap.MANAGE_TARGETS,
            Cap.APPROVE_RETURNS,
            Cap.VIEW_REPORTS,
        }
    ),
    Role.LEADER: frozenset({Cap.VIEW_STRUCTURE, Cap.VIEW_REPORTS}),
    Role.SUPERIOR_OFFICER: frozenset(
        {
            Cap.VIEW_STRUCTURE,
            Cap.MANAGE_STRUCTURE,
            Cap.VIEW_PERSONAL_DATA,
            Cap.MANAGE_MEMBERS,
            Cap.MANAGE_WELFARE,
            Cap.MANAGE_SHELTERS,
            Cap.MANAGE_TARGETS,
            Cap.APPROVE_RETURNS,
            Cap.VIEW_REPORTS,
        }
    ),
    Role.GRASSROOTS_CHAIR: frozenset(
        {
            Cap.VIEW_STRUCTURE,
            Cap.VIEW_PERSONAL_DATA,
            Cap.MANAGE_MEMBERS,
            Cap.MANAGE_WELFARE,
            Cap.SUBMIT_RETURNS,
            Cap.VIEW_REPORTS,
        }
    ),
    # Figures only: without VIEW_STRUCTURE no tree, roll or welfare page lets it in, and the
    # reports it reads are aggregates (docs/reports.md, "National dashboard").
    Role.NATIONAL_VIEWER: frozenset({Cap.VIEW_REPORTS}),
}


class UserQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Accounts attached to the user's subtree."""
        path = user.scope_path if user.is_authenticated else None
        if path is None:
            return self.none()
        if path == "":
            return self
        in_subtree = Q(union__path__startswith=path)
        if not user.union_id:
            in_subtree |= Q(federation_id=user.federation_id, union__isnull=True)
        return self.filter(in_subtree)


class AccountManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """An account: one role in one unit (the federation itself, or a union)."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    federation = models.ForeignKey(
        Federation,
        verbose_name=_("federation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    union = models.ForeignKey(
        "unions.Union",
        verbose_name=_("union"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Empty for federation-level roles."),
    )

    objects = AccountManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A role, and a federation unless the role stands above the federations (which has none).
            models.CheckConstraint(
                condition=Q(is_superuser=True)
                | (~Q(role__in=["", *NATIONAL_ROLES]) & Q(federation__isnull=False))
                | Q(role__in=NATIONAL_ROLES, federation__isnull=True),
                name="user_role_and_federation_required",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["", *FEDERATION_ROLES, *NATIONAL_ROLES], union__isnull=True)
                | Q(
                    role__in=[Role.SUPERIOR_OFFICER, Role.GRASSROOTS_CHAIR],
                    union__isnull=False,
                ),
                name="user_union_matches_role",
            ),
        ]

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @cached_property
    def capabilities(self) -> frozenset[str]:
        if not self.is_active:
            return frozenset()
        if self.is_superuser:
            return ROLE_CAPABILITIES[Role.FEDERATION_ADMIN]
        return ROLE_CAPABILITIES.get(self.role, frozenset())

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def unit(self):
        """The union or federation the account belongs to (None for a superuser without one)."""
        return self.union if self.union_id else self.federation

    @property
    def scope_path(self) -> str | None:
        """Path prefix of everything the user may see; "" means every federation. None (nothing)
        for the General Confederation's viewer: it sees no record, only the dashboards' figures,
        which reach every federation through `reads_every_federation`."""
        if self.is_superuser:
            return ""
        if self.union_id:
            return self.union.path
        if self.federation_id:
            return self.federation.path
        return None

    @property
    def reads_every_federation(self) -> bool:
        """Reads the dashboards of every federation: a superuser, or the General Confederation's
        viewer (whose `scope_path` is None all the same, so no record is visible to it)."""
        return self.is_active and (self.is_superuser or self.role in NATIONAL_ROLES)

    @property
    def effective_role(self) -> str:
        return Role.FEDERATION_ADMIN if self.is_superuser and not self.role else self.role


class AuditLogQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A federation's entries for its federation roles; all of them for a superuser."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.union_id or not user.federation_id:
            return self.none()
        return self.filter(federation_id=user.federation_id)


class AuditLog(models.Model):
    """Who changed what, when, from where: the history shown on detail pages.

    Written only by `federation.services.audit_log`; never edited afterwards.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        MOVE = "move", _("moved")
        CLOSE = "close", _("closed")
        # Access to personal data, recorded without the values (`federation.services.audit_access`).
        VIEW = "view", _("viewed")
        EXPORT = "export", _("exported")
        SEARCH = "search", _("searched by citizen ID")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("object"), max_length=255)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"], name="auditlog_object_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"


@receiver(connection_created)
def _audit_trail_guard(sender, connection, **kwargs):
    """SQLite: the function the audit trail's triggers ask before a row is deleted (migration
    0005). It says no, except while `flush` empties the whole database (as TRUNCATE, which
    fires no row triggers, does on PostgreSQL); the triggers refuse any change of an entry."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function("audit_trail_unlocked", 0, lambda: int(connection.audit_unlocked))
    if getattr(connection, "audit_unlocked", None) is None:
        connection.audit_unlocked = False
        flush = connection.ops.execute_sql_flush

        def execute_sql_flush(sql_list):
            connection.audit_unlocked = True
            try:
                return flush(sql_list)
            finally:
                connection.audit_unlocked = False

        connection.ops.execute_sql_flush = execute_sql_flush
