"""What passes from a unit that closes in a reorganization to the unit that takes it in (§7:
"members, children, welfare, returns and this year's targets move; sources close")."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from federation.models import AuditLog, User
from members.models import MOVEMENT_DELTA, Member, MemberStatus, Movement, MovementKind, TransferRequest, TransferStatus

from .. import services
from ..models import Level, Status, Union
from .engine import Context, Step, refuse


def pass_on(ctx: Context, source: Union, target: Union, step: Step) -> None:
    """Everything `source` holds goes to `target` from the effective date; then `source` closes."""
    if source.level == Level.SUPERIOR:
        move_children(ctx, source, target, step)
    else:
        ids = list(source.members.filter(status=MemberStatus.ACTIVE).values_list("pk", flat=True))
        step.members = transfer_members(ctx, source, target, ids)
        TransferRequest.objects.filter(to_union=source, status=TransferStatus.PENDING).update(to_union=target)
    pass_records(ctx, source, target, step)
    pass_returns(ctx, source, target, step)
    pass_targets(ctx, source, target, step)
    pass_accounts(ctx, source, target, step)
    close(ctx, source, step)


def move_children(ctx: Context, source: Union, target: Union, step: Step) -> None:
    children = list(source.children.filter(status=Status.ACTIVE).order_by("code"))
    try:
        services.union_move_many(
            unions=children, new_parent=target, effective_on=ctx.on, by=ctx.by, request=ctx.request
        )
    except ValidationError as exc:
        raise ValidationError({"effective_on": exc.messages}) from None
    for child in children:
        step.units.append({"code": child.code, "name": child.name, "from": str(source), "to": str(target)})


def transfer_members(ctx: Context, source: Union, target: Union, ids: list[int]) -> int:
    """Move the active members `ids` of `source` to `target` on the effective date: a transfer out
    and a transfer in each, marked as the reorganization's (not admissions, not requests)."""
    if not ids:
        return 0
    later = Movement.objects.filter(member_id__in=ids, date__gt=ctx.on).values("member_id").distinct().count()
    if later:
        raise refuse(
            "effective_on",
            _(
                "%(n)s members of %(unit)s have movements after %(day)s: a reorganization cannot go "
                "back before them. Use a later effective date."
            )
            % {"n": later, "unit": source, "day": ctx.on.strftime("%d/%m/%Y")},
            "movements_after",
        )
    common = {"date": ctx.on, "reorganization": ctx.reorganization, "created_by": ctx.user}
    movements = []
    for member_id in ids:
        movements.append(
            Movement(
                member_id=member_id,
                union=source,
                other_union=target,
                kind=MovementKind.TRANSFERRED_OUT,
                delta=MOVEMENT_DELTA[MovementKind.TRANSFERRED_OUT],
                **common,
            )
        )
        movements.append(
            Movement(
                member_id=member_id,
                union=target,
                other_union=source,
                kind=MovementKind.TRANSFERRED_IN,
                delta=MOVEMENT_DELTA[MovementKind.TRANSFERRED_IN],
                **common,
            )
        )
    Movement.objects.bulk_create(movements, batch_size=2000)
    names = Member.objects.filter(pk__in=ids).values_list("pk", "full_name")
    ctx.audit_many(Member, names, {"union": [source.code, target.code]}, AuditLog.Action.MOVE)
    Member.objects.filter(pk__in=ids).update(union=target, updated_at=timezone.now())
    TransferRequest.objects.filter(member_id__in=ids, status=TransferStatus.PENDING).update(from_union=target)
    ctx.audit(source, {"members": [len(ids), 0], "to": [None, target.code]}, AuditLog.Action.MOVE)
    return len(ids)


def pass_records(ctx: Context, source: Union, target: Union, step: Step) -> None:
    """Welfare records of the current report year on, open shelters and the funds (with their
    entries) go to `target`; earlier years stay with `source`, as its history."""
    from reports.periods import report_year, year_period
    from welfare.models import Activity, Fund, Shelter, ShelterStatus

    year_start = year_period(ctx.federation, report_year(ctx.federation, ctx.on)).start
    open_shelter = Q(status__in=[ShelterStatus.APPROVED, ShelterStatus.BUILDING])
    passing = {
        "activities": Activity.objects.filter(union=source, held_on__gte=year_start),
        "shelters": Shelter.objects.filter(Q(union=source) & (open_shelter | Q(approved_on__gte=year_start))),
        "funds": Fund.objects.filter(union=source),
    }
    moved = {}
    for key, records in passing.items():
        rows = [(obj.pk, str(obj)) for obj in records.select_related(*(["member"] if key == "shelters" else []))]
        ctx.audit_many(records.model, rows, {"union": [source.code, target.code]})
        moved[key] = records.update(union=target)
    step.records = {key: value for key, value in moved.items() if value}


def pass_returns(ctx: Context, source: Union, target: Union, step: Step) -> None:
    """Open returns (draft or returned) of quarters not ended by the effective date go to
    `target` when it has none for that quarter; the others stay with `source`, its history."""
    from reports.models import EDITABLE_STATUSES, QuarterlyReturn

    taken = set(QuarterlyReturn.objects.filter(union=target).values_list("year", "quarter"))
    following = []
    for ret in QuarterlyReturn.objects.filter(union=source, status__in=EDITABLE_STATUSES, ends_on__gte=ctx.on):
        follows = (ret.year, ret.quarter) not in taken
        if follows:
            following.append(ret.pk)
        step.returns.append({"quarter": ret.label, "status": ret.status, "to": target.code if follows else ""})
    passing = QuarterlyReturn.objects.filter(pk__in=following)
    ctx.audit_many(QuarterlyReturn, [(r.pk, str(r)) for r in passing], {"union": [source.code, target.code]})
    passing.update(union=target, updated_at=timezone.now())


def pass_targets(ctx: Context, source: Union, target: Union, step: Step) -> None:
    """`source`'s targets for the report year of the effective date and later are added to
    `target`'s, and marked as passed on."""
    from reports.models import Target
    from reports.periods import report_year

    year = report_year(ctx.federation, ctx.on)
    passing = Target.objects.filter(union=source, year__gte=year, passed_to__isnull=True).select_related("indicator")
    for passed in passing:
        pass_target(ctx, passed, federation=ctx.federation, union=target, source=source, step=step)


def pass_target(ctx: Context, passed, *, federation, union, source, step: Step) -> None:
    """Add target `passed` (of `source`, a unit or a federation) to the same indicator's target
    of `union` (the federation's own when None) in `federation`: a new revision, with the
    decision as its document."""
    from reports.models import Target
    from reports.services.targets import target_set

    existing = Target.objects.filter(federation=federation, indicator=passed.indicator, year=passed.year)
    existing = (existing.filter(union=union) if union else existing.filter(union__isnull=True)).first()
    reason = _("%(value)s passed on from %(unit)s (decision %(number)s).") % {
        "value": _plain(passed.value),
        "unit": source,
        "number": ctx.decision.number,
    }
    successor = target_set(
        federation=federation,
        union=union,
        indicator=passed.indicator,
        year=passed.year,
        value=passed.value + (existing.value if existing else 0),
        document_number=ctx.decision.number[:64],
        document_date=ctx.decision.date,
        issuer=existing.issuer if existing else passed.issuer,
        reason=reason,
        note=existing.note if existing else reason[:255],
        by=ctx.by,
        version=existing.version if existing else None,
        request=ctx.request,
    )
    Target.objects.filter(pk=passed.pk).update(passed_to=successor, updated_at=timezone.now())
    ctx.audit(passed, {"passed_to": [None, str(union or federation)]})
    step.targets.append(
        {
            "indicator": passed.indicator.code,
            "indicator_name": str(passed.indicator.name),
            "year": passed.year,
            "value": _plain(passed.value),
            "to": union.code if union else federation.code,
            "total": _plain(successor.value),
        }
    )


def pass_accounts(ctx: Context, source: Union, target: Union, step: Step) -> None:
    """Accounts of `source` now work for `target`, with the same role."""
    accounts = list(User.objects.filter(union=source, is_active=True).order_by("username"))
    User.objects.filter(pk__in=[user.pk for user in accounts]).update(union=target)
    for user in accounts:
        ctx.audit(user, {"union": [source.code, target.code]})
        step.accounts.append({"username": user.username, "to": target.code})


def deactivate_accounts(ctx: Context, source: Union, step: Step) -> None:
    """A unit dissolved with nowhere to go: its accounts can no longer sign in."""
    accounts = list(User.objects.filter(union=source, is_active=True).order_by("username"))
    User.objects.filter(pk__in=[user.pk for user in accounts]).update(is_active=False)
    for user in accounts:
        ctx.audit(user, {"is_active": [True, False]})
        step.accounts.append({"username": user.username, "to": ""})


def close(ctx: Context, union: Union, step: Step) -> None:
    try:
        services.union_close(union=union, closed_on=ctx.on, by=ctx.by, request=ctx.request)
    except ValidationError as exc:
        raise ValidationError({"effective_on": exc.messages}) from None
    step.closed = True


def _plain(value) -> str:
    """A target value without trailing zeros ("8450", "12.5")."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
