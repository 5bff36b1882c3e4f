"""The national report over the API (PRODUCT.md §6, §9): the country's achievement of the sum of
the federations' own targets and each open federation's own report, as the national dashboard
shows them (`reports.views.national`). For accounts that read every federation (the General
Confederation's viewer, a superuser); anyone else signed in gets 403.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.response import Response

from ..achievement import NATIONAL_CALENDAR, Structure, national_report, plain
from ..periods import default_as_of, default_year, report_year, year_period
from ..views.national import national_years
from .reports import AchievementRowSerializer, UnitAchievementSerializer, achievement_json


class NationalQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("Report year; default: the latest year with targets (not after the running one)"),
    )
    as_of = serializers.DateField(
        required=False,
        help_text=_("Figures up to this day (YYYY-MM-DD); default: today during the year, else the whole year"),
    )
    structure = serializers.ChoiceField(
        choices=Structure.choices, required=False, default=Structure.TODAY, help_text=_("Which structure to follow")
    )


class FederationAchievementSerializer(UnitAchievementSerializer):
    name = serializers.CharField(help_text=_("Federation name"))


class NationalSerializer(serializers.Serializer):
    unit = serializers.CharField(help_text=_('"VGCL": the whole country'))
    year = serializers.IntegerField()
    federations = serializers.IntegerField(help_text=_("Open federations"))
    achieved_or_exceeded = serializers.IntegerField()
    targets = serializers.IntegerField(help_text=_("National targets: the sums of the federations' own"))
    rows = AchievementRowSerializer(many=True)
    ranking = FederationAchievementSerializer(
        many=True, help_text=_("Every open federation's own report, best first by the share of targets achieved")
    )


class NationalViewSet(viewsets.ViewSet):
    """The whole country, computed in SQL (a fixed number of queries whatever the number of
    federations)."""

    @extend_schema(
        parameters=[NationalQuerySerializer],
        responses={200: NationalSerializer, 403: OpenApiResponse(description="Not an account above the federations")},
        summary="The country's achievement of the federations' summed targets, and each federation's",
        description=(
            "Rows as in the achievement report: numbers as strings without grouping. A national target is "
            "the sum of the federations' own targets (additive indicators; a rate has none nationally), a "
            "national rate is taken of the summed figures. `ranking` lists every open federation."
        ),
    )
    def list(self, request):
        if not request.user.reads_every_federation:
            raise exceptions.PermissionDenied
        query = NationalQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        today = timezone.localdate()
        as_of, year = params.get("as_of"), params.get("year")
        if year is None:
            year = (
                report_year(NATIONAL_CALENDAR, as_of)
                if as_of
                else default_year(NATIONAL_CALENDAR, national_years(), today)
            )
        if as_of is None:
            as_of = default_as_of(NATIONAL_CALENDAR, year, today)
        elif as_of < year_period(NATIONAL_CALENDAR, year).start:
            raise exceptions.ValidationError(
                {"as_of": [_("This day comes before the report year %(year)s starts.") % {"year": year}]}
            )
        national = national_report(year=year, as_of=as_of, structure=params["structure"])
        data = achievement_json(national.report)
        rows = national.shown  # the rates some federation has a target on too, without a national one
        data["rows"] = [{**row.as_json(), "expected": plain(row.expected), "on_track": row.on_track} for row in rows]
        data["federations"] = len(national.federations)
        ranked = sorted(
            national.federations,
            key=lambda r: (-(r.achieved_or_exceeded / r.targets if r.targets else -1), r.federation.name),
        )
        data["ranking"] = [{**achievement_json(r), "name": r.federation.name} for r in ranked]
        return Response(data)


# (prefix, viewset, basename) registered on the API router
ROUTES = [("reports/national", NationalViewSet, "report-national")]
