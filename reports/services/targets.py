"""Writes of targets and hand-entered indicator values (PRODUCT.md §6). Every function checks
what it is given, writes in one transaction and records the change in the audit trail.

A target's value never changes in place without a trace: each value it takes is a
`TargetRevision` with the document that set it and the reason. Revising needs the `version` the
user saw; the row is changed by a conditional UPDATE on that version, so of two concurrent
saves the second is refused ("changed by X at HH:MM") instead of silently overwriting the first.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from federation.models import AuditLog
from federation.services import audit_log
from federation.text import clean_text
from unions.models import Union

from ..models import Indicator, IndicatorSource, IndicatorUnit, IndicatorValue, Issuer, Target, TargetRevision
from ..periods import quarter_period
from ..targets import check_target_access

MIN_YEAR, MAX_YEAR = 2000, 2100
# Far above any real target (the column holds 18 digits before the point).
MAX_VALUE = Decimal(10) ** 15
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class StaleTarget(ValidationError):
    """The target changed after the user opened it (answered 409 by the API)."""


def _jsonable(value: Decimal | None) -> int | str | None:
    """A value for the audit trail: whole numbers as integers (shown grouped in the history)."""
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else str(value.normalize())


def default_issuer(union: Union | None) -> str:
    """Who sets a unit's target: VGCL the federation's, the federation a union's directly under
    it, the direct-superior union a grassroots union's below it."""
    if union is None:
        return Issuer.VGCL
    return Issuer.FEDERATION if union.parent_id is None else Issuer.SUPERIOR


def check_value(indicator: Indicator, value) -> Decimal:
    """The value as a Decimal, or a ValidationError on `value`: not negative, a whole number
    except for percentages (two decimals, at most 100)."""
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ValidationError({"value": _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationError({"value": _("Enter a number.")})
    if number < 0:
        raise ValidationError({"value": _("A target cannot be negative.")})
    if number >= MAX_VALUE:
        raise ValidationError({"value": _("The number is too large.")})
    if indicator.unit == IndicatorUnit.PERCENT:
        if number > HUNDRED:
            raise ValidationError({"value": _("A percentage cannot be above 100.")})
        if number != number.quantize(CENT):
            raise ValidationError({"value": _("Enter the percentage with at most two decimals, for example 92,5.")})
        return number.quantize(CENT)
    if number != number.to_integral_value():
        raise ValidationError({"value": _("Enter a whole number, without decimals.")})
    return number.quantize(Decimal(1))


def _check_common(*, federation, union, indicator, year) -> None:
    if not indicator.is_active:
        raise ValidationError({"indicator": _("This indicator is no longer in use.")})
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            {"year": _("Enter a year between %(low)s and %(high)s.") % {"low": MIN_YEAR, "high": MAX_YEAR}}
        )
    if union is not None:
        if union.federation_id != federation.pk:
            raise ValidationError({"union": _("The union belongs to another federation.")})
        if not union.is_active:
            raise ValidationError({"union": _("The union is closed: it takes no new targets.")})


def _check_document(*, document_number, document_date, issuer) -> tuple[str, datetime.date | None, str]:
    document_number = clean_text(document_number or "")
    if len(document_number) > 64:
        raise ValidationError({"document_number": _("At most 64 characters.")})
    if issuer not in Issuer.values:
        raise ValidationError({"issuer": _("Choose who issued the document.")})
    if document_date is not None and document_date > timezone.localdate():
        raise ValidationError({"document_date": _("The date cannot be in the future.")})
    return document_number, document_date, issuer


def _authorize(by, federation, union) -> None:
    """404 outside the user's subtree, 403 where it may only read. `by=None` is the system
    itself (demo data, data migrations), which may set any target."""
    if by is not None:
        check_target_access(by, federation, union)


def _stale(target: Target) -> StaleTarget:
    last = target.revisions.select_related("changed_by").order_by("-number").first()
    who = _("someone else")
    if last is not None and last.changed_by is not None:
        who = last.changed_by.display_name
    at = timezone.localtime(target.updated_at)
    return StaleTarget(
        _("This target was changed by %(who)s at %(time)s (%(day)s) after you opened it: reload the page and "
          "make your change again.") % {"who": who, "time": at.strftime("%H:%M"), "day": at.strftime("%d/%m/%Y")},
        code="stale",
    )  # fmt: skip


def _find(*, federation, union, indicator, year, lock=False) -> Target | None:
    qs = Target.objects.filter(federation=federation, indicator=indicator, year=year)
    if lock:
        qs = qs.select_for_update()
    qs = qs.filter(union=union) if union is not None else qs.filter(union__isnull=True)
    return qs.first()


def _create(*, federation, union, indicator, year, value, document, note, by, request) -> Target:
    number, on, issuer = document
    target = Target(
        federation=federation, union=union, indicator=indicator, year=year, value=value, document_number=number,
        document_date=on, issuer=issuer, note=note,
    )  # fmt: skip
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:
        # Someone set the same target a moment ago.
        raise ValidationError(
            _("This unit already has a target for this indicator and year: reload the page."), code="exists"
        ) from None
    TargetRevision.objects.create(
        target=target, number=1, value=value, document_number=number, document_date=on, issuer=issuer,
        changed_by=by if getattr(by, "pk", None) else None,
    )  # fmt: skip
    changes = {"value": [None, _jsonable(value)], "issuer": [None, issuer]}
    if number:
        changes["document_number"] = [None, number]
    if on:
        changes["document_date"] = [None, on.isoformat()]
    if note:
        changes["note"] = [None, note]
    audit_log(actor=by, obj=target, action=AuditLog.Action.CREATE, changes=changes, request=request)
    return target


def _revise(*, target, version, value, document, note, reason, by, request) -> Target:
    number, on, issuer = document
    fields = {"value": value, "document_number": number, "document_date": on, "issuer": issuer, "note": note}
    changes = {}
    for name, new in fields.items():
        old = getattr(target, name)
        if old != new:
            if name == "value":
                changes[name] = [_jsonable(old), _jsonable(new)]
            elif name == "document_date":
                changes[name] = [old.isoformat() if old else None, new.isoformat() if new else None]
            else:
                changes[name] = [old, new]
    if not changes:
        if version is not None and version != target.version:
            raise _stale(target)
        return target
    value_changed = "value" in changes
    if value_changed and not reason:
        raise ValidationError({"reason": _("Give the reason for revising the target.")})
    seen = target.version if version is None else version
    updated = Target.objects.filter(pk=target.pk, version=seen).update(
        **fields, version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        target.refresh_from_db()
        raise _stale(target)
    target.refresh_from_db()
    if value_changed:
        last = target.revisions.order_by("-number").values_list("number", flat=True).first() or 0
        TargetRevision.objects.create(
            target=target, number=last + 1, value=value, document_number=number, document_date=on, issuer=issuer,
            reason=reason, changed_by=by if getattr(by, "pk", None) else None,
        )  # fmt: skip
        changes["revisions"] = [last, last + 1]
    if reason:
        changes["reason"] = [None, reason]
    audit_log(actor=by, obj=target, action=AuditLog.Action.UPDATE, changes=changes, request=request)
    return target


def _prepare(*, federation, union, indicator, year, value, document_number, document_date, issuer):
    _check_common(federation=federation, union=union, indicator=indicator, year=year)
    value = check_value(indicator, value)
    document = _check_document(
        document_number=document_number, document_date=document_date, issuer=issuer or default_issuer(union)
    )
    return value, document


@transaction.atomic
def target_set(
    *,
    federation,
    union,
    indicator,
    year: int,
    value,
    document_number: str = "",
    document_date: datetime.date | None = None,
    issuer: str = "",
    note: str = "",
    reason: str = "",
    by,
    version: int | None = None,
    request=None,
) -> Target:
    """Set `union`'s target (the federation's own when None) for `indicator` and `year`, or
    revise the one it has. Revising needs the `version` the user saw (refused with StaleTarget
    when the target changed since); a new value is a new revision with its document and reason.
    `issuer` defaults to who sets that unit's targets (see `default_issuer`)."""
    _authorize(by, federation, union)
    value, document = _prepare(
        federation=federation, union=union, indicator=indicator, year=year, value=value,
        document_number=document_number, document_date=document_date, issuer=issuer,
    )  # fmt: skip
    note, reason = clean_text(note)[:255], clean_text(reason)[:255]
    target = _find(federation=federation, union=union, indicator=indicator, year=year)
    if target is None:
        return _create(
            federation=federation, union=union, indicator=indicator, year=year, value=value, document=document,
            note=note, by=by, request=request,
        )  # fmt: skip
    if version is None:
        raise ValidationError(
            _("This unit already has a target for this indicator and year: open it to revise it."), code="exists"
        )
    return _revise(
        target=target, version=version, value=value, document=document, note=note, reason=reason, by=by,
        request=request,
    )  # fmt: skip


@transaction.atomic
def target_revise(
    *,
    target: Target,
    value,
    document_number: str = "",
    document_date: datetime.date | None = None,
    issuer: str = "",
    note: str = "",
    reason: str = "",
    version: int,
    by,
    request=None,
) -> Target:
    """Revise an existing target (see `target_set`)."""
    return target_set(
        federation=target.federation, union=target.union, indicator=target.indicator, year=target.year, value=value,
        document_number=document_number, document_date=document_date, issuer=issuer, note=note, reason=reason,
        version=version, by=by, request=request,
    )  # fmt: skip


@transaction.atomic
def targets_allocate(
    *,
    federation,
    parent: Union | None,
    indicator,
    year: int,
    values: dict,
    document_number: str = "",
    document_date: datetime.date | None = None,
    issuer: str = "",
    reason: str = "",
    versions: dict | None = None,
    by,
    request=None,
) -> list[Target]:
    """Write a whole allocation table: `values` maps each child union of `parent` (the
    federation itself when None) to its target (None: left as it is). Everything is checked
    first, and a ValidationError keyed by union id lists every refused row; nothing is written
    unless every row is right. `versions` maps unions to the version of their target the user
    saw (missing: the current one). Returns the targets set or revised."""
    if by is not None:
        from ..targets import check_allocation_access

        check_allocation_access(by, federation, parent)
    errors: dict[str, list] = {}
    document = None
    try:
        _check_common(federation=federation, union=None, indicator=indicator, year=year)
        document = _check_document(
            document_number=document_number, document_date=document_date,
            issuer=issuer or (Issuer.FEDERATION if parent is None else Issuer.SUPERIOR),
        )  # fmt: skip
    except ValidationError as exc:
        errors.update(exc.message_dict)
    rows = []
    versions = versions or {}
    reason = clean_text(reason)[:255]
    existing = {
        t.union_id: t
        for t in Target.objects.select_for_update().filter(
            federation=federation, indicator=indicator, year=year, union__in=[u.pk for u in values]
        )
    }
    for union, value in values.items():
        if value is None or value == "":
            continue
        key = str(union.pk)
        try:
            if union.parent_id != (parent.pk if parent is not None else None) or union.federation_id != federation.pk:
                raise ValidationError(_("%(name)s is not directly under this unit.") % {"name": union.name})
            if not union.is_active and union.pk not in existing:
                raise ValidationError(_("The union is closed: it takes no new targets."))
            number = check_value(indicator, value)
            target = existing.get(union.pk)
            if target is not None and target.value != number and not reason:
                errors.setdefault("reason", [_("Give the reason for revising the targets.")])
            seen = versions.get(union) or versions.get(union.pk)
            if target is not None and seen is not None and seen != target.version:
                raise _stale(target)
            rows.append((union, number, target, seen))
        except ValidationError as exc:
            messages = exc.message_dict.get("value", exc.messages) if hasattr(exc, "error_dict") else exc.messages
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    written = []
    number, on, issuer = document
    for union, value, target, seen in rows:
        if target is None:
            written.append(
                _create(
                    federation=federation,
                    union=union,
                    indicator=indicator,
                    year=year,
                    value=value,
                    document=document,
                    note="",
                    by=by,
                    request=request,
                )  # fmt: skip
            )
        elif target.value != value:
            written.append(
                _revise(
                    target=target,
                    version=seen,
                    value=value,
                    document=document,
                    note=target.note,
                    reason=reason,
                    by=by,
                    request=request,
                )  # fmt: skip
            )
    return written


# --- hand-entered indicator values --------------------------------------------------------------


@transaction.atomic
def indicator_value_set(*, federation, union, indicator, year: int, quarter: int, value, by, request=None):
    """Enter a hand-entered indicator's value for a unit and quarter (a flow: what the quarter
    brought; a stock or ratio: where it stood at the quarter's end), or correct it."""
    if indicator.source != IndicatorSource.MANUAL:
        raise ValidationError({"indicator": _("This indicator is computed from the records, not entered by hand.")})
    _authorize(by, federation, union)
    _check_common(federation=federation, union=union, indicator=indicator, year=year)
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": _("Choose a quarter from 1 to 4.")})
    number = check_value(indicator, value)
    qs = IndicatorValue.objects.select_for_update().filter(
        indicator=indicator, federation=federation, year=year, quarter=quarter
    )
    qs = qs.filter(union=union) if union is not None else qs.filter(union__isnull=True)
    entry = qs.first()
    user = by if getattr(by, "pk", None) else None
    if entry is None:
        entry = IndicatorValue.objects.create(
            indicator=indicator, federation=federation, union=union, year=year, quarter=quarter,
            ends_on=quarter_period(federation, year, quarter).end, value=number, entered_by=user,
        )  # fmt: skip
        audit_log(actor=by, obj=entry, action=AuditLog.Action.CREATE, changes={"value": [None, _jsonable(number)]},
                  request=request)  # fmt: skip
        return entry
    if entry.value == number:
        return entry
    changes = {"value": [_jsonable(entry.value), _jsonable(number)]}
    entry.value, entry.entered_by = number, user
    entry.save(update_fields=["value", "entered_by", "entered_at"])
    audit_log(actor=by, obj=entry, action=AuditLog.Action.UPDATE, changes=changes, request=request)
    return entry
