"""The three reorganizations of 2025 on the province demo, from the plan files in docs/plans/,
run through `manage.py reorganize` as an operator would: the agencies (March), the provincial
merger (Phú Yên into Đắk Lắk, 1 July) and the end of the district federations (1 July).
Nothing is lost, and the 2024 report reads the same federation total by both structures."""

import contextlib
import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Sum

from federation import demo
from members.models import Member, MemberStatus, Movement
from reports.achievement import tree_report
from reports.measures import actuals
from reports.models import Indicator, Target
from reports.periods import year_period
from unions.models import Level, Lineage, Status, Union
from welfare.models import Activity, Fund, Shelter

PLANS = Path(settings.BASE_DIR) / "docs" / "plans"
ADDITIVE = ("count", "stock", "net_change", "money")


def reorganize(plan: str, *extra) -> dict:
    out = StringIO()
    with contextlib.suppress(CommandError):  # a plan with errors: the JSON says which
        call_command("reorganize", str(PLANS / plan), "--federation", "LDLD-DLK", "--json", *extra, stdout=out)
    return json.loads(out.getvalue())


def totals(federations) -> dict:
    return {
        "members": Member.objects.filter(federation__in=federations, status=MemberStatus.ACTIVE).count(),
        "on_file": Member.objects.filter(federation__in=federations).count(),
        "movements": Movement.objects.filter(member__federation__in=federations).count(),
        "activities": Activity.objects.filter(federation__in=federations).count(),
        "money": Activity.objects.filter(federation__in=federations).aggregate(s=Sum("amount_union_funds"))["s"],
        "shelters": Shelter.objects.filter(federation__in=federations).count(),
        "funds": Fund.objects.filter(federation__in=federations).aggregate(s=Sum("balance"))["s"],
    }


def target_total(federations):
    return Target.objects.filter(federation__in=federations, union__isnull=True).aggregate(s=Sum("value"))["s"]


def report_2024(federation, structure_on=None) -> dict:
    indicators = list(Indicator.objects.filter(source="records", measure__in=ADDITIVE))
    period = year_period(federation, 2024)
    return actuals(indicators, path=federation.path, period=period, structure_on=structure_on).values()


@pytest.mark.slow
def test_the_three_2025_reorganizations_on_the_province_demo(db):
    main = demo.load_demo(scale="province", password="Demo-pass-2026").federation
    neighbour = demo.load_demo(scale="small", which=demo.NEIGHBOUR).federation
    both = [main, neighbour]
    before = totals(both)
    targets_before = target_total(both)
    admitted_target = {
        f.code: Target.objects.get(federation=f, union=None, year=2024, indicator__code="members_admitted").value
        for f in both
    }
    separately = {code: report_2024(f) | {} for code, f in (("main", main), ("neighbour", neighbour))}
    end_2024 = datetime.date(2024, 12, 31)

    # 1. March 2025: the Education, Health and Civil Servants unions dissolved into the People's
    # Committee union, their grassroots unions with them. A preview first: nothing changes.
    units_under_n = Union.objects.filter(parent__code__in=["N01", "N02", "N03"], parent__federation=main)
    moving = units_under_n.filter(status=Status.ACTIVE).count()
    preview = reorganize("1-agencies-2025-03.csv", "--dry-run")
    assert preview["status"] == "valid", preview["errors"]
    assert sum(len(s["units"]) for s in preview["steps"]) == moving > 100
    assert Union.objects.get(federation=main, code="N01").status == Status.ACTIVE
    applied = reorganize("1-agencies-2025-03.csv")
    assert applied["status"] == "applied"
    assert [s["units"] for s in applied["steps"]] == [s["units"] for s in preview["steps"]]
    assert set(Union.objects.filter(federation=main, code__in=["N01", "N02", "N03"]).values_list("status", flat=True))
    assert not Union.objects.filter(federation=main, code__in=["N01", "N02", "N03"], status=Status.ACTIVE).exists()
    c02 = Union.objects.get(federation=main, code="C02")
    assert c02.children.filter(status=Status.ACTIVE).count() >= moving

    # 2. 1 July 2025: Phú Yên's federation merged into Đắk Lắk's; colliding codes renamed.
    merged = reorganize("2-merger-2025-07.csv")
    assert merged["status"] == "applied", merged["errors"]
    renamed = {r["from"]: r["to"] for r in merged["steps"][0]["renamed"] if r["from"] in ("H01", "CS0001")}
    assert renamed == {"H01": "PYN-H01", "CS0001": "PYN-CS0001"}
    neighbour.refresh_from_db()
    assert neighbour.merged_into == main and neighbour.closed_on == datetime.date(2025, 7, 1)
    assert totals([main]) == before

    # 3. 1 July 2025: the district federations end; their grassroots unions go to regional unions.
    districts = reorganize("3-districts-2025-07.csv")
    assert districts["status"] == "applied", districts["errors"]
    assert not Union.objects.filter(federation=main, kind="district_federation", status=Status.ACTIVE).exists()
    regional = Union.objects.filter(federation=main, kind="regional_union")
    assert regional.count() == 3 and all(r.children.filter(status=Status.ACTIVE).exists() for r in regional)
    officer = Union.objects.get(federation=main, code="KV01")
    assert officer.path and Lineage.objects.filter(union__code="H01", successor=officer).exists()

    # Nothing lost: members, movements, welfare, money, targets.
    assert totals([main]) == before
    assert target_total(both) == targets_before  # 2024's, kept where they were set
    assert Member.objects.filter(union__status=Status.CLOSED, status=MemberStatus.ACTIVE).count() == 0
    assert not Movement.objects.filter(reorganization__isnull=False, kind="admitted").exists()
    assert Union.objects.filter(federation=neighbour).count() == 0

    # The 2024 report: by today's structure and as it stood at the end of 2024, the same total,
    # which is the two federations' own 2024 figures added up.
    today = report_2024(main)
    stood = report_2024(main, structure_on=end_2024)
    assert today == stood
    for code, value in today.items():
        assert value == separately["main"][code] + separately["neighbour"][code], code
    # As it stood, the districts are still there; by today's structure, the regional unions.
    as_it_stood = tree_report(federation=main, year=2024, structure="period_end")
    by_today = tree_report(federation=main, year=2024)
    stood_codes = {getattr(unit, "code", None) for unit, _r in as_it_stood.children}
    today_codes = {getattr(unit, "code", None) for unit, _r in by_today.children}
    assert {"H01", "N01"} <= stood_codes and "KV01" not in stood_codes
    assert {"KV01", "KV02", "KV03"} <= today_codes
    for report in (as_it_stood.report, by_today.report):
        row = report.row("members_admitted")
        assert row.actual == by_today.report.row("members_admitted").actual
        # the merged federation's 2024 target counts with the receiving one's
        assert row.target.value == sum(admitted_target.values())
    assert Union.objects.filter(federation=main, level=Level.SUPERIOR, status=Status.ACTIVE).count() < 15
