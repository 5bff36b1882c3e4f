from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, viewsets

from federation.models import Cap, Federation
from federation.text import fold

from . import selectors, services
from .models import GRASSROOTS_KINDS, SUPERIOR_KINDS, Level, Union


class UnionSerializer(serializers.ModelSerializer):
    federation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    parent = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Union.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("Code of the direct-superior union; empty for a unit directly under the federation."),
    )
    ward_name = serializers.CharField(read_only=True)

    class Meta:
        model = Union
        fields = [
            "id",
            "federation",
            "code",
            "name",
            "level",
            "kind",
            "sector",
            "parent",
            "tax_code",
            "worker_count",
            "ward_code",
            "ward_name",
            "address",
            "established_on",
            "closed_on",
            "status",
        ]
        read_only_fields = ["closed_on", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            federation = self.context.get("federation")
            if federation is not None:
                self.fields["parent"].queryset = selectors.parent_choices_for_user(request.user, federation)
        if self.instance is not None and not isinstance(self.instance, list):
            # Place in the tree and level change only through reorganization.
            self.fields["parent"].read_only = True
            self.fields["level"].read_only = True

    def validate(self, attrs):
        level = attrs.get("level") or getattr(self.instance, "level", None)
        kind = attrs.get("kind") or getattr(self.instance, "kind", None)
        sector = attrs.get("sector", getattr(self.instance, "sector", ""))
        errors = {}
        if level == Level.SUPERIOR and kind not in SUPERIOR_KINDS:
            errors["kind"] = _("This kind is for grassroots unions.")
        if level == Level.GRASSROOTS and kind not in GRASSROOTS_KINDS:
            errors["kind"] = _("This kind is for direct-superior unions.")
        if level == Level.GRASSROOTS and not sector:
            errors["sector"] = _("Choose the sector of a grassroots union.")
        if level == Level.SUPERIOR and sector:
            errors["sector"] = _("A direct-superior union has no sector.")
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class UnionFilter(filters.FilterSet):
    under = filters.CharFilter(
        method="filter_under", label=_("Code of a unit (or of the federation): its whole subtree")
    )
    federation = filters.CharFilter(field_name="federation__code", label=_("Federation code"))
    parent = filters.CharFilter(field_name="parent__code", label=_("Code of the direct superior"))
    q = filters.CharFilter(method="filter_q", label=_("Code or name, without diacritics"))
    code = filters.CharFilter(field_name="code", lookup_expr="iexact")

    class Meta:
        model = Union
        fields = ["level", "kind", "sector", "status", "code"]

    def filter_q(self, queryset, name, value):
        for word in fold(value).split():
            queryset = queryset.filter(search_text__contains=word)
        return queryset

    def filter_under(self, queryset, name, value):
        path = selectors.get_scope_path_for_code(
            self.request.user, value, federation_code=self.data.get("federation", "")
        )
        return queryset.filter(path__startswith=path)


@extend_schema_view(
    list=extend_schema(summary="Units visible to the caller (filter ?under=CODE for a subtree)"),
    partial_update=extend_schema(summary="Change a unit's data (not its place in the tree)"),
)
class UnionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Direct-superior and grassroots unions. Nothing is deleted: units are closed by a
    reorganization."""

    serializer_class = UnionSerializer
    filterset_class = UnionFilter
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def get_queryset(self):
        return (
            Union.objects.visible_to(self.request.user)
            .select_related("federation", "parent")
            .order_by("federation_id", "search_text")
        )

    def _federation(self):
        user = self.request.user
        if user.federation_id:
            return user.federation
        code = self.request.data.get("federation") if hasattr(self.request, "data") else None
        federation = Federation.objects.visible_to(user).filter(code=code).first() if code else None
        if federation is None and self.action == "create":
            raise serializers.ValidationError({"federation": [_("Give the federation's code.")]})
        return federation

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        if self.action == "create" and self.request.user.is_authenticated:
            ctx["federation"] = self._federation()
        return ctx

    def perform_create(self, serializer):
        user = self.request.user
        if not user.can(Cap.MANAGE_STRUCTURE):
            raise exceptions.PermissionDenied
        federation = serializer.context["federation"]
        data = dict(serializer.validated_data)
        parent = data.pop("parent", None)
        if parent is None and not selectors.can_create_at_top(user, federation):
            raise serializers.ValidationError({"parent": [_("Choose the direct superior.")]})
        try:
            serializer.instance = services.union_create(
                federation=federation, parent=parent, by=user, request=self.request, **data
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc

    def create(self, request, *args, **kwargs):
        if not request.user.can(Cap.MANAGE_STRUCTURE):
            raise exceptions.PermissionDenied
        return super().create(request, *args, **kwargs)

    def perform_update(self, serializer):
        union = serializer.instance
        if not selectors.can_edit_union(self.request.user, union):
            raise exceptions.PermissionDenied
        data = {k: v for k, v in serializer.validated_data.items() if k in services.EDITABLE_FIELDS}
        try:
            serializer.instance = services.union_update(union=union, by=self.request.user, request=self.request, **data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc

    def update(self, request, *args, **kwargs):
        union = self.get_object()
        if not selectors.can_edit_union(request.user, union):
            raise exceptions.PermissionDenied
        return super().update(request, *args, **kwargs)
