"""Pre-aggregated figures (reports/rollup.py): exactly the live figures for any period and
structure; actually read (a tampered row shows); stale, and read live, as soon as any write
touches a federation's members or movements — through services, bulk inserts, raw updates or a
federation merger — and fresh again after a refresh."""

import datetime
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from federation.models import User
from members import services as member_services
from members.models import Member, Movement, MovementKind
from reports import rollup
from reports.achievement import Structure, tree_report
from reports.measures import actuals, series
from reports.models import Indicator, Issuer, RollupDirty, RollupFigure, RollupState, Target
from reports.periods import Period
from unions.services import union_close, union_move

from ..factories import member

pytestmark = pytest.mark.django_db

D = datetime.date
ROLLED = ["members_admitted", "members_net_growth", "members_total", "members_female", "party_introduced",
          "party_admitted"]  # fmt: skip

PERIODS = [
    *(Period(D(y, 1, 1), D(y, 12, 31)) for y in (2018, 2019, 2020, 2023, 2024, 2025)),
    *(Period(D(2024, m, 1), D(2024, m + 2, 30 if m in (4, 7) else 31)) for m in (1, 4, 7, 10)),  # quarters
    Period(D(2024, 2, 1), D(2024, 2, 29)),  # a month
    Period(D(2024, 1, 1), D(2024, 11, 23)),  # the year to an odd as-of day
    Period(D(2024, 3, 15), D(2025, 2, 10)),  # starting and ending mid-month
    Period(D(2024, 6, 3), D(2024, 6, 20)),  # inside one month
    Period(D(2018, 6, 1), D(2021, 5, 31)),  # starting before ROLLUP_FROM
    Period(D(2019, 12, 15), D(2020, 1, 31)),  # across ROLLUP_FROM
    Period(D(2019, 7, 1), D(2019, 11, 30)),  # wholly before it
    Period(D(2024, 1, 1), D(2023, 12, 31)),  # cut before its start (as_of before the year)
]


@pytest.fixture(autouse=True)
def _rollup(settings):
    settings.REPORTS_ROLLUP = True
    settings.ROLLUP_FROM = "2020-01-01"


@pytest.fixture
def data(cast):
    """Members across 2016-2026 in every grassroots union of both federations: women and men,
    departures, transfers between unions, readmissions, deaths, Party dates; a district's unit
    moved in 2025 and a union emptied and closed in 2024 (for the structure as it stood)."""
    rng = random.Random(20241123)
    unions = [cast.a, cast.a2, cast.b, cast.e1, cast.g0, cast.x]
    people = []
    for i in range(42):
        union = unions[i % len(unions)]
        joined = D(2016, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 9))
        gender = rng.choice(["male", "female"])
        person = member(union, joined_on=joined, gender=gender)
        people.append(person)
        if rng.random() < 0.3:
            member_services.party_introduce(member=person, on=joined + datetime.timedelta(days=rng.randrange(30, 700)),
                                            by=None)  # fmt: skip
            if rng.random() < 0.6:
                person.refresh_from_db()
                member_services.party_admit(
                    member=person, on=person.party_introduced_on + datetime.timedelta(days=rng.randrange(1, 400)),
                    by=None,
                )  # fmt: skip
    for person in people:
        person.refresh_from_db()
        later = person.joined_on + datetime.timedelta(days=rng.randrange(10, 900))
        roll = rng.random()
        if later > D(2026, 6, 30):
            continue
        if roll < 0.15:
            member_services.member_leave(member=person, on=later, reason="resigned", by=None)
            if rng.random() < 0.5:
                member_services.member_readmit(member=person, union=person.union,
                                               on=later + datetime.timedelta(days=40), by=None)  # fmt: skip
        elif roll < 0.2:
            member_services.member_decease(member=person, on=later, by=None)
        elif roll < 0.35 and person.union != cast.x:
            to = cast.b if person.union != cast.b else cast.a2
            request = member_services.transfer_request(member=person, to_union=to, effective_on=later, by=None)
            member_services.transfer_accept(transfer=request, by=None)
    # G0 empties and closes in 2024; A2 moves from H01 to H02 in 2025
    for person in Member.objects.filter(union=cast.g0, status="active"):
        member_services.member_leave(member=person, on=max(D(2024, 5, 31), person.joined_on), reason="other", by=None)
    union_close(union=cast.g0, closed_on=D(2026, 7, 1), by=None)
    union_move(union=cast.a2, new_parent=cast.d2, effective_on=D(2025, 1, 1), by=None)
    for code in ROLLED:
        Target.objects.create(federation=cast.fed, indicator=Indicator.objects.get(code=code), year=2024, value=5,
                              issuer=Issuer.VGCL)  # fmt: skip
    return cast


def indicators():
    return list(Indicator.objects.filter(is_active=True))


def exact(values: dict) -> dict:
    """Values with their exact representation (120 and 120.00 differ on a page)."""
    return {key: str(value) for key, value in values.items()}


def figures(settings, scopes, periods, *, with_rollup: bool):
    settings.REPORTS_ROLLUP = with_rollup
    out = {}
    for path in scopes:
        for period in periods:
            for structure_on in (None, period.end):
                got = actuals(indicators(), path=path, period=period, structure_on=structure_on)
                out[(path, period, structure_on)] = (
                    exact(got.values()),
                    {child: exact(v) for child, v in got.by_child(path).items()},
                )
        months = [Period(D(2024, 1, 1), D(2024, m, 28 if m == 2 else 30)) for m in range(1, 13)]
        out[(path, "series")] = [exact(v) for v in series(indicators(), path=path, periods=months)]
        out[(path, "series-as-it-stood")] = [
            exact(v) for v in series(indicators(), path=path, periods=months, structure_on=D(2024, 12, 31))
        ]
    return out


def reports(settings, cast, as_ofs, *, with_rollup: bool):
    settings.REPORTS_ROLLUP = with_rollup
    out = {}
    for union in (None, cast.d1, cast.d2):
        for as_of in as_ofs:
            for structure in Structure.values:
                tree = tree_report(federation=cast.fed, union=union, year=2024, as_of=as_of, structure=structure)
                out[(union and union.code, as_of, structure)] = (
                    tree.report.as_json(),
                    [
                        (child.code, report.as_json(), [str(r.actual) for r in report.rows])
                        for child, report in tree.children
                    ],  # fmt: skip
                    [(r.indicator.code, str(r.actual), str(r.expected), r.on_track) for r in tree.report.rows],
                )
    return out


def assert_exact(settings, cast, *, full=False):
    """The figures with the rollup are those without, character for character: every period and
    scope (`full`), or a few of each."""
    scopes = [cast.fed.path, ""]
    periods = [PERIODS[i] for i in (4, 12, 13, 17)]
    as_ofs = (D(2024, 11, 23),)
    if full:
        scopes += [cast.d1.path, cast.a.path, cast.other_fed.path]
        periods, as_ofs = PERIODS, (None, D(2024, 11, 23), D(2024, 3, 31), D(2024, 7, 15))
    live = figures(settings, scopes, periods, with_rollup=False)
    assert figures(settings, scopes, periods, with_rollup=True) == live
    assert reports(settings, cast, as_ofs, with_rollup=True) == reports(settings, cast, as_ofs, with_rollup=False)
    return live


def rollup_read(action) -> bool:
    with CaptureQueriesContext(connection) as ctx:
        action()
    return any("reports_rollupfigure" in q["sql"] for q in ctx.captured_queries)


def tamper():
    """Add 1000 to every rollup row behind the triggers' back (they watch members and movements
    only): figures read from the rollup show it, figures read live do not."""
    RollupFigure.objects.update(value=F("value") + 1000)


def admitted_2024(cast, path=None):
    indicator = Indicator.objects.filter(code="members_admitted")
    period = Period(D(2024, 1, 1), D(2024, 12, 31))
    return actuals(indicator, path=path or cast.fed.path, period=period).values()["members_admitted"]


# --- exactly the live figures ------------------------------------------------------------------


def test_rolled_up_figures_equal_the_live_ones_for_every_period_and_structure(settings, data):
    assert {r.federation.code for r in rollup.refresh_all()} >= {"LDLD-DLK", "LDLD-LCI"}
    assert RollupFigure.objects.filter(month=rollup.BEFORE).exists()  # 2016-2019 in one bucket
    assert RollupFigure.objects.filter(month__gte=D(2020, 1, 1)).exists()
    assert not RollupFigure.objects.exclude(month=rollup.BEFORE).filter(month__lt=D(2020, 1, 1)).exists()
    live = assert_exact(settings, data, full=True)
    # the data say something: women, Party dates, departures all moved figures
    whole = live[(data.fed.path, PERIODS[4], None)][0]
    assert int(whole["members_admitted"]) > 5 and int(whole["members_female"]) > 0
    assert any(int(v[0]["party_admitted"]) for k, v in live.items() if k[1] != "series" and len(k) == 3)


def test_the_rollup_is_what_is_read_while_fresh(settings, data):
    rollup.refresh_all()
    before = admitted_2024(data)
    assert rollup_read(lambda: admitted_2024(data))
    tamper()
    # 2024 is twelve whole months: every row of them is read from the rollup
    assert admitted_2024(data) > before + 1000
    settings.REPORTS_ROLLUP = False
    assert admitted_2024(data) == before
    assert not rollup_read(lambda: admitted_2024(data))


def test_only_partial_months_are_read_from_the_records(settings, data):
    rollup.refresh_all()
    period = Period(D(2024, 1, 1), D(2024, 11, 23))
    with CaptureQueriesContext(connection) as ctx:
        actuals(Indicator.objects.filter(code__in=ROLLED), path=data.fed.path, period=period)
    movement_sql = [q["sql"] for q in ctx.captured_queries if '"members_movement"' in q["sql"]]
    assert len(movement_sql) == 1 and "reports_rollupfigure" in movement_sql[0]
    # the records are read from 1 November on only (the rest of the year is whole months)
    assert "2024-11-01" in movement_sql[0]


def test_query_count_is_that_of_the_live_path(settings, data):
    rollup.refresh_all()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            tree_report(federation=data.fed, year=2024, as_of=D(2024, 11, 23))
        return len(ctx.captured_queries)

    with_rollup = count()
    settings.REPORTS_ROLLUP = False
    assert count() == with_rollup


# --- freshness ---------------------------------------------------------------------------------


def fresh():
    return rollup.freshness()[0]


def test_a_service_write_makes_the_federation_stale_and_the_figures_stay_exact(settings, data):
    rollup.refresh_all()
    assert fresh() >= {data.fed.pk, data.other_fed.pk}
    before = admitted_2024(data)
    tamper()
    member(data.b, joined_on=D(2024, 9, 9))
    assert data.fed.pk not in fresh() and data.other_fed.pk in fresh()  # only the federation written to
    assert admitted_2024(data) == before + 1  # read from the records, not the tampered rows
    assert admitted_2024(data, data.other_fed.path) > 1000  # the other federation still reads its rollup
    rollup.refresh(data.fed.pk)
    assert data.fed.pk in fresh()
    assert admitted_2024(data) == before + 1
    rollup.refresh(data.other_fed.pk)  # untampered
    assert_exact(settings, data)


WRITES = {
    "raw-update-no-change": lambda c: Movement.objects.filter(union=c.a).update(date=F("date")),
    "raw-update-dates": lambda c: Movement.objects.filter(union=c.a, kind="admitted").update(date=D(2024, 2, 2)),
    "raw-update-gender": lambda c: Member.objects.filter(union=c.b).update(gender="female"),
    "raw-update-party": lambda c: Member.objects.filter(
        union__federation=c.fed, party_introduced_on__isnull=False
    ).update(party_introduced_on=F("party_introduced_on") - datetime.timedelta(days=40)),
    "raw-update-other-column": lambda c: Member.objects.filter(union=c.a).update(phone="0912345678"),
    "raw-delete": lambda c: Movement.objects.filter(union=c.a2).delete(),
    "bulk-insert": lambda c: Movement.objects.bulk_create(
        [
            Movement(member=m, union=m.union, kind=MovementKind.LEFT, delta=-1, date=D(2024, 12, 1))
            for m in Member.objects.filter(union=c.e1, status="active")
        ]
    ),  # fmt: skip
}


@pytest.mark.parametrize("name", WRITES)
def test_any_write_path_makes_the_federation_stale(settings, data, name):
    rollup.refresh_all()
    WRITES[name](data)
    # a write that changes no column the figures read leaves it fresh; every other one does not
    assert (data.fed.pk in fresh()) == (name in ("raw-update-no-change", "raw-update-other-column"))
    assert data.other_fed.pk in fresh()
    assert_exact(settings, data)
    rollup.refresh_all()
    assert data.fed.pk in fresh()
    assert_exact(settings, data)


def test_a_figure_changing_raw_update_is_always_noted(data):
    rollup.refresh_all()
    Movement.objects.filter(union=data.a, kind="admitted").update(date=D(2024, 2, 2))
    assert data.fed.pk not in fresh()
    rollup.refresh_all()
    Member.objects.filter(union=data.x).update(gender="female")
    assert data.other_fed.pk not in fresh() and data.fed.pk in fresh()


def test_a_gender_change_marks_the_federations_of_the_members_movements(data):
    rollup.refresh_all()
    person = Member.objects.filter(union=data.a, status="active").first()
    Movement.objects.filter(member=person).update(union=data.x)  # (a history spanning federations)
    rollup.refresh_all()
    Member.objects.filter(pk=person.pk).update(gender="female" if person.gender == "male" else "male")
    assert not fresh() & {data.fed.pk, data.other_fed.pk}


def test_a_federation_merger_makes_both_stale_and_figures_stay_exact(settings, data):
    from unions.reorg.engine import run_plan
    from unions.reorg.plan import Decision, Row

    rollup.refresh_all()
    admin = User.objects.create_superuser("root", password="x")
    on = D(2025, 7, 1)
    decision = Decision(number="1-QĐ", date=D(2025, 6, 20), effective_on=on, reason="Sắp xếp")
    with translation.override("en"):
        outcome = run_plan(federation=data.fed, decision=decision, by=admin, apply=True,
                           rows=[Row(number=2, operation="merge_federation", unit="LDLD-LCI")])  # fmt: skip
    assert outcome.ok, outcome.errors
    assert not fresh() & {data.fed.pk, data.other_fed.pk}
    assert_exact(settings, data)
    rollup.refresh_all()
    assert fresh() >= {data.fed.pk, data.other_fed.pk}
    assert_exact(settings, data)


def test_rows_from_another_rollup_from_are_not_read(settings, data):
    rollup.refresh_all()
    settings.ROLLUP_FROM = "2022-01-01"
    assert not fresh()  # built from 2020: rebuilt before use
    assert not rollup_read(lambda: admitted_2024(data)) or admitted_2024(data) < 1000
    rollup.refresh_all()
    assert RollupState.objects.filter(rollup_from=D(2022, 1, 1)).count() >= 2
    assert_exact(settings, data)


def test_a_refresh_clears_only_its_federations_notes(data):
    rollup.refresh_all()
    member(data.a, joined_on=D(2024, 9, 9))
    member(data.x, joined_on=D(2024, 9, 9))
    rollup.refresh(data.fed.pk)
    assert RollupDirty.objects.filter(federation=data.other_fed).exists()
    assert not RollupDirty.objects.filter(federation=data.fed).exists()


# --- running it --------------------------------------------------------------------------------


def test_command_refreshes_one_federation_or_every_stale_one(data):
    out = StringIO()
    call_command("refresh_rollups", "--federation", "LDLD-DLK", stdout=out)
    assert out.getvalue().startswith("LDLD-DLK: ")
    assert data.fed.pk in fresh() and data.other_fed.pk not in fresh()
    out = StringIO()
    call_command("refresh_rollups", stdout=out)
    assert "LDLD-LCI: " in out.getvalue() and "LDLD-DLK" not in out.getvalue()
    assert fresh() >= {data.fed.pk, data.other_fed.pk}


def test_command_refuses_an_unknown_code(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="NOPE"):
        call_command("refresh_rollups", "--federation", "NOPE", stdout=StringIO())


def test_the_task_refreshes_stale_federations(data):
    from reports.tasks import refresh_rollups

    assert refresh_rollups() >= 2
    assert refresh_rollups() == 0  # nothing changed since
    member(data.a, joined_on=D(2024, 9, 9))
    assert refresh_rollups() == 1


def test_a_committed_write_asks_for_one_refresh(data, monkeypatch, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from config.celery import app
    from reports import tasks

    asked = []
    monkeypatch.setattr(tasks.refresh_rollups, "apply_async", lambda **kw: asked.append(kw))
    cache.delete(rollup.DEBOUNCE_KEY)
    app.conf.task_always_eager = False  # (the autouse fixture sets it back for the next test)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            member(data.a, joined_on=D(2024, 9, 9))
            member(data.b, joined_on=D(2024, 9, 9))
        with django_capture_on_commit_callbacks(execute=True):
            member(data.b, joined_on=D(2024, 9, 10))
    finally:
        app.conf.task_always_eager = True
        cache.delete(rollup.DEBOUNCE_KEY)
    assert asked == [{"countdown": 10}]  # one, debounced


def test_turned_off_nothing_is_read_from_it(settings, data):
    rollup.refresh_all()
    settings.REPORTS_ROLLUP = False
    assert not rollup_read(lambda: tree_report(federation=data.fed, year=2024))
