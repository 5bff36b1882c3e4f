"""Targets, quarterly returns and achievement (PRODUCT.md §6).

`Indicator` is the catalogue (the standard set comes from a data migration); `Target` is a
unit's value for an indicator and year, set by a document, with its revisions; allocations down
the tree are the targets of child units. `QuarterlyReturn` is a grassroots union's return for a
quarter; `ReportingQuarter` holds a quarter's deadline and whether the federation closed it.

A target or a hand-entered value belongs to a union, or to the federation itself when `union`
is empty (as welfare records do: `welfare.models.scope_q`).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from federation.models import Federation
from unions.models import Union
from welfare.models import OrganizedBy, ScopedQuerySet

from .periods import quarter_label


class Measure(models.TextChoices):
    COUNT = "count", _("count over the period")
    STOCK = "stock", _("stock at the period end")
    NET_CHANGE = "net_change", _("net change over the period")
    RATIO = "ratio", _("ratio")
    MONEY = "money", _("money")


# Flows accumulate through the year: their target to date is pro-rated by elapsed quarters.
FLOW_MEASURES = frozenset({Measure.COUNT, Measure.NET_CHANGE, Measure.MONEY})
# Values that add up over units: allocations to child units should sum to the parent's target.
ADDITIVE_MEASURES = frozenset({Measure.COUNT, Measure.STOCK, Measure.NET_CHANGE, Measure.MONEY})


class IndicatorUnit(models.TextChoices):
    PEOPLE = "people", _("people")
    PERSON_TIMES = "person_times", _("person-times")
    UNIONS = "unions", _("unions")
    HOUSES = "houses", _("houses")
    MEALS = "meals", _("meals")
    VND = "vnd", _("VND")
    PERCENT = "percent", _("%")


class IndicatorSource(models.TextChoices):
    RECORDS = "records", _("computed from the records")
    MANUAL = "manual", _("entered by hand")


class Indicator(models.Model):
    """One thing targets are set on. Computed indicators have a recipe in `reports.measures`
    under their code; hand-entered ones take `IndicatorValue` rows."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    unit = models.CharField(_("unit"), max_length=16, choices=IndicatorUnit.choices)
    measure = models.CharField(_("measure"), max_length=16, choices=Measure.choices)
    source = models.CharField(_("source"), max_length=16, choices=IndicatorSource.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(measure__in=[m.value for m in Measure]), name="indicator_measure_valid"),
            models.CheckConstraint(
                condition=Q(source__in=[s.value for s in IndicatorSource]), name="indicator_source_valid"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        language = translation.get_language() or settings.LANGUAGE_CODE
        return self.name_en if language.startswith("en") else self.name_vi

    @property
    def is_flow(self) -> bool:
        return self.measure in FLOW_MEASURES

    @property
    def is_additive(self) -> bool:
        return self.measure in ADDITIVE_MEASURES


class Issuer(models.TextChoices):
    VGCL = "vgcl", _("General Confederation (VGCL)")
    FEDERATION = "federation", _("Provincial federation")
    SUPERIOR = "superior", _("Direct-superior union")


class Target(OrganizedBy, models.Model):
    """A unit's target for an indicator in a report year. The current value is here; every value
    it has had, with its document, is a `TargetRevision`."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="targets")
    union = models.ForeignKey(
        Union,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="targets",
        help_text=_("Empty for the federation's own target."),
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("target"), max_digits=20, decimal_places=2)
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    document_date = models.DateField(_("document date"), null=True, blank=True)
    issuer = models.CharField(_("issued by"), max_length=16, choices=Issuer.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    version = models.PositiveIntegerField(default=1)
    # Set when the unit closed in a reorganization: the rest of the year's target was added to
    # its successor's, so this one no longer counts in allocations.
    passed_to = models.ForeignKey(
        "self", verbose_name=_("passed to"), on_delete=models.PROTECT, null=True, blank=True, related_name="passed_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["year", "indicator__position", "union__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "indicator", "year"],
                condition=Q(union__isnull=True),
                name="target_unique_federation_indicator_year",
                violation_error_message=_("The federation already has a target for this indicator and year."),
            ),
            models.UniqueConstraint(
                fields=["union", "indicator", "year"],
                condition=Q(union__isnull=False),
                name="target_unique_union_indicator_year",
                violation_error_message=_("This unit already has a target for this indicator and year."),
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_not_negative"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="target_year_valid"),
        ]
        indexes = [models.Index(fields=["federation", "year"], name="target_federation_year_idx")]

    def __str__(self):
        return f"{self.indicator} {self.year}: {self.organizer}"

    def get_absolute_url(self):
        return reverse("reports:target_detail", args=[self.pk])


class TargetRevision(models.Model):
    """One value a target has had: the first is the value it was set with."""

    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveSmallIntegerField(_("revision"))
    value = models.DecimalField(_("target"), max_digits=20, decimal_places=2)
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    document_date = models.DateField(_("document date"), null=True, blank=True)
    issuer = models.CharField(_("issued by"), max_length=16, choices=Issuer.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("target revision")
        verbose_name_plural = _("target revisions")
        ordering = ["target", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["target", "number"], name="target_revision_number_unique"),
        ]

    def __str__(self):
        return f"{self.target_id} #{self.number}: {self.value}"


class IndicatorValue(models.Model):
    """A hand-entered indicator's value for a unit and quarter (flows: what happened in the
    quarter; stocks and ratios: the value at its end)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="+")
    union = models.ForeignKey(Union, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    ends_on = models.DateField(_("quarter ends on"), editable=False)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=2)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "federation", "year", "quarter"],
                condition=Q(union__isnull=True),
                name="indicator_value_unique_federation",
            ),
            models.UniqueConstraint(
                fields=["indicator", "union", "year", "quarter"],
                condition=Q(union__isnull=False),
                name="indicator_value_unique_union",
            ),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="indicator_value_quarter_valid"),
        ]

    def __str__(self):
        return f"{self.indicator_id} Q{self.quarter}/{self.year}: {self.value}"


class ReportingQuarter(models.Model):
    """A report quarter of a federation: its deadline for returns, and whether it is closed
    (closing locks every return of the quarter; reopening needs a reason)."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="quarters")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    deadline = models.DateField(_("deadline"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopen_reason = models.CharField(_("reason for reopening"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("report quarter")
        verbose_name_plural = _("report quarters")
        ordering = ["federation", "-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "year", "quarter"], name="quarter_unique_in_federation"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="quarter_number_valid"),
        ]

    def __str__(self):
        return quarter_label(self.year, self.quarter)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for correction")
    LOCKED = "locked", _("Locked")


# Returns that count as reported (for completeness and the figures taken from returns).
REPORTED_STATUSES = (ReturnStatus.SUBMITTED, ReturnStatus.APPROVED, ReturnStatus.LOCKED)
# Returns their chair may still edit.
EDITABLE_STATUSES = (ReturnStatus.DRAFT, ReturnStatus.RETURNED)

# The roll counts of §3 a return carries, filled from the records (never typed).
ROLL_FIELDS = (
    "members_opening",
    "members_admitted",
    "members_transferred_in",
    "members_transferred_out",
    "members_left",
    "members_readmitted",
    "members_deceased",
    "members_closing",
    "members_female",
)
# The fields the chair types.
TYPED_FIELDS = (
    "workers_total",
    "workers_female",
    "annual_conference_on",
    "collective_agreement",
    "dialogues",
    "occupational_accidents",
    "work_stoppages",
    "remarks",
)


class ReturnQuerySet(models.QuerySet):
    def visible_to(self, user):
        path = user.scope_path if user.is_authenticated else None
        if path is None:
            return self.none()
        return self.filter(union__path__startswith=path) if path else self

    def within(self, path: str):
        return self.filter(union__path__startswith=path)


class QuarterlyReturn(models.Model):
    """A grassroots union's quarterly return (báo cáo quý). The roll counts are the records' own,
    frozen when the return is submitted; `version` goes up with every save, so a save made on an
    older version is refused rather than overwriting someone else's."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="returns")
    union = models.ForeignKey(Union, verbose_name=_("union"), on_delete=models.PROTECT, related_name="returns")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    # The quarter's last day (from the federation's report year): places the return in periods.
    ends_on = models.DateField(_("quarter ends on"), editable=False)
    status = models.CharField(_("status"), max_length=16, choices=ReturnStatus.choices, default=ReturnStatus.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)

    members_opening = models.PositiveIntegerField(_("members at the start"), default=0)
    members_admitted = models.PositiveIntegerField(_("admitted"), default=0)
    members_transferred_in = models.PositiveIntegerField(_("transferred in"), default=0)
    members_transferred_out = models.PositiveIntegerField(_("transferred out"), default=0)
    members_left = models.PositiveIntegerField(_("left"), default=0)
    members_readmitted = models.PositiveIntegerField(_("readmitted"), default=0)
    members_deceased = models.PositiveIntegerField(_("deceased"), default=0)
    members_closing = models.PositiveIntegerField(_("members at the end"), default=0)
    members_female = models.PositiveIntegerField(_("of whom women"), default=0)
    counts_at = models.DateTimeField(_("counts taken at"), null=True, blank=True)

    workers_total = models.PositiveIntegerField(_("workers"), null=True, blank=True)
    workers_female = models.PositiveIntegerField(_("of whom women"), null=True, blank=True)
    annual_conference_on = models.DateField(_("annual conference held on"), null=True, blank=True)
    collective_agreement = models.BooleanField(_("collective agreement in force"), default=False)
    dialogues = models.PositiveSmallIntegerField(_("dialogues held"), default=0)
    occupational_accidents = models.PositiveSmallIntegerField(_("occupational accidents"), default=0)
    work_stoppages = models.PositiveSmallIntegerField(_("collective work stoppages"), default=0)
    remarks = models.TextField(_("remarks"), blank=True)

    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    status_before_lock = models.CharField(max_length=16, choices=ReturnStatus.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReturnQuerySet.as_manager()

    class Meta:
        verbose_name = _("quarterly return")
        verbose_name_plural = _("quarterly returns")
        ordering = ["-year", "-quarter", "union__path"]
        constraints = [
            models.UniqueConstraint(fields=["union", "year", "quarter"], name="return_unique_union_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="return_quarter_valid"),
            models.CheckConstraint(condition=Q(status__in=[s.value for s in ReturnStatus]), name="return_status_valid"),
            models.CheckConstraint(
                condition=Q(workers_female__isnull=True)
                | Q(workers_total__isnull=True)
                | Q(workers_female__lte=F("workers_total")),
                name="return_female_workers_within_total",
            ),
            models.CheckConstraint(
                condition=Q(members_female__lte=F("members_closing")), name="return_female_members_within_total"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(first_submitted_at__isnull=False),
                name="return_submitted_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["federation", "year", "quarter", "status"], name="return_fed_quarter_idx"),
            models.Index(fields=["union", "ends_on"], name="return_union_ends_idx"),
        ]

    def __str__(self):
        return f"{self.union} {self.label}"

    def get_absolute_url(self):
        return reverse("reports:return_detail", args=[self.pk])

    @property
    def label(self) -> str:
        return quarter_label(self.year, self.quarter)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_reported(self) -> bool:
        return self.status in REPORTED_STATUSES


class Reminder(models.Model):
    """A deadline reminder sent to a chair, so the daily task sends each one once."""

    class Kind(models.TextChoices):
        DUE = "due", _("deadline coming")
        LATE = "late", _("deadline passed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    union = models.ForeignKey(Union, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "union", "year", "quarter", "kind"], name="reminder_once"),
        ]

    def __str__(self):
        return f"{self.kind} Q{self.quarter}/{self.year} → {self.user_id}"


# --- Pre-aggregated figures (reports/rollup.py) ----------------------------------------------


class RollupFigure(models.Model):
    """One union's total of one rolled-up recipe (`key`, see `reports.rollup.recipes`) for one
    month (its first day); the months before ROLLUP_FROM are one row dated `rollup.BEFORE`.
    Whole calendar years also have a row of their own (key + "/y", dated 1 January). Written only
    by `reports.rollup.refresh`, read only while its federation is fresh."""

    # No database constraint: a union with no records left may be deleted while rows of it
    # wait for the next refresh (they are never read: reads join the union).
    union = models.ForeignKey(Union, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    # The federation whose refresh wrote the row: only its rows are read while it is fresh, and
    # its refresh deletes them (a union moved to another federation leaves both stale until then).
    federation = models.ForeignKey(
        Federation, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    month = models.DateField()
    key = models.CharField(max_length=64)
    value = models.BigIntegerField()

    class Meta:
        indexes = [
            # A federation's dashboard: every union of the federation, by key and month.
            models.Index(fields=["federation", "key", "month"], name="rollup_fed_key_month_idx"),
            # A district's or a grassroots union's: the few unions of the subtree, each read from
            # the index alone (PostgreSQL covers `value`; elsewhere a plain index).
            models.Index(fields=["union", "key", "month"], include=["value"], name="rollup_union_key_month_idx"),
        ]

    def __str__(self):
        return f"{self.key} {self.union_id} {self.month:%m/%Y}"


class RollupState(models.Model):
    """Whether a federation's rollup rows were built, when, and from which month; the row a
    refresh locks so that two workers never rebuild the same federation at once."""

    federation = models.OneToOneField(Federation, on_delete=models.CASCADE, primary_key=True, related_name="+")
    built_at = models.DateTimeField(null=True, blank=True)
    rollup_from = models.DateField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    def __str__(self):
        return f"{self.federation_id}: {self.built_at}"


class RollupDirty(models.Model):
    """A note, written by database triggers on members and movements (and on a union changing
    federation), that a federation's records changed since its rollup was built. An append-only
    log with no unique key and no foreign key, so concurrent writers never wait on each other;
    a refresh deletes the notes it saw."""

    federation = models.ForeignKey(Federation, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")

    def __str__(self):
        return str(self.federation_id)
