from drf_spectacular.authentication import SessionScheme
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


class SessionSubclassScheme(SessionScheme):
    """Session authentication's subclasses (the one that waits for the second factor) are the
    same cookieAuth in the schema."""

    match_subclasses = True
    priority = -2


# --- the errors every operation may answer (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) -------------

ERROR_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
ERROR_RESPONSES = {
    "400": "Refused: the messages say what is wrong (by field for a body); nothing was written",
    "401": "No valid credentials: send `Authorization: Token <key>` or sign in",
    "403": "The caller's role may not do this, or may see the object but not change it",
    "404": "No such object among those the caller may see (or no such page or format)",
    "414": "The query string is longer than the server takes (gunicorn: a 4 KB request line)",
}


def document_error_responses(result, generator, request, public):
    """Every operation documents the errors it may answer, unless its own `extend_schema` says
    more: 401 and 403 everywhere; 404 where the path names an object or the query a page or a
    format; 400 for every write and every query with parameters; 414 for a query too long."""
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorDetail"] = ERROR_DETAIL
    detail = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorDetail"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            codes = ["401", "403"]
            query = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
            # A path naming an object, a page past the last one, a format no renderer has.
            if "{" in path or query & {"page", "format"}:
                codes.append("404")
            if method != "get" or query:  # a write may be refused, with or without a body
                codes.append("400")
            if query:
                codes.append("414")
            for parameter in operation.get("parameters", []):
                # An id the URL takes as digits only (`lookup_value_regex`): an integer, not below 0.
                if parameter.get("in") == "path" and parameter["schema"].get("pattern") == "^[0-9]+$":
                    parameter["schema"] = {"type": "integer", "minimum": 0}
            responses = operation.setdefault("responses", {})
            for code in codes:
                if code not in responses:
                    responses[code] = {"description": ERROR_RESPONSES[code]}
                    if code not in ("400", "414"):
                        responses[code]["content"] = detail
    return result
