from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Cap

# (capability, url name, label): the navigation, shown to whoever holds the capability.
NAVIGATION = [
    (Cap.VIEW_STRUCTURE, "unions:tree", _("Union tree")),
    # Every role: read-only roles see the roll with personal data masked.
    (Cap.VIEW_STRUCTURE, "members:list", _("Members")),
    (Cap.VIEW_STRUCTURE, "welfare:overview", _("Welfare")),
    (Cap.USE_ADMIN_SITE, "admin:index", _("Administration")),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    path = request.path
    items = []
    for capability, url_name, label in NAVIGATION:
        if user.can(capability):
            url = reverse(url_name)
            items.append({"url": url, "label": label, "active": path.startswith(url)})
    return {"nav_items": items}
