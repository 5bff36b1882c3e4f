"""Reads of member rolls: access helpers, the roll on a date, period counts, in SQL."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, Q, Sum, When
from django.db.models.functions import Substr
from django.http import Http404
from django.shortcuts import get_object_or_404

from federation.models import Cap
from federation.text import fold
from unions.models import Level, Status, Union
from unions.selectors import get_union_for_user

from .models import Member, MemberImport, MemberStatus, Movement, MovementKind, TransferRequest, TransferStatus


def get_member_for_user(user, pk) -> Member:
    """The member if the user may see it; 404 alike for "missing" and "not yours"."""
    return get_object_or_404(Member.objects.visible_to(user).select_related("union", "federation"), pk=pk)


def get_rw_member_for_user(user, pk) -> Member:
    """The member if the user keeps its roll; 404 when not visible, 403 when read-only."""
    member = get_member_for_user(user, pk)
    if not user.can(Cap.MANAGE_MEMBERS):
        raise PermissionDenied
    return member


def find_member_by_citizen_id(user, citizen_id: str) -> Member | None:
    """The member with this (12-digit) citizen ID on the rolls the user may see: the active one
    when a former member shares it, else the latest. Only for roles that see citizen IDs."""
    if not user.can(Cap.VIEW_PERSONAL_DATA):
        raise PermissionDenied
    return (
        Member.objects.visible_to(user)
        .filter(citizen_id=citizen_id)
        .order_by(Case(When(status=MemberStatus.ACTIVE, then=0), default=1), "-joined_on", "-pk")
        .first()
    )


def keeps_roll_of(user, union) -> bool:
    """The user keeps this union's roll: it manages members and the union is in its subtree."""
    path = user.scope_path
    return user.can(Cap.MANAGE_MEMBERS) and path is not None and union.path.startswith(path)


def get_import_for_user(user, pk) -> MemberImport:
    return get_object_or_404(MemberImport.objects.visible_to(user).select_related("union", "uploaded_by"), pk=pk)


def search_members(
    *, user, query: str = "", union=None, gender: str = "", status: str = MemberStatus.ACTIVE, party: str = ""
):
    """Members the user may see, in Vietnamese order by given name. A query of digits looks up
    citizen IDs (exact or by their end); words match names without diacritics."""
    qs = Member.objects.visible_to(user).select_related("union")
    if union is not None:
        qs = qs.filter(union=union)
    query = (query or "").strip()
    digits = query.replace(" ", "").replace(".", "")
    if digits.isdigit() and len(digits) >= 4:
        qs = qs.filter(citizen_id=digits) if len(digits) == 12 else qs.filter(citizen_id__endswith=digits)
    else:
        for word in fold(query).split():
            qs = qs.filter(search_text__contains=word)
    if gender:
        qs = qs.filter(gender=gender)
    if status:
        qs = qs.filter(status=status)
    if party == "member":
        qs = qs.filter(is_party_member=True)
    elif party == "introduced":
        qs = qs.filter(party_introduced_on__isnull=False, party_admitted_on__isnull=True)
    return qs.order_by("sort_name", "pk")


def page_of(members, number, size: int):
    """One page of `members` (an ordered queryset) for the list: the page's ids first, from a
    query of ids alone, which a covering index answers without reading the rows it passes over
    (a search across a federation skips hundreds of thousands of them), then those rows."""
    page = Paginator(members.values_list("pk", flat=True), size).get_page(number)
    ids = list(page.object_list)
    rows = members.filter(pk__in=ids).in_bulk()
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


@dataclass
class RollCounts:
    """A period's roll: opening + admitted + readmitted + transferred in - transferred out -
    left - deceased = closing, always."""

    opening: int = 0
    admitted: int = 0
    readmitted: int = 0
    transferred_in: int = 0
    transferred_out: int = 0
    left: int = 0
    deceased: int = 0
    closing: int = 0

    @property
    def net_change(self) -> int:
        return self.closing - self.opening


def roll_counts(*, path: str, start: datetime.date, end: datetime.date, cached: bool = False) -> RollCounts:
    """Counts for the units under `path` (a union's or the federation's) from `start` to `end`,
    both included, in one query. Every figure is a sum over movements, so they add up. With
    `cached`, kept like the dashboards' figures until a write to movements commits
    (reports/cache.py): a federation's list sums a quarter of a million movements."""
    if cached:
        from reports.cache import remember  # the reports build on the roll, not the other way

        return remember(("roll-counts", path, start, end), lambda: roll_counts(path=path, start=start, end=end))
    in_period = Q(date__gte=start, date__lte=end)
    row = Movement.objects.filter(union__path__startswith=path, date__lte=end).aggregate(
        opening=Sum("delta", filter=Q(date__lt=start), default=0),
        closing=Sum("delta", default=0),
        **{kind.value: Count("pk", filter=in_period & Q(kind=kind)) for kind in MovementKind},
    )
    return RollCounts(**row)


def roll_on(*, path: str, day: datetime.date):
    """Member ids on the roll of the units under `path` on `day`: those whose movements there,
    up to that day, add up to one."""
    return (
        Movement.objects.filter(union__path__startswith=path, date__lte=day)
        .values("member_id")
        .annotate(on_roll=Sum("delta"))
        .filter(on_roll__gt=0)
        .values("member_id")
    )


def members_on(*, user, path: str, day: datetime.date):
    return Member.objects.visible_to(user).filter(pk__in=roll_on(path=path, day=day)).order_by("sort_name", "pk")


def active_counts(*, path: str) -> dict:
    """Today's roll under `path`: members, women, Party members (one query)."""
    return Member.objects.filter(union__path__startswith=path, status=MemberStatus.ACTIVE).aggregate(
        members=Count("pk"),
        female=Count("pk", filter=Q(gender="female")),
        party=Count("pk", filter=Q(is_party_member=True)),
    )


def member_counts_by_node(nodes, *, as_of: datetime.date | None = None) -> None:
    """Set `members` on tree nodes (unions.selectors.TreeNode): one grouped query per tree depth,
    from today's roll, or from the movements up to `as_of` in the structure of that day."""
    from unions.models import UnionLink
    from unions.selectors import common_prefix

    by_length = defaultdict(list)
    for node in nodes:
        by_length[len(node.path)].append(node)
    for length, group in by_length.items():
        prefix = common_prefix([n.path for n in group])
        if as_of is None:
            rows = (
                Member.objects.filter(union__path__startswith=prefix, status=MemberStatus.ACTIVE)
                .annotate(node_path=Substr("union__path", 1, length))
                .values("node_path")
                .annotate(n=Count("pk"))
            )
        else:
            rows = (
                Movement.objects.filter(
                    date__lte=as_of,
                    union__links__in=UnionLink.objects.on(as_of),
                    union__links__path__startswith=prefix,
                )
                .annotate(node_path=Substr("union__links__path", 1, length))
                .values("node_path")
                .annotate(n=Sum("delta"))
            )
        wanted = {n.path: n for n in group}
        for row in rows:
            node = wanted.get(row["node_path"])
            if node is not None:
                node.members = row["n"] or 0


def transfer_inbox(user):
    """Pending transfers into the unions the user keeps."""
    return (
        TransferRequest.objects.filter(status=TransferStatus.PENDING, to_union__path__startswith=user.scope_path or "")
        .select_related("member", "from_union", "to_union", "requested_by")
        .order_by("requested_at")
        if user.can(Cap.MANAGE_MEMBERS) and user.scope_path is not None
        else TransferRequest.objects.none()
    )


def member_movements(member: Member):
    return member.movements.select_related("union", "other_union", "reorganization").order_by("date", "pk")


def managed_unions(user):
    """Open grassroots unions whose rolls the user keeps (where it may admit or readmit)."""
    if not user.can(Cap.MANAGE_MEMBERS):
        return Union.objects.none()
    return Union.objects.visible_to(user).filter(level=Level.GRASSROOTS, status=Status.ACTIVE).order_by("search_text")


def get_admit_union_for_user(user, pk) -> Union:
    """The grassroots union a member is admitted to: 404 when not visible (or not an open
    grassroots union), 403 when the user does not keep rolls."""
    union = get_union_for_user(user, pk)
    if not user.can(Cap.MANAGE_MEMBERS):
        raise PermissionDenied
    if union.level != Level.GRASSROOTS or union.status != Status.ACTIVE:
        raise Http404
    return union


def get_inbox_transfer_for_user(user, pk) -> TransferRequest:
    """A pending transfer into one of the user's unions: 403 for read-only roles, 404 for
    anything else (someone else's transfer, the user's own outgoing request, a decided one)."""
    if not user.can(Cap.MANAGE_MEMBERS):
        raise PermissionDenied
    return get_object_or_404(transfer_inbox(user), pk=pk)


def outgoing_transfers(user):
    """Pending transfers out of the user's unions, waiting for the receiving union."""
    if not user.can(Cap.MANAGE_MEMBERS) or user.scope_path is None:
        return TransferRequest.objects.none()
    return (
        TransferRequest.objects.filter(status=TransferStatus.PENDING, from_union__path__startswith=user.scope_path)
        .exclude(to_union__path__startswith=user.scope_path)
        .select_related("member", "from_union", "to_union")
        .order_by("requested_at")
    )


def filter_roll(user, params):
    """The member list's members for its query `params` (a QueryDict or a dict), within the
    user's scope: (members, form, scope union, personal, unions). Shared by the list, its
    download and the export job, so all three hold the same rows."""
    from django.utils.translation import gettext as _

    from unions.selectors import filter_unions

    from .forms import MemberFilterForm

    union_pk = str(params.get("union", "") or "")
    scope_union = get_union_for_user(user, int(union_pk)) if union_pk.isdigit() else None
    personal = user.can(Cap.VIEW_PERSONAL_DATA)
    unions = filter_unions(user)
    form = MemberFilterForm(params, unions=unions, personal=personal)
    form.is_valid()
    filters = form.cleaned_data
    query = filters.get("q", "")
    if any(ch.isdigit() for ch in query):
        # A citizen ID in the address would stay in browser histories and server logs: it is
        # looked up by the posted "Find by citizen ID" form. Without that right, searching by
        # digits would let a masked list be read back digit by digit.
        query = ""
        if personal:
            form.add_error("q", _("Search by name here; use “Find by citizen ID” for a citizen ID."))
        else:
            form.add_error("q", _("Search by name: citizen IDs are not shown to your role."))
    members = search_members(
        user=user,
        query=query,
        union=scope_union if scope_union is not None and scope_union.level == Level.GRASSROOTS else None,
        gender=filters.get("gender", ""),
        status=filters.get("status", MemberStatus.ACTIVE),
        party=filters.get("party", "") if personal else "",
    )
    if scope_union is not None and scope_union.level != Level.GRASSROOTS:
        members = members.filter(union__path__startswith=scope_union.path)
    return members, form, scope_union, personal, unions


def get_export_for_user(user, pk):
    """One of the user's own roll exports (404 for anyone else's)."""
    from .models import RollExport

    return get_object_or_404(RollExport.objects.visible_to(user), pk=pk)
