import tablib
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.admin import ExportMixin
from import_export.forms import ExportForm

from federation.admin import ReadOnlyInline, ScopedAdmin
from federation.models import AuditLog
from federation.services import audit_access

from . import exports, services
from .models import Activity, Beneficiary, Fund, FundEntry, Occasion, Shelter, ShelterStatus


class _DryRun(Exception):
    pass


def _form_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError on the admin form: on the field it names when the form has
    that field, above the form otherwise."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        form.add_error(name if name in form.fields else NON_FIELD_ERRORS, errors)


class ServiceAdmin(ScopedAdmin):
    """Rows are written by the welfare services, never by the form's `save()`. The form is
    validated by running the same write in a savepoint rolled back at once, so every rule the
    service keeps shows on the form instead of failing after it was accepted."""

    def write(self, request, form, obj, change: bool):
        """Create or change the row through the service; returns the row written."""
        raise NotImplementedError

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceForm(base):
            def _post_clean(self):
                super()._post_clean()
                if self._errors:
                    return
                try:
                    with transaction.atomic():
                        model_admin.write(request, self, self.instance, change=obj is not None)
                        raise _DryRun
                except _DryRun:
                    pass
                except ValidationError as exc:
                    _form_errors(self, exc)

        return ServiceForm

    def save_model(self, request, obj, form, change):
        written = self.write(request, form, obj, change)
        obj.pk = written.pk
        obj._state.adding = False


def _data(form, fields, change: bool) -> dict:
    """The service fields the form holds; on a change only those that changed (a service may
    refuse to be handed some fields at all, e.g. a handed-over shelter's member)."""
    return {
        name: form.cleaned_data[name]
        for name in fields
        if name in form.cleaned_data and (not change or name in form.changed_data)
    }


def _table_resource(model_class, table):
    """An import-export resource exporting the same columns as the .xlsx exports."""

    class TableResource(resources.ModelResource):
        class Meta:
            model = model_class
            fields = ()

        def export(self, queryset=None, **kwargs):
            headers, rows = table(queryset if queryset is not None else model_class.objects.none())
            data = tablib.Dataset(headers=headers)
            for row in rows:
                data.append(row)
            return data

    TableResource.__name__ = f"{model_class.__name__}Resource"
    return TableResource


ActivityResource = _table_resource(Activity, exports.activities_table)
ShelterResource = _table_resource(Shelter, exports.shelters_table)


class TableExportMixin(ExportMixin):
    # The columns are the .xlsx export's, all of them: the library's default form asks to tick
    # resource fields, which these resources do not declare, and could never be submitted.
    export_form_class = ExportForm

    def get_data_for_export(self, request, queryset, **kwargs):
        data = super().get_data_for_export(request, queryset, **kwargs)
        audit_access(request, AuditLog.Action.EXPORT, self.model, {"rows": len(data), "where": "admin"})
        return data


@admin.register(Occasion)
class OccasionAdmin(ServiceAdmin):
    list_display = ["name", "starts_on", "ends_on", "federation"]
    search_fields = ["name"]
    list_select_related = ["federation"]

    def has_change_permission(self, request, obj=None):
        return False  # there is no service to change one: see them, add them

    def write(self, request, form, obj, change):
        data = form.cleaned_data
        return services.occasion_create(
            federation=data["federation"],
            name=data["name"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            by=request.user,
            request=request,
        )


class BeneficiaryInline(ReadOnlyInline):
    model = Beneficiary
    fields = ["member", "amount", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member")


@admin.register(Activity)
class ActivityAdmin(TableExportMixin, ServiceAdmin):
    resource_classes = [ActivityResource]
    list_display = ["title", "program", "held_on", "union", "occasion", "person_times", "amount_total"]
    # Related filters list only what the scoped rows use: never another federation's names.
    list_filter = ["program", "support_form", ("occasion", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "union__code", "union__name"]
    list_select_related = ["union", "occasion"]
    date_hierarchy = "held_on"
    inlines = [BeneficiaryInline]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "federation", "union"]  # the organizer stays
        return self.readonly_fields

    @admin.display(description=_("total (VND)"))
    def amount_total(self, obj):
        return obj.amount_total

    def write(self, request, form, obj, change):
        data = _data(form, services.ACTIVITY_FIELDS, change)
        if change:
            return services.activity_update(activity=obj, by=request.user, request=request, **data)
        return services.activity_create(
            federation=form.cleaned_data["federation"],
            union=form.cleaned_data.get("union"),
            by=request.user,
            request=request,
            **data,
        )


@admin.register(Shelter)
class ShelterAdmin(TableExportMixin, ServiceAdmin):
    resource_classes = [ShelterResource]
    list_display = ["member", "union", "is_repair", "approved_on", "status", "handed_over_on", "total_cost"]
    list_filter = ["status", "is_repair", ("approved_on", admin.DateFieldListFilter)]
    search_fields = ["member__search_text", "member__citizen_id", "decision_number", "address"]
    list_select_related = ["member", "union"]
    autocomplete_fields = ["member"]
    readonly_fields = [
        "status", "started_on", "handed_over_on", "cancelled_on", "cancel_reason", "created_by",
        "created_at", "updated_at",
    ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        # The status moves through the pipeline (the screens and the API's `advance`), not here.
        if obj is None:
            return self.readonly_fields
        fields = [*self.readonly_fields, "federation", "union"]
        if obj.status in (ShelterStatus.HANDED_OVER, ShelterStatus.CANCELLED):
            fields += ["member", "is_repair", "approved_on"]
        return fields

    def write(self, request, form, obj, change):
        data = _data(form, services.SHELTER_FIELDS, change)
        if change:
            return services.shelter_update(shelter=obj, by=request.user, request=request, **data)
        return services.shelter_create(
            federation=form.cleaned_data["federation"],
            union=form.cleaned_data.get("union"),
            by=request.user,
            request=request,
            **data,
        )


@admin.register(Fund)
class FundAdmin(ServiceAdmin):
    list_display = ["name", "kind", "union", "balance"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["union"]
    readonly_fields = ["balance", "created_at"]

    def has_change_permission(self, request, obj=None):
        # The balance moves only with contributions and payouts; a fund is opened, not edited.
        return False

    def write(self, request, form, obj, change):
        data = form.cleaned_data
        return services.fund_create(
            federation=data["federation"],
            union=data.get("union"),
            name=data["name"],
            kind=data["kind"],
            note=data.get("note", ""),
            by=request.user,
            request=request,
        )


@admin.register(FundEntry)
class FundEntryAdmin(ScopedAdmin):
    list_display = ["fund", "on", "kind", "amount", "counterparty", "member", "balance_after"]
    list_filter = ["kind", ("fund", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["counterparty", "note", "member__search_text"]
    list_select_related = ["fund", "member"]
    date_hierarchy = "on"

    def has_add_permission(self, request):
        return False  # entries are the fund's contributions and payouts, made by the services

    def has_change_permission(self, request, obj=None):
        return False
