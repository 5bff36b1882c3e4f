"""`seed_demo --scale national`: a small national load (2 federations, a fraction of their size)
keeps every invariant the app relies on, and a load interrupted halfway completes on a rerun
without duplicates. PostgreSQL only (the load is PostgreSQL's bulk SQL); on SQLite the command
refuses with a clear message."""

import importlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from federation import national
from federation.models import Federation, Role, User, path_segment
from members.models import MOVEMENT_DELTA, Member
from members.validation import PROVINCE_CODES_2024, century_digit
from reports.models import QuarterlyReturn, ReportingQuarter, RollupState, Target
from unions.models import Level, Union, UnionLink
from welfare.models import Activity

PASSWORD = "national-test-pass-2025"
OPTIONS = {"scale": "national", "federations": 2, "fraction": 0.002, "jobs": 1, "password": PASSWORD}

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the national load needs PostgreSQL")


@pytest.fixture
def committed_db(transactional_db):
    """The loads commit, so these tests run on a committed database (emptied after each), which
    pytest-django runs after the other tests: what the load reads from the migrations (the
    standard indicators) is put back first, since an earlier test of that kind emptied it too."""
    from django.apps import apps

    migration = importlib.import_module("reports.migrations.0002_standard_indicators")
    migration.create(apps, None)


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **{**OPTIONS, **options})
    return out.getvalue()


def rows(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def scalar(sql: str, params=None):
    return rows(sql, params)[0][0]


def plan_codes(count: int = 2) -> list[str]:
    return [nf.code for nf in national.national_plan(fraction=OPTIONS["fraction"])[:count]]


def assert_invariants() -> None:
    """What the app relies on, checked in SQL over everything loaded."""
    # Per union, the movements add up to its active members.
    assert (
        scalar(
            """SELECT count(*) FROM unions_union u
            LEFT JOIN (SELECT union_id, sum(delta) AS s FROM members_movement GROUP BY 1) m ON m.union_id = u.id
            LEFT JOIN (SELECT union_id, count(*) AS a FROM members_member WHERE status = 'active' GROUP BY 1) a
                ON a.union_id = u.id
            WHERE coalesce(m.s, 0) <> coalesce(a.a, 0)"""
        )
        == 0
    )
    # Delta matches kind.
    for kind, delta in MOVEMENT_DELTA.items():
        assert scalar("SELECT count(*) FROM members_movement WHERE kind = %s AND delta <> %s", [kind, delta]) == 0
    # Every member joined with an admission on the day they joined, and it is their first movement.
    assert (
        scalar(
            """SELECT count(*) FROM members_member m WHERE NOT EXISTS (SELECT 1 FROM members_movement v
            WHERE v.member_id = m.id AND v.kind = 'admitted' AND v.date = m.joined_on)"""
        )
        == 0
    )
    assert scalar("SELECT count(*) FROM members_movement v JOIN members_member m ON m.id = v.member_id "
                  "WHERE v.date < m.joined_on") == 0  # fmt: skip
    # Those who left: their last movement is the departure, on left_on, of the kind their status says.
    assert (
        scalar(
            """SELECT count(*) FROM members_member m
            JOIN LATERAL (SELECT kind, date FROM members_movement v WHERE v.member_id = m.id
                          ORDER BY date DESC, delta ASC LIMIT 1) last ON TRUE
            WHERE m.status <> 'active' AND (last.date <> m.left_on OR last.kind <> CASE m.status
                WHEN 'left' THEN 'left' WHEN 'deceased' THEN 'deceased' ELSE 'transferred_out' END)"""
        )
        == 0
    )
    # The active: their net is +1, in the union whose roll holds them.
    assert (
        scalar(
            """SELECT count(*) FROM members_member m WHERE m.status = 'active' AND (SELECT sum(delta)
            FROM members_movement v WHERE v.member_id = m.id AND v.union_id = m.union_id) <> 1"""
        )
        == 0
    )
    # Citizen IDs: 12 digits, province code, century/gender, year of birth; unique among the active.
    for citizen_id, gender, born in rows("SELECT citizen_id, gender, date_of_birth FROM members_member"):
        assert len(citizen_id) == 12 and citizen_id.isdigit(), citizen_id
        assert citizen_id[:3] in PROVINCE_CODES_2024
        assert citizen_id[3] == century_digit(gender, born.year)
        assert citizen_id[4:6] == f"{born.year % 100:02d}"
    assert scalar("SELECT count(*) - count(DISTINCT citizen_id) FROM members_member WHERE status = 'active'") == 0
    assert scalar("SELECT count(*) - count(DISTINCT member_code) FROM members_member WHERE member_code <> ''") == 0
    # Derived names, as Member.save() would write them.
    for full_name, search_text, sort_name in rows(
        "SELECT DISTINCT full_name, search_text, sort_name FROM members_member"
    ):
        assert (search_text, sort_name) == Member.derived_names(full_name)
    assert scalar("SELECT count(*) FROM members_member WHERE joined_on <= date_of_birth") == 0
    # Unions: the path of their parent (or federation) and their own id; one link, from their founding.
    for union in Union.objects.select_related("parent"):
        base = union.parent.path if union.parent else path_segment(union.federation_id)
        assert union.path == base + path_segment(union.pk)
        assert union.search_text == Union.build_search_text(union.code, union.name)
        if union.level == Level.SUPERIOR:
            assert union.parent_id is None
        (link,) = UnionLink.objects.filter(union=union)
        assert (link.path, link.parent_id, link.valid_from, link.valid_to) == (
            union.path,
            union.parent_id,
            union.established_on,
            union.closed_on,
        )
    # Foreign keys (written with their triggers off) all point somewhere.
    assert scalar("SELECT count(*) FROM members_movement v LEFT JOIN members_member m ON m.id = v.member_id "
                  "WHERE m.id IS NULL") == 0  # fmt: skip
    assert scalar("SELECT count(*) FROM members_member m LEFT JOIN unions_union u ON u.id = m.union_id "
                  "WHERE u.id IS NULL OR u.federation_id <> m.federation_id") == 0  # fmt: skip


@postgresql_only
@pytest.mark.usefixtures("committed_db")
def test_small_national_load_keeps_the_invariants():
    output = seed()

    codes = plan_codes()
    federations = list(Federation.objects.filter(code__in=codes).order_by("code"))
    assert len(federations) == 2
    assert all(f.name.startswith("Liên đoàn Lao động ") for f in federations)
    assert "Loaded 2 federations" in output
    assert_invariants()
    for federation in federations:
        members = Member.objects.filter(federation=federation)
        assert members.count() > 100
        assert members.filter(status="active").count() < members.count()  # some left in 2024
        assert Union.objects.filter(federation=federation, level=Level.SUPERIOR).count() >= 5
        assert ReportingQuarter.objects.filter(federation=federation, year=2024).count() == 4
        statuses = set(QuarterlyReturn.objects.filter(federation=federation).values_list("status", flat=True))
        assert "locked" in statuses
        assert Target.objects.filter(federation=federation, union=None, year=2024).count() >= 10
        assert Activity.objects.filter(federation=federation, program="tet_care").exists()
    # Admissions of 2024 and departures at realistic rates (small samples: loose bounds).
    admitted = scalar("SELECT count(*) FROM members_movement WHERE kind = 'admitted' AND date >= '2024-01-01'")
    opening = scalar("SELECT count(*) FROM members_movement WHERE kind = 'admitted' AND date < '2024-01-01'")
    assert 0.03 < admitted / opening < 0.3
    # The accounts, in the first federation of the plan.
    first = Federation.objects.get(code=codes[0])
    admin = User.objects.get(username="nat_admin")
    assert (admin.role, admin.federation_id, admin.union_id) == (Role.FEDERATION_ADMIN, first.pk, None)
    assert admin.check_password(PASSWORD)
    officer = User.objects.get(username="nat_officer")
    assert officer.role == Role.SUPERIOR_OFFICER and officer.union.code == "H01"
    chair = User.objects.get(username="nat_chair")
    assert chair.role == Role.GRASSROOTS_CHAIR and chair.union.parent_id == officer.union_id
    assert User.objects.get(username="nat_leader").role == Role.LEADER
    viewer = User.objects.get(username="nat_viewer")  # above the federations: in none of them
    assert (viewer.role, viewer.federation_id, viewer.union_id) == (Role.NATIONAL_VIEWER, None, None)
    assert viewer.check_password(PASSWORD)
    # The new federations' pre-aggregated figures are built at the end of the load.
    assert RollupState.objects.filter(federation__code__in=codes).count() == len(codes)


@postgresql_only
@pytest.mark.usefixtures("committed_db")
def test_an_interrupted_load_completes_on_a_rerun_without_duplicates(monkeypatch):
    first_code, second_code = plan_codes()
    original = national._Run.step_returns

    def interrupted(run):
        if run.nf.code == second_code:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the second federation
        original(run)

    monkeypatch.setattr(national._Run, "step_returns", interrupted)
    with pytest.raises(KeyboardInterrupt):
        national.load_national(fraction=OPTIONS["fraction"], federations=2, password=PASSWORD)
    # The first federation is whole; nothing of the second was kept.
    assert list(Federation.objects.values_list("code", flat=True)) == [first_code]
    first_members = Member.objects.count()
    assert first_members > 0
    assert Union.objects.exclude(federation__code=first_code).count() == 0

    monkeypatch.setattr(national._Run, "step_returns", original)
    output = seed()

    assert "already in the database, left alone" in output
    assert sorted(Federation.objects.values_list("code", flat=True)) == sorted([first_code, second_code])
    assert Member.objects.filter(federation__code=first_code).count() == first_members
    assert scalar("SELECT count(*) - count(DISTINCT (federation_id, code)) FROM unions_union") == 0
    assert scalar("SELECT count(*) - count(DISTINCT (union_id, year, quarter)) FROM reports_quarterlyreturn") == 0
    assert Target.objects.filter(federation__code=second_code, union=None).exists()
    assert_invariants()


@postgresql_only
@pytest.mark.usefixtures("committed_db")
def test_a_province_already_loaded_is_left_alone():
    first = national.national_plan()[0]
    existing = Federation.objects.create(code="LDLD-OWN", name="Liên đoàn có sẵn", province_code=first.province_code)

    output = seed()

    assert "already in the database, left alone" in output
    assert not Union.objects.filter(federation=existing).exists()
    assert Federation.objects.count() == 2  # the existing one and the second province's
    assert Member.objects.exclude(federation=existing).count() > 0


@pytest.mark.skipif(connection.vendor == "postgresql", reason="checks the refusal on SQLite")
@pytest.mark.django_db
def test_the_national_scale_refuses_sqlite():
    with pytest.raises(CommandError, match="PostgreSQL"):
        seed()
    assert not Federation.objects.exists()
