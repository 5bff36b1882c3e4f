"""The operations of §7, one function per operation: `(Context, Row) -> Step`. Each checks its
row against the tree as the rows before it left it, raises ValidationError (keyed by the plan's
column) when it cannot be done, and records its lineage and audit entries."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from federation.models import AuditLog
from members.validation import mask_citizen_id

from .. import services
from ..models import GRASSROOTS_KINDS, SUPERIOR_KINDS, Level, Operation, Status, Union
from . import succession
from .engine import Context, Step, refuse
from .federations import merge_federation
from .plan import Row


def _step(row: Row, union: Union, summary: str, successor: Union | None = None, **extra) -> Step:
    return Step(
        row=row.number,
        operation=row.operation,
        unit=union.code,
        unit_name=union.name,
        summary=summary,
        successor=successor.code if successor else "",
        successor_name=successor.name if successor else "",
        **extra,
    )


def _parent(ctx: Context, code: str) -> Union | None:
    """The new parent named in a row: a direct-superior union, or None (the federation)."""
    if not code or code == ctx.federation.code:
        return None
    parent = ctx.unit(code, "new_parent", purpose=_("receive units"))
    if parent.level != Level.SUPERIOR:
        raise refuse(
            "new_parent",
            _("%(unit)s is a grassroots union: units are placed under a direct-superior union.") % {"unit": parent},
            "parent_not_superior",
        )
    return parent


def _where(union_or_none, ctx: Context) -> str:
    return str(union_or_none) if union_or_none is not None else str(ctx.federation)


def _level_of(kind: str) -> str | None:
    if kind in SUPERIOR_KINDS:
        return Level.SUPERIOR
    if kind in GRASSROOTS_KINDS:
        return Level.GRASSROOTS
    return None


def _require(row: Row, column: str, message: str) -> None:
    if not getattr(row, column):
        raise refuse(column, message, "missing_value")


def _check_code_free(ctx: Context, code: str, column: str) -> None:
    if Union.objects.filter(federation=ctx.federation, code=code).exists():
        message = _("The code %(code)s is already taken in this federation.") % {"code": code}
        raise refuse(column, message, "duplicate_code")


def create(ctx: Context, row: Row) -> Step:
    _require(row, "new_name", _("Enter the new unit's name."))
    _require(row, "kind", _("Enter the new unit's kind."))
    level = _level_of(row.kind)
    parent = _parent(ctx, row.new_parent)
    if level == Level.GRASSROOTS and not row.sector:
        raise refuse("sector", _("Enter the grassroots union's sector."), "missing_value")
    if level == Level.SUPERIOR and row.sector:
        raise refuse("sector", _("A direct-superior union has no sector."), "level_mismatch")
    _check_code_free(ctx, row.unit, "unit")
    try:
        union = services.union_create(
            federation=ctx.federation,
            parent=parent,
            by=ctx.by,
            request=ctx.request,
            code=row.unit,
            name=row.new_name,
            level=level,
            kind=row.kind,
            sector=row.sector,
            established_on=ctx.on,
        )
    except ValidationError as exc:
        raise _columns(exc, {"code": "unit", "name": "new_name", "parent": "new_parent"}) from None
    ctx.lineage(Operation.CREATE, union, parent, parent=_where(parent, ctx))
    return _step(row, union, _("Establish %(unit)s under %(parent)s.") % {"unit": union, "parent": _where(parent, ctx)})


def rename(ctx: Context, row: Row) -> Step:
    union = ctx.unit(row.unit, "unit", purpose=_("be renamed"))
    if not row.new_name and not row.new_code:
        raise refuse("new_name", _("Enter the new name or the new code."), "missing_value")
    fields = {}
    if row.new_name and row.new_name != union.name:
        fields["name"] = row.new_name
    if row.new_code and row.new_code != union.code:
        _check_code_free(ctx, row.new_code, "new_code")
        fields["code"] = row.new_code
    old = str(union)
    details = {name: [getattr(union, name), value] for name, value in fields.items()}
    try:
        union = services.union_update(union=union, by=ctx.by, request=ctx.request, **fields)
    except ValidationError as exc:
        raise _columns(exc, {"code": "new_code", "name": "new_name"}) from None
    ctx.lineage(Operation.RENAME, union, union, **details)
    return _step(row, union, _("Rename %(old)s to %(new)s.") % {"old": old, "new": union})


def change_kind(ctx: Context, row: Row) -> Step:
    union = ctx.unit(row.unit, "unit", purpose=_("change kind"))
    if not row.kind and not row.sector:
        raise refuse("kind", _("Enter the new kind or the new sector."), "missing_value")
    fields = {}
    if row.kind and row.kind != union.kind:
        if _level_of(row.kind) != union.level:
            raise refuse(
                "kind",
                _(
                    "A grassroots union cannot become a direct-superior union, nor the other way round: "
                    "establish the new unit and merge the old one into it."
                ),
                "level_change_not_allowed",
            )
        fields["kind"] = row.kind
    if row.sector and row.sector != union.sector:
        if union.level == Level.SUPERIOR:
            raise refuse("sector", _("A direct-superior union has no sector."), "level_mismatch")
        fields["sector"] = row.sector
    details = {name: [getattr(union, name), value] for name, value in fields.items()}
    union = services.union_update(union=union, by=ctx.by, request=ctx.request, **fields)
    ctx.lineage(Operation.CHANGE_KIND, union, union, **details)
    summary = _("Change the kind or sector of %(unit)s: %(kind)s%(sector)s.") % {
        "unit": union,
        "kind": union.get_kind_display(),
        "sector": f", {union.get_sector_display()}" if union.sector else "",
    }
    return _step(row, union, summary)


def move(ctx: Context, row: Row) -> Step:
    union = ctx.unit(row.unit, "unit", purpose=_("be moved"))
    parent = _parent(ctx, row.new_parent)
    old_parent = union.parent
    if (parent.pk if parent else None) == union.parent_id:
        raise refuse(
            "new_parent",
            _("%(unit)s is already under %(parent)s.") % {"unit": union, "parent": _where(parent, ctx)},
            "no_change",
        )
    if parent is not None and parent.path.startswith(union.path):
        raise refuse(
            "new_parent",
            _("%(unit)s cannot be moved under itself or a unit below it.") % {"unit": union},
            "parent_is_descendant",
        )
    below = Union.objects.under(union.path).filter(status=Status.ACTIVE).count()
    try:
        services.union_move(union=union, new_parent=parent, effective_on=ctx.on, by=ctx.by, request=ctx.request)
    except ValidationError as exc:
        raise _columns(exc, {"parent": "new_parent", "effective_on": "effective_on"}) from None
    ctx.lineage(Operation.MOVE, union, parent, parent=[_where(old_parent, ctx), _where(parent, ctx)])
    summary = _("Move %(unit)s from %(old)s to %(new)s.") % {
        "unit": union,
        "old": _where(old_parent, ctx),
        "new": _where(parent, ctx),
    }
    units = [{"code": union.code, "name": union.name, "from": _where(old_parent, ctx), "to": _where(parent, ctx)}]
    return _step(row, union, summary, parent, units=units, records={"units_below": below} if below else {})


def merge(ctx: Context, row: Row) -> Step:
    _require(row, "target", _("Enter the unit it merges into."))
    source = ctx.unit(row.unit, "unit", purpose=_("be merged"))
    target = ctx.unit(row.target, "target", purpose=_("take in other units"))
    if source.pk == target.pk:
        raise refuse("target", _("A unit cannot merge into itself."), "same_unit")
    if source.level != target.level:
        raise refuse(
            "target",
            _("Units merge with units of their own level: %(source)s and %(target)s differ.")
            % {"source": source, "target": target},
            "level_mismatch",
        )
    step = _step(row, source, _("Merge %(source)s into %(target)s.") % {"source": source, "target": target}, target)
    succession.pass_on(ctx, source, target, step)
    ctx.lineage(Operation.MERGE, source, target, members=step.members, **_counts(step))
    return step


def dissolve(ctx: Context, row: Row) -> Step:
    union = ctx.unit(row.unit, "unit", purpose=_("be dissolved"))
    if row.target:
        target = ctx.unit(row.target, "target", purpose=_("take in members or units"))
        if target.pk == union.pk:
            raise refuse("target", _("A unit cannot pass its members to itself."), "same_unit")
        if target.level != union.level:
            raise refuse(
                "target",
                _(
                    "The members of a grassroots union go to another grassroots union, the units of a "
                    "direct-superior union to another direct-superior union."
                ),
                "level_mismatch",
            )
        summary = _("Dissolve %(unit)s; its members and units go to %(target)s.") % {"unit": union, "target": target}
        step = _step(row, union, summary, target)
        succession.pass_on(ctx, union, target, step)
        ctx.lineage(Operation.DISSOLVE, union, target, members=step.members, **_counts(step))
        return step
    members = union.members.filter(status="active").count()
    units = union.children.filter(status=Status.ACTIVE).count()
    if members or units:
        raise refuse(
            "target",
            _(
                "%(unit)s still has %(members)s members and %(units)s units: give the unit that takes them "
                "in, or move them first."
            )
            % {"unit": union, "members": members, "units": units},
            "not_empty",
        )
    step = _step(row, union, _("Dissolve %(unit)s (it has no members and no units left).") % {"unit": union})
    succession.deactivate_accounts(ctx, union, step)
    succession.close(ctx, union, step)
    ctx.lineage(Operation.DISSOLVE, union, None, accounts=len(step.accounts))
    return step


def split(ctx: Context, row: Row) -> Step:
    _require(row, "target", _("Enter the grassroots union the listed members go to."))
    _require(row, "members", _("List the citizen IDs of the members who go to the other union."))
    source = ctx.unit(row.unit, "unit", purpose=_("be split"))
    target = ctx.unit(row.target, "target", purpose=_("take in members"))
    if source.level != Level.GRASSROOTS:
        raise refuse(
            "unit",
            _("Only a grassroots union is split by its members; move a direct-superior union's units instead."),
            "level_mismatch",
        )
    if target.level != Level.GRASSROOTS or target.pk == source.pk:
        raise refuse("target", _("The members go to another grassroots union."), "level_mismatch")
    wanted = list(dict.fromkeys(row.members))
    found = dict(source.members.filter(status="active", citizen_id__in=wanted).values_list("citizen_id", "pk"))
    missing = [cid for cid in wanted if cid not in found]
    if missing:
        shown = ", ".join(mask_citizen_id(cid) if len(cid) == 12 else cid for cid in missing[:10])
        more = len(missing) - 10
        raise refuse(
            "members",
            _("Not active members of %(unit)s: %(ids)s%(more)s.")
            % {"unit": source, "ids": shown, "more": _(" and %(n)s more") % {"n": more} if more > 0 else ""},
            "unknown_member",
        )
    summary = _("Split %(count)s members off %(source)s to %(target)s.") % {
        "count": len(found),
        "source": source,
        "target": target,
    }
    step = _step(row, source, summary, target)
    step.members = succession.transfer_members(ctx, source, target, list(found.values()))
    ctx.lineage(Operation.SPLIT, source, target, members=step.members)
    ctx.audit(source, {"members_split_off": [None, step.members], "to": [None, target.code]}, AuditLog.Action.MOVE)
    return step


def _counts(step: Step) -> dict:
    return {
        "units": len(step.units),
        "targets": len(step.targets),
        "returns": len(step.returns),
        "accounts": len(step.accounts),
        **{f"records_{key}": value for key, value in step.records.items()},
    }


def _columns(exc: ValidationError, names: dict) -> ValidationError:
    """The error of a service, keyed by the plan's columns instead of the model's fields."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(key, key): errors for key, errors in exc.error_dict.items()})


OPERATIONS = {
    Operation.CREATE: create,
    Operation.RENAME: rename,
    Operation.MOVE: move,
    Operation.MERGE: merge,
    Operation.SPLIT: split,
    Operation.DISSOLVE: dissolve,
    Operation.CHANGE_KIND: change_kind,
    Operation.MERGE_FEDERATION: merge_federation,
}
OPERATIONS = {op.value: fn for op, fn in OPERATIONS.items()}
