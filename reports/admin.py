"""The reports admin, for the federation administrator (the screens are the main UI): scoped to
the administrator's federation, nothing deleted, targets, hand-entered values and deadlines
written through the services (their rules show as form errors), returns read-only."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from federation.admin import ReadOnlyInline, ScopedAdmin
from federation.models import Cap
from welfare.admin import ServiceAdmin

from .models import Indicator, IndicatorValue, QuarterlyReturn, ReportingQuarter, Target, TargetRevision
from .services import returns as return_services
from .services import targets as target_services


def _admin_user(request) -> bool:
    return request.user.is_active and request.user.can(Cap.USE_ADMIN_SITE)


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """The catalogue is shared by every federation: administrators read it, superusers keep it."""

    list_display = ["code", "name_vi", "name_en", "unit", "measure", "source", "position", "is_active"]
    list_filter = ["measure", "source", "is_active"]
    search_fields = ["code", "name_vi", "name_en"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def has_module_permission(self, request):
        return _admin_user(request)

    def has_view_permission(self, request, obj=None):
        return _admin_user(request)

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False


class TargetRevisionInline(ReadOnlyInline):
    model = TargetRevision
    fields = ["number", "value", "document_number", "document_date", "issuer", "reason", "changed_by", "changed_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class TargetAdminForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Reason for the revision"),
        max_length=255,
        required=False,
        help_text=_("Needed when the value changes."),
    )

    class Meta:
        model = Target
        fields = ["federation", "union", "indicator", "year", "value", "document_number", "document_date", "issuer",
                  "note"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "issuer" in self.fields:
            # Empty: the default of the unit's level (see services.targets.default_issuer).
            self.fields["issuer"].required = False


@admin.register(Target)
class TargetAdmin(ServiceAdmin):
    form = TargetAdminForm
    list_display = ["indicator", "year", "unit", "value", "document_number", "document_date", "issuer", "version"]
    list_filter = ["year", "issuer", ("indicator", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["union__code", "union__name", "indicator__code", "document_number"]
    list_select_related = ["indicator", "union", "federation"]
    inlines = [TargetRevisionInline]
    readonly_fields = ["version", "created_at", "updated_at"]

    @admin.display(description=_("unit"))
    def unit(self, obj):
        return obj.organizer

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            # Which unit, indicator and year a target is for never changes: a new one is set.
            return [*self.readonly_fields, "federation", "union", "indicator", "year"]
        return self.readonly_fields

    def write(self, request, form, obj, change):
        data = form.cleaned_data
        common = {
            "value": data["value"],
            "document_number": data.get("document_number") or "",
            "document_date": data.get("document_date"),
            "issuer": data.get("issuer") or "",
            "note": data.get("note") or "",
            "by": request.user,
            "request": request,
        }
        if change:
            return target_services.target_revise(
                target=obj, reason=data.get("reason") or "", version=obj.version, **common
            )
        return target_services.target_set(
            federation=data["federation"], union=data.get("union"), indicator=data["indicator"], year=data["year"],
            **common,
        )  # fmt: skip


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ServiceAdmin):
    list_display = ["indicator", "year", "quarter", "union", "value", "entered_by", "entered_at"]
    list_filter = ["year", "quarter", ("indicator", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["union__code", "union__name", "indicator__code"]
    list_select_related = ["indicator", "union", "entered_by"]
    readonly_fields = ["ends_on", "entered_by", "entered_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "indicator":
            kwargs["queryset"] = Indicator.objects.filter(source="manual")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "federation", "union", "indicator", "year", "quarter"]
        return self.readonly_fields

    def write(self, request, form, obj, change):
        data = form.cleaned_data
        if change:
            where = {"federation": obj.federation, "union": obj.union, "indicator": obj.indicator,
                     "year": obj.year, "quarter": obj.quarter}  # fmt: skip
        else:
            where = {key: data.get(key) for key in ("federation", "union", "indicator", "year", "quarter")}
        return target_services.indicator_value_set(value=data["value"], by=request.user, request=request, **where)


@admin.register(ReportingQuarter)
class ReportingQuarterAdmin(ServiceAdmin):
    """Deadlines are set here or on the screens; closing and reopening a quarter happen on the
    screens, where the returns it locks are shown."""

    list_display = ["__str__", "federation", "deadline", "closed_at", "closed_by"]
    list_filter = ["year", "quarter"]
    list_select_related = ["federation", "closed_by"]
    readonly_fields = ["closed_at", "closed_by", "reopen_reason"]

    def get_queryset(self, request):
        qs = ReportingQuarter.objects.select_related("federation")
        if request.user.is_superuser:
            return qs
        return qs.filter(federation_id=request.user.federation_id)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "federation", "year", "quarter"]
        return self.readonly_fields

    def write(self, request, form, obj, change):
        data = form.cleaned_data
        where = (
            {"federation": obj.federation, "year": obj.year, "quarter": obj.quarter}
            if change
            else {key: data.get(key) for key in ("federation", "year", "quarter")}
        )
        return return_services.quarter_set_deadline(deadline=data.get("deadline"), by=request.user, request=request,
                                                    **where)  # fmt: skip


@admin.register(QuarterlyReturn)
class QuarterlyReturnAdmin(ScopedAdmin):
    """Returns move through their workflow on the screens: read-only here."""

    list_display = ["union", "year", "quarter", "status", "members_closing", "workers_total", "submitted_at"]
    list_filter = ["year", "quarter", "status"]
    search_fields = ["union__code", "union__name"]
    list_select_related = ["union"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
