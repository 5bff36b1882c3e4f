"""The audit trail page (/audit/): the federation administrator reads who changed, viewed,
exported or searched what, when and from where, filtered and a page at a time. Read only: the
trail is written by `federation.services` and cannot be changed (migration 0005)."""

import datetime

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from .models import AuditLog, Cap, User
from .selectors import describe_entries

PAGE_SIZE = 50
# The kinds of records the trail is about, as the filter offers them.
AUDITED_MODELS = (
    ("unions", "union"), ("members", "member"), ("members", "memberimport"), ("welfare", "activity"),
    ("welfare", "beneficiary"), ("welfare", "shelter"), ("welfare", "fund"), ("welfare", "occasion"),
    ("reports", "target"), ("reports", "quarterlyreturn"), ("reports", "reportingquarter"),
    ("reports", "indicatorvalue"), ("unions", "reorganization"), ("federation", "user"),
    ("federation", "federation"),
)  # fmt: skip


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Action"), required=False)
    kind = forms.ChoiceField(label=_("Kind of object"), required=False)
    start = forms.DateField(label=_("From date"), required=False)
    end = forms.DateField(label=_("To date"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Any")), *AuditLog.Action.choices]
        models = [model for model in (_model(*key) for key in AUDITED_MODELS) if model is not None]
        kinds = [
            (ct.pk, capfirst(model._meta.verbose_name))
            for model, ct in ContentType.objects.get_for_models(*models).items()
        ]
        self.fields["kind"].choices = [("", _("Any")), *sorted(kinds, key=lambda pair: str(pair[1]))]
        for field in self.fields.values():
            choice = isinstance(field, forms.ChoiceField)
            field.widget.attrs.setdefault("class", "form-select" if choice else "form-control")


def _model(app_label: str, name: str):
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


@login_required
@require_GET
def audit_trail(request):
    user = request.user
    if not user.is_superuser:
        if user.union_id or not user.federation_id:
            raise Http404  # a union's user: the federation's trail is not in its scope
        if not user.can(Cap.USE_ADMIN_SITE):
            raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    entries = AuditLog.objects.visible_to(user).select_related("actor", "content_type")
    if form.is_valid():
        data = form.cleaned_data
        if data["user"]:
            people = User.objects.filter(full_name__icontains=data["user"]).values_list("username", flat=True)
            entries = entries.filter(actor_name__in=[data["user"], *people[:200]])
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["kind"]:
            entries = entries.filter(content_type_id=int(data["kind"]))
        zone = timezone.get_current_timezone()
        if data["start"]:
            entries = entries.filter(at__gte=datetime.datetime.combine(data["start"], datetime.time(), zone))
        if data["end"]:
            next_day = data["end"] + datetime.timedelta(days=1)
            entries = entries.filter(at__lt=datetime.datetime.combine(next_day, datetime.time(), zone))
    page = Paginator(entries.order_by("-at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    items = describe_entries(page.object_list, values=True)
    return render(request, "federation/audit.html", {"form": form, "page": page, "items": items})
