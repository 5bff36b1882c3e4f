"""Reorganizations over the API (PRODUCT.md §7, §9).

`POST /api/v1/reorganizations/` stores a plan as a draft (from a JSON body or an uploaded plan
file) and answers with the draft and its preview; `preview` runs it again on today's tree,
`apply` carries it out in one transaction (or nothing, with the problems), `discard` drops it.
Lists and single plans start from `Reorganization.objects.visible_to`: the federation-level users
of its federation read them, anyone else gets an empty list or 404. Only the federation admin
(`selectors.may_reorganize`) prepares, applies or discards: other readers get 403. A plan that is
no longer a draft answers 409. Every refused plan answers 400 as
`{"status": "invalid", "errors": [{"sheet", "row", "column", "code", "message"}]}`.
"""

from pathlib import Path

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.fields import SkipField, empty
from rest_framework.response import Response

from federation.forms import upload_on_disk
from federation.models import Federation
from members.importing import Issue

from .models import Lineage, Reorganization
from .reorg import plan as plans
from .reorg.drafts import draft_apply, draft_create, draft_discard, draft_preview
from .selectors import get_rw_reorganization_for_user, may_reorganize

# --- what is answered ------------------------------------------------------------------------------


class IssueSerializer(serializers.Serializer):
    sheet = serializers.CharField(allow_null=True, help_text=gettext_lazy("The sheet of a plan file, if any"))
    row = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("The file's row, or the operation's place in the list (from 1)")
    )
    column = serializers.CharField(allow_null=True, help_text=gettext_lazy("The plan's key, e.g. unit or target"))
    code = serializers.CharField(help_text=gettext_lazy("e.g. missing_value, unknown_union, union_closed"))
    message = serializers.CharField()


class InvalidPlanSerializer(serializers.Serializer):
    status = serializers.CharField(help_text=gettext_lazy("invalid"))
    errors = IssueSerializer(many=True)


class StepSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    operation = serializers.CharField()
    unit = serializers.CharField(help_text=gettext_lazy("Code of the unit acted on"))
    unit_name = serializers.CharField()
    summary = serializers.CharField()
    successor = serializers.CharField(help_text=gettext_lazy("Code of the unit it passed to, if any"))
    successor_name = serializers.CharField()
    closed = serializers.BooleanField()
    members = serializers.IntegerField(help_text=gettext_lazy("Members moved"))
    units = serializers.ListField(child=serializers.DictField(), help_text=gettext_lazy("Units moved"))
    targets = serializers.ListField(child=serializers.DictField(), help_text=gettext_lazy("Targets passed on"))
    returns = serializers.ListField(child=serializers.DictField(), help_text=gettext_lazy("Open returns following"))
    records = serializers.DictField(help_text=gettext_lazy("Welfare records passing on, by kind"))
    accounts = serializers.ListField(child=serializers.DictField(), help_text=gettext_lazy("Accounts following"))
    renamed = serializers.ListField(child=serializers.DictField(), help_text=gettext_lazy("Codes renamed"))


class OutcomeSerializer(serializers.Serializer):
    status = serializers.CharField(
        help_text=gettext_lazy("valid: a preview without problems; applied: written; invalid: nothing written"),
    )
    reorganization = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("Its id once applied"))
    decision_number = serializers.CharField()
    decision_date = serializers.DateField()
    effective_on = serializers.DateField()
    reason = serializers.CharField()
    steps = StepSerializer(many=True)
    totals = serializers.DictField(
        child=serializers.ListField(), help_text=gettext_lazy("The federation's figures: [before, after]")
    )
    errors = IssueSerializer(many=True)


class LineageSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="union.code", read_only=True, allow_null=True)
    unit_name = serializers.CharField(source="union.name", read_only=True, allow_null=True)
    successor = serializers.CharField(source="successor.code", read_only=True, allow_null=True)
    successor_name = serializers.CharField(source="successor.name", read_only=True, allow_null=True)
    from_federation = serializers.CharField(source="from_federation.code", read_only=True, allow_null=True)

    class Meta:
        model = Lineage
        fields = [
            "operation", "unit", "unit_name", "successor", "successor_name", "from_federation", "effective_on",
            "members", "details",
        ]  # fmt: skip
        read_only_fields = fields


class ReorganizationSerializer(serializers.ModelSerializer):
    federation = serializers.CharField(source="federation.code", read_only=True)
    status = serializers.CharField(read_only=True, help_text=gettext_lazy("draft, applied or discarded"))
    operations = serializers.ListField(
        source="rows", child=serializers.DictField(), read_only=True, help_text=gettext_lazy("The plan's rows")
    )
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)
    applied_by = serializers.CharField(source="applied_by.username", read_only=True, allow_null=True)
    lineage = serializers.SerializerMethodField(help_text=gettext_lazy("What became what (applied plans)"))

    class Meta:
        model = Reorganization
        fields = [
            "id", "federation", "decision_number", "decision_date", "effective_on", "reason", "source", "status",
            "operations", "created_by", "created_at", "applied_by", "applied_at", "lineage",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(LineageSerializer(many=True))
    def get_lineage(self, obj) -> list:
        if obj.status != Reorganization.Status.APPLIED:
            return []
        return LineageSerializer(obj.lineage.all(), many=True).data


class DraftSerializer(ReorganizationSerializer):
    preview = OutcomeSerializer(read_only=True, help_text=gettext_lazy("What applying it would do now"))

    class Meta(ReorganizationSerializer.Meta):
        fields = [*ReorganizationSerializer.Meta.fields, "preview"]
        read_only_fields = fields


# --- what is taken ---------------------------------------------------------------------------------


class OperationSerializer(serializers.Serializer):
    """One row of a plan (the keys of a plan file's columns)."""

    operation = serializers.CharField(
        help_text=gettext_lazy(
            "create, rename, move, merge, split, dissolve, change_kind or merge_federation (or the Vietnamese words)"
        )
    )
    unit = serializers.CharField(
        help_text=gettext_lazy("The unit acted on; create: the new code; merge_federation: the federation merged in")
    )
    new_parent = serializers.CharField(
        required=False, help_text=gettext_lazy("create, move: a direct-superior union; empty: the federation")
    )
    new_name = serializers.CharField(required=False, help_text=gettext_lazy("create, rename"))
    new_code = serializers.CharField(required=False, help_text=gettext_lazy("rename"))
    kind = serializers.CharField(required=False, help_text=gettext_lazy("create, change_kind"))
    sector = serializers.CharField(required=False, help_text=gettext_lazy("create, change_kind"))
    target = serializers.CharField(
        required=False, help_text=gettext_lazy("merge, split: where it goes; dissolve: where its members go")
    )
    members = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=gettext_lazy("split: citizen IDs of the members who go (or one string, separated by spaces)"),
    )


class DecisionSerializer(serializers.Serializer):
    """The decision's fields, parsed only: plan.decision_from says what is missing or wrong."""

    decision_number = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=64)
    decision_date = serializers.DateField(required=False, allow_null=True)
    effective_on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class PlanCreateSerializer(serializers.Serializer):
    """For the schema: the JSON body of a new plan."""

    decision_number = serializers.CharField(max_length=64)
    decision_date = serializers.DateField()
    effective_on = serializers.DateField(help_text=gettext_lazy("Not in the future"))
    reason = serializers.CharField(max_length=plans.REASON_LENGTH)
    federation = serializers.CharField(
        required=False, help_text=gettext_lazy("Code of the federation (a system administrator only)")
    )
    operations = OperationSerializer(many=True)


class PlanUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=gettext_lazy("The plan, .xlsx or .csv, in the template's columns"))
    federation = serializers.CharField(
        required=False, help_text=gettext_lazy("Code of the federation (a system administrator only)")
    )


# --- errors ----------------------------------------------------------------------------------------


class Invalid(exceptions.APIException):
    """A refused plan: 400 with every problem, in the plan files' shape."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, errors: list[Issue]):
        super().__init__()
        self.detail = {"status": "invalid", "errors": [issue.as_dict() for issue in errors]}


class NotDraft(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("This reorganization is no longer a draft: it can no longer change.")
    default_code = "not_draft"


def _not_draft(reorganization) -> NotDraft:
    return NotDraft(
        _("This reorganization was %(status)s: it can no longer change.")
        % {"status": reorganization.get_status_display().lower()}
    )


DENIED = OpenApiResponse(description="Only the federation admin prepares, applies or discards a reorganization")
MISSING = OpenApiResponse(description="No such reorganization among those the caller may see")
CONFLICT = OpenApiResponse(description="The reorganization was already applied or discarded: nothing changed")
REFUSED = OpenApiResponse(
    InvalidPlanSerializer, description="What is wrong with the plan, with its row and column: nothing written"
)


# --- the resource ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Reorganizations of the caller's federation, newest first"),
    retrieve=extend_schema(summary="One reorganization, with its lineage once applied", responses={
        200: ReorganizationSerializer, 404: MISSING,
    }),
)  # fmt: skip
class ReorganizationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reorganizations of the union tree (§7): plans prepared as drafts, previewed, then applied at
    once or discarded."""

    serializer_class = ReorganizationSerializer
    filterset_fields = ["status"]
    lookup_value_regex = "[0-9]+"  # the selectors look the id up as given: anything else is 404
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]

    def get_queryset(self):
        lineage = Lineage.objects.select_related("union", "successor", "from_federation").order_by("pk")
        return (
            Reorganization.objects.visible_to(self.request.user)
            .select_related("federation", "created_by", "applied_by")
            .prefetch_related(Prefetch("lineage", queryset=lineage))
        )

    def _writable(self):
        return get_rw_reorganization_for_user(self.request.user, self.kwargs["pk"])

    def _federation(self, request) -> Federation:
        """The caller's federation; a system administrator names one (`federation`)."""
        user = request.user
        if not user.is_superuser:
            if user.federation_id is None:
                raise exceptions.PermissionDenied
            return user.federation
        code = str(request.data.get("federation") or "").strip()
        if not code and user.federation_id:
            return user.federation
        if not code:
            raise Invalid([Issue("missing_value", _("Give the federation's code."), column="federation")])
        federation = Federation.objects.filter(code__iexact=code).first()
        if federation is None:
            message = _("No federation has the code %(code)s.") % {"code": code}
            raise Invalid([Issue("unknown_federation", message, column="federation")])
        return federation

    @extend_schema(
        request={"application/json": PlanCreateSerializer, "multipart/form-data": PlanUploadSerializer},
        responses={201: DraftSerializer, 400: REFUSED, 403: DENIED},
        summary="Prepare a reorganization: a draft, from a JSON plan or a plan file, with its preview",
    )
    def create(self, request):
        user = request.user
        if not isinstance(request.data, dict):
            raise Invalid([Issue("invalid_value", _("Send the plan as one JSON object."))])
        federation = self._federation(request)
        if not may_reorganize(user, federation):
            raise exceptions.PermissionDenied
        if hasattr(request.data, "getlist"):  # a form: the plan is its file
            upload = request.data.get("file")
            if not hasattr(upload, "read"):
                raise Invalid([Issue("missing_value", _("Choose the plan file (.xlsx or .csv)."), column="file")])
            decision, rows, source = _plan_from_file(upload)
        else:
            decision, rows = _plan_from_body(request.data)
            source = ""
        draft = draft_create(federation=federation, decision=decision, rows=rows, by=user, source=source,
                             request=request)  # fmt: skip
        preview = draft_preview(draft, by=user, request=request)
        body = {**ReorganizationSerializer(draft).data, "preview": preview.as_dict()}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: OutcomeSerializer, 403: DENIED, 404: MISSING, 409: CONFLICT},
        summary="What applying the draft would do now (on today's tree); status invalid lists the problems",
    )
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        reorganization = self._writable()
        if reorganization.status != Reorganization.Status.DRAFT:
            raise _not_draft(reorganization)
        return Response(draft_preview(reorganization, by=request.user, request=request).as_dict())

    @extend_schema(
        request=None,
        responses={
            200: OutcomeSerializer,
            400: OpenApiResponse(OutcomeSerializer, description="The plan no longer applies: nothing was written"),
            403: DENIED,
            404: MISSING,
            409: CONFLICT,
        },
        summary="Apply the draft in one transaction, or nothing",
    )
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        reorganization = self._writable()
        try:
            outcome = draft_apply(reorganization, by=request.user, request=request)
        except DjangoValidationError as exc:
            if getattr(exc, "code", None) == "not_draft":
                raise _not_draft(Reorganization.objects.get(pk=reorganization.pk)) from exc
            raise
        answer = status.HTTP_200_OK if outcome.applied else status.HTTP_400_BAD_REQUEST
        return Response(outcome.as_dict(), status=answer)

    @extend_schema(
        request=None,
        responses={200: ReorganizationSerializer, 403: DENIED, 404: MISSING, 409: CONFLICT},
        summary="Discard the draft",
    )
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        reorganization = self._writable()
        try:
            reorganization = draft_discard(reorganization, by=request.user, request=request)
        except DjangoValidationError as exc:
            if getattr(exc, "code", None) == "not_draft":
                raise _not_draft(Reorganization.objects.get(pk=reorganization.pk)) from exc
            raise
        return Response(ReorganizationSerializer(reorganization).data)


# --- reading a plan --------------------------------------------------------------------------------

_OPERATION_KEYS = frozenset(plans.ROW_KEYS)


def _plan_from_body(data) -> tuple[plans.Decision, list[plans.Row]]:
    """The decision and rows of a JSON body, or Invalid with every problem."""
    problems: list[Issue] = []
    values = {}
    for column, parser in DecisionSerializer().fields.items():
        try:
            values[column] = parser.run_validation(data.get(column, empty))
        except SkipField:
            values[column] = None
        except serializers.ValidationError as exc:
            values[column] = None
            for error in exc.detail:
                problems.append(Issue(getattr(error, "code", None) or "invalid_value", str(error), column=column))
    decision, issues = plans.decision_from(
        number=str(values.get("decision_number") or ""),
        date=values.get("decision_date"),
        effective_on=values.get("effective_on"),
        reason=str(values.get("reason") or ""),
    )
    problems += [issue for issue in issues if not any(p.column == issue.column for p in problems)]
    operations = data.get("operations")
    rows = []
    if not isinstance(operations, list) or not operations:
        problems.append(Issue("empty_plan", _("Give the plan's operations: a list of rows."), column="operations"))
        operations = []
    elif len(operations) > plans.MAX_ROWS:
        problems.append(
            Issue("too_many_rows", _("A plan has at most %(n)s operations.") % {"n": plans.MAX_ROWS},
                  column="operations")
        )  # fmt: skip
        operations = []
    for number, operation in enumerate(operations, start=1):
        if not isinstance(operation, dict):
            problems.append(Issue("invalid_value", _("Each operation is an object of the plan's keys."), row=number))
            continue
        for key in sorted(set(operation) - _OPERATION_KEYS):
            problems.append(
                Issue("unknown_key", _("Not a key of a plan's row: %(key)s.") % {"key": key}, row=number, column=key)
            )
        for key in _OPERATION_KEYS & set(operation):
            value = operation[key]
            allowed = (str, list) if key == "members" else (str,)
            if value is not None and not isinstance(value, allowed):
                problems.append(Issue("invalid_value", _("Write this value as text."), row=number, column=key))
        if any(p.row == number for p in problems):
            continue
        row, issues = plans.row_from_dict(number, {k: operation.get(k) for k in plans.ROW_KEYS})
        problems.extend(issues)
        if row is not None:
            rows.append(row)
    if problems:
        raise Invalid(problems)
    return decision, rows


def _plan_from_file(upload) -> tuple[plans.Decision, list[plans.Row], str]:
    """The decision and rows of an uploaded plan file, or Invalid with every problem."""
    name = Path(upload.name or "plan").name
    with upload_on_disk(upload, "plan") as path:
        read = plans.read_plan(path, name)
    if read.errors:
        raise Invalid(read.errors)
    return read.decision, read.plan_rows, name


ROUTES = [("reorganizations", ReorganizationViewSet, "reorganization")]


def register(router) -> None:
    for prefix, viewset, basename in ROUTES:
        router.register(prefix, viewset, basename=basename)
