import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from federation.forms import attach_errors
from federation.models import Cap
from federation.selectors import object_history
from members.forms import period_default
from members.selectors import roll_counts

from . import selectors, services
from .forms import TreeFilterForm, UnionForm
from .models import Level, Operation, Reorganization, Status, Union
from .views_reorg import lineage_entries


def _federation_from_request(request):
    pk = request.GET.get("federation")
    if pk and pk.isdigit():
        return selectors.get_federation_for_user(request.user, int(pk))
    return selectors.default_federation_for_user(request.user)


@login_required
@require_GET
def tree(request):
    """The federation's tree as the user may see it, or a flat search across it."""
    federation = _federation_from_request(request)
    form = TreeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    as_of = filters.get("as_of")
    ctx = {
        "federation": federation,
        "form": form,
        "as_of": as_of,
        "figures": selectors.federation_figures(federation) if not request.user.union_id else None,
        "can_create": selectors.can_create_at_top(request.user, federation)
        or selectors.parent_choices_for_user(request.user, federation).exists(),
        "federations": None,
    }
    if request.user.is_superuser:
        ctx["federations"] = selectors.Federation.objects.visible_to(request.user)
    if form.is_valid() and form.is_search:
        status = filters.get("status") or Status.ACTIVE
        results = selectors.search_unions(
            user=request.user,
            federation=federation,
            query=filters.get("q", ""),
            level=filters.get("level", ""),
            kind=filters.get("kind", ""),
            sector=filters.get("sector", ""),
            status="" if status == "all" else status,
        )
        page = Paginator(results, 50).get_page(request.GET.get("page"))
        nodes = [selectors.TreeNode(u, u.path) for u in page.object_list]
        selectors.add_subtree_figures(nodes)
        ctx.update(page=page, results=nodes, searching=True)
        return render(request, "unions/tree.html", ctx)

    if request.user.union_id:
        # An officer's or chair's tree starts at its own union.
        own = request.user.union
        root = selectors.TreeNode(own, own.path)
        selectors.add_subtree_figures([root])
        ctx["root"] = root
        ctx["nodes"] = (
            selectors.tree_children(user=request.user, federation=federation, parent=own, as_of=as_of)
            if own.level == Level.SUPERIOR
            else []
        )
    else:
        ctx["nodes"] = selectors.tree_children(user=request.user, federation=federation, parent=None, as_of=as_of)
    return render(request, "unions/tree.html", ctx)


@login_required
@require_GET
def children(request, pk):
    """The next level of the tree under one unit (loaded when a node is expanded)."""
    union = selectors.get_union_for_user(request.user, pk)
    form = TreeFilterForm(request.GET or None)
    as_of = form.cleaned_data.get("as_of") if form.is_valid() else None
    nodes = selectors.tree_children(user=request.user, federation=union.federation, parent=union, as_of=as_of)
    return render(request, "unions/_children.html", {"nodes": nodes, "parent": union, "as_of": as_of})


@login_required
@require_GET
def detail(request, pk):
    union = selectors.get_union_for_user(request.user, pk)
    node = selectors.TreeNode(union, union.path)
    selectors.add_subtree_figures([node])
    child_nodes = (
        selectors.tree_children(user=request.user, federation=union.federation, parent=union, include_closed=True)
        if union.level == Level.SUPERIOR
        else []
    )
    ctx = {
        "union": union,
        "node": node,
        "children": child_nodes,
        "history": object_history(union),
        "positions": selectors.union_positions(union),
        "can_edit": union.is_active and selectors.can_edit_union(request.user, union),
        "can_add_child": union.level == Level.SUPERIOR
        and union.is_active
        and selectors.parent_choices_for_user(request.user, union.federation).filter(pk=union.pk).exists(),
        "can_admit": union.level == Level.GRASSROOTS and union.is_active and request.user.can(Cap.MANAGE_MEMBERS),
    }
    ctx.update(_lineage_context(request.user, union))
    # The union's roll counts: this report year to date.
    ctx["roll_start"], ctx["roll_end"] = period_default(union.federation)
    ctx["roll"] = roll_counts(path=union.path, start=ctx["roll_start"], end=ctx["roll_end"], cached=True)
    return render(request, "unions/detail.html", ctx)


def _lineage_context(user, union) -> dict:
    """The reorganizations that touched the unit (as the unit acted on or the one that took
    something in), and where it went if it was merged or dissolved into another."""
    rows = selectors.union_lineage(union)
    entries = lineage_entries(rows, unit=union, viewer=user)
    went_to = next(
        (e for e in entries if e["direction"] == "out" and e["operation"] in (Operation.MERGE, Operation.DISSOLVE)),
        None,
    )
    return {
        "lineage": entries,
        "went_to": went_to,
        # the decisions link to their pages for those who may read them
        "can_see_reorganizations": bool(rows)
        and Reorganization.objects.visible_to(user).filter(pk__in={row.reorganization_id for row in rows}).exists(),
        "can_reorganize": union.is_active and selectors.may_reorganize(user, union.federation),
    }


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    if not request.user.can(Cap.MANAGE_STRUCTURE):
        raise PermissionDenied
    federation = _federation_from_request(request)
    parents = selectors.parent_choices_for_user(request.user, federation)
    allow_top = selectors.can_create_at_top(request.user, federation)
    initial = {}
    parent_pk = request.GET.get("parent")
    if parent_pk and parent_pk.isdigit():
        parent = selectors.get_union_for_user(request.user, int(parent_pk))
        if not parents.filter(pk=parent.pk).exists():
            raise PermissionDenied
        initial = {"parent": parent, "level": Level.GRASSROOTS}
    elif not allow_top:
        initial = {"level": Level.GRASSROOTS}
    form = UnionForm(
        request.POST or None,
        initial=initial,
        federation=federation,
        parent_queryset=parents,
        allow_top_level=allow_top,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        parent = data.pop("parent")
        try:
            union = services.union_create(
                federation=federation, parent=parent, by=request.user, request=request, **data
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Unit “%(name)s” was created.") % {"name": union.name})
            return redirect(union)
    return render(request, "unions/form.html", {"form": form, "federation": federation})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    union = selectors.get_rw_union_for_user(request.user, pk)
    form = UnionForm(
        request.POST or None,
        # The form writes into its instance while validating; give it a copy so the service
        # still sees the stored values and records what changed.
        instance=copy.copy(union),
        federation=union.federation,
        parent_queryset=Union.objects.none(),
        allow_top_level=False,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.union_update(
                union=union,
                by=request.user,
                request=request,
                **{name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS},
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Changes to “%(name)s” were saved.") % {"name": union.name})
            return redirect(union)
    return render(request, "unions/form.html", {"form": form, "union": union, "federation": union.federation})
