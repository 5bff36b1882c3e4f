from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Cap

# (capability, url name, label): the navigation, shown to whoever holds the capability.
NAVIGATION = [
    (Cap.VIEW_STRUCTURE, "unions:tree", _("Union tree")),
    # Every role: read-only roles see the roll with personal data masked.
    (Cap.VIEW_STRUCTURE, "members:list", _("Members")),
    (Cap.VIEW_STRUCTURE, "welfare:overview", _("Welfare")),
    (Cap.VIEW_REPORTS, "reports:dashboard", _("Achievement")),
    (Cap.VIEW_REPORTS, "reports:targets", _("Targets")),
    (Cap.VIEW_REPORTS, "reports:returns", _("Quarterly returns")),
    (Cap.USE_ADMIN_SITE, "admin:index", _("Administration")),
]

# What an account without a place in the tree may open (its /reports/ is the national dashboard).
WITHOUT_PLACE = frozenset({"reports:dashboard"})


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    path = request.path
    # An account without a place in the tree (the General Confederation's viewer) reads the
    # dashboards only: the other pages list a unit's records.
    placed = user.scope_path is not None
    items = [
        {"url": reverse(url_name), "label": label, "active": False}
        for capability, url_name, label in NAVIGATION
        if user.can(capability) and (placed or url_name in WITHOUT_PLACE)
    ]
    # The item whose address is the longest prefix of the page's ("/reports/returns/" is
    # under "/reports/" too).
    current = max((i for i in items if path.startswith(i["url"])), key=lambda i: len(i["url"]), default=None)
    if current is not None:
        current["active"] = True
    return {"nav_items": items}
