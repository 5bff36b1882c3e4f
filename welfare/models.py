"""Welfare (chăm lo đời sống, PRODUCT.md §5): activities of each program with their
beneficiaries and money by source, the Union Shelter pipeline, and funds.

A record is organized by a union, or by the federation itself when `union` is empty; it is seen
by the users whose subtree holds the organizer (`scope_q`). Money is whole dong.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from federation.models import PATH_SEGMENT, Federation
from members.models import Member
from unions.models import Union


def scope_q(path: str, prefix: str = "") -> Q:
    """Records organized within the subtree at `path`: a federation's path (one segment) takes
    its federation-level records too; a union's path the records of the unions below it."""
    if path == "":
        return Q()
    if len(path) == PATH_SEGMENT:
        return Q(**{f"{prefix}federation_id": int(path[:-1])})
    return Q(**{f"{prefix}union__path__startswith": path})


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Records organized within the user's subtree."""
        path = user.scope_path if user.is_authenticated else None
        if path is None:
            return self.none()
        return self.filter(scope_q(path))

    def within(self, path: str):
        """Records organized within the subtree at `path` (see `scope_q`)."""
        return self.filter(scope_q(path))


class Program(models.TextChoices):
    TET_CARE = "tet_care", _("Tet care")
    SHELTER = "shelter", _("Union Shelter")
    MEAL = "meal", _("Trade Union Meal")
    TET_MARKET = "tet_market", _("Trade Union Tet Market")
    TET_TRIP = "tet_trip", _("Trip home for Tet")
    HEALTH_CHECK = "health_check", _("Health check-up")
    HARDSHIP = "hardship", _("Hardship support")
    WORKERS_MONTH = "workers_month", _("Workers' Month visits")
    FUND_CONTRIBUTION = "fund_contribution", _("Fund contribution")
    FUND_PAYOUT = "fund_payout", _("Fund payout")
    OTHER = "other", _("Other")


# Programs recorded as activities; shelters and fund movements have their own records.
ACTIVITY_PROGRAMS = [
    (value, label)
    for value, label in Program.choices
    if value not in (Program.SHELTER, Program.FUND_CONTRIBUTION, Program.FUND_PAYOUT)
]


class SupportForm(models.TextChoices):
    GIFTS = "gifts", _("Gifts")
    CASH = "cash", _("Cash")
    VOUCHERS = "vouchers", _("Vouchers")
    MIXED = "mixed", _("Gifts and cash")
    SERVICE = "service", _("Service (meal, check-up, trip)")


# The money of an activity or a shelter's support, by who paid (union funds vs sponsors,
# "xã hội hóa"): the field names, in the order they are shown.
SOURCES = ("amount_union_funds", "amount_sponsors", "amount_social_fund", "amount_other")


def _non_negative(model: str, *names: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(condition=Q(**{f"{name}__gte": 0}), name=f"{model}_{name}_not_negative")
        for name in names
    ]


class OrganizedBy:
    """A record organized (run, held) by a union, or by the federation itself."""

    @property
    def organizer(self):
        return self.union if self.union_id else self.federation


class MoneyBySource(models.Model):
    amount_union_funds = models.BigIntegerField(_("from union funds (VND)"), default=0)
    amount_sponsors = models.BigIntegerField(_("from sponsors (VND)"), default=0)
    amount_social_fund = models.BigIntegerField(_("from the social fund (VND)"), default=0)
    amount_other = models.BigIntegerField(_("from other sources (VND)"), default=0)

    class Meta:
        abstract = True

    @property
    def amount_total(self) -> int:
        return sum(getattr(self, name) for name in SOURCES)


class OccasionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Occasions are the federation's: everyone in it sees them all."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser and not user.federation_id:
            return self
        return self.filter(federation_id=user.federation_id)


class Occasion(models.Model):
    """A campaign or occasion the federation runs activities under ("Tết Ất Tỵ 2025",
    "Tháng Công nhân 2025")."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="occasions")
    name = models.CharField(_("name"), max_length=150)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OccasionQuerySet.as_manager()

    class Meta:
        verbose_name = _("occasion")
        verbose_name_plural = _("occasions")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "name"],
                name="occasion_name_unique_in_federation",
                violation_error_message=_("The federation already has an occasion with this name."),
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="occasion_dates_ordered"),
        ]

    def __str__(self):
        return self.name


class Activity(OrganizedBy, MoneyBySource):
    """What a union (or the federation) did for its members on one program: a Tet gift round,
    a Trade Union Meal, a health check-up... `person_times` counts everyone reached (lượt
    người); the linked members (`Beneficiary`) are those known by name."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="activities")
    union = models.ForeignKey(
        Union,
        verbose_name=_("organized by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        help_text=_("Empty when the federation itself organized it."),
    )
    program = models.CharField(_("program"), max_length=24, choices=ACTIVITY_PROGRAMS)
    occasion = models.ForeignKey(
        Occasion,
        verbose_name=_("occasion"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
    )
    title = models.CharField(_("title"), max_length=255)
    held_on = models.DateField(_("date"))
    support_form = models.CharField(_("form of support"), max_length=16, choices=SupportForm.choices, blank=True)
    person_times = models.PositiveIntegerField(_("person-times"))
    note = models.TextField(_("note"), blank=True)
    # The folded title ("qua tet cho doan vien"): search ignores diacritics on every database.
    search_text = models.CharField(max_length=255, editable=False, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("welfare activity")
        verbose_name_plural = _("welfare activities")
        ordering = ["-held_on", "-pk"]
        constraints = [
            *_non_negative("activity", *SOURCES, "person_times"),
            models.CheckConstraint(
                condition=~Q(program__in=["shelter", "fund_contribution", "fund_payout"]),
                name="activity_program_is_an_activity",
            ),
        ]
        indexes = [
            models.Index(fields=["federation", "held_on"], name="activity_federation_day_idx"),
            models.Index(fields=["union", "held_on"], name="activity_union_day_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("welfare:activity_detail", args=[self.pk])


class Beneficiary(models.Model):
    """A member known to have received an activity's support (one row per person: person-times
    beyond the named ones stay a number on the activity)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="beneficiaries")
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="benefits")
    amount = models.BigIntegerField(_("amount (VND)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("beneficiary")
        # Also the label of the linked-members count in an activity's history.
        verbose_name_plural = _("members known by name")
        ordering = ["member__sort_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "member"],
                name="beneficiary_once_per_activity",
                violation_error_message=_("This member is already on the activity's list."),
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="beneficiary_amount_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.member} — {self.activity}"


class ShelterStatus(models.TextChoices):
    APPROVED = "approved", _("Approved")
    BUILDING = "building", _("Building")
    HANDED_OVER = "handed_over", _("Handed over")
    CANCELLED = "cancelled", _("Cancelled")


# Where a shelter may go next from each status.
SHELTER_NEXT = {
    ShelterStatus.APPROVED: (ShelterStatus.BUILDING, ShelterStatus.HANDED_OVER, ShelterStatus.CANCELLED),
    ShelterStatus.BUILDING: (ShelterStatus.HANDED_OVER, ShelterStatus.CANCELLED),
    ShelterStatus.HANDED_OVER: (),
    ShelterStatus.CANCELLED: (),
}


def shelter_scope_q(path: str) -> Q:
    """Shelters a user of the subtree at `path` sees: those run within it, and those built for
    the members on its rolls (a chair follows the house a district builds for its member).
    Totals count a shelter where it is run (`scope_q`), like every other record."""
    if path == "" or len(path) == PATH_SEGMENT:
        return scope_q(path)
    return scope_q(path) | Q(member__union__path__startswith=path)


class ShelterQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        path = user.scope_path if user.is_authenticated else None
        if path is None:
            return self.none()
        return self.filter(shelter_scope_q(path))


class Shelter(OrganizedBy, MoneyBySource):
    """A Union Shelter (Mái ấm Công đoàn): a house built or repaired for a member in housing
    difficulty. The support is the money by source; it counts when handed over."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="shelters")
    union = models.ForeignKey(
        Union,
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shelters",
        help_text=_("Empty when the federation itself runs it."),
    )
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="shelters")
    is_repair = models.BooleanField(_("repair"), default=False, help_text=_("A repair rather than a new house."))
    address = models.CharField(_("address"), max_length=255, blank=True)
    total_cost = models.BigIntegerField(_("total cost (VND)"))
    status = models.CharField(_("status"), max_length=16, choices=ShelterStatus.choices, default=ShelterStatus.APPROVED)
    decision_number = models.CharField(_("decision number"), max_length=64, blank=True)
    approved_on = models.DateField(_("approved on"))
    started_on = models.DateField(_("building started on"), null=True, blank=True)
    handed_over_on = models.DateField(_("handed over on"), null=True, blank=True)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=255, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ShelterQuerySet.as_manager()

    class Meta:
        verbose_name = _("Union Shelter")
        verbose_name_plural = _("Union Shelters")
        ordering = ["-approved_on", "-pk"]
        constraints = [
            *_non_negative("shelter", *SOURCES, "total_cost"),
            models.CheckConstraint(
                condition=Q(
                    total_cost__gte=F("amount_union_funds")
                    + F("amount_sponsors")
                    + F("amount_social_fund")
                    + F("amount_other")
                ),
                name="shelter_support_within_cost",
                violation_error_message=_("The support cannot exceed the total cost."),
            ),
            models.CheckConstraint(
                condition=Q(handed_over_on__isnull=True) | Q(handed_over_on__gte=F("approved_on")),
                name="shelter_handed_over_after_approval",
                violation_error_message=_("A shelter is handed over on or after its approval."),
            ),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True) | Q(started_on__gte=F("approved_on")),
                name="shelter_started_after_approval",
                violation_error_message=_("Building starts on or after the approval."),
            ),
            models.CheckConstraint(
                condition=Q(handed_over_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(handed_over_on__gte=F("started_on")),
                name="shelter_handed_over_after_start",
                violation_error_message=_("A shelter is handed over on or after building started."),
            ),
            models.CheckConstraint(
                condition=Q(status="handed_over", handed_over_on__isnull=False)
                | (~Q(status="handed_over") & Q(handed_over_on__isnull=True)),
                name="shelter_handed_over_on_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_on__isnull=False)
                | (~Q(status="cancelled") & Q(cancelled_on__isnull=True)),
                name="shelter_cancelled_on_matches_status",
            ),
            models.CheckConstraint(
                condition=~Q(status="building") | Q(started_on__isnull=False),
                name="shelter_building_has_start",
            ),
            models.UniqueConstraint(
                F("member"),
                ExtractYear("approved_on"),
                condition=Q(is_repair=False) & ~Q(status="cancelled"),
                name="shelter_one_new_house_per_member_year",
                violation_error_message=_(
                    "This member already has a Union Shelter this year: mark the new one as a repair, "
                    "or cancel the other."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["federation", "status", "handed_over_on"], name="shelter_fed_status_day_idx"),
        ]

    def __str__(self):
        kind = _("repair") if self.is_repair else _("new house")
        return f"{self.member} ({kind}, {self.year})"

    def get_absolute_url(self):
        return reverse("welfare:shelter_detail", args=[self.pk])

    @property
    def year(self) -> int:
        """The program year: the year of approval (one new house per member and year)."""
        return self.approved_on.year

    @property
    def support(self) -> int:
        return self.amount_total

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return SHELTER_NEXT[self.status]


class FundKind(models.TextChoices):
    SOCIAL = "social", _("Trade Union Social Fund")
    SUPPORT = "support", _("Support fund")
    OTHER = "other", _("Other fund")


class Fund(OrganizedBy, models.Model):
    """A fund (the Trade Union Social Fund, a support fund): contributions in, payouts out.
    `balance` is kept by `fund_contribute`/`fund_pay` in one UPDATE each, and the database
    refuses a negative one."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="funds")
    union = models.ForeignKey(
        Union,
        verbose_name=_("held by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funds",
        help_text=_("Empty when the federation itself holds it."),
    )
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=16, choices=FundKind.choices)
    balance = models.BigIntegerField(_("balance (VND)"), default=0, editable=False)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0),
                name="fund_balance_not_negative",
                violation_error_message=_("A fund's balance cannot go below zero."),
            ),
            models.UniqueConstraint(
                fields=["federation", "name"],
                name="fund_name_unique_in_federation",
                violation_error_message=_("The federation already has a fund with this name."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("welfare:fund_detail", args=[self.pk])


class EntryKind(models.TextChoices):
    CONTRIBUTION = "contribution", _("Contribution")
    PAYOUT = "payout", _("Payout")


class FundEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Entries of the funds the user sees."""
        path = user.scope_path if user.is_authenticated else None
        if path is None:
            return self.none()
        return self.filter(scope_q(path, "fund__"))


class FundEntry(models.Model):
    """One contribution to or payout from a fund, with the balance right after it."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    amount = models.BigIntegerField(_("amount (VND)"))
    on = models.DateField(_("date"))
    counterparty = models.CharField(
        _("from / to"), max_length=255, blank=True, help_text=_("Who contributed, or who received the payout.")
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, null=True, blank=True, related_name="fund_payouts"
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    balance_after = models.BigIntegerField(_("balance after (VND)"), editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The form (or API call) the entry came from: the same submission sent twice records one entry.
    submission = models.UUIDField(null=True, blank=True, editable=False)

    objects = FundEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("fund entry")
        verbose_name_plural = _("fund entries")
        ordering = ["-on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_entry_amount_positive"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="fund_entry_balance_not_negative"),
            models.CheckConstraint(condition=Q(kind__in=["contribution", "payout"]), name="fund_entry_kind_valid"),
            models.UniqueConstraint(fields=["fund", "submission"], name="fund_entry_submission_once"),
        ]
        indexes = [models.Index(fields=["fund", "on"], name="fund_entry_fund_day_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount:,} — {self.fund}"

    @property
    def signed_amount(self) -> int:
        return self.amount if self.kind == EntryKind.CONTRIBUTION else -self.amount
