"""Quarterly returns and report quarters over the API (PRODUCT.md §6, §9).

Lists start from `QuarterlyReturn.objects.visible_to`; single returns come through the access
helpers of reports.returns (404 alike for "missing" and "not yours", then 403 for roles that may
only read); writes go through reports.services.returns, whose ValidationErrors become 400s and
whose version conflicts become 409s saying who saved the return and when.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from federation.models import Federation
from members.api import as_api_error
from unions.models import Level, Union
from unions.selectors import default_federation_for_user

from .. import returns as selectors
from ..models import ROLL_FIELDS, TYPED_FIELDS, QuarterlyReturn, ReturnStatus
from ..services import returns as services

# --- returns -------------------------------------------------------------------------------------


class ReturnSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="union.code", read_only=True, help_text=_("Code of the grassroots union"))
    unit_name = serializers.CharField(source="union.name", read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True, allow_null=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, allow_null=True)

    class Meta:
        model = QuarterlyReturn
        fields = [
            "id", "unit", "unit_name", "year", "quarter", "ends_on", "status", "version", *ROLL_FIELDS, "counts_at",
            *TYPED_FIELDS, "first_submitted_at", "submitted_at", "submitted_by", "decided_at", "decided_by",
            "comment", "locked_at",
        ]  # fmt: skip
        read_only_fields = fields


class ReturnOpenSerializer(serializers.Serializer):
    unit = serializers.CharField(max_length=32, help_text=_("Code of the grassroots union"))
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    quarter = serializers.IntegerField(min_value=1, max_value=4)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text=_("The version of the return the caller saw"))


class ReturnUpdateSerializer(serializers.ModelSerializer):
    """The typed fields to change (any of them) and the version they were typed on."""

    version = serializers.IntegerField(min_value=1, help_text=_("The version of the return the caller saw"))

    class Meta:
        model = QuarterlyReturn
        fields = [*TYPED_FIELDS, "version"]
        extra_kwargs = {name: {"required": False} for name in TYPED_FIELDS}


class SendBackSerializer(VersionSerializer):
    comment = serializers.CharField(max_length=2000, help_text=_("What the union should correct"))


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("Who saved the return and when; nothing was overwritten"))
    version = serializers.IntegerField(help_text=_("The return's version now"))
    status = serializers.CharField()


class ReturnFilter(filters.FilterSet):
    unit = filters.CharFilter(field_name="union__code", lookup_expr="iexact", label=_("Code of the union"))
    status = filters.ChoiceFilter(choices=ReturnStatus.choices)

    class Meta:
        model = QuarterlyReturn
        fields = ["year", "quarter", "status"]


ERRORS = {
    400: OpenApiResponse(description="Refused: the messages say why, by field; nothing was written"),
    403: OpenApiResponse(description="The caller may see the return but not do this"),
    404: OpenApiResponse(description="No such return among those the caller may see"),
}
CONFLICT = {
    409: OpenApiResponse(
        ConflictSerializer, description="Someone saved another version since `version`: nothing was overwritten"
    )
}


def _run(write):
    """Call a service: a version conflict becomes a 409, any other refusal a 400."""
    try:
        return write()
    except services.ReturnConflict as exc:
        current = exc.current
        body = {"detail": " ".join(exc.messages), "version": current.version, "status": current.status}
        raise _Conflict(body) from exc
    except DjangoValidationError as exc:
        raise as_api_error(exc) from exc


class _Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, body):
        super().__init__()
        self.detail = body


def _payload(serializer_class, request):
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    return payload.validated_data


@extend_schema_view(
    list=extend_schema(summary="Quarterly returns visible to the caller"),
    retrieve=extend_schema(summary="One quarterly return", responses={200: ReturnSerializer, 404: ERRORS[404]}),
)
class ReturnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Quarterly returns of grassroots unions: draft → submitted → approved, or returned with a
    comment → locked when the federation closes the quarter. Every write after opening names
    the `version` it was made on."""

    serializer_class = ReturnSerializer
    filterset_class = ReturnFilter
    lookup_value_regex = "[0-9]+"  # the selectors look the id up as given: anything else is 404
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.returns_for(self.request.user).select_related("submitted_by", "decided_by")

    def get_object(self):
        return selectors.get_return_for_user(self.request.user, self.kwargs["pk"])

    def _respond(self, ret, code=status.HTTP_200_OK):
        ret = QuarterlyReturn.objects.select_related("union", "submitted_by", "decided_by").get(pk=ret.pk)
        return Response(ReturnSerializer(ret, context={"request": self.request}).data, status=code)

    @extend_schema(
        request=ReturnOpenSerializer,
        responses={201: ReturnSerializer, 200: ReturnSerializer, **ERRORS},
        summary="Open the union's return of a quarter (201), or get the one already open (200)",
    )
    def create(self, request):
        user = request.user
        data = _payload(ReturnOpenSerializer, request)
        unions = Union.objects.visible_to(user).filter(code__iexact=data["unit"].strip(), level=Level.GRASSROOTS)
        if user.federation_id:
            unions = unions.filter(federation_id=user.federation_id)
        found = list(unions.select_related("federation")[:2])
        if len(found) != 1:
            raise Http404
        union = found[0]
        if not selectors.can_fill(user, union):
            raise exceptions.PermissionDenied
        existed = QuarterlyReturn.objects.filter(union=union, year=data["year"], quarter=data["quarter"]).exists()
        ret = _run(
            lambda: services.return_open(
                union=union, year=data["year"], quarter=data["quarter"], by=user, request=request
            )
        )
        return self._respond(ret, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(
        request=ReturnUpdateSerializer,
        responses={200: ReturnSerializer, **ERRORS, **CONFLICT},
        summary="Change the typed fields of a draft or of a return sent back",
    )
    def partial_update(self, request, pk=None):
        ret = selectors.get_rw_return_for_user(request.user, pk, may=selectors.can_submit)
        data = dict(_payload(ReturnUpdateSerializer, request))
        version = data.pop("version")
        saved = _run(lambda: services.return_save(ret=ret, data=data, version=version, by=request.user,
                                                  request=request))  # fmt: skip
        return self._respond(saved)

    @extend_schema(
        request=VersionSerializer,
        responses={200: ReturnSerializer, **ERRORS, **CONFLICT},
        summary="Submit the return: the checks, then the roll counts frozen from the records",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        ret = selectors.get_rw_return_for_user(request.user, pk, may=selectors.can_submit)
        data = _payload(VersionSerializer, request)
        saved = _run(lambda: services.return_submit(ret=ret, version=data["version"], by=request.user,
                                                    request=request))  # fmt: skip
        return self._respond(saved)

    @extend_schema(
        request=VersionSerializer,
        responses={200: ReturnSerializer, **ERRORS, **CONFLICT},
        summary="Approve a submitted return (its superior)",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        ret = selectors.get_rw_return_for_user(request.user, pk, may=selectors.can_decide)
        data = _payload(VersionSerializer, request)
        saved = _run(lambda: services.return_approve(ret=ret, version=data["version"], by=request.user,
                                                     request=request))  # fmt: skip
        return self._respond(saved)

    @extend_schema(
        request=SendBackSerializer,
        responses={200: ReturnSerializer, **ERRORS, **CONFLICT},
        summary="Send a submitted return back to its union, with a comment (its superior)",
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def send_back(self, request, pk=None):
        ret = selectors.get_rw_return_for_user(request.user, pk, may=selectors.can_decide)
        data = _payload(SendBackSerializer, request)
        saved = _run(
            lambda: services.return_send_back(
                ret=ret, comment=data["comment"], version=data["version"], by=request.user, request=request
            )
        )
        return self._respond(saved)

    @extend_schema(request=None, responses={200: ReturnSerializer, **ERRORS}, summary="Lock an approved return")
    @action(detail=True, methods=["post"])
    def lock(self, request, pk=None):
        ret = selectors.get_rw_return_for_user(request.user, pk, may=selectors.can_lock)
        saved = _run(lambda: services.return_lock(ret=ret, by=request.user, request=request))
        return self._respond(saved)

    @extend_schema(
        request=ReasonSerializer,
        responses={200: ReturnSerializer, **ERRORS},
        summary="Reopen a locked return: it goes back to its union, the reason as the comment",
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        ret = selectors.get_rw_return_for_user(request.user, pk, may=selectors.can_lock)
        data = _payload(ReasonSerializer, request)
        saved = _run(lambda: services.return_reopen(ret=ret, reason=data["reason"], by=request.user,
                                                    request=request))  # fmt: skip
        return self._respond(saved)


# --- quarters ------------------------------------------------------------------------------------


class QuarterSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField(help_text=_("YEAR-QUARTER, as the quarter's actions take it"))
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    starts_on = serializers.DateField(source="period.start")
    ends_on = serializers.DateField(source="period.end")
    deadline = serializers.DateField()
    deadline_is_default = serializers.BooleanField()
    closed = serializers.BooleanField(source="is_closed")
    closed_at = serializers.DateTimeField(source="row.closed_at", allow_null=True, default=None)
    reopen_reason = serializers.CharField(source="row.reopen_reason", allow_null=True, default=None)
    owing = serializers.IntegerField(source="tally.owing")
    reported = serializers.IntegerField(source="tally.reported")
    on_time = serializers.IntegerField(source="tally.on_time")
    late = serializers.IntegerField(source="tally.late")
    approved = serializers.IntegerField(source="tally.approved")
    not_reported = serializers.IntegerField(source="tally.not_reported")
    overdue = serializers.IntegerField(source="tally.overdue")

    def get_id(self, line) -> str:
        return f"{line.year}-{line.quarter}"


class DeadlineSerializer(serializers.Serializer):
    deadline = serializers.DateField()


FEDERATION_PARAM = OpenApiParameter(
    "federation", OpenApiTypes.STR, description="Code of the federation (default: the caller's own)"
)
QUARTER_ERRORS = {
    400: OpenApiResponse(description="Refused: the messages say why; nothing was written"),
    403: OpenApiResponse(description="Only the federation administrator sets deadlines and closes quarters"),
    404: OpenApiResponse(description="No such quarter or federation among those the caller may see"),
}


class QuarterViewSet(viewsets.GenericViewSet):
    """A federation's report quarters: deadlines, closing (which locks the quarter's returns)
    and reopening with a reason. For the federation's staff (read) and administrator."""

    serializer_class = QuarterSerializer
    lookup_value_regex = r"\d{4}-[1-4]"
    filter_backends = []

    def _federation(self, request) -> Federation:
        code = request.query_params.get("federation", "").strip()
        if "\x00" in code:  # no code has one, and PostgreSQL refuses it in a query
            raise Http404
        if code:
            federation = Federation.objects.visible_to(request.user).filter(code__iexact=code).first()
            if federation is None:
                raise Http404
            return federation
        return default_federation_for_user(request.user)

    def _quarter(self, pk) -> tuple[int, int]:
        year, quarter = (int(part) for part in pk.split("-"))
        if not 2000 <= year <= 2100:
            raise Http404
        return year, quarter

    def _line(self, federation, year, quarter):
        line = next(q for q in selectors.quarters_of_year(federation, year) if q.quarter == quarter)
        return Response(QuarterSerializer(line).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, description="Report year (default: the due quarter's)"),
            FEDERATION_PARAM,
        ],
        responses={200: QuarterSerializer(many=True), 403: QUARTER_ERRORS[403], 404: QUARTER_ERRORS[404]},
        summary="The four quarters of a year: deadline, closed or not, how many unions reported",
    )
    def list(self, request):
        federation = self._federation(request)
        if not selectors.may_see_quarters(request.user):
            raise exceptions.PermissionDenied
        year_text = request.query_params.get("year", "")
        if year_text:
            if not (year_text.isascii() and year_text.isdigit()) or not 2000 <= int(year_text) <= 2100:
                raise serializers.ValidationError({"year": [_("Enter a year between 2000 and 2100.")]})
            year = int(year_text)
        else:
            year = selectors.due_quarter(federation)[0]
        lines = selectors.quarters_of_year(federation, year)
        page = self.paginate_queryset(lines)
        return self.get_paginated_response(QuarterSerializer(page, many=True).data)

    def _manage(self, request, pk, write, payload=None):
        """Check the caller may manage the quarter, then its payload, then write."""
        federation = self._federation(request)
        if not selectors.may_manage_quarters(request.user):
            raise exceptions.PermissionDenied
        year, quarter = self._quarter(pk)
        data = _payload(payload, request) if payload is not None else {}
        _run(lambda: write(federation, year, quarter, data))
        return self._line(federation, year, quarter)

    @extend_schema(
        parameters=[FEDERATION_PARAM],
        request=DeadlineSerializer,
        responses={200: QuarterSerializer, **QUARTER_ERRORS},
        summary="Set the quarter's deadline for returns",
    )
    @action(detail=True, methods=["post"])
    def deadline(self, request, pk=None):
        return self._manage(
            request,
            pk,
            lambda fed, y, q, data: services.quarter_set_deadline(
                federation=fed, year=y, quarter=q, deadline=data["deadline"], by=request.user, request=request
            ),
            DeadlineSerializer,
        )

    @extend_schema(
        parameters=[FEDERATION_PARAM],
        request=None,
        responses={200: QuarterSerializer, **QUARTER_ERRORS},
        summary="Close the quarter: its returns are locked",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._manage(
            request,
            pk,
            lambda fed, y, q, data: services.quarter_close(
                federation=fed, year=y, quarter=q, by=request.user, request=request
            ),
        )

    @extend_schema(
        parameters=[FEDERATION_PARAM],
        request=ReasonSerializer,
        responses={200: QuarterSerializer, **QUARTER_ERRORS},
        summary="Reopen a closed quarter, with the reason: its returns go back to where they were",
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._manage(
            request,
            pk,
            lambda fed, y, q, data: services.quarter_reopen(
                federation=fed, year=y, quarter=q, reason=data["reason"], by=request.user, request=request
            ),
            ReasonSerializer,
        )


# (prefix, viewset, basename) registered on the API router
ROUTES = [
    ("returns", ReturnViewSet, "return"),
    ("quarters", QuarterViewSet, "quarter"),
]
