import tablib
from django.contrib import admin
from django.shortcuts import redirect
from import_export import resources
from import_export.admin import ImportExportMixin
from import_export.forms import ExportForm

from federation.admin import ScopedAdmin
from federation.models import AuditLog
from federation.services import audit_access

from . import exports, services
from .importing import COLUMNS
from .models import Member, MemberImport, Movement, TransferRequest


class MemberResource(resources.ModelResource):
    """Exports in the import template's columns (§4), formula-looking text neutralized, from the
    admin's scoped queryset. Imports do not go through this resource: see MemberAdmin."""

    class Meta:
        model = Member
        fields = ()

    def export(self, queryset=None, **kwargs):
        data = tablib.Dataset(headers=[c.header for c in COLUMNS])
        for row in exports.roll_rows(queryset if queryset is not None else Member.objects.none()):
            data.append(row)
        return data


@admin.register(Member)
class MemberAdmin(ImportExportMixin, ScopedAdmin):
    list_display = ["full_name", "union", "gender", "joined_on", "status"]
    list_filter = ["status", "gender", "is_party_member"]
    search_fields = ["search_text", "citizen_id", "member_code"]
    list_select_related = ["union"]
    resource_classes = [MemberResource]
    # The resource builds the template's columns: the library's field-picking form would
    # refuse an export with "select at least one field".
    export_form_class = ExportForm
    readonly_fields = ["federation", "union", "status", "left_on", "created_by_import"]
    exclude = ["search_text", "sort_name"]

    def import_action(self, request, **kwargs):
        # One import engine for every door: the library's own import would read the active sheet,
        # turn 03/04/1985 into 4 March, drop leading zeros and commit good rows beside bad ones.
        return redirect("members:import")

    def has_add_permission(self, request):
        return False  # admissions are recorded on the member screens, with their movement

    def get_data_for_export(self, request, queryset, **kwargs):
        data = super().get_data_for_export(request, queryset, **kwargs)
        audit_access(request, AuditLog.Action.EXPORT, Member, {"rows": len(data), "where": "admin"})
        return data

    def save_model(self, request, obj, form, change):
        # Through the service, so the change is in the audit trail (before → after) like any other.
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        services.member_change(member=Member.objects.get(pk=obj.pk), by=request.user, request=request, **data)


class ReadOnlyAdmin(ScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    list_display = ["member", "kind", "date", "union", "other_union"]
    list_filter = ["kind"]
    list_select_related = ["member", "union", "other_union"]
    search_fields = ["member__search_text", "member__citizen_id"]


@admin.register(TransferRequest)
class TransferRequestAdmin(ReadOnlyAdmin):
    list_display = ["member", "from_union", "to_union", "effective_on", "status"]
    list_filter = ["status"]
    list_select_related = ["member", "from_union", "to_union"]

    def get_queryset(self, request):
        path = request.user.scope_path
        qs = TransferRequest.objects.all()
        return qs.filter(from_union__path__startswith=path) | qs.filter(to_union__path__startswith=path)


@admin.register(MemberImport)
class MemberImportAdmin(ReadOnlyAdmin):
    list_display = ["filename", "uploaded_by", "uploaded_at", "status", "rows", "created", "updated"]
    list_filter = ["status"]
    exclude = ["changes"]
