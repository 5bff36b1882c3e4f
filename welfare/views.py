"""Welfare screens. Reads go through welfare.selectors, writes through welfare.services."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET


@login_required
@require_GET
def overview(request):
    return HttpResponse("")
