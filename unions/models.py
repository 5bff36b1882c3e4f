from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from vietnam_provinces import Ward

from federation.models import Federation, in_scope
from federation.text import clean_text, fold


class Level(models.TextChoices):
    SUPERIOR = "superior", _("Direct-superior union")
    GRASSROOTS = "grassroots", _("Grassroots union")


class Kind(models.TextChoices):
    # direct-superior unions
    DISTRICT_FEDERATION = "district_federation", _("District/town labor federation")
    REGIONAL_UNION = "regional_union", _("Regional union")
    INDUSTRY_UNION = "industry_union", _("Industry union")
    ZONE_UNION = "zone_union", _("Industrial/economic zone union")
    AGENCY_UNION = "agency_union", _("Agencies union")
    CORPORATION_UNION = "corporation_union", _("Corporation union")
    # grassroots unions
    ENTERPRISE = "enterprise", _("Enterprise")
    AGENCY = "agency", _("Administrative agency")
    PUBLIC_SERVICE_UNIT = "public_service_unit", _("Public service unit")
    NON_PUBLIC_UNIT = "non_public_unit", _("Non-public service unit")
    COOPERATIVE = "cooperative", _("Cooperative")
    OCCUPATIONAL_UNION = "occupational_union", _("Occupational union")
    OTHER = "other", _("Other")


SUPERIOR_KINDS = [
    Kind.DISTRICT_FEDERATION,
    Kind.REGIONAL_UNION,
    Kind.INDUSTRY_UNION,
    Kind.ZONE_UNION,
    Kind.AGENCY_UNION,
    Kind.CORPORATION_UNION,
]
GRASSROOTS_KINDS = [k for k in Kind if k not in SUPERIOR_KINDS]


class Sector(models.TextChoices):
    ADMINISTRATIVE_AGENCY = "administrative_agency", _("Administrative agency")
    PUBLIC_SERVICE = "public_service", _("Public service unit")
    NON_PUBLIC_SERVICE = "non_public_service", _("Non-public service unit")
    STATE_ENTERPRISE = "state_enterprise", _("State-owned enterprise")
    NON_STATE_ENTERPRISE = "non_state_enterprise", _("Non-state domestic enterprise")
    FDI_ENTERPRISE = "fdi_enterprise", _("Foreign-invested enterprise")
    COOPERATIVE = "cooperative", _("Cooperative")
    OCCUPATIONAL = "occupational", _("Occupational union")


ENTERPRISE_SECTORS = [Sector.STATE_ENTERPRISE, Sector.NON_STATE_ENTERPRISE, Sector.FDI_ENTERPRISE]


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class UnionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every union in the user's subtree (the user's own union included)."""
        return in_scope(self, user, "path")

    def reported_to(self, user):
        """Unions whose figures the user reads: its subtree, like `visible_to`; every one for an
        account above the federations (no record of them is visible to it, only their figures)."""
        if user.is_authenticated and user.reads_every_federation:
            return self
        return self.visible_to(user)

    def editable_by(self, user):
        """Units whose data the user may change: federation roles their whole federation,
        a direct-superior officer the units below its own union."""
        from federation.models import Cap

        if not user.is_authenticated or not user.can(Cap.MANAGE_STRUCTURE):
            return self.none()
        qs = self.visible_to(user)
        if user.union_id:
            qs = qs.exclude(pk=user.union_id)
        return qs

    def under(self, path: str):
        """Strict descendants of the node at `path`."""
        return self.filter(path__startswith=path).exclude(path=path)

    def active(self):
        return self.filter(status=Status.ACTIVE)


class Union(models.Model):
    """A direct-superior or grassroots union. `parent` empty means directly under the federation.

    `parent` and `path` are the structure today; `UnionLink` keeps it through time.
    """

    federation = models.ForeignKey(
        Federation, verbose_name=_("federation"), on_delete=models.PROTECT, related_name="unions"
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=255)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, blank=True)
    tax_code = models.CharField(_("tax code"), max_length=14, blank=True)
    worker_count = models.PositiveIntegerField(_("workers"), null=True, blank=True)
    ward_code = models.PositiveIntegerField(_("ward/commune"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("direct superior"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # Materialized path: the federation's segment, then each ancestor's, then the union's own
    # ("00000001/00000012/00000345/"). A subtree is one indexed `LIKE 'prefix%'` query.
    path = models.CharField(max_length=255, editable=False)
    search_text = models.CharField(max_length=600, editable=False, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UnionQuerySet.as_manager()

    class Meta:
        verbose_name = _("union")
        verbose_name_plural = _("unions")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "code"], name="union_code_unique_in_federation"),
            models.CheckConstraint(
                condition=Q(level=Level.GRASSROOTS) | Q(parent__isnull=True),
                name="union_superior_parent_is_federation",
            ),
            models.CheckConstraint(
                condition=Q(level=Level.SUPERIOR, kind__in=SUPERIOR_KINDS)
                | Q(level=Level.GRASSROOTS, kind__in=GRASSROOTS_KINDS),
                name="union_kind_matches_level",
            ),
            models.CheckConstraint(
                condition=Q(level=Level.GRASSROOTS) | Q(sector=""),
                name="union_sector_only_grassroots",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.ACTIVE, closed_on__isnull=True)
                | Q(status=Status.CLOSED, closed_on__isnull=False),
                name="union_status_matches_closed_on",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(established_on__isnull=True)
                | Q(closed_on__gte=models.F("established_on")),
                name="union_closed_after_established",
            ),
            models.CheckConstraint(condition=~Q(code=""), name="union_code_not_empty"),
        ]
        indexes = [
            models.Index(fields=["path"], name="union_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["federation", "level", "status"], name="union_fed_level_status_idx"),
            models.Index(fields=["parent", "status"], name="union_parent_status_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        self.clean()
        self.search_text = self.build_search_text(self.code, self.name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text", "updated_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("unions:detail", args=[self.pk])

    def clean(self):
        # Codes are compared upper-case; names are kept NFC and single-spaced.
        self.code = clean_text(self.code).upper()
        self.name = clean_text(self.name)

    @staticmethod
    def build_search_text(code: str, name: str) -> str:
        # Name first: ordering by this column sorts units by name, ignoring diacritics.
        return f"{fold(name)} {fold(code)}"

    @property
    def is_grassroots(self) -> bool:
        return self.level == Level.GRASSROOTS

    @property
    def is_active(self) -> bool:
        return self.status == Status.ACTIVE

    @property
    def depth(self) -> int:
        """1 for a unit directly under the federation, 2 below a direct-superior union."""
        return self.path.count("/") - 1

    @property
    def ward_name(self) -> str:
        if not self.ward_code:
            return ""
        try:
            return clean_text(Ward.from_code(self.ward_code).name)
        except (ValueError, KeyError):
            return ""

    def ancestor_paths(self) -> list[str]:
        parts = self.path.rstrip("/").split("/")
        return ["/".join(parts[:i]) + "/" for i in range(2, len(parts))]


class UnionLinkQuerySet(models.QuerySet):
    def on(self, day):
        """The links in force on `day`: the structure as it stood then."""
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=day)
        )


class UnionLink(models.Model):
    """Where a union stood in the tree from `valid_from` until the day before `valid_to`.

    An open `valid_to` is the current position. `path` is the path during the period, so the
    subtree of any unit on any date is again a single prefix query.
    """

    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="links")
    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(Union, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    path = models.CharField(max_length=255)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)

    objects = UnionLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("position in the tree")
        verbose_name_plural = _("positions in the tree")
        ordering = ["union", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["union"], condition=Q(valid_to__isnull=True), name="unionlink_one_open_per_union"
            ),
            models.CheckConstraint(
                # equal: a position ended the day it began (a unit moved, then closed, on one
                # day), never in force but kept as where the unit went
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unionlink_period_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["path"], name="unionlink_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["federation", "valid_from", "valid_to"], name="unionlink_fed_period_idx"),
        ]

    def __str__(self):
        return f"{self.union_id} @ {self.path} [{self.valid_from} – {self.valid_to}]"


class Operation(models.TextChoices):
    """The reorganizations of §7."""

    CREATE = "create", _("Establish")
    RENAME = "rename", _("Rename")
    MOVE = "move", _("Move")
    MERGE = "merge", _("Merge")
    SPLIT = "split", _("Split")
    DISSOLVE = "dissolve", _("Dissolve")
    CHANGE_KIND = "change_kind", _("Change kind or sector")
    MERGE_FEDERATION = "merge_federation", _("Merge federations")


class ReorganizationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A plan spans a federation: its federation-level users see it (only the federation admin
        may prepare and apply one); users of a union do not."""
        path = user.scope_path if user.is_authenticated else None
        if path is None or user.union_id:
            return self.none()
        return self if path == "" else self.filter(federation_id=int(path[:-1]))


class Reorganization(models.Model):
    """A reorganization decided by one decision: a plan of operations (`rows`), previewed as a
    draft, then applied in one transaction. What it did is its `Lineage` and the audit trail."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Prepared, not applied")
        APPLIED = "applied", _("Applied")
        DISCARDED = "discarded", _("Discarded")

    federation = models.ForeignKey(
        Federation, verbose_name=_("federation"), on_delete=models.PROTECT, related_name="reorganizations"
    )
    decision_number = models.CharField(_("decision number"), max_length=64)
    decision_date = models.DateField(_("decision date"))
    effective_on = models.DateField(_("effective from"))
    reason = models.CharField(_("reason"), max_length=500)
    source = models.CharField(_("from"), max_length=255, blank=True, help_text=_("The plan file, if any."))
    rows = models.JSONField(_("operations"), default=list)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("prepared at"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    objects = ReorganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("reorganization")
        verbose_name_plural = _("reorganizations")
        ordering = ["-effective_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="applied", applied_at__isnull=False) | ~Q(status="applied"),
                name="reorganization_applied_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.decision_number} ({self.effective_on:%d/%m/%Y})"

    def get_absolute_url(self):
        return reverse("unions:reorganization_detail", args=[self.pk])


class Lineage(models.Model):
    """What became what: one operation of an applied reorganization on one unit (`union`), with
    the unit it passed to (`successor`: the merge target, the new parent, the split's recipient)."""

    reorganization = models.ForeignKey(Reorganization, on_delete=models.PROTECT, related_name="lineage")
    operation = models.CharField(_("operation"), max_length=24, choices=Operation.choices)
    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="+")
    union = models.ForeignKey(
        Union, verbose_name=_("unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="lineage_out"
    )
    successor = models.ForeignKey(
        Union, verbose_name=_("became"), on_delete=models.PROTECT, null=True, blank=True, related_name="lineage_in"
    )
    from_federation = models.ForeignKey(
        Federation, verbose_name=_("merged federation"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    effective_on = models.DateField(_("effective from"))
    members = models.PositiveIntegerField(_("members moved"), default=0)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("lineage")
        verbose_name_plural = _("lineage")
        ordering = ["effective_on", "pk"]
        indexes = [models.Index(fields=["federation", "effective_on"], name="lineage_fed_day_idx")]

    def __str__(self):
        return f"{self.get_operation_display()} {self.union_id} -> {self.successor_id} ({self.effective_on})"
