"""Writes to the union tree. Every change keeps `Union.parent/path` (today) and `UnionLink`
(through time) in step, and lands in the audit trail."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Right, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from federation.models import PATH_SEGMENT, AuditLog, path_segment
from federation.services import audit_log, diff_fields
from federation.signals import records_changed

from .models import Level, Status, Union, UnionLink

EDITABLE_FIELDS = (
    "code",
    "name",
    "kind",
    "sector",
    "tax_code",
    "worker_count",
    "ward_code",
    "address",
    "established_on",
)


def _check_parent(*, federation, parent, level):
    if parent is None:
        return
    if parent.federation_id != federation.pk:
        raise ValidationError({"parent": _("The direct superior belongs to another federation.")})
    if level == Level.SUPERIOR:
        raise ValidationError({"parent": _("A direct-superior union sits directly under the federation.")})
    if parent.level != Level.SUPERIOR:
        raise ValidationError({"parent": _("A grassroots union can only be placed under a direct-superior union.")})
    if parent.status != Status.ACTIVE:
        raise ValidationError({"parent": _("A closed unit cannot receive new units.")})


@transaction.atomic
def union_create(*, federation, parent, by, request=None, **fields) -> Union:
    """Create a union under `parent` (None: directly under the federation)."""
    level = fields.get("level")
    _check_parent(federation=federation, parent=parent, level=level)
    union = Union(federation=federation, parent=parent, path="", **fields)
    union.full_clean(exclude=["path"])
    union.save()
    prefix = parent.path if parent else federation.path
    union.path = prefix + path_segment(union.pk)
    union.save(update_fields=["path"])
    UnionLink.objects.create(
        union=union,
        federation=federation,
        parent=parent,
        path=union.path,
        valid_from=union.established_on,
    )
    audit_log(
        actor=by,
        obj=union,
        action=AuditLog.Action.CREATE,
        changes={
            name: [None, after] for name, (_, after) in diff_fields(Union(), {**fields, "parent": parent}).items()
        },
        request=request,
    )
    return union


@transaction.atomic
def union_update(*, union: Union, by, request=None, **fields) -> Union:
    """Change a union's own data (not its place in the tree: see `union_move`)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    changes = diff_fields(union, fields)
    if not changes:
        return union
    for name, value in fields.items():
        setattr(union, name, value)
    union.full_clean(exclude=["path"])
    union.save(update_fields=list(changes))
    audit_log(actor=by, obj=union, action=AuditLog.Action.UPDATE, changes=changes, request=request)
    return union


def check_no_later_position(union_ids, effective_on: datetime.date) -> None:
    """A unit's position changes in date order: refused if one of them already moved after
    `effective_on`."""
    later = UnionLink.objects.filter(union_id__in=union_ids, valid_to__isnull=True, valid_from__gt=effective_on)
    if later.exists():
        raise ValidationError({"effective_on": _("The unit already changed position after that date.")})


def restart_positions(
    union_ids, *, effective_on: datetime.date, federation_id: int, new_parents: dict[int, int | None] | None = None
) -> None:
    """After units moved (their paths already changed): their positions in force end on
    `effective_on` and new ones start there, in `federation_id`, under the parent `new_parents`
    gives (the others keep theirs). A position begun that same day (two decisions in force on one
    day) is corrected in place. Earlier positions stay as they were: the tree on any past date."""
    new_parents = new_parents or {}
    paths = dict(Union.objects.filter(pk__in=union_ids).values_list("pk", "path"))
    open_links = UnionLink.objects.filter(union_id__in=union_ids, valid_to__isnull=True)
    for link_id, union_id, parent_id in open_links.filter(valid_from=effective_on).values_list(
        "pk", "union_id", "parent_id"
    ):
        UnionLink.objects.filter(pk=link_id).update(
            federation_id=federation_id, path=paths[union_id], parent_id=new_parents.get(union_id, parent_id)
        )
    continuing = list(open_links.exclude(valid_from=effective_on).values_list("union_id", "parent_id"))
    open_links.exclude(valid_from=effective_on).update(valid_to=effective_on)
    UnionLink.objects.bulk_create(
        UnionLink(
            union_id=union_id,
            federation_id=federation_id,
            parent_id=new_parents.get(union_id, parent_id),
            path=paths[union_id],
            valid_from=effective_on,
        )
        for union_id, parent_id in continuing
    )


@transaction.atomic
def union_move(*, union: Union, new_parent: Union | None, effective_on: datetime.date, by, request=None) -> Union:
    """Place `union` (and its subtree) under `new_parent` from `effective_on`.

    The old positions stay readable in `UnionLink` for dates before `effective_on`.
    """
    union = Union.objects.select_for_update().get(pk=union.pk)
    _check_parent(federation=union.federation, parent=new_parent, level=union.level)
    if new_parent is not None and new_parent.path.startswith(union.path):
        raise ValidationError({"parent": _("A unit cannot be moved under itself.")})
    if (new_parent.pk if new_parent else None) == union.parent_id:
        return union
    old_path = union.path
    new_path = (new_parent.path if new_parent else union.federation.path) + path_segment(union.pk)
    subtree = list(Union.objects.filter(path__startswith=old_path).values_list("pk", flat=True))
    check_no_later_position(subtree, effective_on)
    old_parent = union.parent or union.federation
    records_changed.send(sender=Union)
    Union.objects.filter(pk__in=subtree).update(path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1)))
    Union.objects.filter(pk=union.pk).update(parent=new_parent, updated_at=timezone.now())
    restart_positions(
        subtree,
        effective_on=effective_on,
        federation_id=union.federation_id,
        new_parents={union.pk: new_parent.pk if new_parent else None},
    )
    union.refresh_from_db()
    audit_log(
        actor=by,
        obj=union,
        action=AuditLog.Action.MOVE,
        changes={
            "parent": [str(old_parent), str(new_parent or union.federation)],
            "effective_on": [None, effective_on.isoformat()],
        },
        request=request,
    )
    return union


@transaction.atomic
def union_move_many(
    *, unions: list[Union], new_parent: Union, effective_on: datetime.date, by, request=None
) -> list[Union]:
    """`union_move` for many grassroots units at once (units with nothing below them, as when
    a direct-superior union's units all go to another), in a constant number of queries plus
    one audit entry per unit. Returns the units moved."""
    ids = [union.pk for union in unions]
    locked = list(Union.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    locked = [union for union in locked if union.parent_id != new_parent.pk]
    if not locked:
        return []
    for level in {union.level for union in locked}:
        _check_parent(federation=new_parent.federation, parent=new_parent, level=level)
    if any(union.federation_id != new_parent.federation_id for union in locked):
        raise ValidationError({"parent": _("The direct superior belongs to another federation.")})
    ids = [union.pk for union in locked]
    if Union.objects.filter(parent_id__in=ids).exists():
        raise ValueError("union_move_many moves units with nothing below them: use union_move")
    check_no_later_position(ids, effective_on)
    parent_ids = {union.parent_id for union in locked if union.parent_id}
    old_parents = {parent.pk: parent for parent in Union.objects.filter(pk__in=parent_ids)}
    records_changed.send(sender=Union)
    Union.objects.filter(pk__in=ids).update(
        parent=new_parent,
        path=Concat(Value(new_parent.path), Right(F("path"), PATH_SEGMENT)),
        updated_at=timezone.now(),
    )
    restart_positions(
        ids,
        effective_on=effective_on,
        federation_id=new_parent.federation_id,
        new_parents=dict.fromkeys(ids, new_parent.pk),
    )
    paths = dict(Union.objects.filter(pk__in=ids).values_list("pk", "path"))
    for union in locked:
        old_parent = old_parents.get(union.parent_id) or new_parent.federation
        union.path = paths[union.pk]
        audit_log(
            actor=by,
            obj=union,
            action=AuditLog.Action.MOVE,
            changes={
                "parent": [str(old_parent), str(new_parent)],
                "effective_on": [None, effective_on.isoformat()],
            },
            request=request,
        )
        union.parent = new_parent
    return locked


@transaction.atomic
def union_close(*, union: Union, closed_on: datetime.date, by, request=None) -> Union:
    """Close a union. Units with active units below them must be emptied first (§7)."""
    union = Union.objects.select_for_update().get(pk=union.pk)
    if union.status == Status.CLOSED:
        return union
    if union.children.filter(status=Status.ACTIVE).exists():
        raise ValidationError(_("Move or close the units under this one first."))
    if union.established_on and closed_on < union.established_on:
        raise ValidationError({"closed_on": _("A unit cannot close before it was established.")})
    if UnionLink.objects.filter(union=union, valid_to__isnull=True, valid_from__gt=closed_on).exists():
        raise ValidationError({"closed_on": _("The unit took its present position after that date.")})
    union.status = Status.CLOSED
    union.closed_on = closed_on
    union.save(update_fields=["status", "closed_on"])
    UnionLink.objects.filter(union=union, valid_to__isnull=True).update(valid_to=closed_on)
    records_changed.send(sender=Union)
    audit_log(
        actor=by,
        obj=union,
        action=AuditLog.Action.CLOSE,
        changes={"status": [Status.ACTIVE, Status.CLOSED], "closed_on": [None, closed_on.isoformat()]},
        request=request,
    )
    return union
