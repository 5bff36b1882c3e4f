"""Reports over the API (PRODUCT.md §6, §9): a unit's achievement of its targets (the JSON of
`manage.py achievement`, with each row's target to date and whether it is on track, and the
same for each unit one level below on request) and the completeness of a quarter's returns.

A unit is named by its code (a union's, or the federation's own); one outside the caller's
subtree answers 404 as if it did not exist. Wrong parameters answer 400 saying what is wrong.
"""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from federation.models import Cap, Federation
from unions.models import Union

from ..achievement import Report, Structure, plain, tree_report
from ..completeness import completeness
from ..periods import default_as_of, default_year, latest_due_quarter, report_year, year_period
from ..targets import target_years

# --- parameters ----------------------------------------------------------------------------------


class UnitQuerySerializer(serializers.Serializer):
    unit = serializers.CharField(
        required=False, help_text=_("Code of a union, or of the federation itself; default: the caller's own unit")
    )
    year = serializers.IntegerField(
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("Report year; default: the latest year with targets (not after the running one)"),
    )


class AchievementQuerySerializer(UnitQuerySerializer):
    as_of = serializers.DateField(
        required=False,
        help_text=_("Figures up to this day (YYYY-MM-DD); default: today during the year, else the whole year"),
    )
    structure = serializers.ChoiceField(
        choices=Structure.choices, required=False, default=Structure.TODAY, help_text=_("Which structure to follow")
    )
    children = serializers.BooleanField(
        required=False, default=False, help_text=_("Also report each unit one level below")
    )


class CompletenessQuerySerializer(UnitQuerySerializer):
    quarter = serializers.IntegerField(
        required=False, min_value=1, max_value=4, help_text=_("Quarter (1-4); default: the latest one that has ended")
    )


# --- answers (for the schema: the bodies are built from the reports themselves) -----------------


class AchievementRowSerializer(serializers.Serializer):
    indicator = serializers.CharField(help_text=_("Indicator code"))
    target = serializers.CharField(help_text=_("Target, a number as a string without grouping"))
    actual = serializers.CharField()
    percent = serializers.CharField(allow_null=True, help_text=_("actual ÷ target × 100, two decimals half-up"))
    rating = serializers.ChoiceField(choices=["exceeded", "achieved", "not_achieved"], allow_null=True)
    expected = serializers.CharField(allow_null=True, help_text=_("Target to date, pro-rated by elapsed quarters"))
    on_track = serializers.BooleanField(allow_null=True)


class UnitAchievementSerializer(serializers.Serializer):
    unit = serializers.CharField(help_text=_("Unit code"))
    year = serializers.IntegerField()
    achieved_or_exceeded = serializers.IntegerField()
    targets = serializers.IntegerField()
    rows = AchievementRowSerializer(many=True)


class AchievementSerializer(UnitAchievementSerializer):
    children = UnitAchievementSerializer(many=True, required=False, help_text=_("With children=1 only"))


class TallySerializer(serializers.Serializer):
    owing = serializers.IntegerField(help_text=_("Grassroots unions that owe the return"))
    reported = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    approved = serializers.IntegerField(help_text=_("Approved or locked"))
    not_reported = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text=_("Not reported and past the deadline"))
    rate = serializers.CharField(allow_null=True, help_text=_("reported ÷ owing × 100"))
    on_time_rate = serializers.CharField(allow_null=True)


class StandingSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    standing = serializers.ChoiceField(choices=["on_time", "late", "missing", "overdue"])
    status = serializers.CharField(allow_null=True, help_text=_("The return's status; null when there is none"))
    first_submitted_at = serializers.DateTimeField(allow_null=True)


class CompletenessSerializer(serializers.Serializer):
    unit = serializers.CharField()
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    deadline = serializers.DateField()
    tallies = TallySerializer()
    not_reported = StandingSerializer(many=True)
    late = StandingSerializer(many=True)


# --- helpers -------------------------------------------------------------------------------------


def _unit(user, code: str | None) -> tuple[Federation, Union | None]:
    """The unit named by `code` (the caller's own without one): (federation, union or None for
    the federation itself). 404 alike for an unknown code, one outside the caller's subtree and
    one that names units in several federations."""
    if not user.can(Cap.VIEW_REPORTS):
        raise exceptions.PermissionDenied
    if not code:
        if user.union_id:
            union = Union.objects.select_related("federation").get(pk=user.union_id)
            return union.federation, union
        if user.federation_id:
            return user.federation, None
        raise exceptions.ValidationError({"unit": [_("Give the unit's code.")]})
    code = code.strip().upper()
    federation = Federation.objects.reported_to(user).filter(code__iexact=code).first()
    if federation is not None:
        return federation, None
    matches = list(Union.objects.reported_to(user).filter(code=code).select_related("federation")[:2])
    if len(matches) != 1:
        raise Http404
    return matches[0].federation, matches[0]


def _query(serializer_class, request) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def achievement_json(report: Report) -> dict:
    """`Report.as_json()` (the command line's shape) with each row's target to date and whether
    the unit is on track."""
    data = report.as_json()
    for row_data, row in zip(data["rows"], report.targeted, strict=True):
        row_data["expected"] = plain(row.expected)
        row_data["on_track"] = row.on_track
    return data


def _standing(unit) -> dict:
    return {
        "code": unit.code,
        "name": unit.name,
        "standing": unit.standing,
        "status": unit.status,
        "first_submitted_at": unit.first_submitted_at,
    }


# --- the resource --------------------------------------------------------------------------------


UNIT_MISSING = OpenApiResponse(description="No such unit among those the caller may see")


class ReportViewSet(viewsets.ViewSet):
    """Reports on a unit of the caller's subtree, computed in SQL (a fixed number of queries)."""

    @extend_schema(
        parameters=[AchievementQuerySerializer],
        responses={200: AchievementSerializer, 404: UNIT_MISSING},
        summary="A unit's achievement of its targets for a year (and its children's with children=1)",
        description=(
            "The JSON of `manage.py achievement --json`, each row with `expected` (the target to date, "
            "pro-rated by elapsed quarters for flows) and `on_track`; with `children=1`, the same for each "
            "unit one level below. A unit outside the caller's subtree answers 404."
        ),
    )
    @action(detail=False, methods=["get"])
    def achievement(self, request):
        params = _query(AchievementQuerySerializer, request)
        federation, union = _unit(request.user, params.get("unit"))
        today = timezone.localdate()
        as_of = params.get("as_of")
        year = params.get("year")
        if year is None:
            year = (
                report_year(federation, as_of)
                if as_of
                else default_year(federation, target_years(federation, union), today)
            )
        if as_of is None:
            as_of = default_as_of(federation, year, today)
        elif as_of < year_period(federation, year).start:
            raise exceptions.ValidationError(
                {"as_of": [_("This day comes before the report year %(year)s starts.") % {"year": year}]}
            )
        tree = tree_report(
            federation=federation,
            union=union,
            year=year,
            as_of=as_of,
            structure=params["structure"],
            children=params["children"],
        )
        data = achievement_json(tree.report)
        if params["children"]:
            data["children"] = [achievement_json(report) for _union, report in tree.children]
        return Response(data)

    @extend_schema(
        parameters=[CompletenessQuerySerializer],
        responses={200: CompletenessSerializer, 404: UNIT_MISSING},
        summary="Who owes a quarter's return under a unit, who reported (on time or late) and who did not",
        description=(
            "Tallies of the grassroots unions under the unit that owe the quarter's return, and the lists of "
            "those that have not reported and those that reported late. A unit outside the caller's subtree "
            "answers 404."
        ),
    )
    @action(detail=False, methods=["get"])
    def completeness(self, request):
        params = _query(CompletenessQuerySerializer, request)
        federation, union = _unit(request.user, params.get("unit"))
        today = timezone.localdate()
        year, quarter = params.get("year"), params.get("quarter")
        if year is None:
            due_year, due_quarter = latest_due_quarter(federation, today)
            year, quarter = due_year, quarter or due_quarter
        elif quarter is None:
            due_year, due_quarter = latest_due_quarter(federation, min(today, year_period(federation, year).end))
            quarter = due_quarter if due_year == year else 1
        result = completeness(
            federation, path=union.path if union else federation.path, year=year, quarter=quarter, today=today
        )
        total = result.total
        return Response(
            {
                "unit": (union or federation).code,
                "year": year,
                "quarter": quarter,
                "deadline": result.deadline.isoformat(),
                "tallies": {
                    "owing": total.owing,
                    "reported": total.reported,
                    "on_time": total.on_time,
                    "late": total.late,
                    "approved": total.approved,
                    "not_reported": total.not_reported,
                    "overdue": total.overdue,
                    "rate": None if total.rate is None else str(total.rate),
                    "on_time_rate": None if total.on_time_rate is None else str(total.on_time_rate),
                },
                "not_reported": [_standing(u) for u in result.not_reported()],
                "late": [_standing(u) for u in result.late()],
            }
        )


# (prefix, viewset, basename) registered on the API router
ROUTES = [("reports", ReportViewSet, "report")]
