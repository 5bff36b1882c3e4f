"""Reads of targets (PRODUCT.md §6): access helpers, the units a user may set targets for, the
targets of a scope, and whether a unit's allocations to its child units add up to its own target.

Who sets what: the federation's staff set the federation's own targets and any union's; an
officer of a direct-superior union allocates its union's targets to the units below it (never
its own union's target, which the federation sets). A unit outside the user's subtree answers
404, a unit inside it that the user may not set 403.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404

from federation.models import Cap, Federation
from unions.models import Level, Status, Union

from .measures import ZERO
from .models import ADDITIVE_MEASURES, Indicator, Target

# --- who may see and set a unit's targets --------------------------------------------------------


def unit_visible(user, federation: Federation, union: Union | None) -> bool:
    """The unit (a union, or the federation itself when `union` is None) is in the user's subtree."""
    path = user.scope_path if user.is_authenticated else None
    if path is None:
        return False
    if path == "":
        return True
    if union is None:
        return not user.union_id and federation.pk == user.federation_id
    return union.federation_id == federation.pk and union.path.startswith(path)


def can_set_target(user, federation: Federation, union: Union | None) -> bool:
    """Federation roles that manage targets: the federation itself and any of its unions; an
    officer of a direct-superior union: the units strictly below its own union."""
    if not user.is_authenticated or not user.can(Cap.MANAGE_TARGETS) or not unit_visible(user, federation, union):
        return False
    if user.union_id:
        return union is not None and union.pk != user.union_id
    return True


def check_target_access(user, federation: Federation, union: Union | None) -> None:
    """404 when the unit is outside the user's subtree, 403 when the user may only read it."""
    if not unit_visible(user, federation, union):
        raise Http404
    if not can_set_target(user, federation, union):
        raise PermissionDenied


def may_manage_targets(user) -> bool:
    """The user sets targets somewhere (shows the "set a target" buttons)."""
    return user.is_authenticated and user.can(Cap.MANAGE_TARGETS) and user.scope_path is not None


def settable_units(user, federation: Federation) -> tuple[bool, list[Union]]:
    """(the federation itself allowed, the open unions of `federation` the user may set targets
    for), unions in tree order."""
    if not may_manage_targets(user):
        return False, []
    unions = Union.objects.visible_to(user).filter(federation=federation).active().order_by("path")
    if user.union_id:
        unions = unions.exclude(pk=user.union_id)
    fields = ("pk", "code", "name", "level", "path", "parent_id", "federation_id", "status")
    return unit_visible(user, federation, None), list(unions.only(*fields))


def check_allocation_access(user, federation: Federation, parent: Union | None) -> None:
    """The user may allocate `parent`'s target (the federation's when None) to the units one
    level below it: federation roles the federation's and any direct-superior union's, an officer
    its own union's. 404 outside the user's subtree, 403 when it may only read."""
    if not unit_visible(user, federation, parent):
        raise Http404
    if not may_manage_targets(user):
        raise PermissionDenied
    if user.union_id:
        allowed = parent is not None and parent.pk == user.union_id and parent.level == Level.SUPERIOR
    else:
        allowed = parent is None or parent.level == Level.SUPERIOR
    if not allowed:
        raise PermissionDenied


# --- single targets --------------------------------------------------------------------------------


def get_target_for_user(user, pk) -> Target:
    """The target if the user may see it; 404 alike for "missing" and "not yours"."""
    qs = Target.objects.visible_to(user).select_related("indicator", "union", "federation")
    return get_object_or_404(qs, pk=pk)


def get_rw_target_for_user(user, pk) -> Target:
    """The target if the user may revise it; 404 when not visible, 403 when read-only."""
    target = get_target_for_user(user, pk)
    if not can_set_target(user, target.federation, target.union):
        raise PermissionDenied
    return target


# --- lists -----------------------------------------------------------------------------------------


def targets_for(user, *, year: int | None = None, indicator=None, federation=None, union=..., under=None):
    """Targets the user may see, filtered: `union` a Union, or None for the federation's own
    (omitted: any unit); `under` a tree path (everything set within that subtree)."""
    qs = Target.objects.visible_to(user).select_related("indicator", "union", "federation")
    if year is not None:
        qs = qs.filter(year=year)
    if indicator is not None:
        qs = qs.filter(indicator=indicator)
    if federation is not None:
        qs = qs.filter(federation=federation)
    if union is None:
        qs = qs.filter(union__isnull=True)
    elif union is not ...:
        qs = qs.filter(union=union)
    if under is not None:
        qs = qs.within(under)
    return qs.order_by("year", "indicator__position", "indicator__code", "union__path")


def unit_targets(*, federation: Federation, union: Union | None, year: int) -> dict[int, Target]:
    """A unit's targets for a year, by indicator id."""
    qs = Target.objects.filter(federation=federation, year=year).select_related("indicator")
    qs = qs.filter(union=union) if union is not None else qs.filter(union__isnull=True)
    return {t.indicator_id: t for t in qs}


def child_units(*, federation: Federation, parent: Union | None):
    """The units one level below `parent` (the federation itself when None), today, by code."""
    qs = Union.objects.filter(federation=federation)
    qs = qs.filter(parent=parent) if parent is not None else qs.filter(parent__isnull=True)
    return qs.order_by("code")


def child_targets(*, federation: Federation, parent: Union | None, year: int) -> dict[int, dict[int, Target]]:
    """The targets of the units one level below `parent` for a year: {indicator id: {union id:
    target}}, in one query."""
    qs = Target.objects.filter(federation=federation, year=year, union__isnull=False).select_related("union")
    qs = qs.filter(union__parent=parent) if parent is not None else qs.filter(union__parent__isnull=True)
    found: dict[int, dict[int, Target]] = {}
    for target in qs.order_by("union__code"):
        found.setdefault(target.indicator_id, {})[target.union_id] = target
    return found


# --- do the allocations add up? ----------------------------------------------------------------------


@dataclass
class Allocation:
    """One additive indicator: the parent's target and what its direct children were given."""

    indicator: Indicator
    target: Decimal | None  # the parent's own target (None: none set)
    allocated: Decimal  # the children's targets added up
    children_with: int  # children that have a target
    children: int  # children in all (open ones, and closed ones holding a target)

    @property
    def difference(self) -> Decimal | None:
        """allocated − target: below zero when short of the target, above when over it."""
        return None if self.target is None else self.allocated - self.target

    @property
    def shortfall(self) -> Decimal | None:
        return None if self.difference is None else abs(self.difference)

    @property
    def adds_up(self) -> bool | None:
        """True when the children's targets add up to the parent's; None without a parent target."""
        return None if self.target is None else self.allocated == self.target

    @property
    def status(self) -> str:
        if self.target is None:
            return "no_target" if self.children_with else "empty"
        if not self.children_with:
            return "not_allocated"
        if self.allocated == self.target:
            return "adds_up"
        return "short" if self.allocated < self.target else "over"

    @property
    def has_any(self) -> bool:
        return self.target is not None or self.children_with > 0


def allocation_check(*, federation: Federation, parent: Union | None, year: int) -> list[Allocation]:
    """For each active additive indicator: `parent`'s target for `year` (the federation's own when
    None), the sum of its direct children's targets, how many children have one, and whether
    they add up. Ratios are not summed. Three queries, whatever the number of units."""
    indicators = list(Indicator.objects.filter(is_active=True, measure__in=list(ADDITIVE_MEASURES)))
    own = Q(union=parent) if parent is not None else Q(union__isnull=True)
    children = Q(union__parent=parent) if parent is not None else Q(union__isnull=False, union__parent__isnull=True)
    figures = {
        row["indicator_id"]: row
        for row in Target.objects.filter(federation=federation, year=year, indicator__in=indicators)
        .filter(own | children, passed_to__isnull=True)
        .values("indicator_id")
        .annotate(
            own=Sum("value", filter=own),
            allocated=Sum("value", filter=children),
            children_with=Count("pk", filter=children),
        )
    }
    child_count = (
        child_units(federation=federation, parent=parent)
        .filter(Q(status=Status.ACTIVE) | Q(targets__year=year, targets__passed_to__isnull=True))
        .distinct()
        .count()
    )
    rows = []
    for indicator in indicators:
        row = figures.get(indicator.pk, {})
        rows.append(
            Allocation(
                indicator=indicator,
                target=row.get("own"),
                allocated=row.get("allocated") or ZERO,
                children_with=row.get("children_with") or 0,
                children=child_count,
            )
        )
    return rows


def target_years(federation: Federation, union: Union | None) -> list[int]:
    """The years with a target anywhere in the unit's subtree, latest first (one query)."""
    targets = Target.objects.filter(federation=federation)
    if union is not None:
        targets = targets.filter(union__path__startswith=union.path)
    return sorted(set(targets.order_by().values_list("year", flat=True).distinct()), reverse=True)
