from rest_framework import mixins, serializers, viewsets

from .models import Federation


class FederationSerializer(serializers.ModelSerializer):
    province_name = serializers.CharField(read_only=True)

    class Meta:
        model = Federation
        fields = [
            "id",
            "code",
            "name",
            "province_code",
            "province_name",
            "year_start_month",
            "year_start_day",
            "closed_on",
        ]


class FederationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Federations the caller belongs to (every federation for a superuser)."""

    serializer_class = FederationSerializer
    filterset_fields = ["code", "province_code"]

    def get_queryset(self):
        return Federation.objects.visible_to(self.request.user).order_by("name")
