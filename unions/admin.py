import tablib
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from import_export import resources
from import_export.admin import ImportExportMixin
from import_export.forms import ExportForm

from federation.admin import ReadOnlyInline, ScopedAdmin
from federation.forms import upload_on_disk
from federation.models import Cap

from . import importing, services
from .forms import UnionImportForm
from .models import Lineage, Reorganization, Union, UnionLink


class UnionLinkInline(ReadOnlyInline):
    model = UnionLink
    fk_name = "union"
    fields = ["parent", "valid_from", "valid_to"]


class UnionResource(resources.ModelResource):
    """The admin's export of units (scoped queryset), formula-looking text neutralized."""

    HEADERS = ["code", "name", "level", "kind", "sector", "parent", "tax_code", "worker_count", "ward_code",
               "address", "established_on", "closed_on", "status"]  # fmt: skip

    class Meta:
        model = Union
        fields = ()

    def import_data(self, *args, **kwargs):
        # Never the library's import (active sheet, month-first dates, lost leading zeros, good
        # rows committed beside bad ones): units are imported by `unions.importing`.
        raise NotImplementedError("units are imported through unions.importing (UnionAdmin.import_action)")

    def export(self, queryset=None, **kwargs):
        from members.exports import neutralize

        data = tablib.Dataset(headers=self.HEADERS)
        for union in (queryset if queryset is not None else Union.objects.none()).select_related("parent"):
            values = {name: getattr(union, name) for name in self.HEADERS if name != "parent"}
            values["parent"] = union.parent.code if union.parent else ""
            for name in ("established_on", "closed_on"):
                values[name] = values[name].strftime("%d/%m/%Y") if values[name] else ""
            data.append([neutralize(values[name]) if values[name] is not None else "" for name in self.HEADERS])
        return data


@admin.register(Union)
class UnionAdmin(ImportExportMixin, ScopedAdmin):
    resource_classes = [UnionResource]
    # The resource builds its own columns: the library's field-picking form would refuse an
    # export with "select at least one field".
    export_form_class = ExportForm
    list_display = ["code", "name", "level", "kind", "sector", "parent", "worker_count", "status"]
    list_filter = ["level", "kind", "sector", "status"]
    search_fields = ["code", "name", "search_text"]
    list_select_related = ["parent"]
    inlines = [UnionLinkInline]
    readonly_fields = ["status", "closed_on"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a unit or changing its level is a reorganization, not an edit.
        if obj is not None:
            return [*self.readonly_fields, "federation", "level", "parent"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        # Through the services, so the tree paths, positions and audit trail stay right.
        data = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS if name in form.cleaned_data}
        if change:
            services.union_update(union=Union.objects.get(pk=obj.pk), by=request.user, request=request, **data)
        else:
            created = services.union_create(
                federation=form.cleaned_data["federation"],
                parent=form.cleaned_data.get("parent"),
                level=form.cleaned_data["level"],
                by=request.user,
                request=request,
                **data,
            )
            obj.pk = created.pk

    def has_import_permission(self, request):
        return self.has_module_permission(request) and request.user.can(Cap.MANAGE_STRUCTURE)

    def import_action(self, request, **kwargs):
        """The library's import button leads here: upload, then every error or the counts. The
        whole file is checked by `unions.importing` and written in one transaction, or not at all."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        user = request.user
        form = UnionImportForm(request.POST or None, request.FILES or None, user=user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import units"),
            "columns": importing.COLUMNS,
            "required": importing.REQUIRED,
        }
        if request.method == "POST" and form.is_valid():
            federation = form.cleaned_data.get("federation") or user.federation
            upload = form.cleaned_data["file"]
            dry_run = form.cleaned_data["dry_run"]
            with upload_on_disk(upload, "units") as path:
                outcome = importing.unions_import(
                    federation=federation, path=path, filename=upload.name, by=user, dry_run=dry_run, request=request
                )
            labels = importing.HEADERS
            context.update(
                outcome=outcome,
                filename=upload.name,
                federation=federation,
                dry_run=dry_run,
                errors=[(issue, labels.get(issue.column, issue.column)) for issue in outcome.errors],
                warnings=[(issue, labels.get(issue.column, issue.column)) for issue in outcome.warnings],
            )
            # A checked file is uploaded again to be written; a refused one is checked again.
            initial = {"dry_run": outcome.status != "valid", "federation": federation.pk}
            form = UnionImportForm(initial=initial, user=user)
        context["form"] = form
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "unions/admin_import.html", context)

    def process_import(self, request, **kwargs):
        # The library's confirm step writes what its own dry run read: never used, nothing kept.
        return redirect("admin:unions_union_import")


class LineageInline(ReadOnlyInline):
    model = Lineage
    fields = ["operation", "union", "successor", "from_federation", "effective_on", "members", "details"]


@admin.register(Reorganization)
class ReorganizationAdmin(ScopedAdmin):
    """Read only: plans are prepared and applied through `unions.reorg` (screens, API, command)."""

    list_display = ["decision_number", "decision_date", "effective_on", "status", "federation", "applied_at"]
    list_filter = ["status"]
    search_fields = ["decision_number", "reason"]
    readonly_fields = [
        "federation", "decision_number", "decision_date", "effective_on", "reason", "source", "rows", "status",
        "created_by", "created_at", "applied_by", "applied_at",
    ]  # fmt: skip
    fields = readonly_fields
    inlines = [LineageInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
