"""The member composition of a dashboard's node: for each unit one level below it, its active
members, the ethnic-minority members (ethnicity other than Kinh), those who follow a religion and
the Party members. One grouped query; the breakdowns go out through `reports.privacy`, so a
count from 1 to 4 is shown as "<5" whatever the viewer's role."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import Substr

from federation.models import PATH_SEGMENT, Federation
from members.models import Member, MemberStatus
from unions.models import Status, Union

from .cache import remember
from .privacy import suppress_small, suppressed_share

BREAKDOWNS = ("minority", "religious", "party")


@dataclass(frozen=True)
class Cell:
    shown: int | str  # the count, or "<5"
    share: object  # percent of the unit's members, None when suppressed or empty


@dataclass(frozen=True)
class CompositionRow:
    unit: Union | None  # None: the node itself (the total row)
    members: int
    minority: Cell
    religious: Cell
    party: Cell

    @property
    def cells(self) -> tuple[Cell, Cell, Cell]:
        return self.minority, self.religious, self.party


@dataclass(frozen=True)
class Composition:
    rows: list[CompositionRow]
    total: CompositionRow


def _row(unit, figures: dict) -> CompositionRow:
    members = figures.get("members", 0)
    cells = {
        k: Cell(suppress_small(figures.get(k, 0)), suppressed_share(figures.get(k, 0), members)) for k in BREAKDOWNS
    }
    return CompositionRow(unit=unit, members=members, **cells)


def member_composition(*, federation: Federation, union: Union | None) -> Composition:
    """The composition of the active members below `union` (the federation when None), per
    unit one level below it (the union itself when it has none). Cached like the dashboards'
    figures until a write to members or units commits (reports/cache.py)."""
    return remember(
        ("composition", federation.pk, union.pk if union is not None else None),
        lambda: _composition(federation, union),
    )


def _composition(federation: Federation, union: Union | None) -> Composition:
    path = union.path if union is not None else federation.path
    length = len(path) + PATH_SEGMENT
    grouped = (
        Member.objects.filter(status=MemberStatus.ACTIVE, union__path__startswith=path)
        .annotate(node=Substr("union__path", 1, length))
        .order_by()
        .values("node")
        .annotate(
            members=Count("pk"),
            minority=Count("pk", filter=~Q(ethnicity="") & ~Q(ethnicity__iexact="kinh")),
            religious=Count(
                "pk", filter=~Q(religion="") & ~Q(religion__iexact="không") & ~Q(religion__iexact="không có")
            ),
            party=Count("pk", filter=Q(is_party_member=True)),
        )
    )
    by_node = {row.pop("node"): row for row in grouped}
    if union is None:
        children = Union.objects.filter(federation=federation, parent__isnull=True, status=Status.ACTIVE)
    else:
        children = union.children.filter(status=Status.ACTIVE)
        if not children.exists():
            children = Union.objects.filter(pk=union.pk)
    rows = [_row(child, by_node.get(child.path, {})) for child in children.order_by("search_text")]
    totals = {k: sum(r.get(k, 0) for r in by_node.values()) for k in ("members", *BREAKDOWNS)}
    return Composition(rows=rows, total=_row(None, totals))
