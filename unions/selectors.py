"""Reads of the union tree: access helpers, tree levels and subtree figures, in SQL."""

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.http import Http404
from django.shortcuts import get_object_or_404

from federation.models import PATH_SEGMENT, Cap, Federation
from federation.text import fold

from .models import Level, Lineage, Reorganization, Status, Union, UnionLink


def get_federation_for_user(user, pk) -> Federation:
    return get_object_or_404(Federation.objects.visible_to(user), pk=pk)


def default_federation_for_user(user) -> Federation:
    if user.federation_id:
        return user.federation
    federation = Federation.objects.visible_to(user).order_by("name").first()
    if federation is None:
        raise Http404
    return federation


def get_union_for_user(user, pk) -> Union:
    """The union if the user may see it; 404 alike for "missing" and "not yours"."""
    return get_object_or_404(Union.objects.visible_to(user).select_related("federation", "parent"), pk=pk)


def get_union_for_reports(user, pk) -> Union:
    """A union whose figures the user reads (`Union.objects.reported_to`); 404 otherwise."""
    return get_object_or_404(Union.objects.reported_to(user).select_related("federation", "parent"), pk=pk)


def get_federation_for_reports(user, pk) -> Federation:
    """A federation whose own figures the user reads (`Federation.objects.reported_to`); 404 otherwise."""
    return get_object_or_404(Federation.objects.reported_to(user), pk=pk)


def get_scope_path_for_code(user, code: str, *, federation_code: str = "") -> str:
    """The tree path of the unit with `code` (a union's, or a federation's own code for
    federation-level users), for "everything under this unit" filters. 404 alike for an unknown
    code, one outside the user's scope, and one that names units in several federations."""
    code = (code or "").strip().upper()
    federations = Federation.objects.visible_to(user)
    if federation_code:
        federations = federations.filter(code__iexact=federation_code.strip())
    if not user.union_id:
        federation = federations.filter(code__iexact=code).first()
        if federation is not None:
            return federation.path
    matches = list(Union.objects.visible_to(user).filter(code=code, federation__in=federations)[:2])
    if len(matches) != 1:
        raise Http404
    return matches[0].path


def can_edit_union(user, union: Union) -> bool:
    return (
        user.can(Cap.MANAGE_STRUCTURE) and union.pk != user.union_id and union.path.startswith(user.scope_path or "\0")
    )


def get_rw_union_for_user(user, pk) -> Union:
    """The union if the user may change it; 404 when not visible, 403 when read-only."""
    union = get_union_for_user(user, pk)
    if not can_edit_union(user, union):
        raise PermissionDenied
    return union


def parent_choices_for_user(user, federation: Federation):
    """Where the user may create a unit: active direct-superior unions it may edit, or its own
    union for a direct-superior officer."""
    if not user.can(Cap.MANAGE_STRUCTURE):
        return Union.objects.none()
    qs = Union.objects.visible_to(user).filter(federation=federation, level=Level.SUPERIOR).active()
    return qs.order_by("search_text")


def can_create_at_top(user, federation: Federation) -> bool:
    """Units directly under the federation are created by federation roles only."""
    return (
        user.can(Cap.MANAGE_STRUCTURE)
        and not user.union_id
        and (user.is_superuser or user.federation_id == federation.pk)
    )


def search_unions(
    *,
    user,
    federation: Federation | None,
    query: str = "",
    level: str = "",
    kind: str = "",
    sector: str = "",
    status: str = Status.ACTIVE,
):
    """Units visible to the user matching every word of `query` without diacritics."""
    qs = Union.objects.visible_to(user).select_related("parent")
    if federation is not None:
        qs = qs.filter(federation=federation)
    for word in fold(query).split():
        qs = qs.filter(search_text__contains=word)
    if level:
        qs = qs.filter(level=level)
    if kind:
        qs = qs.filter(kind=kind)
    if sector:
        qs = qs.filter(sector=sector)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("search_text")


class TreeNode:
    """A unit as placed in the tree on a date, with its subtree figures."""

    __slots__ = ("union", "path", "grassroots", "workers", "members")

    def __init__(self, union: Union, path: str):
        self.union = union
        self.path = path
        self.grassroots = 0
        self.workers = 0
        self.members = 0

    @property
    def has_children(self) -> bool:
        return self.union.level == Level.SUPERIOR


def tree_children(
    *,
    user,
    federation: Federation,
    parent: Union | None,
    as_of: datetime.date | None = None,
    include_closed: bool = False,
) -> list[TreeNode]:
    """The units directly under `parent` (None: the federation), today or as they stood on
    `as_of`, limited to what the user may see today. Two queries whatever the size."""
    visible = Union.objects.visible_to(user)
    if as_of is None:
        qs = visible.filter(federation=federation, parent=parent)
        if not include_closed:
            qs = qs.filter(status=Status.ACTIVE)
        nodes = [TreeNode(u, u.path) for u in qs.order_by("-level", "search_text")]
    else:
        # a federation merged into this one since then shows as it stood, as part of it
        federations = Federation.objects.making_up(federation.pk, as_of)
        links = (
            UnionLink.objects.on(as_of)
            .filter(federation__in=federations, parent=parent, union__in=visible)
            .select_related("union")
            .order_by("-union__level", "union__search_text")
        )
        nodes = [TreeNode(link.union, link.path) for link in links]
    add_subtree_figures(nodes, as_of=as_of)
    return nodes


def add_subtree_figures(nodes: list[TreeNode], *, as_of: datetime.date | None = None) -> None:
    """Fill each node's grassroots-union, worker and member counts (its own subtree, itself
    included): grouped queries per tree depth present among the nodes."""
    from members.selectors import member_counts_by_node

    member_counts_by_node(nodes, as_of=as_of)
    by_length: dict[int, list[TreeNode]] = defaultdict(list)
    for node in nodes:
        by_length[len(node.path)].append(node)
    for length, group in by_length.items():
        prefix = common_prefix([n.path for n in group])
        if as_of is None:
            rows = Union.objects.filter(level=Level.GRASSROOTS, status=Status.ACTIVE)
            workers = "worker_count"
        else:
            rows = UnionLink.objects.on(as_of).filter(union__level=Level.GRASSROOTS)
            workers = "union__worker_count"
        figures = (
            rows.filter(path__startswith=prefix)
            .annotate(node_path=Substr("path", 1, length))
            .values("node_path")
            .annotate(grassroots=Count("pk"), workers=Sum(workers))
        )
        wanted = {n.path: n for n in group}
        for row in figures:
            node = wanted.get(row["node_path"])
            if node is not None:
                node.grassroots = row["grassroots"]
                node.workers = row["workers"] or 0


def common_prefix(paths: list[str]) -> str:
    first, last = min(paths), max(paths)
    size = 0
    while size < len(first) and size < len(last) and first[size] == last[size]:
        size += 1
    return first[: size - size % PATH_SEGMENT]


def federation_figures(federation: Federation) -> dict:
    """Units of a federation by level and status, in one query."""
    rows = Union.objects.filter(federation=federation).aggregate(
        superior=Count("pk", filter=Q(level=Level.SUPERIOR, status=Status.ACTIVE)),
        grassroots=Count("pk", filter=Q(level=Level.GRASSROOTS, status=Status.ACTIVE)),
        closed=Count("pk", filter=Q(status=Status.CLOSED)),
        workers=Sum("worker_count", filter=Q(level=Level.GRASSROOTS, status=Status.ACTIVE)),
    )
    rows["workers"] = rows["workers"] or 0
    return rows


def union_positions(union: Union):
    return union.links.select_related("parent").order_by("-valid_from")


def filter_unions(user) -> list[Union]:
    """The units a list's union filter offers: everything the user may see, in name order, one
    query."""
    return list(Union.objects.visible_to(user).only("pk", "code", "name", "level", "path").order_by("search_text"))


def may_reorganize(user, federation: Federation) -> bool:
    """The federation admin of `federation` (or a superuser); `None` is the system itself (the
    command line). Users of a union never: a plan spans the federation."""
    if user is None:
        return True
    if not user.is_authenticated or not user.can(Cap.REORGANIZE) or user.union_id:
        return False
    return user.is_superuser or user.federation_id == federation.pk


def get_reorganization_for_user(user, pk) -> Reorganization:
    """The reorganization if the user may read it; 404 alike for "missing" and "not yours"."""
    queryset = Reorganization.objects.visible_to(user).select_related("federation", "created_by", "applied_by")
    return get_object_or_404(queryset, pk=pk)


def get_rw_reorganization_for_user(user, pk) -> Reorganization:
    """The reorganization if the user may apply or discard it; 404 when not visible, 403 when
    read-only."""
    reorganization = get_reorganization_for_user(user, pk)
    if not may_reorganize(user, reorganization.federation):
        raise PermissionDenied
    return reorganization


def union_lineage(union: Union) -> list[Lineage]:
    """The reorganizations' operations on `union` (as the unit acted on, or the one that took
    something in), newest first."""
    return list(
        Lineage.objects.filter(Q(union=union) | Q(successor=union))
        .select_related("reorganization", "union", "successor")
        .order_by("-effective_on", "-pk")
    )
