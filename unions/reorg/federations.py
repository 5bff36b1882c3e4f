"""Merging a whole federation into another (the provincial mergers of 1 July 2025).

Every unit of the merged federation, open or closed, moves into the receiving one with its
subtree as it stands; its history (`UnionLink` rows before the effective date) keeps the old
federation, so "as it stood" reports still find it, and `Federation.merged_into` lets the
receiving federation's reports reach back to it. Members, imports, welfare records, returns and
unit targets follow their units; the merged federation's own records and accounts go to the
receiving federation; its own targets for the year are added to the receiving federation's.
Codes that collide are renamed by one rule (shown in the preview); a citizen ID active in both
federations stops the merger until someone resolves it.
"""

from django.db.models import Exists, F, OuterRef, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from federation.models import AuditLog, Federation, User
from members.models import Member, MemberImport, MemberStatus
from members.validation import mask_citizen_id

from ..models import Level, Operation, Union, UnionLink
from ..services import restart_positions
from .engine import Context, Step, refuse
from .plan import Row
from .succession import pass_target

SHOWN_CONFLICTS = 20


def code_tag(federation: Federation) -> str:
    """What prefixes a colliding code: the last part of the federation's code (LDLD-YB -> YB)."""
    return federation.code.rsplit("-", 1)[-1].upper()


def renamed_codes(source: Federation, target: Federation) -> dict[str, str]:
    """{old code: new code} for the units of `source` whose code `target` already uses: the
    source's tag, a dash and the old code (YB-H01), numbered if that is taken too (YB-H01-2)."""
    theirs = set(Union.objects.filter(federation=target).values_list("code", flat=True))
    codes = list(Union.objects.filter(federation=source).order_by("code").values_list("code", flat=True))
    taken = theirs | set(codes)
    renamed = {}
    for code in codes:
        if code not in theirs:
            continue
        new = f"{code_tag(source)}-{code}"
        n = 2
        while new in taken:
            new = f"{code_tag(source)}-{code}-{n}"
            n += 1
        taken.add(new)
        renamed[code] = new[: Union._meta.get_field("code").max_length]
    return renamed


def citizen_conflicts(source: Federation, target: Federation) -> list[tuple[Member, Member]]:
    """Pairs of active members, one in each federation, with the same citizen ID (one indexed
    lookup per member of `source`, whatever the planner knows of freshly loaded tables)."""
    theirs = Member.objects.filter(federation=target, status=MemberStatus.ACTIVE)
    ours = (
        Member.objects.filter(federation=source, status=MemberStatus.ACTIVE)
        .filter(Exists(theirs.filter(citizen_id=OuterRef("citizen_id"))))
        .select_related("union")
        .order_by("citizen_id")
    )
    ours = list(ours)
    matches = theirs.filter(citizen_id__in=[m.citizen_id for m in ours]).select_related("union")
    by_id = {m.citizen_id: m for m in matches}
    return [(member, by_id[member.citizen_id]) for member in ours if member.citizen_id in by_id]


def _federation(code: str, column: str) -> Federation:
    federation = Federation.objects.filter(code=code).first()
    if federation is None:
        raise refuse(column, _("No federation has the code %(code)s.") % {"code": code}, "unknown_federation")
    if federation.closed_on:
        message = _("%(federation)s closed on %(day)s.") % {
            "federation": federation,
            "day": federation.closed_on.strftime("%d/%m/%Y"),
        }
        raise refuse(column, message, "federation_closed")
    return federation


def merge_federation(ctx: Context, row: Row) -> Step:
    if ctx.by is not None and not ctx.by.is_superuser:
        raise refuse(
            "operation",
            _("Merging federations spans two federations: only a system administrator may do it."),
            "not_allowed",
        )
    source = _federation(row.unit, "unit")
    target = ctx.federation
    if row.target and row.target != target.code:
        raise refuse(
            "target",
            _("This plan is for %(federation)s: the federation merged in goes into it.") % {"federation": target},
            "wrong_federation",
        )
    if source.pk == target.pk:
        raise refuse("unit", _("A federation cannot merge into itself."), "same_unit")
    conflicts = citizen_conflicts(source, target)
    if conflicts:
        lines = [
            _("%(id)s: %(a)s (%(unit_a)s) and %(b)s (%(unit_b)s)")
            % {
                "id": mask_citizen_id(a.citizen_id),
                "a": a.full_name,
                "unit_a": a.union.code,
                "b": b.full_name,
                "unit_b": b.union.code,
            }
            for a, b in conflicts[:SHOWN_CONFLICTS]
        ]
        more = len(conflicts) - SHOWN_CONFLICTS
        raise refuse(
            "unit",
            _(
                "%(n)s citizen IDs are active members of both federations; resolve each (the member who "
                "left is recorded as left or transferred) before merging: %(list)s%(more)s."
            )
            % {
                "n": len(conflicts),
                "list": "; ".join(lines),
                "more": _(" and %(n)s more") % {"n": more} if more > 0 else "",
            },
            "citizen_id_in_both",
        )
    later = UnionLink.objects.filter(federation=source, valid_to__isnull=True, valid_from__gt=ctx.on)
    if later.exists():
        raise refuse(
            "effective_on",
            _("Units of %(federation)s changed position after %(day)s: merge it later.")
            % {"federation": source, "day": ctx.on.strftime("%d/%m/%Y")},
            "changed_after",
        )
    step = Step(
        row=row.number,
        operation=row.operation,
        unit=source.code,
        unit_name=source.name,
        summary=_("Merge %(source)s into %(target)s.") % {"source": source, "target": target},
        successor=target.code,
        successor_name=target.name,
    )
    renamed = renamed_codes(source, target)
    _rename_units(ctx, source, renamed, step)
    _move_tree(ctx, source, target)
    step.members = Member.objects.filter(federation=source, status=MemberStatus.ACTIVE).count()
    _move_records(ctx, source, target, step)
    _pass_federation_targets(ctx, source, target, step)
    step.units = [
        {"code": code, "name": name, "from": str(source), "to": str(target)}
        for code, name in Union.objects.filter(pk__in=ctx.moved_ids, parent__isnull=True, status="active")
        .order_by("code")
        .values_list("code", "name")
    ]
    Federation.objects.filter(pk=source.pk).update(closed_on=ctx.on, merged_into=target, updated_at=timezone.now())
    ctx.audit(source, {"merged_into": [None, target.code], "closed_on": [None, ctx.on.isoformat()]})
    ctx.audit(target, {"merged_from": [None, source.code]})
    step.closed = True
    ctx.lineage(
        Operation.MERGE_FEDERATION,
        members=step.members,
        from_federation=source,
        renamed=renamed,
        units=len(ctx.moved_ids),
    )
    return step


def _rename_units(ctx: Context, source: Federation, renamed: dict[str, str], step: Step) -> None:
    for union in Union.objects.filter(federation=source, code__in=list(renamed)).order_by("code"):
        old = union.code
        union.code = renamed[old]
        union.save(update_fields=["code"])
        ctx.audit(union, {"code": [old, union.code]})
        step.renamed.append({"from": old, "to": union.code, "name": union.name})


def _move_tree(ctx: Context, source: Federation, target: Federation) -> None:
    """Paths and federation of every unit; positions in force end the day before and start again
    in the receiving federation (one begun that same day is corrected in place)."""
    units = Union.objects.filter(federation=source)
    ctx.moved_ids = list(units.values_list("pk", flat=True))
    change = {"federation": [source.code, target.code]}
    ctx.audit_many(Union, units.values_list("pk", "name"), change, AuditLog.Action.MOVE)
    units.update(path=Concat(Value(target.path), Substr(F("path"), len(source.path) + 1)))
    # Direct-superior units first: the database checks a unit's parent is in its federation.
    Union.objects.filter(pk__in=ctx.moved_ids, level=Level.SUPERIOR).update(
        federation=target, updated_at=timezone.now()
    )
    Union.objects.filter(pk__in=ctx.moved_ids, level=Level.GRASSROOTS).update(
        federation=target, updated_at=timezone.now()
    )
    restart_positions(ctx.moved_ids, effective_on=ctx.on, federation_id=target.pk)


def _unique_names(model, source: Federation, target: Federation, step: Step, what: str) -> None:
    """Occasions and funds are named uniquely in a federation: a merged one whose name is taken
    gets the merged federation's name after it."""
    taken = set(model.objects.filter(federation=target).values_list("name", flat=True))
    for obj in model.objects.filter(federation=source, name__in=taken):
        new = f"{obj.name} ({source.name})"[: model._meta.get_field("name").max_length]
        model.objects.filter(pk=obj.pk).update(name=new)
        step.renamed.append({"from": obj.name, "to": new, "name": what})


def _move_records(ctx: Context, source: Federation, target: Federation, step: Step) -> None:
    from reports.models import IndicatorValue, QuarterlyReturn, Target
    from welfare.models import Activity, Fund, Occasion, Shelter

    _unique_names(Occasion, source, target, step, str(Occasion._meta.verbose_name))
    _unique_names(Fund, source, target, step, str(Fund._meta.verbose_name))
    # One entry per record that changes federation (written at once: COPY on PostgreSQL).
    change = {"federation": [source.code, target.code]}
    for model, related in ((Occasion, []), (Activity, []), (Shelter, ["member"]), (Fund, []),
                           (QuarterlyReturn, ["union"]), (Target, ["indicator", "union"])):  # fmt: skip
        records = model.objects.filter(federation=source).select_related(*related)
        if model is Target:
            records = records.filter(union__isnull=False)
        ctx.audit_many(model, [(obj.pk, str(obj)) for obj in records.iterator(chunk_size=2000)], change)
    ctx.audit_many(Member, Member.objects.filter(federation=source).values_list("pk", "full_name"), change)
    moved = {}
    for name, model in (("occasions", Occasion), ("activities", Activity), ("shelters", Shelter), ("funds", Fund)):
        moved[name] = model.objects.filter(federation=source).update(federation=target)
    Member.objects.filter(federation=source).update(federation=target, updated_at=timezone.now())
    MemberImport.objects.filter(federation=source, union__isnull=False).update(federation=target)
    moved["returns"] = QuarterlyReturn.objects.filter(federation=source).update(federation=target)
    moved["targets"] = Target.objects.filter(federation=source, union__isnull=False).update(federation=target)
    IndicatorValue.objects.filter(federation=source, union__isnull=False).update(federation=target)
    step.records = {key: value for key, value in moved.items() if value}
    accounts = list(User.objects.filter(federation=source).select_related("union").order_by("username"))
    User.objects.filter(pk__in=[user.pk for user in accounts]).update(federation=target)
    for user in accounts:
        ctx.audit(user, {"federation": [source.code, target.code]})
        step.accounts.append({"username": user.username, "to": user.union.code if user.union_id else target.code})


def _pass_federation_targets(ctx: Context, source: Federation, target: Federation, step: Step) -> None:
    """The merged federation's own targets for the year of the merger and later are added to
    the receiving federation's own."""
    from reports.models import Target
    from reports.periods import report_year

    year = report_year(target, ctx.on)
    own = Target.objects.filter(federation=source, union__isnull=True, year__gte=year, passed_to__isnull=True)
    for passed in own.select_related("indicator"):
        pass_target(ctx, passed, federation=target, union=None, source=source, step=step)
