"""Writes of welfare records. Every function checks what it is given, writes in one
transaction and records the change in the audit trail."""

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from federation.models import AuditLog
from federation.services import audit_log, audit_log_many, diff_fields
from federation.signals import records_changed
from federation.text import clean_text, fold
from members.models import Member
from unions.models import Level

from .models import (
    SHELTER_NEXT,
    Activity,
    Beneficiary,
    EntryKind,
    Fund,
    FundEntry,
    Occasion,
    Shelter,
    ShelterStatus,
)

ACTIVITY_FIELDS = (
    "program",
    "occasion",
    "title",
    "held_on",
    "support_form",
    "person_times",
    "amount_union_funds",
    "amount_sponsors",
    "amount_social_fund",
    "amount_other",
    "note",
)
SHELTER_FIELDS = (
    "member",
    "is_repair",
    "address",
    "total_cost",
    "decision_number",
    "approved_on",
    "amount_union_funds",
    "amount_sponsors",
    "amount_social_fund",
    "amount_other",
    "note",
)


def _created(obj, fields) -> dict:
    changes = {}
    for name in fields:
        value = getattr(obj, name)
        if value not in (None, "", 0, False):
            changes[name] = [None, value if isinstance(value, (str, int, bool)) else str(value)]
    return changes


def _money(value) -> str:
    return formats.number_format(value, force_grouping=True)


def _not_in_future(on: datetime.date, field: str) -> None:
    if on and on > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})


def check_organizer(*, federation, union) -> None:
    """Records are organized by the federation itself or by one of its open unions."""
    if union is None:
        return
    if union.federation_id != federation.pk:
        raise ValidationError({"union": _("The union belongs to another federation.")})
    if not union.is_active:
        raise ValidationError({"union": _("The union is closed: it cannot take new records.")})


def member_in_reach(member, *, federation, union) -> bool:
    """The member is on a roll within the organizer's subtree (the federation: anywhere in it)."""
    if member.federation_id != federation.pk:
        return False
    return union is None or member.union.path.startswith(union.path)


def _out_of_reach(members, record) -> list:
    """The members not on a roll within the record's organizer's subtree: one query per 5,000
    members, whatever their unions."""
    reach = Member.objects.filter(federation_id=record.federation_id)
    if record.union_id:
        reach = reach.filter(union__path__startswith=record.union.path)
    ids = [m.pk for m in members]
    inside = set()
    for start in range(0, len(ids), 5000):
        inside.update(reach.filter(pk__in=ids[start : start + 5000]).values_list("pk", flat=True))
    return [m for m in members if m.pk not in inside]


def _check_occasion(occasion, federation) -> None:
    if occasion is not None and occasion.federation_id != federation.pk:
        raise ValidationError({"occasion": _("The occasion belongs to another federation.")})


# --- occasions ---------------------------------------------------------------------------------


@transaction.atomic
def occasion_create(*, federation, name: str, starts_on, ends_on, by, request=None) -> Occasion:
    occasion = Occasion(federation=federation, name=clean_text(name), starts_on=starts_on, ends_on=ends_on)
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end comes before the start.")})
    occasion.full_clean()
    occasion.save()
    audit_log(actor=by, obj=occasion, action=AuditLog.Action.CREATE, changes=_created(occasion, ("name",)),
              request=request)  # fmt: skip
    return occasion


# --- activities --------------------------------------------------------------------------------


def _check_activity(activity: Activity, *, linked: int = 0) -> None:
    _not_in_future(activity.held_on, "held_on")
    _check_occasion(activity.occasion, activity.federation)
    if activity.person_times is not None and activity.person_times < linked:
        raise ValidationError(
            {
                "person_times": _("%(n)s members are on the list of beneficiaries: person-times cannot be fewer.")
                % {"n": _money(linked)}
            }
        )
    activity.title = clean_text(activity.title)
    activity.search_text = fold(activity.title)[:255]
    activity.full_clean(exclude=["created_by"])


@transaction.atomic
def activity_create(*, federation, union=None, by, request=None, **data) -> Activity:
    """Record an activity organized by `union` (None: the federation itself)."""
    check_organizer(federation=federation, union=union)
    unknown = set(data) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown activity fields: {sorted(unknown)}")
    activity = Activity(federation=federation, union=union, created_by=by if getattr(by, "pk", None) else None, **data)
    _check_activity(activity)
    activity.save()
    audit_log(actor=by, obj=activity, action=AuditLog.Action.CREATE, changes=_created(activity, ACTIVITY_FIELDS),
              request=request)  # fmt: skip
    return activity


@transaction.atomic
def activity_update(*, activity: Activity, by, request=None, **data) -> Activity:
    unknown = set(data) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown activity fields: {sorted(unknown)}")
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    changes = diff_fields(activity, data)
    if not changes:
        return activity
    for name, value in data.items():
        setattr(activity, name, value)
    _check_activity(activity, linked=activity.beneficiaries.count())
    activity.save()
    audit_log(actor=by, obj=activity, action=AuditLog.Action.UPDATE, changes=changes, request=request)
    return activity


@transaction.atomic
def beneficiaries_add(*, activity: Activity, rows, by, request=None) -> tuple[int, int]:
    """Link members to an activity: `rows` are (member, amount or None, note). Members already on
    the list are left as they are. Person-times rise to the number of linked members when they
    were fewer. Returns (added, already there)."""
    activity = Activity.objects.select_for_update(of=("self",)).select_related("union").get(pk=activity.pk)
    rows = list(rows)
    if any(amount is not None and amount < 0 for _member, amount, _note in rows):
        raise ValidationError(_("An amount cannot be negative."))
    outside = _out_of_reach([member for member, _amount, _note in rows], activity)
    if outside:
        raise ValidationError(_("%(name)s is not on a roll of the organizing union.") % {"name": outside[0]})
    present = set(activity.beneficiaries.values_list("member_id", flat=True))
    new = []
    for member, amount, note in rows:
        if member.pk not in present:
            present.add(member.pk)
            new.append(Beneficiary(activity=activity, member=member, amount=amount, note=clean_text(note or "")))
    Beneficiary.objects.bulk_create(new, batch_size=2000)
    changes = {"beneficiaries": [len(present) - len(new), len(present)]}
    if len(present) > activity.person_times:
        changes["person_times"] = [activity.person_times, len(present)]
        activity.person_times = len(present)
        activity.save(update_fields=["person_times", "updated_at"])
    if new:
        audit_log(actor=by, obj=activity, action=AuditLog.Action.UPDATE, changes=changes, request=request)
        audit_log_many(
            actor=by, objs=new, action=AuditLog.Action.CREATE, request=request,
            changes=lambda b: {"member": [None, str(b.member)], "amount": [None, b.amount]},
        )  # fmt: skip
    return len(new), len(rows) - len(new)


@transaction.atomic
def beneficiary_remove(*, beneficiary: Beneficiary, by, request=None) -> None:
    """Take a member off an activity's list: the activity's history shows the count, the
    audit trail keeps who was removed."""
    activity = beneficiary.activity
    count = activity.beneficiaries.count()
    audit_log(actor=by, obj=beneficiary, action=AuditLog.Action.DELETE, request=request,
              changes={"member": [str(beneficiary.member), None]})  # fmt: skip
    beneficiary.delete()
    audit_log(actor=by, obj=activity, action=AuditLog.Action.UPDATE, changes={"beneficiaries": [count, count - 1]},
              request=request)  # fmt: skip


# --- Union Shelters ----------------------------------------------------------------------------


def _check_shelter(shelter: Shelter) -> None:
    _not_in_future(shelter.approved_on, "approved_on")
    if shelter.union_id and shelter.union.level != Level.SUPERIOR:
        raise ValidationError({"union": _("Union Shelters are run by the federation or a direct-superior union.")})
    if not member_in_reach(shelter.member, federation=shelter.federation, union=shelter.union):
        raise ValidationError({"member": _("The member is not on a roll of the union running the shelter.")})
    if shelter.amount_total > (shelter.total_cost or 0):
        raise ValidationError({"total_cost": _("The support cannot exceed the total cost.")})
    shelter.address = clean_text(shelter.address)
    try:
        shelter.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        # One new house per member and year is a constraint on two fields: say it on the member.
        errors = exc.update_error_dict({})
        unique = _one_house_rule().violation_error_message
        general = errors.pop(NON_FIELD_ERRORS, [])
        if any(unique in e.messages for e in general):
            errors.setdefault("member", []).append(ValidationError(unique))
            general = [e for e in general if unique not in e.messages]
        if general:
            errors[NON_FIELD_ERRORS] = general
        raise ValidationError(errors) from exc


def _one_house_rule():
    return next(c for c in Shelter._meta.constraints if c.name == "shelter_one_new_house_per_member_year")


def _save_checked(obj, **kwargs) -> None:
    """Save inside a savepoint: a constraint another transaction won the race for becomes the
    constraint's message, not a server error."""
    try:
        with transaction.atomic():
            obj.save(**kwargs)
    except IntegrityError as exc:
        if "shelter_one_new_house_per_member_year" in str(exc):
            raise ValidationError({"member": _one_house_rule().violation_error_message}) from exc
        raise


@transaction.atomic
def shelter_create(*, federation, union=None, by, request=None, **data) -> Shelter:
    """Approve a Union Shelter for a member (status `approved`)."""
    check_organizer(federation=federation, union=union)
    unknown = set(data) - set(SHELTER_FIELDS)
    if unknown:
        raise TypeError(f"unknown shelter fields: {sorted(unknown)}")
    shelter = Shelter(federation=federation, union=union, created_by=by if getattr(by, "pk", None) else None, **data)
    _check_shelter(shelter)
    _save_checked(shelter)
    audit_log(actor=by, obj=shelter, action=AuditLog.Action.CREATE, changes=_created(shelter, SHELTER_FIELDS),
              request=request)  # fmt: skip
    return shelter


@transaction.atomic
def shelter_update(*, shelter: Shelter, by, request=None, **data) -> Shelter:
    unknown = set(data) - set(SHELTER_FIELDS)
    if unknown:
        raise TypeError(f"unknown shelter fields: {sorted(unknown)}")
    shelter = (
        Shelter.objects.select_for_update(of=("self",)).select_related("union", "member__union").get(pk=shelter.pk)
    )
    changes = diff_fields(shelter, data)
    if not changes:
        return shelter
    if shelter.status in (ShelterStatus.HANDED_OVER, ShelterStatus.CANCELLED) and (
        set(changes) & {"member", "approved_on", "is_repair"}
    ):
        raise ValidationError(_("A shelter handed over or cancelled keeps its member, kind and approval date."))
    for name, value in data.items():
        setattr(shelter, name, value)
    _check_shelter(shelter)
    _save_checked(shelter)
    audit_log(actor=by, obj=shelter, action=AuditLog.Action.UPDATE, changes=changes, request=request)
    return shelter


@transaction.atomic
def shelter_advance(*, shelter: Shelter, to: str, on: datetime.date, by, reason: str = "", request=None) -> Shelter:
    """Move a shelter along its pipeline: approved → building → handed over, or cancelled.
    A concurrent change of the same shelter is refused, not overwritten."""
    if to not in ShelterStatus.values:
        raise ValidationError({"to": _("Unknown status.")})
    if to not in SHELTER_NEXT.get(shelter.status, ()):
        raise ValidationError(
            _("A shelter that is “%(status)s” cannot become “%(to)s”.")
            % {"status": shelter.get_status_display(), "to": ShelterStatus(to).label}
        )
    if on is None:
        raise ValidationError({"on": _("Enter the date.")})
    _not_in_future(on, "on")
    if on < shelter.approved_on:
        raise ValidationError({"on": _("The date comes before the approval.")})
    update = {"status": to, "updated_at": timezone.now()}
    if to == ShelterStatus.BUILDING:
        update["started_on"] = on
    elif to == ShelterStatus.HANDED_OVER:
        if shelter.started_on and on < shelter.started_on:
            raise ValidationError({"on": _("The date comes before building started.")})
        update["handed_over_on"] = on
    else:
        reason = clean_text(reason)
        if not reason:
            raise ValidationError({"reason": _("Say why the shelter is cancelled.")})
        update["cancelled_on"] = on
        update["cancel_reason"] = reason
    if not Shelter.objects.filter(pk=shelter.pk, status=shelter.status).update(**update):
        raise ValidationError(_("Someone else changed this shelter meanwhile: reload the page and try again."))
    records_changed.send(sender=Shelter)
    changes = {"status": [shelter.status, to]}
    for name in ("started_on", "handed_over_on", "cancelled_on", "cancel_reason"):
        if name in update:
            changes[name] = [None, update[name] if isinstance(update[name], str) else update[name].isoformat()]
    shelter.refresh_from_db()
    audit_log(actor=by, obj=shelter, action=AuditLog.Action.UPDATE, changes=changes, request=request)
    return shelter


# --- funds -------------------------------------------------------------------------------------


@transaction.atomic
def fund_create(*, federation, union=None, name: str, kind: str, note: str = "", by, request=None) -> Fund:
    check_organizer(federation=federation, union=union)
    fund = Fund(federation=federation, union=union, name=clean_text(name), kind=kind, note=note)
    fund.full_clean()
    fund.save()
    audit_log(actor=by, obj=fund, action=AuditLog.Action.CREATE, changes=_created(fund, ("name", "kind")),
              request=request)  # fmt: skip
    return fund


def _check_entry(amount, on) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValidationError({"amount": _("Enter an amount above zero, in dong.")})
    if on is None:
        raise ValidationError({"on": _("Enter the date.")})
    _not_in_future(on, "on")


@transaction.atomic
def fund_contribute(
    *, fund: Fund, amount: int, on, counterparty: str = "", note: str = "", submission=None, by, request=None
):
    """Take a contribution into the fund (once per `submission`, see `fund_pay`)."""
    _check_entry(amount, on)
    if (done := _submitted(fund, submission)) is not None:
        return done
    Fund.objects.filter(pk=fund.pk).update(balance=F("balance") + amount)
    return _entry(fund, EntryKind.CONTRIBUTION, amount, on, counterparty, None, note, by, request, submission)


@transaction.atomic
def fund_pay(
    *, fund: Fund, amount: int, on, counterparty: str = "", member=None, note: str = "", submission=None, by,
    request=None,
):  # fmt: skip
    """Pay out of the fund. The balance is checked and lowered in one UPDATE, so two payouts at
    the same moment can neither overdraw the fund nor lose one another. `submission` (the id of
    the form or API call) makes it happen once: the same submission sent again (a double click,
    a retried request) returns the entry it recorded."""
    _check_entry(amount, on)
    if member is not None and not member_in_reach(member, federation=fund.federation, union=fund.union):
        raise ValidationError({"member": _("The member is not on a roll of the union holding the fund.")})
    if (done := _submitted(fund, submission)) is not None:
        return done
    if not Fund.objects.filter(pk=fund.pk, balance__gte=amount).update(balance=F("balance") - amount):
        balance = Fund.objects.values_list("balance", flat=True).get(pk=fund.pk)
        raise ValidationError(
            {
                "amount": _("The fund holds %(balance)s đồng: it cannot pay %(amount)s đồng.")
                % {"balance": _money(balance), "amount": _money(amount)}
            }
        )
    return _entry(fund, EntryKind.PAYOUT, amount, on, counterparty, member, note, by, request, submission)


def _submitted(fund: Fund, submission) -> FundEntry | None:
    """The entry `submission` already recorded. The fund's row is locked first, so a second copy
    of the same submission waits for the first to commit and then finds its entry (the unique
    constraint on fund and submission stands behind this)."""
    if submission is None:
        return None
    Fund.objects.select_for_update().filter(pk=fund.pk).exists()
    return FundEntry.objects.filter(fund=fund, submission=submission).first()


def _entry(fund, kind, amount, on, counterparty, member, note, by, request, submission=None) -> FundEntry:
    # Our UPDATE holds the row lock until commit: the balance read here is the one it left.
    balance = Fund.objects.values_list("balance", flat=True).get(pk=fund.pk)
    entry = FundEntry.objects.create(
        fund=fund,
        kind=kind,
        amount=amount,
        on=on,
        counterparty=clean_text(counterparty),
        member=member,
        note=clean_text(note),
        balance_after=balance,
        created_by=by if getattr(by, "pk", None) else None,
        submission=submission,
    )
    fund.balance = balance
    audit_log(
        actor=by,
        obj=fund,
        action=AuditLog.Action.UPDATE,
        changes={"balance": [balance - entry.signed_amount, balance], kind: [None, amount]},
        request=request,
    )
    return entry
