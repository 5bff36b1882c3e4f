"""Indicators and targets over the API (PRODUCT.md §6, §9).

`POST /api/v1/targets/` takes exactly the §6 body, `unit` being a union's code or the
federation's own code. Lists start from `Target.objects.visible_to`; single targets come through
the access helpers (404 alike for "missing" and "not yours", then 403 for read-only roles);
writes go through reports.services.targets, whose ValidationErrors become 400s and a change
made on an outdated `version` a 409. Numbers are strings without grouping ("8450", "92.5").
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from federation.models import Federation
from members.api import as_api_error
from unions.models import Union

from .. import targets as selectors
from ..achievement import plain
from ..models import Indicator, Issuer, Target, TargetRevision
from ..periods import report_year
from ..services import targets as services

# --- fields ----------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class NumberField(serializers.Field):
    """A figure as a string without grouping: "8450", "92.5" (a JSON number is taken too)."""

    default_error_messages = {"invalid": _('Enter a number without grouping, such as "8450" or "92.5".')}

    def to_representation(self, value):
        return plain(value)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (str, int, float, Decimal)):
            self.fail("invalid")
        try:
            number = Decimal(str(data).strip())
        except InvalidOperation:
            self.fail("invalid")
        if not number.is_finite():
            self.fail("invalid")
        return number


def _unit_code(target) -> str:
    return target.union.code if target.union_id else target.federation.code


def _units_of(user):
    """The federations a caller names units in: its own (every federation for a superuser)."""
    return Federation.objects.visible_to(user)


def resolve_unit(user, code: str) -> tuple[Federation, Union | None]:
    """(federation, union or None) for a unit code the caller may name: the federation's own code
    or a union's code within its federation. An unknown code and one outside the caller's scope
    answer alike: 404."""
    code = " ".join(str(code or "").split()).upper()
    if "\x00" in code:  # no code has one, and PostgreSQL refuses it in a query
        raise Http404
    federations = _units_of(user)
    federation = federations.filter(code__iexact=code).first()
    if federation is not None:
        return federation, None
    unions = Union.objects.visible_to(user).filter(code=code, federation__in=federations).select_related("federation")
    found = list(unions[:2])
    if len(found) != 1:
        raise Http404
    return found[0].federation, found[0]


def _run(write):
    """Call a service: its ValidationError becomes a 400, a stale version a 409."""
    try:
        return write()
    except services.StaleTarget as exc:
        raise Conflict(exc.messages[0]) from exc
    except DjangoValidationError as exc:
        raise as_api_error(exc) from exc


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The target changed after you read it: read it again.")
    default_code = "stale"


# --- indicators ------------------------------------------------------------------------------------


class IndicatorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("In the caller's language"))
    is_additive = serializers.BooleanField(
        read_only=True, help_text=_("Units' targets add up to their parent's (not for ratios)")
    )

    class Meta:
        model = Indicator
        fields = ["code", "name", "name_vi", "name_en", "unit", "measure", "source", "is_active", "is_additive"]


@extend_schema_view(
    list=extend_schema(summary="The indicator catalogue"),
    retrieve=extend_schema(summary="One indicator, by code"),
)
class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    """What targets are set on: the standard set of §6 and any added since."""

    serializer_class = IndicatorSerializer
    lookup_field = "code"
    filterset_fields = ["is_active", "source", "measure"]
    queryset = Indicator.objects.all()


# --- targets ---------------------------------------------------------------------------------------


class TargetSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit = serializers.SerializerMethodField(help_text=_("A union's code, or the federation's own code"))
    unit_name = serializers.SerializerMethodField()
    value = NumberField(read_only=True)

    class Meta:
        model = Target
        fields = [
            "id", "indicator", "unit", "unit_name", "year", "value", "document_number", "document_date", "issuer",
            "note", "version", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_unit(self, obj) -> str:
        return _unit_code(obj)

    def get_unit_name(self, obj) -> str:
        return obj.organizer.name


class TargetCreateSerializer(serializers.Serializer):
    indicator = serializers.SlugRelatedField(
        slug_field="code", queryset=Indicator.objects.all(), help_text=_("Indicator code, e.g. members_admitted")
    )
    unit = serializers.CharField(help_text=_("A union's code, or the federation's own code for its own target"))
    year = serializers.IntegerField()
    value = NumberField(help_text=_('The target, e.g. "8450" (a percentage up to two decimals: "92.5")'))
    document_number = serializers.CharField(required=False, allow_blank=True, max_length=64)
    document_date = serializers.DateField(required=False, allow_null=True)
    issuer = serializers.ChoiceField(
        choices=Issuer.choices,
        required=False,
        allow_blank=True,
        help_text=_("Default: VGCL for the federation, the federation for units directly under it, else the superior"),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)


class TargetRevisionSerializer(serializers.Serializer):
    value = NumberField(required=False, help_text=_("The new value; not given: unchanged"))
    document_number = serializers.CharField(required=False, allow_blank=True, max_length=64)
    document_date = serializers.DateField(required=False, allow_null=True)
    issuer = serializers.ChoiceField(choices=Issuer.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=255, help_text=_("Why the value changes (needed when it does)")
    )
    version = serializers.IntegerField(
        min_value=1, help_text=_("The version read: refused with 409 when the target changed since")
    )


class RevisionSerializer(serializers.ModelSerializer):
    value = NumberField(read_only=True)
    changed_by = serializers.SerializerMethodField()

    class Meta:
        model = TargetRevision
        fields = ["number", "value", "document_number", "document_date", "issuer", "reason", "changed_by", "changed_at"]

    def get_changed_by(self, obj) -> str | None:
        return obj.changed_by.username if obj.changed_by_id else None


class AllocationRowSerializer(serializers.Serializer):
    indicator = serializers.CharField(source="indicator.code")
    target = NumberField(allow_null=True, help_text=_("The unit's own target; null when none is set"))
    allocated = NumberField(help_text=_("The child units' targets added up"))
    difference = NumberField(allow_null=True, help_text=_("allocated − target: negative when short"))
    children_with = serializers.IntegerField(help_text=_("Child units with a target"))
    children = serializers.IntegerField(help_text=_("Child units in all"))
    adds_up = serializers.BooleanField(allow_null=True)
    status = serializers.ChoiceField(choices=["adds_up", "short", "over", "not_allocated", "no_target"])


class AllocationSerializer(serializers.Serializer):
    unit = serializers.CharField()
    year = serializers.IntegerField()
    rows = AllocationRowSerializer(many=True)


class TargetFilter(filters.FilterSet):
    year = filters.NumberFilter(field_name="year")
    indicator = filters.CharFilter(field_name="indicator__code", label=_("Indicator code"))
    unit = filters.CharFilter(method="filter_unit", label=_("A union's code, or the federation's code for its own"))

    class Meta:
        model = Target
        fields = ["year", "indicator", "unit"]

    def filter_unit(self, queryset, name, value):
        try:
            federation, union = resolve_unit(self.request.user, value)
        except Http404:
            return queryset.none()
        queryset = queryset.filter(federation=federation)
        return queryset.filter(union=union) if union is not None else queryset.filter(union__isnull=True)


ERRORS = {
    400: OpenApiResponse(description='What is wrong, by field: {"value": ["A target cannot be negative."]}'),
    403: OpenApiResponse(description="A read-only role, or a unit the caller sees but does not set targets for"),
    404: OpenApiResponse(description="No such target or unit among those the caller may see"),
}
CONFLICT = {409: OpenApiResponse(description="The target changed after the caller read `version`: read it again")}


@extend_schema_view(
    list=extend_schema(summary="Targets visible to the caller"),
    retrieve=extend_schema(summary="One target", responses={200: TargetSerializer, 404: ERRORS[404]}),
)
class TargetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Targets of units for a year: the federation's own, and their allocations down the tree."""

    serializer_class = TargetSerializer
    filterset_class = TargetFilter
    lookup_value_regex = "[0-9]+"  # the selectors look the id up as given: anything else is 404
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.targets_for(self.request.user)

    def get_object(self):
        return selectors.get_target_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(
        request=TargetCreateSerializer,
        responses={201: TargetSerializer, **ERRORS},
        summary="Set a unit's target (the §6 body)",
    )
    def create(self, request):
        if not selectors.may_manage_targets(request.user):
            raise exceptions.PermissionDenied
        payload = TargetCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        federation, union = resolve_unit(request.user, data["unit"])
        target = _run(
            lambda: services.target_set(
                federation=federation, union=union, indicator=data["indicator"], year=data["year"],
                value=data["value"], document_number=data.get("document_number", ""),
                document_date=data.get("document_date"), issuer=data.get("issuer", ""), note=data.get("note", ""),
                by=request.user, request=request,
            )
        )  # fmt: skip
        return Response(TargetSerializer(target).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=TargetRevisionSerializer,
        responses={200: TargetSerializer, **ERRORS, **CONFLICT},
        summary="Revise a target (give the `version` read)",
    )
    def partial_update(self, request, pk=None):
        target = selectors.get_rw_target_for_user(request.user, pk)
        payload = TargetRevisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        target = _run(
            lambda: services.target_revise(
                target=target, value=data.get("value", target.value),
                document_number=data.get("document_number", target.document_number),
                document_date=data.get("document_date", target.document_date),
                issuer=data.get("issuer", target.issuer), note=data.get("note", target.note),
                reason=data.get("reason", ""), version=data["version"], by=request.user, request=request,
            )
        )  # fmt: skip
        return Response(TargetSerializer(target).data)

    @extend_schema(
        responses={200: RevisionSerializer(many=True), 404: ERRORS[404]},
        filters=False,
        summary="Every value the target has had, newest first",
    )
    @action(detail=True, methods=["get"])
    def revisions(self, request, pk=None):
        target = selectors.get_target_for_user(request.user, pk)
        rows = target.revisions.select_related("changed_by").order_by("-number")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RevisionSerializer(page, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", str, description="The parent unit's code (default: the caller's own unit)"),
            OpenApiParameter("year", int, description="Default: this report year"),
        ],
        responses={200: AllocationSerializer, 400: ERRORS[400], 404: ERRORS[404]},
        filters=False,
        summary="Do the child units' targets add up to the unit's? (additive indicators)",
    )
    @action(detail=False, methods=["get"])
    def allocation(self, request):
        user = request.user
        code = request.query_params.get("unit", "")
        if code:
            federation, union = resolve_unit(user, code)
        else:
            union = user.union if user.union_id else None
            if union is None and not user.federation_id:
                raise Http404
            federation = union.federation if union is not None else user.federation
        if not selectors.unit_visible(user, federation, union):
            raise Http404
        year = request.query_params.get("year", "")
        if year and not (year.isascii() and year.isdigit() and services.MIN_YEAR <= int(year) <= services.MAX_YEAR):
            raise serializers.ValidationError({"year": [_("Enter a year between 2000 and 2100.")]})
        year = int(year) if year else report_year(federation, timezone.localdate())
        rows = [
            row for row in selectors.allocation_check(federation=federation, parent=union, year=year) if row.has_any
        ]
        unit = union.code if union is not None else federation.code
        return Response(AllocationSerializer({"unit": unit, "year": year, "rows": rows}).data)


# (prefix, viewset, basename) registered on the API router
ROUTES = [
    ("indicators", IndicatorViewSet, "indicator"),
    ("targets", TargetViewSet, "target"),
]
