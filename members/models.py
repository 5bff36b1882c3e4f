from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from federation.models import PATH_SEGMENT, Federation, in_scope
from federation.text import clean_text, fold, name_sort_key
from unions.models import Union

from .validation import mask_citizen_id


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LEFT = "left", _("Left the union")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out of the federation")
    DECEASED = "deceased", _("Deceased")


class MovementKind(models.TextChoices):
    ADMITTED = "admitted", _("Admitted")
    TRANSFERRED_IN = "transferred_in", _("Transferred in")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    LEFT = "left", _("Left")
    READMITTED = "readmitted", _("Readmitted")
    DECEASED = "deceased", _("Deceased")


# +1 a movement puts a member on a union's roll, -1 takes one off.
MOVEMENT_DELTA = {
    MovementKind.ADMITTED: 1,
    MovementKind.READMITTED: 1,
    MovementKind.TRANSFERRED_IN: 1,
    MovementKind.TRANSFERRED_OUT: -1,
    MovementKind.LEFT: -1,
    MovementKind.DECEASED: -1,
}


class LeaveReason(models.TextChoices):
    RESIGNED = "resigned", _("Resigned")
    JOB_ENDED = "job_ended", _("Job ended")
    RETIRED = "retired", _("Retired")
    EXPELLED = "expelled", _("Expelled")
    OTHER = "other", _("Other")


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Members of the unions in the user's subtree. A federation's accounts see the members
        of its federation: the member's own column (kept equal to its union's federation by every
        write path: admission, readmission, transfer, import, merger), which its indexes serve
        without reading every union's path."""
        path = user.scope_path if user.is_authenticated else None
        if path and len(path) == PATH_SEGMENT:
            return self.filter(federation_id=int(path[:-1]))
        return in_scope(self, user, "union__path")

    def active(self):
        return self.filter(status=MemberStatus.ACTIVE)


class Member(models.Model):
    """A union member (đoàn viên). `union` is the grassroots union whose roll holds the member
    (the last one, once the member has left). The roll through time is in `Movement`."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="members")
    union = models.ForeignKey(
        Union, verbose_name=_("grassroots union"), on_delete=models.PROTECT, related_name="members"
    )
    full_name = models.CharField(_("full name"), max_length=150)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    date_of_birth = models.DateField(_("date of birth"))
    citizen_id = models.CharField(_("citizen ID"), max_length=12)
    joined_on = models.DateField(_("joined the union on"))
    ethnicity = models.CharField(_("ethnicity"), max_length=32, blank=True)
    religion = models.CharField(_("religion"), max_length=100, blank=True)
    job_title = models.CharField(_("job, title"), max_length=255, blank=True)
    union_position = models.CharField(_("union position"), max_length=255, blank=True)
    is_party_member = models.BooleanField(_("Party member"), default=False)
    phone = models.CharField(_("phone"), max_length=10, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    member_code = models.CharField(_("member code"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.ACTIVE)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    party_introduced_on = models.DateField(_("introduced to the Party on"), null=True, blank=True)
    party_admitted_on = models.DateField(_("admitted to the Party on"), null=True, blank=True)
    created_by_import = models.ForeignKey(
        "members.MemberImport", on_delete=models.SET_NULL, null=True, blank=True, related_name="created_members"
    )
    search_text = models.CharField(max_length=200, editable=False, blank=True)
    sort_name = models.CharField(max_length=400, editable=False, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["sort_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "citizen_id"],
                condition=Q(status="active"),
                name="member_one_active_per_citizen_id",
                violation_error_message=_("This citizen ID is already an active member of the federation."),
            ),
            models.UniqueConstraint(
                fields=["member_code"],
                condition=~Q(member_code=""),
                name="member_code_unique",
                violation_error_message=_("Another member has this member code."),
            ),
            models.CheckConstraint(condition=Q(joined_on__gt=F("date_of_birth")), name="member_joined_after_birth"),
            models.CheckConstraint(
                condition=Q(status="active", left_on__isnull=True) | (~Q(status="active") & Q(left_on__isnull=False)),
                name="member_left_on_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")), name="member_left_after_joining"
            ),
            models.CheckConstraint(
                condition=Q(party_admitted_on__isnull=True)
                | Q(party_introduced_on__isnull=True)
                | Q(party_admitted_on__gte=F("party_introduced_on")),
                name="member_party_admitted_after_introduced",
            ),
            models.CheckConstraint(condition=Q(gender__in=Gender.values), name="member_gender_valid"),
        ]
        indexes = [
            models.Index(fields=["union", "status", "sort_name"], name="member_union_status_sort_idx"),
            models.Index(fields=["citizen_id"], name="member_citizen_id_idx"),
            # A federation's list in name order (its accounts see the federation: `visible_to`);
            # on PostgreSQL it holds the search text too, so that a search across the federation
            # and its count read the index alone.
            models.Index(
                fields=["federation", "status", "sort_name", "id"],
                include=["search_text"],
                name="member_fed_status_sort_idx",
            ),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.full_name = clean_text(self.full_name)
        self.search_text, self.sort_name = self.derived_names(self.full_name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text", "sort_name", "updated_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("members:detail", args=[self.pk])

    @staticmethod
    def derived_names(full_name: str) -> tuple[str, str]:
        """(search text without diacritics, Vietnamese sort key), kept in columns so lists can
        search and sort in SQL on every database."""
        return fold(full_name), name_sort_key(full_name)

    @property
    def masked_citizen_id(self) -> str:
        return mask_citizen_id(self.citizen_id)

    @property
    def is_active(self) -> bool:
        return self.status == MemberStatus.ACTIVE


class MovementQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_scope(self, user, "union__path")


class Movement(models.Model):
    """One change of a union's roll on a date (biến động). The roll on any date and every
    period count are sums of `delta` over these rows."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="movements")
    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("movement"), max_length=16, choices=MovementKind.choices)
    delta = models.SmallIntegerField(editable=False)
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=16, choices=LeaveReason.choices, blank=True)
    other_union = models.ForeignKey(
        Union, verbose_name=_("from/to union"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    import_batch = models.ForeignKey(
        "members.MemberImport", on_delete=models.SET_NULL, null=True, blank=True, related_name="movements"
    )
    # A transfer made by a reorganization (units merged or split), not asked for by anyone.
    reorganization = models.ForeignKey(
        "unions.Reorganization",
        verbose_name=_("reorganization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MovementQuerySet.as_manager()

    class Meta:
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["admitted", "readmitted", "transferred_in"], delta=1)
                | Q(kind__in=["transferred_out", "left", "deceased"], delta=-1),
                name="movement_delta_matches_kind",
            ),
            models.CheckConstraint(condition=Q(kind="left") | Q(reason=""), name="movement_reason_only_when_leaving"),
        ]
        indexes = [
            models.Index(fields=["union", "date"], name="movement_union_date_idx"),
            models.Index(fields=["member", "date"], name="movement_member_date_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date:%d/%m/%Y}"

    def save(self, *args, **kwargs):
        self.delta = MOVEMENT_DELTA[self.kind]
        super().save(*args, **kwargs)


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the receiving union")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


class TransferRequest(models.Model):
    """A member's move to another grassroots union (chuyển sinh hoạt): asked by the sending
    union, accepted or refused by the receiving one."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers")
    from_union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="transfers_out")
    to_union = models.ForeignKey(
        Union, verbose_name=_("to union"), on_delete=models.PROTECT, related_name="transfers_in"
    )
    effective_on = models.DateField(_("effective on"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=TransferStatus.choices, default=TransferStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(status="pending"), name="transfer_one_pending_per_member"
            ),
            models.CheckConstraint(condition=~Q(from_union=F("to_union")), name="transfer_between_two_unions"),
        ]

    def __str__(self):
        return f"{self.member} → {self.to_union}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Checking")
    VALID = "valid", _("Valid, not written")
    INVALID = "invalid", _("Has errors")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Failed")
    UNDONE = "undone", _("Undone")


class MemberImportQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_scope(self, user, "scope_path")


class MemberImport(models.Model):
    """One upload of a roll file: kept with its file, fingerprint, who, when, scope and outcome."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="+")
    # The uploader's scope (its unit's path): every row must fall inside it.
    scope_path = models.CharField(max_length=255)
    union = models.ForeignKey(
        Union,
        verbose_name=_("union"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The grassroots union every row goes to; empty when the file names each row's union."),
    )
    file = models.FileField(upload_to="imports/%Y/%m/")
    filename = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    dry_run = models.BooleanField(_("check only"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    changes = models.JSONField(
        default=dict, blank=True, help_text="member id -> field values before the import, to undo it"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    # The job's own state, for the reconciler (members.services.member_import_reconcile): a run
    # claims the row (queued -> running, attempts + 1, the new count its token), keeps
    # `heartbeat_at` fresh while it works, and writes its outcome only while it still owns it.
    attempts = models.PositiveSmallIntegerField(default=0, help_text="runs started (JOB_MAX_ATTEMPTS at most)")
    queued_at = models.DateTimeField(default=timezone.now, help_text="when the job was last sent to the queue")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="last sign of life of the run")

    objects = MemberImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")
        ordering = ["-uploaded_at"]
        indexes = [
            models.Index(
                fields=["status"], condition=Q(status__in=["queued", "running"]), name="member_import_pending_idx"
            )
        ]

    def __str__(self):
        return f"{self.filename} ({self.uploaded_at:%d/%m/%Y %H:%M})"

    def get_absolute_url(self):
        return reverse("members:import_detail", args=[self.pk])


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class RollExportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The user's own exports only: a file holds personal data."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(requested_by=user)


class RollExport(models.Model):
    """A roll export too large to build within a request: a job that owns its state like an
    import (members.services.roll_export_run), and the file it made."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The requester's scope when asked: the file never holds a member outside it.
    scope_path = models.CharField(max_length=255)
    params = models.JSONField(default=dict, blank=True, help_text="the list's filters and the format")
    status = models.CharField(_("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="runs started (JOB_MAX_ATTEMPTS at most)")
    queued_at = models.DateTimeField(default=timezone.now, help_text="when the job was last sent to the queue")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="last sign of life of the run")
    rows = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    filename = models.CharField(_("file"), max_length=255, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = RollExportQuerySet.as_manager()

    class Meta:
        verbose_name = _("member export")
        verbose_name_plural = _("member exports")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["status"], condition=Q(status__in=["queued", "running"]), name="roll_export_pending_idx"
            )
        ]

    def __str__(self):
        return f"{self.filename or self.params.get('format', '')} ({self.created_at:%d/%m/%Y %H:%M})"

    def get_absolute_url(self):
        return reverse("members:roll_export", args=[self.pk])

    @property
    def running(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)
