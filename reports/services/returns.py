"""Writes of quarterly returns and report quarters (PRODUCT.md §6).

Every state change is a compare-and-set: one `UPDATE ... WHERE version = <the version the
caller saw> AND status IN (<the statuses it may leave>)` that bumps the version, so two people
acting on the same return at once never lose one another's work: the second is told who got
there first, and nothing of theirs is written. Closing a quarter locks its returns; from then on
none of them can be opened, saved, submitted or decided until the quarter is reopened.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from federation.models import AuditLog, Cap, Federation, Role, User
from federation.services import audit_log, diff_fields
from federation.signals import records_changed
from federation.text import clean_text
from unions.models import Level

from ..completeness import owing_unions
from ..models import (
    EDITABLE_STATUSES,
    REPORTED_STATUSES,
    TYPED_FIELDS,
    QuarterlyReturn,
    Reminder,
    ReportingQuarter,
    ReturnStatus,
)
from ..periods import default_deadline, quarter_label, quarter_period
from ..returns import can_decide, can_fill, can_lock, due_quarter, live_counts, owes, quarter_row

logger = logging.getLogger(__name__)

NUMBER_LIMITS = {
    "workers_total": 2_147_483_647,
    "workers_female": 2_147_483_647,
    "dialogues": 32_767,
    "occupational_accidents": 32_767,
    "work_stoppages": 32_767,
}


class ReturnConflict(ValidationError):
    """The return changed since the caller saw it (another version was saved): nothing was
    written. `current` is the return as it is now."""

    def __init__(self, message, *, current: QuarterlyReturn):
        super().__init__(message, code="conflict")
        self.current = current


# --- small helpers -----------------------------------------------------------------------------


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "d/m/Y")


def _check_quarter_number(year, quarter) -> None:
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": _("A quarter is 1, 2, 3 or 4.")})
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Enter a year between 2000 and 2100.")})


def _check_quarter_open(federation, year: int, quarter: int) -> None:
    """Refuse when the quarter is closed; otherwise hold a shared lock on the federation until
    the caller's transaction ends, so that closing the quarter (which takes the exclusive lock)
    waits for writes already past this check instead of committing before them."""
    _share_lock_federation(federation)
    row = quarter_row(federation, year, quarter)
    if row is not None and row.is_closed:
        raise ValidationError(
            _("%(quarter)s is closed: its returns can no longer be changed.")
            % {"quarter": quarter_label(year, quarter)}
        )


def _share_lock_federation(federation) -> None:
    """Many writers at once may hold it; `_lock_federation` waits for all of them (PostgreSQL's
    FOR SHARE; SQLite serializes writers anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(Federation._meta.db_table)
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR SHARE", [federation.pk])


def _lock_federation(federation) -> None:
    """Serialize opening returns with closing their quarter: a draft cannot slip in after the
    quarter was closed."""
    Federation.objects.select_for_update().filter(pk=federation.pk).exists()


def _fresh(ret) -> QuarterlyReturn:
    return QuarterlyReturn.objects.select_related("union", "federation").get(pk=ret.pk)


def _last_saved(ret) -> tuple[str, datetime.datetime]:
    """Who changed the return last, and when (from its audit trail)."""
    entry = (
        AuditLog.objects.filter(content_type=ContentType.objects.get_for_model(QuarterlyReturn), object_id=str(ret.pk))
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    if entry is None:
        return _("Someone"), ret.updated_at
    who = entry.actor.display_name if entry.actor is not None else (entry.actor_name or _("Someone"))
    return who, entry.at


def _conflict(current: QuarterlyReturn) -> ReturnConflict:
    who, when = _last_saved(current)
    message = _(
        "%(who)s saved this return at %(when)s, after you opened it (it is now “%(status)s”, version "
        "%(version)s). Nothing was overwritten and your changes were not saved: check the return as it "
        "is now and try again."
    ) % {
        "who": who,
        "when": formats.date_format(timezone.localtime(when), "H:i d/m/Y"),
        "status": current.get_status_display(),
        "version": current.version,
    }
    return ReturnConflict(message, current=current)


def _not_editable(current: QuarterlyReturn) -> ValidationError:
    return ValidationError(
        _("This return is “%(status)s”: only a draft or a return sent back for correction can be changed or submitted.")
        % {"status": current.get_status_display()}  # fmt: skip
    )


def _check_version(current: QuarterlyReturn, version) -> None:
    if version is None or int(version) != current.version:
        raise _conflict(current)


def _compare_and_set(current: QuarterlyReturn, version: int, statuses, **update) -> QuarterlyReturn:
    """Write `update` only if the return is still at `version` and in one of `statuses`; bump
    the version. Refused with the reason (a conflict, or the status it moved to) otherwise."""
    written = QuarterlyReturn.objects.filter(pk=current.pk, version=version, status__in=statuses).update(
        **update, version=F("version") + 1, updated_at=timezone.now()
    )
    fresh = _fresh(current)
    if not written:
        if fresh.version != version:
            raise _conflict(fresh)
        raise ValidationError(_("This return changed meanwhile: reload the page and try again."))
    # A queryset update sends no model signal: the dashboards' figures are told here.
    records_changed.send(sender=QuarterlyReturn)
    return fresh


def _jsonable(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _clean_typed(data: dict) -> dict:
    """The typed fields of `data`, checked: whole numbers in range, a date not in the future,
    remarks trimmed. Every error at once, by field."""
    unknown = set(data) - set(TYPED_FIELDS)
    if unknown:
        raise TypeError(f"not typed fields of a return: {sorted(unknown)}")
    data = dict(data)
    if "remarks" in data:
        data["remarks"] = (data["remarks"] or "").strip()
    for name in ("dialogues", "occupational_accidents", "work_stoppages"):
        if name in data and data[name] is None:
            data[name] = 0
    if "collective_agreement" in data:
        data["collective_agreement"] = bool(data["collective_agreement"])
    probe = QuarterlyReturn(**data)
    errors = {}
    try:
        probe.clean_fields(exclude=[f.name for f in QuarterlyReturn._meta.fields if f.name not in data])
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    # The columns' own limits, checked here alike on every database (SQLite has none).
    for name, limit in NUMBER_LIMITS.items():
        value = getattr(probe, name)
        if name in data and name not in errors and isinstance(value, int):
            if value < 0:
                errors[name] = [_("The number cannot be negative.")]
            elif value > limit:
                errors[name] = [_("The number is too large.")]
    held = data.get("annual_conference_on")
    if held and "annual_conference_on" not in errors and held > timezone.localdate():
        errors["annual_conference_on"] = [_("The date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    return {name: getattr(probe, name) for name in data}


def _check_workers(values: dict, *, members: int | None = None) -> None:
    """Female workers within the total; at submission, the workers given and members within them."""
    errors = {}
    total, female = values.get("workers_total"), values.get("workers_female")
    if members is not None and total is None:
        errors["workers_total"] = _("Enter the number of workers: a return cannot be submitted without it.")
    if total is not None and female is not None and female > total:
        errors["workers_female"] = _(
            "Female workers (%(female)s) cannot outnumber all workers (%(total)s)."
        ) % {"female": formats.number_format(female, force_grouping=True),
             "total": formats.number_format(total, force_grouping=True)}  # fmt: skip
    if members is not None and total is not None and members > total:
        errors["workers_total"] = _(
            "The roll has %(members)s members at the quarter's end but the return gives %(total)s workers: "
            "members cannot outnumber workers. Check the number of workers, or the member roll."
        ) % {"members": formats.number_format(members, force_grouping=True),
             "total": formats.number_format(total, force_grouping=True)}  # fmt: skip
    if errors:
        raise ValidationError(errors)


def _audit(ret, by, changes, request=None, action=AuditLog.Action.UPDATE) -> None:
    audit_log(actor=by, obj=ret, action=action, changes=changes, request=request)


# --- returns -----------------------------------------------------------------------------------


@transaction.atomic
def return_open(*, union, year: int, quarter: int, by, request=None) -> QuarterlyReturn:
    """The union's return of the quarter: the existing one, or a new draft. Refused when the
    quarter is closed or has not begun, and for a union that does not owe it."""
    _check_quarter_number(year, quarter)
    if by is not None and not can_fill(by, union):
        raise PermissionDenied(_("Only the union's chair fills in its quarterly return."))
    federation = union.federation
    _lock_federation(federation)
    existing = QuarterlyReturn.objects.filter(union=union, year=year, quarter=quarter).first()
    if existing is not None:
        return existing
    label = quarter_label(year, quarter)
    if union.level != Level.GRASSROOTS:
        raise ValidationError(_("Only grassroots unions make quarterly returns."))
    period = quarter_period(federation, year, quarter)
    if period.start > timezone.localdate():
        raise ValidationError(_("%(quarter)s has not begun yet.") % {"quarter": label})
    _check_quarter_open(federation, year, quarter)
    if not owes(union, year, quarter):
        raise ValidationError(
            _("%(union)s does not owe the return of %(quarter)s: it was not open on %(day)s, the quarter's end.")
            % {"union": union.name, "quarter": label, "day": _day(period.end)}
        )
    ret = QuarterlyReturn.objects.create(
        federation=federation, union=union, year=year, quarter=quarter, ends_on=period.end
    )
    _audit(ret, by, {"status": [None, ReturnStatus.DRAFT]}, request, AuditLog.Action.CREATE)
    return ret


@transaction.atomic
def return_save(*, ret, data: dict, version: int, by, request=None) -> QuarterlyReturn:
    """Save the typed fields of a draft (or of a return sent back), if nobody saved another
    version since `version`."""
    data = _clean_typed(data)
    current = _fresh(ret)
    if by is not None and not can_fill(by, current.union):
        raise PermissionDenied(_("Only the union's chair fills in its quarterly return."))
    _check_quarter_open(current.federation, current.year, current.quarter)
    _check_version(current, version)
    if current.status not in EDITABLE_STATUSES:
        raise _not_editable(current)
    _check_workers({**{n: getattr(current, n) for n in TYPED_FIELDS}, **data})
    changes = diff_fields(current, data)
    if not changes:
        return current
    saved = _compare_and_set(current, current.version, EDITABLE_STATUSES, **data)
    _audit(saved, by, changes, request)
    return saved


@transaction.atomic
def return_submit(*, ret, version: int, by, data: dict | None = None, request=None) -> QuarterlyReturn:
    """Submit the return (saving `data`, its typed fields, with it): the checks, then the roll
    counts frozen as the records give them."""
    data = _clean_typed(data or {})
    current = _fresh(ret)
    if by is not None and not can_fill(by, current.union):
        raise PermissionDenied(_("Only the union's chair submits its quarterly return."))
    _check_quarter_open(current.federation, current.year, current.quarter)
    _check_version(current, version)
    if current.status not in EDITABLE_STATUSES:
        raise _not_editable(current)
    period = quarter_period(current.federation, current.year, current.quarter)
    if timezone.localdate() <= period.end:
        raise ValidationError(
            _("%(quarter)s ends on %(end)s: its return can be submitted from the next day.")
            % {"quarter": quarter_label(current.year, current.quarter), "end": _day(period.end)}
        )
    counts = live_counts(current.union, current.year, current.quarter)
    _check_workers({**{n: getattr(current, n) for n in TYPED_FIELDS}, **data}, members=counts["members_closing"])
    now = timezone.now()
    update = {
        **data,
        **counts,
        "status": ReturnStatus.SUBMITTED,
        "submitted_at": now,
        "submitted_by": by if getattr(by, "pk", None) else None,
        "first_submitted_at": current.first_submitted_at or now,
        "counts_at": now,
    }
    changes = diff_fields(current, {**data, **counts})
    changes["status"] = [current.status, ReturnStatus.SUBMITTED]
    saved = _compare_and_set(current, current.version, EDITABLE_STATUSES, **update)
    _audit(saved, by, changes, request)
    return saved


def _decide(ret, *, version, by, to: str, comment: str | None = None, request=None) -> QuarterlyReturn:
    current = _fresh(ret)
    if not can_decide(by, current):
        raise PermissionDenied(
            _("Only the union's direct superior or the federation approves or returns its quarterly return.")
        )
    _check_quarter_open(current.federation, current.year, current.quarter)
    _check_version(current, version)
    if current.status != ReturnStatus.SUBMITTED:
        raise ValidationError(
            _("This return is “%(status)s”: only a submitted return can be approved or returned.")
            % {"status": current.get_status_display()}
        )
    update = {"status": to, "decided_at": timezone.now(), "decided_by": by if getattr(by, "pk", None) else None}
    changes = {"status": [current.status, to]}
    if comment is not None:
        update["comment"] = comment
        changes["comment"] = [current.comment, comment]
    saved = _compare_and_set(current, current.version, [ReturnStatus.SUBMITTED], **update)
    _audit(saved, by, changes, request)
    return saved


@transaction.atomic
def return_approve(*, ret, version: int, by, request=None) -> QuarterlyReturn:
    return _decide(ret, version=version, by=by, to=ReturnStatus.APPROVED, request=request)


@transaction.atomic
def return_send_back(*, ret, comment: str, version: int, by, request=None) -> QuarterlyReturn:
    """Return the submitted return to its union for correction, saying what to correct."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what the union should correct.")})
    return _decide(ret, version=version, by=by, to=ReturnStatus.RETURNED, comment=comment, request=request)


@transaction.atomic
def return_lock(*, ret, by, request=None) -> QuarterlyReturn:
    """Lock an approved return ahead of its quarter's closing."""
    current = _fresh(ret)
    if not can_lock(by, current):
        raise PermissionDenied(_("Only the federation administrator locks returns."))
    _check_quarter_open(current.federation, current.year, current.quarter)
    if current.status != ReturnStatus.APPROVED:
        raise ValidationError(
            _("This return is “%(status)s”: only an approved return can be locked.")
            % {"status": current.get_status_display()}
        )
    saved = _compare_and_set(
        current, current.version, [ReturnStatus.APPROVED], status=ReturnStatus.LOCKED,
        status_before_lock=current.status, locked_at=timezone.now(),
    )  # fmt: skip
    _audit(saved, by, {"status": [current.status, ReturnStatus.LOCKED]}, request)
    return saved


@transaction.atomic
def return_reopen(*, ret, reason: str, by, request=None) -> QuarterlyReturn:
    """Unlock a locked return and send it back to its union, with the reason as the comment."""
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": _("Say why the return is reopened.")})
    current = _fresh(ret)
    if not can_lock(by, current):
        raise PermissionDenied(_("Only the federation administrator reopens locked returns."))
    row = quarter_row(current.federation, current.year, current.quarter)
    if row is not None and row.is_closed:
        raise ValidationError(
            _("%(quarter)s is closed: reopen the quarter to change its returns.")
            % {"quarter": quarter_label(current.year, current.quarter)}
        )
    if current.status != ReturnStatus.LOCKED:
        raise ValidationError(
            _("This return is “%(status)s”: only a locked return can be reopened.")
            % {"status": current.get_status_display()}
        )
    saved = _compare_and_set(
        current, current.version, [ReturnStatus.LOCKED], status=ReturnStatus.RETURNED, status_before_lock="",
        locked_at=None, comment=reason, decided_at=timezone.now(), decided_by=by if getattr(by, "pk", None) else None,
    )  # fmt: skip
    changes = {"status": [current.status, ReturnStatus.RETURNED], "comment": [current.comment, reason]}
    _audit(saved, by, changes, request)
    return saved


# --- quarters ----------------------------------------------------------------------------------


def _require_lock_periods(by) -> None:
    if by is not None and not (by.can(Cap.LOCK_PERIODS) and not by.union_id):
        raise PermissionDenied(_("Only the federation administrator sets deadlines and closes quarters."))


def _quarter_for_update(federation, year: int, quarter: int) -> tuple[ReportingQuarter, bool]:
    """The quarter's row, locked; created with the default deadline when there is none."""
    row = ReportingQuarter.objects.select_for_update().filter(federation=federation, year=year, quarter=quarter).first()
    if row is not None:
        return row, False
    row = ReportingQuarter.objects.create(
        federation=federation, year=year, quarter=quarter, deadline=default_deadline(federation, year, quarter)
    )
    return row, True


@transaction.atomic
def quarter_set_deadline(*, federation, year: int, quarter: int, deadline, by, request=None) -> ReportingQuarter:
    """Set the day the quarter's returns are due (after the quarter ends)."""
    _require_lock_periods(by)
    _check_quarter_number(year, quarter)
    end = quarter_period(federation, year, quarter).end
    if deadline is None:
        raise ValidationError({"deadline": _("Enter the deadline.")})
    if deadline <= end:
        raise ValidationError(
            {"deadline": _("The deadline must come after the quarter ends (%(end)s).") % {"end": _day(end)}}
        )
    _lock_federation(federation)
    row, created = _quarter_for_update(federation, year, quarter)
    if row.is_closed:
        raise ValidationError(
            _("%(quarter)s is closed: reopen it to change its deadline.") % {"quarter": quarter_label(year, quarter)}
        )
    before = None if created else row.deadline
    if before == deadline:
        return row
    row.deadline = deadline
    row.save(update_fields=["deadline"])
    records_changed.send(sender=ReportingQuarter)
    audit_log(actor=by, obj=row, action=AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE,
              changes={"deadline": [_jsonable(before), deadline.isoformat()]}, request=request)  # fmt: skip
    return row


@transaction.atomic
def quarter_close(*, federation, year: int, quarter: int, by, request=None) -> ReportingQuarter:
    """Close the quarter: lock every return of it that was ever submitted, remembering the status
    it had. Drafts never submitted stay drafts (a locked return is a submitted one), but nothing
    of the quarter can be opened, saved, submitted or decided until it is reopened."""
    _require_lock_periods(by)
    _check_quarter_number(year, quarter)
    _lock_federation(federation)
    row, _created = _quarter_for_update(federation, year, quarter)
    label = quarter_label(year, quarter)
    if row.is_closed:
        raise ValidationError(_("%(quarter)s is closed already.") % {"quarter": label})
    now = timezone.now()
    returns = QuarterlyReturn.objects.filter(
        federation=federation, year=year, quarter=quarter, first_submitted_at__isnull=False
    ).exclude(status=ReturnStatus.LOCKED)
    locking = list(returns.select_for_update().select_related("union").order_by("pk"))
    returns.filter(pk__in=[r.pk for r in locking]).update(
        status_before_lock=F("status"), status=ReturnStatus.LOCKED, locked_at=now,
        version=F("version") + 1, updated_at=now,
    )  # fmt: skip
    row.closed_at, row.closed_by, row.reopen_reason = now, by if getattr(by, "pk", None) else None, ""
    row.save(update_fields=["closed_at", "closed_by", "reopen_reason"])
    records_changed.send(sender=QuarterlyReturn)
    audit_log(actor=by, obj=row, action=AuditLog.Action.CLOSE, request=request,
              changes={"closed_at": [None, now.isoformat()], "returns_locked": [None, len(locking)]})  # fmt: skip
    for ret in locking:
        _audit(ret, by, {"status": [ret.status, ReturnStatus.LOCKED], "quarter_closed": [None, label]}, request)
    return row


@transaction.atomic
def quarter_reopen(*, federation, year: int, quarter: int, reason: str, by, request=None) -> ReportingQuarter:
    """Reopen a closed quarter: its locked returns go back to the status they had before."""
    _require_lock_periods(by)
    _check_quarter_number(year, quarter)
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": _("Say why the quarter is reopened.")})
    _lock_federation(federation)
    label = quarter_label(year, quarter)
    row = ReportingQuarter.objects.select_for_update().filter(federation=federation, year=year, quarter=quarter).first()
    if row is None or not row.is_closed:
        raise ValidationError(_("%(quarter)s is not closed.") % {"quarter": label})
    # Every locked return of the quarter, the ones locked one by one before the closing too: an
    # open quarter has nothing locked (its returns can be locked again one by one).
    locked = QuarterlyReturn.objects.filter(
        federation=federation, year=year, quarter=quarter, status=ReturnStatus.LOCKED
    ).exclude(status_before_lock="")
    restoring = list(locked.select_for_update().order_by("pk"))
    locked.filter(pk__in=[r.pk for r in restoring]).update(
        status=F("status_before_lock"), status_before_lock="", locked_at=None, version=F("version") + 1,
        updated_at=timezone.now(),
    )  # fmt: skip
    closed_at = row.closed_at
    row.closed_at, row.closed_by, row.reopen_reason = None, None, reason
    row.save(update_fields=["closed_at", "closed_by", "reopen_reason"])
    records_changed.send(sender=QuarterlyReturn)
    audit_log(actor=by, obj=row, action=AuditLog.Action.UPDATE, request=request,
              changes={"closed_at": [closed_at.isoformat(), None], "reopen_reason": ["", reason]})  # fmt: skip
    for ret in restoring:
        _audit(ret, by, {"status": [ReturnStatus.LOCKED, ret.status_before_lock], "quarter_reopened": [None, reason]},
               request)  # fmt: skip
    return row


# --- reminders ---------------------------------------------------------------------------------


def return_link(union_id: int, year: int, quarter: int) -> str:
    """The absolute address a chair follows to open the union's return of the quarter."""
    base = settings.SITE_URL.rstrip("/")
    query = urlencode({"union": union_id, "year": year, "quarter": quarter})
    return f"{base}{reverse('reports:return_open')}?{query}"


def _reminder_text(kind: str, chair, year: int, quarter: int, deadline: datetime.date) -> tuple[str, str]:
    values = {
        "name": chair.display_name,
        "union": chair.union.name,
        "quarter": quarter_label(year, quarter),
        "deadline": _day(deadline),
        "link": return_link(chair.union_id, year, quarter),
    }
    if kind == Reminder.Kind.DUE:
        subject = _("Quarterly return %(quarter)s of %(union)s: due on %(deadline)s") % values
        lead = _("The quarterly return %(quarter)s of %(union)s is due on %(deadline)s and has not been submitted.")
    else:
        subject = _("Quarterly return %(quarter)s of %(union)s is overdue (deadline %(deadline)s)") % values
        lead = _("The deadline of the quarterly return %(quarter)s of %(union)s was %(deadline)s: it has not been "
                 "submitted yet.")  # fmt: skip
    body = "\n\n".join(
        [
            _("Dear %(name)s,") % values,
            lead % values,
            _("Open the return here: %(link)s") % values,
            _("This message was sent automatically by the labor federation management system."),
        ]
    )
    return subject, body


def _reminder_kind(today: datetime.date, deadline: datetime.date) -> str | None:
    if today > deadline:
        return Reminder.Kind.LATE
    if today >= deadline - datetime.timedelta(days=settings.RETURN_REMINDER_DAYS):
        return Reminder.Kind.DUE
    return None


def return_reminders_send(*, today: datetime.date | None = None) -> int:
    """E-mail the chairs of every union that owes the due quarter's return and has not
    submitted it: once when the deadline is near ("due"), once after it passed ("late"). A
    `Reminder` row is written before each message, so running this twice sends nothing more.
    Returns the number of messages sent."""
    today = today or timezone.localdate()
    messages = []
    for federation in Federation.objects.filter(closed_on__isnull=True).order_by("pk"):
        year, quarter = due_quarter(federation, today)
        row = quarter_row(federation, year, quarter)
        if row is not None and row.is_closed:
            continue
        deadline = row.deadline if row else default_deadline(federation, year, quarter)
        kind = _reminder_kind(today, deadline)
        if kind is None:
            continue
        reported = QuarterlyReturn.objects.filter(
            federation=federation, year=year, quarter=quarter, status__in=REPORTED_STATUSES
        ).values("union_id")
        unions = owing_unions(federation, path=federation.path, year=year, quarter=quarter).exclude(pk__in=reported)
        chairs = (
            User.objects.filter(is_active=True, role=Role.GRASSROOTS_CHAIR, union__in=unions)
            .exclude(email="")
            .select_related("union")
            .order_by("pk")
        )
        sent = set(
            Reminder.objects.filter(year=year, quarter=quarter, kind=kind, union__federation=federation).values_list(
                "user_id", "union_id"
            )
        )
        with translation.override(settings.LANGUAGE_CODE):
            for chair in chairs:
                if (chair.pk, chair.union_id) in sent or not _record_reminder(chair, year, quarter, kind):
                    continue
                subject, body = _reminder_text(kind, chair, year, quarter, deadline)
                messages.append(mail.EmailMessage(subject, body, to=[chair.email]))
    if messages:
        # After the rows are committed, outside any transaction (no network I/O while locking).
        mail.get_connection().send_messages(messages)
    logger.info("return reminders sent: %s", len(messages))
    return len(messages)


def _record_reminder(chair, year: int, quarter: int, kind: str) -> bool:
    """Write the reminder's row; False when another run wrote it first."""
    try:
        with transaction.atomic():
            Reminder.objects.create(user=chair, union_id=chair.union_id, year=year, quarter=quarter, kind=kind)
    except IntegrityError:
        return False
    return True
