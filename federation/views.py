from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import NATIONAL_ROLES, Role


def attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A file to download; never cached (exports carry personal data)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def home(request):
    """Each role lands where its work is: leaders and the General Confederation on the target
    dashboard, chairs on their union, everyone else on the tree."""
    user = request.user
    if user.role == Role.LEADER or user.role in NATIONAL_ROLES:
        return redirect("reports:dashboard")
    if user.role == Role.GRASSROOTS_CHAIR and user.union_id:
        return redirect("unions:detail", pk=user.union_id)
    return redirect("unions:tree")


@never_cache
@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
