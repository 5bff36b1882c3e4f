"""Welfare over the API (PRODUCT.md §5, §9): activities and their beneficiaries, Union Shelters
and their pipeline, funds and their entries, occasions, and the totals of a scope and period.

Every list starts from the model's `visible_to`; single records come through the welfare access
helpers (404 alike for "missing" and "not yours", then 403 for read-only roles); writes go
through welfare.services, whose ValidationErrors become 400s.
"""

import datetime
import json
import re
from decimal import Decimal

from django.core.exceptions import MultipleObjectsReturned
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from federation.models import AuditLog, Cap
from federation.services import audit_access, query_filters
from federation.text import fold
from members.api import as_api_error
from members.models import Member, MemberStatus
from unions.models import Union
from unions.selectors import get_scope_path_for_code

from . import exports, selectors, services
from .models import (
    ACTIVITY_PROGRAMS,
    SHELTER_NEXT,
    SOURCES,
    Activity,
    Beneficiary,
    Fund,
    FundEntry,
    FundKind,
    Occasion,
    Shelter,
    ShelterStatus,
    scope_q,
    shelter_scope_q,
)
from .recipients import members_by

# Far above any real amount, far below the 64-bit column's limit.
MAX_MONEY = 10**15
_WHOLE_NUMBER = re.compile(r"\s*-?\d+\s*")


class MoneyField(serializers.IntegerField):
    """A sum of money in whole dong: an integer (or a string of digits), never negative (never
    zero when `min_value` is 1), never with decimals."""

    default_error_messages = {
        "invalid": _("Enter a whole number of dong, without decimals or separators."),
        "min_value": _("An amount cannot be negative."),
        "max_value": _("The amount is too large."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_MONEY)
        if kwargs["min_value"] > 0:
            kwargs.setdefault("error_messages", {"min_value": _("Enter an amount above zero, in dong.")})
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # DRF's IntegerField would take 1500000.0 and "1500000.0"; money has no fractions here.
        if isinstance(data, (bool, float, Decimal)) or (isinstance(data, str) and not _WHOLE_NUMBER.fullmatch(data)):
            self.fail("invalid")
        return super().to_internal_value(data)


class UnionCodeField(serializers.SlugRelatedField):
    """A union given by its code, among those the caller sees; null is the federation itself."""

    default_error_messages = {
        "does_not_exist": _("No unit you can see has the code “{value}”."),
        "ambiguous": _("Several units have this code: use an account of one federation."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        kwargs.setdefault("queryset", Union.objects.none())
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = data.strip().upper()
        try:
            return super().to_internal_value(data)
        except MultipleObjectsReturned:
            self.fail("ambiguous")


def _user(serializer):
    request = serializer.context.get("request")
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _units_for(user):
    unions = Union.objects.visible_to(user)
    return unions.filter(federation_id=user.federation_id) if user.federation_id else unions


def _require(user, capability: str) -> None:
    if not user.can(capability):
        raise exceptions.PermissionDenied


def _require_edit(user, record) -> None:
    if not selectors.can_edit(user, record):
        raise exceptions.PermissionDenied


def _organizer(user, data: dict):
    """(federation, union) of a new record: `union` as given (null: the federation itself),
    or the user's own unit when not given."""
    union = data.pop("union", user.union if user.union_id else None)
    if union is None and user.union_id:
        raise serializers.ValidationError(
            {"union": [_("Only federation accounts record what the federation itself organizes: give a union's code.")]}
        )
    federation = union.federation if union is not None else user.federation
    if federation is None:
        raise serializers.ValidationError({"union": [_("Give the organizing union's code.")]})
    return federation, union


def _run(write):
    """Call a service: its ValidationError becomes a 400 with the service's messages."""
    try:
        return write()
    except DjangoValidationError as exc:
        raise as_api_error(exc) from exc


def _masked(serializer, source: str):
    """The citizen ID in full for roles that keep rolls, masked (0011******45) for the others (§1)."""
    user = _user(serializer)
    if user is not None and not user.can(Cap.VIEW_PERSONAL_DATA):
        serializer.fields["citizen_id"] = serializers.CharField(source=f"{source}masked_citizen_id", read_only=True)


class XlsxRenderer(renderers.BaseRenderer):
    """Lets a client ask for the workbook with `Accept:`; the export actions answer the bytes
    themselves, this renders only their errors."""

    media_type = exports.XLSX
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data, default=str).encode()


XLSX_RENDERERS = [*api_settings.DEFAULT_RENDERER_CLASSES, XlsxRenderer]


def _xlsx_response(content: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(stem)}"'
    return response


XLSX_RESPONSE = {(200, exports.XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The .xlsx workbook")}


class UnderFilterMixin:
    def filter_under(self, queryset, name, value):
        return queryset.filter(scope_q(get_scope_path_for_code(self.request.user, value)))


# --- activities --------------------------------------------------------------------------------


class ActivitySerializer(serializers.ModelSerializer):
    union = UnionCodeField(
        help_text=_(
            "Code of the organizing union; null for the federation itself (federation accounts). "
            "Not given: the caller's own unit."
        )
    )
    organizer = serializers.SerializerMethodField()
    occasion = serializers.PrimaryKeyRelatedField(queryset=Occasion.objects.none(), required=False, allow_null=True)
    amount_union_funds = MoneyField(required=False)
    amount_sponsors = MoneyField(required=False)
    amount_social_fund = MoneyField(required=False)
    amount_other = MoneyField(required=False)
    amount_total = serializers.IntegerField(read_only=True)
    beneficiaries = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = [
            "id", "union", "organizer", "program", "occasion", "title", "held_on", "support_form", "person_times",
            *SOURCES, "amount_total", "note", "beneficiaries",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        if user is not None:
            self.fields["union"].queryset = _units_for(user)
            self.fields["occasion"].queryset = Occasion.objects.visible_to(user)
        if self.instance is not None and not isinstance(self.instance, list):
            self.fields["union"].read_only = True  # the organizer stays

    def get_organizer(self, obj) -> str:
        return obj.organizer.name

    def get_beneficiaries(self, obj) -> int:
        """Members linked by name (distinct persons)."""
        linked = getattr(obj, "linked", None)
        return linked if linked is not None else obj.beneficiaries.count()


class ActivityFilter(UnderFilterMixin, filters.FilterSet):
    program = filters.ChoiceFilter(choices=ACTIVITY_PROGRAMS)
    occasion = filters.NumberFilter(field_name="occasion_id", label=_("Occasion id"))
    union = filters.CharFilter(field_name="union__code", lookup_expr="iexact", label=_("Code of the organizing union"))
    under = filters.CharFilter(method="filter_under", label=_("Code of a unit: activities of its whole subtree"))
    start = filters.DateFilter(field_name="held_on", lookup_expr="gte", label=_("Held on or after"))
    end = filters.DateFilter(field_name="held_on", lookup_expr="lte", label=_("Held on or before"))
    search = filters.CharFilter(method="filter_search", label=_("Words of the title"))

    class Meta:
        model = Activity
        fields = ["program", "occasion", "support_form"]

    def filter_search(self, queryset, name, value):
        for word in fold(value).split():
            queryset = queryset.filter(search_text__contains=word)
        return queryset


class BeneficiarySerializer(serializers.ModelSerializer):
    member = serializers.IntegerField(source="member_id", read_only=True)
    full_name = serializers.CharField(source="member.full_name", read_only=True)
    citizen_id = serializers.CharField(source="member.citizen_id", read_only=True)
    member_code = serializers.CharField(source="member.member_code", read_only=True)
    union = serializers.CharField(source="member.union.code", read_only=True)

    class Meta:
        model = Beneficiary
        fields = ["id", "member", "full_name", "citizen_id", "member_code", "union", "amount", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _masked(self, "member.")


class BeneficiaryRowSerializer(serializers.Serializer):
    citizen_id = serializers.CharField(required=False, max_length=20)
    member_code = serializers.CharField(required=False, max_length=32)
    amount = MoneyField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)

    def validate_citizen_id(self, value):
        return re.sub(r"[\s.]", "", value)

    def validate(self, attrs):
        if bool(attrs.get("citizen_id")) == bool(attrs.get("member_code")):
            raise serializers.ValidationError(_("Give the member's citizen ID or member code (one of them)."))
        return attrs


class BeneficiariesAddSerializer(serializers.Serializer):
    members = BeneficiaryRowSerializer(many=True, allow_empty=False, max_length=5000)


class BeneficiariesAddedSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    already = serializers.IntegerField(help_text=_("Members that were on the list already"))
    beneficiaries = serializers.IntegerField()
    person_times = serializers.IntegerField()


def _resolve_members(user, rows: list[dict]) -> tuple[list[tuple], list[dict], list[str]]:
    """(member, amount, note) for each row, the members found among those the user sees, and
    the rows that match none with a message for each (`recipients.members_by`: an active
    member wins over a former one with the same citizen ID)."""
    visible = Member.objects.visible_to(user)
    found = {}
    for key in ("citizen_id", "member_code"):
        values = {r[key] for r in rows if r.get(key)}
        found.update({(key, value): member for value, member in members_by(visible, key, values).items()})
    resolved, unknown, messages = [], [], []
    for index, row in enumerate(rows):
        key = ("citizen_id", row["citizen_id"]) if row.get("citizen_id") else ("member_code", row["member_code"])
        member = found.get(key)
        if member is None:
            unknown.append({"index": index, key[0]: key[1]})
            label = _("citizen ID") if key[0] == "citizen_id" else _("member code")
            messages.append(_("No member you can see has %(what)s %(value)s.") % {"what": label, "value": key[1]})
        else:
            resolved.append((member, row.get("amount"), row.get("note", "")))
    return resolved, unknown, messages


class OrganizedRecordWrites:
    """Create and change a record organized by a union or the federation, through its services:
    the capability to record it, the organizer within the caller's reach, the service's
    ValidationError as a 400. Subclasses name the model, capability, services and fields."""

    model = None
    capability = ""
    create_service = None
    update_service = None
    update_argument = ""
    fields = ()

    def create(self, request, *args, **kwargs):
        _require(request.user, self.capability)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        user = self.request.user
        data = dict(serializer.validated_data)
        federation, union = _organizer(user, data)
        _require_edit(user, self.model(federation=federation, union=union))
        create = type(self).create_service
        serializer.instance = _run(
            lambda: create(federation=federation, union=union, by=user, request=self.request, **data)
        )

    def update(self, request, *args, **kwargs):
        _require_edit(request.user, self.get_object())
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k in self.fields}
        update = type(self).update_service
        record = {self.update_argument: serializer.instance}
        serializer.instance = _run(lambda: update(**record, by=self.request.user, request=self.request, **data))


@extend_schema_view(
    list=extend_schema(summary="Welfare activities visible to the caller"),
    retrieve=extend_schema(summary="One welfare activity"),
    create=extend_schema(summary="Record a welfare activity (roles that record welfare)"),
    partial_update=extend_schema(summary="Change a welfare activity"),
)
class ActivityViewSet(
    OrganizedRecordWrites,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Welfare activities (Tet care, Trade Union Meals, check-ups...). Nothing is deleted."""

    serializer_class = ActivitySerializer
    lookup_value_regex = "[0-9]+"  # the selectors look the id up as given: anything else is 404
    filterset_class = ActivityFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    model = Activity
    capability = Cap.MANAGE_WELFARE
    create_service = services.activity_create
    update_service = services.activity_update
    update_argument = "activity"
    fields = services.ACTIVITY_FIELDS

    def get_queryset(self):
        return selectors.activities_for(self.request.user).select_related("federation")

    @extend_schema(
        methods=["GET"],
        responses=BeneficiarySerializer(many=True),
        filters=False,
        summary="Members linked to the activity",
    )
    @extend_schema(
        methods=["POST"],
        request=BeneficiariesAddSerializer,
        responses={
            200: BeneficiariesAddedSerializer,
            400: OpenApiResponse(
                description='Rows that match no member the caller sees: {"members": [messages], '
                '"unknown": [{"index": N, "citizen_id" or "member_code": ...}]}; nothing is linked.'
            ),
        },
        summary="Link members (by citizen ID or member code) to the activity",
    )
    @action(detail=True, methods=["get", "post"])
    def beneficiaries(self, request, pk=None):
        activity = selectors.get_activity_for_user(request.user, pk)
        if request.method == "GET":
            linked = activity.beneficiaries.select_related("member__union").order_by("member__sort_name", "pk")
            page = self.paginate_queryset(linked)
            return self.get_paginated_response(
                BeneficiarySerializer(page, many=True, context={"request": request}).data
            )
        _require_edit(request.user, activity)
        payload = BeneficiariesAddSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rows, unknown, messages = _resolve_members(request.user, payload.validated_data["members"])
        if unknown:
            # Every row that matched no member, by its position in the list: fix them all at once.
            return Response({"members": messages, "unknown": unknown}, status=status.HTTP_400_BAD_REQUEST)
        added, already = _run(
            lambda: services.beneficiaries_add(activity=activity, rows=rows, by=request.user, request=request)
        )
        activity.refresh_from_db(fields=["person_times"])
        return Response(
            {
                "added": added,
                "already": already,
                "beneficiaries": activity.beneficiaries.count(),
                "person_times": activity.person_times,
            }
        )

    @extend_schema(filters=True, responses=XLSX_RESPONSE, summary="The filtered list as an .xlsx workbook")
    @action(detail=False, methods=["get"], renderer_classes=XLSX_RENDERERS)
    def export(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        details = {"filters": query_filters(request.query_params, search="search"), "rows": queryset.count()}
        audit_access(request, AuditLog.Action.EXPORT, Activity, details)
        return _xlsx_response(exports.activities_xlsx(queryset), "welfare-activities")


# --- Union Shelters ----------------------------------------------------------------------------


class ShelterSerializer(serializers.ModelSerializer):
    union = UnionCodeField(
        help_text=_(
            "Code of the direct-superior union running it; null for the federation itself. "
            "Not given: the caller's own unit."
        )
    )
    organizer = serializers.SerializerMethodField()
    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.none(), required=False)
    citizen_id = serializers.CharField(
        write_only=True, required=False, max_length=20, help_text=_("The member's citizen ID, instead of `member`")
    )
    member_name = serializers.CharField(source="member.full_name", read_only=True)
    member_union = serializers.CharField(source="member.union.code", read_only=True)
    member_citizen_id = serializers.CharField(source="member.citizen_id", read_only=True)
    total_cost = MoneyField()
    amount_union_funds = MoneyField(required=False)
    amount_sponsors = MoneyField(required=False)
    amount_social_fund = MoneyField(required=False)
    amount_other = MoneyField(required=False)
    amount_total = serializers.IntegerField(read_only=True, help_text=_("The support: the four sources together"))
    year = serializers.IntegerField(read_only=True, help_text=_("The program year: the year of approval"))

    class Meta:
        model = Shelter
        fields = [
            "id", "union", "organizer", "member", "citizen_id", "member_name", "member_union", "member_citizen_id",
            "is_repair", "address", "total_cost", *SOURCES, "amount_total", "status", "decision_number",
            "approved_on", "year", "started_on", "handed_over_on", "cancelled_on", "cancel_reason", "note",
        ]  # fmt: skip
        read_only_fields = ["status", "started_on", "handed_over_on", "cancelled_on", "cancel_reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        if user is not None:
            self.fields["union"].queryset = _units_for(user)
            self.fields["member"].queryset = Member.objects.visible_to(user)
            if not user.can(Cap.VIEW_PERSONAL_DATA):
                self.fields.pop("address")
                self.fields["member_citizen_id"] = serializers.CharField(
                    source="member.masked_citizen_id", read_only=True
                )
        if self.instance is not None and not isinstance(self.instance, list):
            self.fields["union"].read_only = True

    def get_organizer(self, obj) -> str:
        return obj.organizer.name

    def validate(self, attrs):
        citizen_id = re.sub(r"[\s.]", "", attrs.pop("citizen_id", ""))
        if citizen_id:
            if "member" in attrs:
                raise serializers.ValidationError(_("Give the member or the citizen ID, not both."))
            user = _user(self)
            matches = Member.objects.visible_to(user).filter(citizen_id=citizen_id)
            member = matches.filter(status=MemberStatus.ACTIVE).first() or matches.order_by("-pk").first()
            if member is None:
                raise serializers.ValidationError({"citizen_id": [_("No member you can see has this citizen ID.")]})
            attrs["member"] = member
        elif self.instance is None and "member" not in attrs:
            raise serializers.ValidationError({"member": [_("Give the member, or the member's citizen ID.")]})
        return attrs


class ShelterFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ShelterStatus.choices)
    union = filters.CharFilter(field_name="union__code", lookup_expr="iexact", label=_("Code of the union running it"))
    under = filters.CharFilter(
        method="filter_under", label=_("Code of a unit: shelters run in its subtree or for its members")
    )
    year = filters.NumberFilter(
        field_name="approved_on", lookup_expr="year", label=_("Year of approval"),
        min_value=1, max_value=9999, decimal_places=0,
    )  # fmt: skip

    class Meta:
        model = Shelter
        fields = ["status", "is_repair", "member"]

    def filter_under(self, queryset, name, value):
        path = get_scope_path_for_code(self.request.user, value)
        return queryset.filter(shelter_scope_q(path))


class AdvanceSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=[(s.value, s.label) for s in ShelterStatus if s != ShelterStatus.APPROVED])
    on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255)

    def get_fields(self):
        fields = super().get_fields()
        # "from" is a keyword: declared here rather than as a class attribute.
        fields["from"] = serializers.ChoiceField(
            choices=[(s.value, s.label) for s in ShelterStatus if SHELTER_NEXT[s]],
            required=False,
            help_text=_("The status the caller saw: refused if the shelter has moved on meanwhile"),
        )
        return fields


@extend_schema_view(
    list=extend_schema(summary="Union Shelters visible to the caller"),
    retrieve=extend_schema(summary="One Union Shelter"),
    create=extend_schema(summary="Approve a Union Shelter for a member (roles that run shelters)"),
    partial_update=extend_schema(summary="Change a Union Shelter's data (the status moves by `advance`)"),
)
class ShelterViewSet(
    OrganizedRecordWrites,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Union Shelters (Mái ấm Công đoàn): approved → building → handed over, or cancelled."""

    serializer_class = ShelterSerializer
    lookup_value_regex = "[0-9]+"  # the selectors look the id up as given: anything else is 404
    filterset_class = ShelterFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    model = Shelter
    capability = Cap.MANAGE_SHELTERS
    create_service = services.shelter_create
    update_service = services.shelter_update
    update_argument = "shelter"
    fields = services.SHELTER_FIELDS

    def get_queryset(self):
        return selectors.shelters_for(self.request.user).select_related("federation")

    @extend_schema(
        request=AdvanceSerializer, responses=ShelterSerializer, summary="Move the shelter along its pipeline"
    )
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        shelter = selectors.get_shelter_for_user(request.user, pk)
        _require_edit(request.user, shelter)
        payload = AdvanceSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if data.get("from"):
            # The service moves the shelter only from the status it is given: a shelter that moved
            # on since the caller looked is refused, not overwritten.
            shelter.status = data["from"]
        shelter = _run(
            lambda: services.shelter_advance(
                shelter=shelter,
                to=data["to"],
                on=data["on"],
                reason=data.get("reason", ""),
                by=request.user,
                request=request,
            )
        )
        return Response(ShelterSerializer(shelter, context={"request": request}).data)

    @extend_schema(filters=True, responses=XLSX_RESPONSE, summary="The filtered list as an .xlsx workbook")
    @action(detail=False, methods=["get"], renderer_classes=XLSX_RENDERERS)
    def export(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        details = {"filters": query_filters(request.query_params, search="search"), "rows": queryset.count()}
        audit_access(request, AuditLog.Action.EXPORT, Shelter, details)
        content = exports.shelters_xlsx(queryset, personal_data=request.user.can(Cap.VIEW_PERSONAL_DATA))
        return _xlsx_response(content, "union-shelters")


# --- funds -------------------------------------------------------------------------------------


class FundSerializer(serializers.ModelSerializer):
    union = UnionCodeField(
        help_text=_("Code of the union holding it; null for the federation itself. Not given: the caller's own unit.")
    )
    holder = serializers.SerializerMethodField()

    class Meta:
        model = Fund
        fields = ["id", "union", "holder", "name", "kind", "balance", "note"]
        read_only_fields = ["balance"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        if user is not None:
            self.fields["union"].queryset = _units_for(user)

    def get_holder(self, obj) -> str:
        return obj.organizer.name


class FundFilter(UnderFilterMixin, filters.FilterSet):
    kind = filters.ChoiceFilter(choices=FundKind.choices)
    union = filters.CharFilter(field_name="union__code", lookup_expr="iexact", label=_("Code of the union holding it"))
    under = filters.CharFilter(method="filter_under", label=_("Code of a unit: funds held in its subtree"))

    class Meta:
        model = Fund
        fields = ["kind"]


class FundEntrySerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.full_name", read_only=True, allow_null=True)

    class Meta:
        model = FundEntry
        fields = ["id", "kind", "amount", "on", "counterparty", "member", "member_name", "note", "balance_after"]


class ContributeSerializer(serializers.Serializer):
    amount = MoneyField(min_value=1)
    on = serializers.DateField()
    counterparty = serializers.CharField(
        required=False, allow_blank=True, max_length=255, help_text=_("Who contributed, or who received the payout.")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)
    submission = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text=_("Any new UUID per entry: the same request sent again records the entry once (returns it)."),
    )


class PaySerializer(ContributeSerializer):
    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.none(), required=False, allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        if user is not None:
            self.fields["member"].queryset = Member.objects.visible_to(user)


@extend_schema_view(
    list=extend_schema(summary="Funds visible to the caller"),
    retrieve=extend_schema(summary="One fund, with its balance"),
    create=extend_schema(summary="Open a fund (roles that record welfare)"),
)
class FundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Funds: contributions in, payouts out, a balance that cannot go below zero."""

    serializer_class = FundSerializer
    lookup_value_regex = "[0-9]+"  # the selectors look the id up as given: anything else is 404
    filterset_class = FundFilter

    def get_queryset(self):
        return selectors.funds_for(self.request.user).select_related("federation")

    def create(self, request, *args, **kwargs):
        _require(request.user, Cap.MANAGE_WELFARE)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        user = self.request.user
        data = dict(serializer.validated_data)
        federation, union = _organizer(user, data)
        _require_edit(user, Fund(federation=federation, union=union))
        serializer.instance = _run(
            lambda: services.fund_create(federation=federation, union=union, by=user, request=self.request, **data)
        )

    def _entry(self, request, pk, serializer_class, write):
        fund = selectors.get_fund_for_user(request.user, pk)
        _require_edit(request.user, fund)
        payload = serializer_class(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        entry = _run(lambda: write(fund, dict(payload.validated_data)))
        return Response(FundEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ContributeSerializer, responses={201: FundEntrySerializer}, summary="Take a contribution")
    @action(detail=True, methods=["post"])
    def contribute(self, request, pk=None):
        return self._entry(
            request,
            pk,
            ContributeSerializer,
            lambda fund, d: services.fund_contribute(fund=fund, by=request.user, request=request, **d),
        )

    @extend_schema(
        request=PaySerializer,
        responses={201: FundEntrySerializer},
        summary="Pay out of the fund (refused beyond the balance)",
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        return self._entry(
            request,
            pk,
            PaySerializer,
            lambda fund, d: services.fund_pay(fund=fund, by=request.user, request=request, **d),
        )

    @extend_schema(
        responses=FundEntrySerializer(many=True),
        filters=False,
        summary="The fund's contributions and payouts, newest first",
    )
    @action(detail=True, methods=["get"])
    def entries(self, request, pk=None):
        fund = selectors.get_fund_for_user(request.user, pk)
        page = self.paginate_queryset(fund.entries.select_related("member").order_by("-on", "-pk"))
        return self.get_paginated_response(FundEntrySerializer(page, many=True).data)


# --- occasions ---------------------------------------------------------------------------------


class OccasionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Occasion
        fields = ["id", "name", "starts_on", "ends_on"]


@extend_schema_view(
    list=extend_schema(summary="The federation's occasions and campaigns"),
    create=extend_schema(summary="Add an occasion (federation accounts that record welfare)"),
)
class OccasionViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = OccasionSerializer
    filterset_fields = ["starts_on", "ends_on"]

    def get_queryset(self):
        return selectors.occasions_for(self.request.user)

    def create(self, request, *args, **kwargs):
        # Occasions are the federation's own: unions record activities under them.
        if not selectors.may_create_occasions(request.user):
            raise exceptions.PermissionDenied
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        user = self.request.user  # may_create_occasions: a federation's own account
        serializer.instance = _run(
            lambda: services.occasion_create(
                federation=user.federation, by=user, request=self.request, **serializer.validated_data
            )
        )


# --- totals ------------------------------------------------------------------------------------


class TotalsQuerySerializer(serializers.Serializer):
    under = serializers.CharField(
        required=False, help_text=_("Code of a unit (or of the federation); default: the caller's own unit")
    )
    start = serializers.DateField(required=False, help_text=_("First day; default: 1 January of this year"))
    end = serializers.DateField(required=False, help_text=_("Last day; default: 31 December of this year"))

    def validate(self, attrs):
        year = (attrs.get("start") or attrs.get("end") or timezone.localdate()).year
        attrs.setdefault("start", datetime.date(attrs["end"].year if "end" in attrs else year, 1, 1))
        attrs.setdefault("end", datetime.date(attrs["start"].year, 12, 31))
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end comes before the start.")]})
        return attrs


class ProgramTotalsSerializer(serializers.Serializer):
    program = serializers.CharField()
    label = serializers.CharField()
    activities = serializers.IntegerField(help_text=_("Activities held; for shelters, houses handed over"))
    person_times = serializers.IntegerField()
    persons = serializers.IntegerField(help_text=_("Distinct members known by name"))
    amount_union_funds = serializers.IntegerField()
    amount_sponsors = serializers.IntegerField()
    amount_social_fund = serializers.IntegerField()
    amount_other = serializers.IntegerField()
    amount_total = serializers.IntegerField()


class TotalRowSerializer(ProgramTotalsSerializer):
    program = None
    label = None


class FundTotalsSerializer(serializers.Serializer):
    raised = serializers.IntegerField()
    paid = serializers.IntegerField()
    social_raised = serializers.IntegerField()


@extend_schema_serializer(many=False)
class WelfareTotalsSerializer(serializers.Serializer):
    scope = serializers.CharField(allow_null=True, help_text=_("Code of the unit the totals are for"))
    start = serializers.DateField()
    end = serializers.DateField()
    programs = ProgramTotalsSerializer(many=True)
    total = TotalRowSerializer(help_text=_("All programs; a member reached several times counts once in persons"))
    funds = FundTotalsSerializer()


class WelfareTotalsViewSet(viewsets.ViewSet):
    """Welfare totals of a scope and period, per program, in SQL (a handful of queries)."""

    @extend_schema(
        parameters=[TotalsQuerySerializer],
        responses={
            200: WelfareTotalsSerializer,
            404: OpenApiResponse(description="No such unit among those the caller may see"),
        },
        summary="Welfare totals by program for a unit's subtree and a period",
    )
    def list(self, request):
        user = request.user
        query = TotalsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        if params.get("under"):
            path = get_scope_path_for_code(user, params["under"])
            scope = params["under"].strip().upper()
        else:
            path = user.scope_path
            if path is None:
                raise Http404
            scope = user.unit.code if user.unit is not None else None
        totals = selectors.welfare_totals(path=path, start=params["start"], end=params["end"])
        return Response(
            WelfareTotalsSerializer(
                {
                    "scope": scope,
                    "start": totals.start,
                    "end": totals.end,
                    "programs": totals.rows,
                    "total": totals.total,
                    "funds": totals.funds,
                }
            ).data
        )
