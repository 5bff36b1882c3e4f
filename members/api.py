from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from federation.models import AuditLog, Cap
from federation.services import audit_access
from federation.text import fold
from unions.models import Level, Union
from unions.selectors import get_scope_path_for_code

from . import services, validation
from .models import LeaveReason, Member, MemberImport, Movement, MovementKind
from .selectors import find_member_by_citizen_id, get_member_for_user

PERSONAL_FIELDS = (
    "date_of_birth",
    "ethnicity",
    "religion",
    "is_party_member",
    "phone",
    "email",
    "address",
    "party_introduced_on",
    "party_admitted_on",
)


def as_api_error(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(serializers.as_serializer_error(exc))


class MemberSerializer(serializers.ModelSerializer):
    union = serializers.SlugRelatedField(slug_field="code", queryset=Union.objects.none())

    class Meta:
        model = Member
        fields = [
            "id", "union", "full_name", "gender", "date_of_birth", "citizen_id", "joined_on", "ethnicity",
            "religion", "job_title", "union_position", "is_party_member", "phone", "email", "member_code",
            "address", "status", "left_on", "party_introduced_on", "party_admitted_on",
        ]  # fmt: skip
        read_only_fields = ["status", "left_on", "party_introduced_on", "party_admitted_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.fields["union"].queryset = Union.objects.visible_to(user).filter(level=Level.GRASSROOTS).active()
            if not user.can(Cap.VIEW_PERSONAL_DATA):
                # Roles that do not keep rolls see no personal data and a masked citizen ID (§1).
                for name in PERSONAL_FIELDS:
                    self.fields.pop(name, None)
                self.fields["citizen_id"] = serializers.CharField(source="masked_citizen_id", read_only=True)
        if self.instance is not None and not isinstance(self.instance, list):
            self.fields["union"].read_only = True  # a member changes union by a transfer


class MemberSerializerSchema(OpenApiSerializerExtension):
    """In the schema, a member's personal fields are not required in answers: the roles that do
    not keep rolls get them left out."""

    target_class = MemberSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "response":
            schema["required"] = [name for name in schema.get("required", []) if name not in PERSONAL_FIELDS]
        return schema


class MemberFilter(filters.FilterSet):
    union = filters.CharFilter(field_name="union__code", label=_("Grassroots union code"))
    under = filters.CharFilter(method="filter_under", label=_("Code of a unit: members of its whole subtree"))
    q = filters.CharFilter(method="filter_q", label=_("Name without diacritics"))
    # No citizen ID filter: an ID in an address stays in logs and histories (POST lookup/ instead).

    class Meta:
        model = Member
        fields = ["gender", "status", "is_party_member", "member_code"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is None or not user.can(Cap.VIEW_PERSONAL_DATA):
            # Filtering by Party membership would tell what the serializer leaves out.
            self.filters.pop("is_party_member", None)

    def filter_q(self, queryset, name, value):
        for word in fold(value).split():
            queryset = queryset.filter(search_text__contains=word)
        return queryset

    def filter_under(self, queryset, name, value):
        path = get_scope_path_for_code(self.request.user, value)
        return queryset.filter(union__path__startswith=path)


class LeaveSerializer(serializers.Serializer):
    date = serializers.DateField()
    reason = serializers.ChoiceField(choices=LeaveReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)


class DateSerializer(serializers.Serializer):
    date = serializers.DateField()


class LookupSerializer(serializers.Serializer):
    citizen_id = serializers.CharField(max_length=20, help_text=_("12 digits; spaces and dots are ignored"))

    def validate_citizen_id(self, value):
        try:
            return validation.parse_citizen_id(value)[0]
        except validation.Invalid as exc:
            raise serializers.ValidationError(exc.message, code=exc.code) from None


class TransferSerializer(serializers.Serializer):
    to_union = serializers.SlugRelatedField(slug_field="code", queryset=Union.objects.none())
    effective_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)

    def __init__(self, *args, federation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if federation is not None:
            self.fields["to_union"].queryset = Union.objects.filter(federation=federation, level=Level.GRASSROOTS)


@extend_schema_view(
    list=extend_schema(summary="Members visible to the caller (personal data only for roles that keep rolls)"),
    create=extend_schema(summary="Admit a member to a grassroots union"),
)
class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = MemberSerializer
    lookup_value_regex = "[0-9]+"  # the selectors look the id up as given: anything else is 404
    filterset_class = MemberFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Member.objects.visible_to(self.request.user).select_related("union").order_by("sort_name", "pk")

    def retrieve(self, request, *args, **kwargs):
        member = self.get_object()
        if request.user.can(Cap.VIEW_PERSONAL_DATA):
            audit_access(request, AuditLog.Action.VIEW, member)
        return Response(self.get_serializer(member).data)

    def _require_manage(self):
        if not self.request.user.can(Cap.MANAGE_MEMBERS):
            raise exceptions.PermissionDenied

    def create(self, request, *args, **kwargs):
        self._require_manage()
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        try:
            serializer.instance = services.member_admit(
                union=data.pop("union"), by=self.request.user, request=self.request, **data
            )
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc

    def update(self, request, *args, **kwargs):
        self.get_object()
        self._require_manage()
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k in services.MEMBER_EDITABLE}
        try:
            serializer.instance = services.member_update(
                member=serializer.instance, by=self.request.user, request=self.request, **data
            )
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc

    def _act(self, request, pk, serializer_class, run, **serializer_kwargs):
        member = get_member_for_user(request.user, pk)
        self._require_manage()
        payload = serializer_class(data=request.data, **serializer_kwargs)
        payload.is_valid(raise_exception=True)
        try:
            result = run(member, payload.validated_data)
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return result

    @extend_schema(
        request=LookupSerializer,
        responses={
            200: MemberSerializer,
            400: OpenApiResponse(description="not a citizen ID"),
            403: OpenApiResponse(description="the caller's role does not see citizen IDs"),
            404: OpenApiResponse(description="no member with this citizen ID on the rolls the caller may see"),
        },
        summary="Find a member by citizen ID (posted, so the number stays out of addresses and logs)",
    )
    @action(detail=False, methods=["post"])
    def lookup(self, request):
        if not request.user.can(Cap.VIEW_PERSONAL_DATA):
            raise exceptions.PermissionDenied
        payload = LookupSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        member = find_member_by_citizen_id(request.user, payload.validated_data["citizen_id"])
        audit_access(request, AuditLog.Action.SEARCH, Member, {"results": int(member is not None), "where": "api"})
        if member is None:
            raise exceptions.NotFound(_("No member with this citizen ID in your scope."))
        return Response(MemberSerializer(member, context={"request": request}).data)

    @extend_schema(request=LeaveSerializer, responses=MemberSerializer, summary="Record that the member left")
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        member = self._act(
            request,
            pk,
            LeaveSerializer,
            lambda m, d: services.member_leave(
                member=m, on=d["date"], reason=d["reason"], note=d.get("note", ""), by=request.user, request=request
            ),
        )
        return Response(MemberSerializer(member, context={"request": request}).data)

    @extend_schema(request=DateSerializer, responses=MemberSerializer, summary="Record the member's death")
    @action(detail=True, methods=["post"])
    def decease(self, request, pk=None):
        member = self._act(
            request,
            pk,
            DateSerializer,
            lambda m, d: services.member_decease(member=m, on=d["date"], by=request.user, request=request),
        )
        return Response(MemberSerializer(member, context={"request": request}).data)

    @extend_schema(
        request=TransferSerializer,
        responses={201: OpenApiResponse(description="transfer requested")},
        summary="Ask another grassroots union to take the member",
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        member = get_member_for_user(request.user, pk)
        transfer = self._act(
            request,
            pk,
            TransferSerializer,
            lambda m, d: services.transfer_request(
                member=m,
                to_union=d["to_union"],
                effective_on=d["effective_on"],
                note=d.get("note", ""),
                by=request.user,
                request=request,
            ),
            federation=member.federation,
        )
        return Response({"id": transfer.pk, "status": transfer.status}, status=status.HTTP_201_CREATED)


class MovementSerializer(serializers.ModelSerializer):
    union = serializers.SlugRelatedField(slug_field="code", read_only=True)
    other_union = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    reorganization = serializers.SlugRelatedField(
        slug_field="decision_number",
        read_only=True,
        allow_null=True,
        help_text=_("The decision of the reorganization that made this transfer (empty for the others)."),
    )

    class Meta:
        model = Movement
        fields = ["id", "member", "union", "kind", "date", "reason", "other_union", "note", "reorganization"]


class MovementFilter(filters.FilterSet):
    union = filters.CharFilter(field_name="union__code")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")
    kind = filters.ChoiceFilter(choices=MovementKind.choices)
    by_reorganization = filters.BooleanFilter(
        field_name="reorganization", lookup_expr="isnull", exclude=True, label=_("Made by a reorganization")
    )

    class Meta:
        model = Movement
        fields = ["member", "kind"]


class MovementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Movements of the rolls the caller may see (read-only: they are made by the member actions)."""

    serializer_class = MovementSerializer
    filterset_class = MovementFilter

    def get_queryset(self):
        return (
            Movement.objects.visible_to(self.request.user)
            .select_related("union", "other_union", "reorganization")
            .order_by("-date", "-pk")
        )


class ImportSerializer(serializers.ModelSerializer):
    union = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    result = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = MemberImport
        fields = [
            "id",
            "url",
            "filename",
            "sha256",
            "size",
            "union",
            "dry_run",
            "status",
            "progress",
            "uploaded_at",
            "finished_at",
            "result",
        ]

    def get_result(self, obj) -> dict:
        return services.import_result(obj)

    def get_url(self, obj) -> str:
        return reverse("memberimport-detail", args=[obj.pk])


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    union = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Code of the grassroots union every row goes to")
    )
    dry_run = serializers.BooleanField(required=False, default=False)


@extend_schema_view(
    create=extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            202: inline_serializer(
                "ImportAccepted",
                {"id": serializers.IntegerField(), "status": serializers.CharField(), "url": serializers.CharField()},
            ),
            404: OpenApiResponse(description="No such union among those the caller may see"),
        },
        summary="Upload a roll: answers 202 with the job; poll it for progress and the result",
    )
)
class ImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = ImportSerializer
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    def get_queryset(self):
        return MemberImport.objects.visible_to(self.request.user).select_related("union").order_by("-uploaded_at")

    def create(self, request, *args, **kwargs):
        user = request.user
        if not user.can(Cap.MANAGE_MEMBERS) or user.federation_id is None:
            raise exceptions.PermissionDenied
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        if file.size > settings.MEMBER_IMPORT["MAX_UPLOAD_BYTES"]:
            raise serializers.ValidationError(
                {
                    "file": [
                        {
                            "code": "file_too_large",
                            "message": str(
                                _("The file is larger than %(mb)s MB.")
                                % {"mb": settings.MEMBER_IMPORT["MAX_UPLOAD_BYTES"] // 1_000_000}
                            ),
                        }
                    ]
                }
            )
        union = None
        code = (upload.validated_data.get("union") or "").strip().upper()
        if code:
            union = Union.objects.visible_to(user).filter(code=code, level=Level.GRASSROOTS).first()
            if union is None:
                raise exceptions.NotFound(_("No unit with this code."))
        elif user.union_id and user.union.level == Level.GRASSROOTS:
            union = user.union
        batch = services.member_import_create(
            file=file,
            filename=file.name,
            federation=user.federation,
            scope_path=user.scope_path,
            union=union,
            dry_run=upload.validated_data["dry_run"],
            by=user,
            request=request,
        )
        services.member_import_enqueue(batch)
        return Response(
            {"id": batch.pk, "status": batch.status, "url": reverse("memberimport-detail", args=[batch.pk])},
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(request=None, responses=ImportSerializer, summary="Undo an import (federation staff)")
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        batch = self.get_object()
        if not request.user.can(Cap.UNDO_IMPORTS):
            raise exceptions.PermissionDenied
        try:
            batch = services.member_import_undo(batch=batch, by=request.user, request=request)
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return Response(ImportSerializer(batch, context={"request": request}).data)
