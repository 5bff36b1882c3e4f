import tablib
from django.contrib import admin
from import_export import resources
from import_export.admin import ExportMixin
from import_export.forms import ExportForm

from federation.admin import ScopedAdmin
from federation.models import Cap

from . import services
from .models import Union, UnionLink


class UnionLinkInline(admin.TabularInline):
    model = UnionLink
    fk_name = "union"
    fields = ["parent", "valid_from", "valid_to"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.can(Cap.USE_ADMIN_SITE)


class UnionResource(resources.ModelResource):
    """The admin's export of units (scoped queryset), formula-looking text neutralized."""

    HEADERS = ["code", "name", "level", "kind", "sector", "parent", "tax_code", "worker_count", "ward_code",
               "address", "established_on", "closed_on", "status"]  # fmt: skip

    class Meta:
        model = Union
        fields = ()

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
class UnionAdmin(ExportMixin, ScopedAdmin):
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
