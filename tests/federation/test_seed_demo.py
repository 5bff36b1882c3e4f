import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F, Q, Sum
from django.test import Client, RequestFactory
from django.utils import timezone
from vietnam_provinces import Ward

from federation import demo
from federation.models import AuditLog, Federation, Role, User, path_segment
from federation.text import clean_text
from members.models import MOVEMENT_DELTA, Member, MemberStatus, Movement, MovementKind, TransferRequest, TransferStatus
from members.selectors import roll_counts
from members.validation import (
    ETHNIC_GROUPS,
    PROVINCE_CODES_2024,
    age_on,
    parse_citizen_id,
    parse_email,
    parse_full_name,
    parse_phone,
)
from tests.factories import FederationFactory, UserFactory
from unions.models import Kind, Level, Sector, Status, Union, UnionLink

PASSWORD = "demo-password-2025"
SECTORS_BY_KIND = {
    Kind.ENTERPRISE: {Sector.STATE_ENTERPRISE, Sector.NON_STATE_ENTERPRISE, Sector.FDI_ENTERPRISE},
    Kind.AGENCY: {Sector.ADMINISTRATIVE_AGENCY},
    Kind.PUBLIC_SERVICE_UNIT: {Sector.PUBLIC_SERVICE},
    Kind.NON_PUBLIC_UNIT: {Sector.NON_PUBLIC_SERVICE},
    Kind.COOPERATIVE: {Sector.COOPERATIVE},
    Kind.OCCUPATIONAL_UNION: {Sector.OCCUPATIONAL},
}
DAK_LAK_WARDS = {int(w.code) for w in Ward.iter_by_province(66)}


def seed_demo(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **{"scale": "small", "password": PASSWORD, **options})
    return out.getvalue()


def can_log_in(username, password) -> bool:
    # With a request, as the login page passes it: the lockout backend counts by username and address.
    return Client().login(request=RequestFactory().post("/accounts/login/"), username=username, password=password)


@pytest.fixture
def small(db, settings):
    settings.DEMO_PASSWORD = ""
    seed_demo()
    return Federation.objects.get(code="LDLD-DLK")


def test_small_builds_a_valid_tree(small):
    assert small.name == "Liên đoàn Lao động tỉnh Đắk Lắk"
    assert small.province_code == 66
    unions = list(Union.objects.filter(federation=small).select_related("parent"))
    superiors = [u for u in unions if u.level == Level.SUPERIOR]
    grassroots = [u for u in unions if u.level == Level.GRASSROOTS]
    assert 3 <= len(superiors) <= 6
    assert 20 <= len(grassroots) <= 40
    assert any(u.parent is None for u in grassroots), "some grassroots unions sit directly under the federation"
    for union in unions:
        if union.level == Level.SUPERIOR:
            assert union.parent is None
            assert union.sector == ""
        else:
            assert union.parent is None or union.parent.level == Level.SUPERIOR
            assert union.sector in SECTORS_BY_KIND[union.kind], union
            assert union.worker_count > 0
            assert union.ward_code in DAK_LAK_WARDS
            if union.kind == Kind.ENTERPRISE:
                assert re.fullmatch(r"\d{10}", union.tax_code), union
            else:
                assert union.tax_code == ""
        assert union.path == (union.parent.path if union.parent else small.path) + path_segment(union.pk)
        assert union.code == union.code.upper()
        assert union.name == clean_text(union.name)
        assert union.search_text == Union.build_search_text(union.code, union.name)
        assert union.established_on <= timezone.localdate()


def test_each_active_union_has_one_open_position_matching_today(small):
    for union in Union.objects.filter(federation=small):
        open_links = list(union.links.filter(valid_to__isnull=True))
        if union.status == Status.ACTIVE:
            assert len(open_links) == 1, union
            assert (open_links[0].parent_id, open_links[0].path) == (union.parent_id, union.path)
        else:
            assert open_links == []
            assert union.links.get(valid_to=union.closed_on)
        assert union.links.order_by("valid_from").first().valid_from == union.established_on


def test_some_units_closed_with_a_date(small):
    closed = Union.objects.filter(federation=small, status=Status.CLOSED)
    assert closed.exists()
    assert all(u.closed_on > u.established_on for u in closed)
    assert AuditLog.objects.filter(action=AuditLog.Action.CLOSE, object_id__in=[str(u.pk) for u in closed]).count()


def test_tree_at_end_of_2024_differs_from_today(small):
    then = dict(UnionLink.objects.filter(federation=small).on(date(2024, 12, 31)).values_list("union_id", "parent_id"))
    today = dict(Union.objects.filter(federation=small, status=Status.ACTIVE).values_list("pk", "parent_id"))
    moved = [pk for pk, parent_id in today.items() if pk in then and then[pk] != parent_id]
    assert moved
    union = Union.objects.get(pk=moved[0])
    old_link = UnionLink.objects.on(date(2024, 12, 31)).get(union=union)
    assert old_link.path == old_link.parent.path + path_segment(union.pk)
    assert AuditLog.objects.filter(action=AuditLog.Action.MOVE, object_id=str(union.pk)).exists()


@pytest.mark.parametrize(
    ("username", "role"),
    [
        ("demo_admin", Role.FEDERATION_ADMIN),
        ("demo_staff", Role.FEDERATION_STAFF),
        ("demo_leader", Role.LEADER),
        ("demo_officer", Role.SUPERIOR_OFFICER),
        ("demo_chair", Role.GRASSROOTS_CHAIR),
    ],
)
def test_demo_accounts_log_in_with_their_role(small, username, role):
    user = User.objects.get(username=username)
    assert user.role == role
    assert user.federation == small
    assert user.is_staff == (role == Role.FEDERATION_ADMIN)
    assert can_log_in(username, PASSWORD)
    assert not can_log_in(username, "wrong-password-123")


def test_officer_holds_a_district_and_chair_a_union_under_it(small):
    officer = User.objects.get(username="demo_officer")
    chair = User.objects.get(username="demo_chair")
    assert officer.union.level == Level.SUPERIOR
    assert officer.union.kind == Kind.DISTRICT_FEDERATION
    assert chair.union.level == Level.GRASSROOTS
    assert chair.union.is_active
    assert chair.union.parent == officer.union
    federation_level = User.objects.filter(username__in=["demo_admin", "demo_staff", "demo_leader"])
    assert not federation_level.filter(union__isnull=False).exists()


def test_output_lists_the_logins_and_given_password(db, settings):
    settings.DEMO_PASSWORD = ""
    out = seed_demo()
    assert "grassroots unions:" in out
    for username in ("demo_admin", "demo_staff", "demo_leader", "demo_officer", "demo_chair"):
        assert username in out
    assert f"password: {PASSWORD}" in out


def test_generated_password_is_printed_and_works(db, settings):
    settings.DEMO_PASSWORD = ""
    out = seed_demo(password=None)
    password = re.search(r"password: (\S+)", out).group(1)
    assert can_log_in("demo_chair", password)


def test_password_from_settings_is_used_and_not_printed(db, settings):
    settings.DEMO_PASSWORD = "settings-demo-pass-42"
    out = seed_demo(password=None)
    assert "settings-demo-pass-42" not in out
    assert can_log_in("demo_admin", "settings-demo-pass-42")


def test_weak_password_is_refused_before_anything_is_written(db):
    with pytest.raises(CommandError, match="password"):
        seed_demo(password="123")
    assert not Federation.objects.exists()


def test_username_taken_outside_the_demo_loads_nothing(db):
    UserFactory(username="demo_staff", federation=FederationFactory(code="LDLD-LCI"))
    with pytest.raises(CommandError, match="demo_staff"):
        seed_demo()
    assert not Federation.objects.filter(code="LDLD-DLK").exists()
    assert not Union.objects.exists()


def test_running_twice_does_not_duplicate(small):
    counts = (Union.objects.count(), UnionLink.objects.count(), User.objects.count(), AuditLog.objects.count())
    out = seed_demo(password=None, scale="province")
    assert "already loaded" in out
    assert "password: unchanged" in out
    assert (Union.objects.count(), UnionLink.objects.count(), User.objects.count(), AuditLog.objects.count()) == counts
    assert Federation.objects.filter(code="LDLD-DLK").count() == 1
    assert can_log_in("demo_officer", PASSWORD)


def test_running_again_with_a_password_resets_the_demo_passwords(small):
    seed_demo(password="a-new-demo-password-7")
    assert can_log_in("demo_officer", "a-new-demo-password-7")
    assert not can_log_in("demo_officer", PASSWORD)


def test_running_again_recreates_a_deleted_account_without_touching_the_others(small):
    User.objects.get(username="demo_leader").delete()
    out = seed_demo(password=None)
    password = re.search(r"password: (\S+)", out).group(1)
    assert can_log_in("demo_leader", password)
    assert can_log_in("demo_admin", PASSWORD)


def test_a_federation_not_loaded_by_the_command_is_left_alone(db):
    FederationFactory(code="LDLD-DLK", name="Liên đoàn Lao động tỉnh Đắk Lắk")
    out = seed_demo()
    assert "left alone" in out
    assert not User.objects.filter(username__startswith="demo_").exists()
    assert not Union.objects.exists()


def _loaded_rows(seed):
    """What `seed_demo` generates for `seed`, then rolled back so it can run again."""
    with transaction.atomic():
        seed_demo(seed=seed)
        unions = list(
            Union.objects.order_by("code").values_list(
                "code", "name", "worker_count", "tax_code", "ward_code", "established_on", "parent__code"
            )
        )
        members = list(
            Member.objects.order_by("citizen_id").values_list(
                "citizen_id", "full_name", "gender", "date_of_birth", "joined_on", "union__code", "status", "left_on",
                "phone", "member_code", "is_party_member", "party_introduced_on", "party_admitted_on",
            )
        )  # fmt: skip
        movements = list(
            Movement.objects.order_by("member__citizen_id", "date", "kind").values_list(
                "member__citizen_id", "union__code", "kind", "date", "reason", "other_union__code"
            )
        )
        transaction.set_rollback(True)
    return unions, members, movements


def test_same_seed_gives_the_same_data(db, settings):
    settings.DEMO_PASSWORD = ""
    first = _loaded_rows(7)
    assert first[1], "members are generated"
    assert first == _loaded_rows(7)
    other = _loaded_rows(8)
    assert all(a != b for a, b in zip(first, other, strict=True)), "another seed changes the tree and the roll"


def test_every_ward_belongs_to_one_district_federation():
    districts = [s for s in demo.SUPERIORS if s.kind == Kind.DISTRICT_FEDERATION]
    for code in DAK_LAK_WARDS:
        owners = [d.code for d in districts if any(lo <= code <= hi for lo, hi in d.wards)]
        assert len(owners) == 1, (code, owners)


# --- The member roll ------------------------------------------------------------------------

YEAR_2024 = (date(2024, 1, 1), date(2024, 12, 31))
H1_2025 = (date(2025, 1, 1), demo.ROLL_UNTIL)


def _movements_by_member(federation):
    by_member = {}
    for row in (
        Movement.objects.filter(member__federation=federation)
        .order_by("date", "pk")
        .values_list("member_id", "kind", "delta", "date", "union_id", "reason", "other_union_id")
    ):
        by_member.setdefault(row[0], []).append(row[1:])
    return by_member


def test_small_adds_members_with_valid_personal_data(small):
    members = list(Member.objects.filter(federation=small).select_related("union"))
    admitted_in = {
        move.member_id: move.union
        for move in Movement.objects.filter(kind=MovementKind.ADMITTED).select_related("union")
    }
    assert 300 <= len(members) <= 800
    assert len({m.citizen_id for m in members}) == len(members)
    codes = [m.member_code for m in members if m.member_code]
    assert codes and len(set(codes)) == len(codes)
    for m in members:
        assert parse_citizen_id(m.citizen_id, gender=m.gender, born=m.date_of_birth) == (m.citizen_id, False), m
        assert m.citizen_id[:3] in PROVINCE_CODES_2024
        assert parse_full_name(m.full_name) == m.full_name == clean_text(m.full_name)
        assert (m.search_text, m.sort_name) == Member.derived_names(m.full_name)
        assert 1965 <= m.date_of_birth.year <= 2006
        assert age_on(m.date_of_birth, m.joined_on) >= 15, m
        assert m.ethnicity in ETHNIC_GROUPS
        assert not m.phone or parse_phone(m.phone) == m.phone
        assert not m.email or parse_email(m.email) == m.email
        assert m.union.level == Level.GRASSROOTS
        assert admitted_in[m.pk].established_on <= m.joined_on, m
    assert any(m.gender == "female" for m in members) and any(m.gender == "male" for m in members)
    assert any(m.citizen_id.startswith("066") for m in members)


def test_every_member_is_admitted_and_their_status_follows_their_movements(small):
    by_member = _movements_by_member(small)
    members = list(Member.objects.filter(federation=small))
    ending = {
        MovementKind.LEFT: MemberStatus.LEFT,
        MovementKind.DECEASED: MemberStatus.DECEASED,
        MovementKind.TRANSFERRED_OUT: MemberStatus.TRANSFERRED_OUT,
    }
    for m in members:
        moves = by_member[m.pk]
        kinds = [kind for kind, *_ in moves]
        assert kinds[0] == MovementKind.ADMITTED and moves[0][2] == m.joined_on, m
        assert kinds.count(MovementKind.ADMITTED) == 1
        assert all(delta == MOVEMENT_DELTA[kind] for kind, delta, *_ in moves)
        on_roll = sum(delta for _, delta, *_ in moves)
        assert on_roll in (0, 1)
        assert (on_roll == 1) == (m.status == MemberStatus.ACTIVE), (m, moves)
        last_kind, _, last_date, last_union, *_ = moves[-1]
        assert m.union_id == last_union
        if m.status == MemberStatus.ACTIVE:
            assert m.left_on is None
        else:
            assert (ending[last_kind], last_date) == (m.status, m.left_on)
    statuses = {m.status for m in members}
    assert {MemberStatus.ACTIVE, MemberStatus.LEFT} <= statuses


def test_roll_counts_give_the_planned_figures(small):
    plan = demo.SCALES["small"].roll
    year = roll_counts(path=small.path, start=YEAR_2024[0], end=YEAR_2024[1])
    assert (year.opening, year.admitted, year.readmitted, year.closing) == (
        plan.opening_2024,
        plan.admitted_2024,
        plan.readmitted_2024,
        plan.closing_2024,
    )
    assert year.net_change == plan.net_2024
    assert year.deceased == plan.deceased_2024
    assert year.transferred_out - year.transferred_in == plan.out_of_province_2024
    assert year.left == plan.year_2024.departed - plan.deceased_2024 - plan.out_of_province_2024
    half = roll_counts(path=small.path, start=H1_2025[0], end=H1_2025[1])
    assert half.opening == year.closing
    assert (half.admitted, half.readmitted) == (plan.h1_2025.admitted, plan.h1_2025.readmitted)
    # The roll on the demo's last day is who is active, union by union.
    active = Member.objects.filter(federation=small, status=MemberStatus.ACTIVE)
    assert half.closing == active.count()
    for union in Union.objects.filter(federation=small, level=Level.GRASSROOTS):
        counts = roll_counts(path=union.path, start=YEAR_2024[0], end=demo.ROLL_UNTIL)
        assert counts.closing == active.filter(union=union).count(), union
        assert (
            counts.opening + counts.admitted + counts.readmitted + counts.transferred_in
            - counts.transferred_out - counts.left - counts.deceased
        ) == counts.closing  # fmt: skip
        if union.status == Status.CLOSED:
            assert counts.closing == 0


def test_transfers_move_members_between_two_unions_on_one_day(small):
    outs = Movement.objects.filter(member__federation=small, kind=MovementKind.TRANSFERRED_OUT)
    between = outs.filter(other_union__isnull=False)
    assert between.count() >= demo.SCALES["small"].roll.transfers_2024
    for out in between:
        assert Movement.objects.filter(
            member=out.member, kind=MovementKind.TRANSFERRED_IN, date=out.date, union=out.other_union,
            other_union=out.union,
        ).exists()  # fmt: skip
        assert TransferRequest.objects.filter(
            member=out.member, from_union=out.union, to_union=out.other_union, effective_on=out.date,
            status=TransferStatus.ACCEPTED, requested_at__lt=F("decided_at"),
        ).exists()  # fmt: skip
    # Moves to another province's federation end the membership here.
    for out in outs.filter(other_union__isnull=True):
        assert out.member.status == MemberStatus.TRANSFERRED_OUT
        assert out.note


def test_no_union_ever_has_more_members_than_workers(small):
    workers = dict(Union.objects.filter(federation=small).values_list("pk", "worker_count"))
    by_union = {}
    for union_id, day, delta in Movement.objects.filter(union__federation=small).values_list(
        "union_id", "date", "delta"
    ):
        by_union.setdefault(union_id, {}).setdefault(day, 0)
        by_union[union_id][day] += delta
    assert by_union
    for union_id, by_day in by_union.items():
        count = 0
        for day in sorted(by_day):
            count += by_day[day]
            assert 0 <= count <= workers[union_id], (union_id, day, count)


def test_party_pipeline_has_the_planned_figures(small):
    plan = demo.SCALES["small"].roll
    members = Member.objects.filter(federation=small)
    assert members.filter(party_introduced_on__range=YEAR_2024).count() == plan.party_introduced_2024
    assert members.filter(party_admitted_on__range=YEAR_2024).count() == plan.party_admitted_2024
    assert members.filter(party_introduced_on__range=H1_2025).count() == plan.party_introduced_2025
    assert members.filter(party_admitted_on__range=H1_2025).count() == plan.party_admitted_2025
    assert not members.filter(party_admitted_on__isnull=False, is_party_member=False).exists()
    assert not members.filter(party_admitted_on__lt=F("party_introduced_on")).exists()
    assert members.filter(is_party_member=True, party_admitted_on__isnull=True).exists(), "long-standing members"


@pytest.mark.slow
def test_province_scale_has_the_seed_articles_figures(db, settings):
    settings.DEMO_PASSWORD = ""
    seed_demo(scale="province")
    federation = Federation.objects.get(code="LDLD-DLK")
    unions = Union.objects.filter(federation=federation)
    grassroots = unions.filter(level=Level.GRASSROOTS)
    assert 12 <= unions.filter(level=Level.SUPERIOR).count() <= 18
    assert 1300 <= grassroots.count() <= 1500
    assert 1300 <= grassroots.filter(status=Status.ACTIVE).count() <= 1420
    assert set(unions.filter(level=Level.SUPERIOR).values_list("kind", flat=True)) == {
        Kind.DISTRICT_FEDERATION,
        Kind.INDUSTRY_UNION,
        Kind.ZONE_UNION,
        Kind.AGENCY_UNION,
        Kind.CORPORATION_UNION,
    }
    assert grassroots.filter(parent__isnull=True).exists()
    assert UnionLink.objects.filter(federation=federation, valid_to__isnull=True).count() == unions.active().count()
    assert len(set(unions.values_list("name", flat=True))) == unions.count()

    # Article 000: 10,177 new members in 2024, 125,485 at the end of it; article 004: net +3,287.
    year = roll_counts(path=federation.path, start=YEAR_2024[0], end=YEAR_2024[1])
    assert (year.admitted, year.closing, year.net_change) == (10_177, 125_485, 3_287)
    assert 6_500 <= year.left + year.deceased <= 7_200
    assert 300 <= year.transferred_in <= 600
    members = Member.objects.filter(federation=federation)
    active = members.filter(status=MemberStatus.ACTIVE)
    assert 120_000 <= active.count() <= 130_000
    # Article 000: 1,648 introduced to the Party, 621 of them admitted.
    assert members.filter(party_introduced_on__range=YEAR_2024).count() == 1_648
    assert members.filter(party_admitted_on__range=YEAR_2024).count() == 621
    assert 0.06 <= active.filter(is_party_member=True).count() / active.count() <= 0.1
    # Nobody on a roll beyond the union's workers, at the end of 2024 or today.
    for day in (YEAR_2024[1], demo.ROLL_UNTIL):
        over = (
            Movement.objects.filter(member__federation=federation, date__lte=day)
            .values("union_id", "union__worker_count")
            .annotate(on_roll=Sum("delta"))
            .filter(on_roll__gt=F("union__worker_count"))
        )
        assert not over.exists(), day
    # Names as in Đắk Lắk: Nguyễn about 38% of the Kinh, Ê Đê names, women in schools and hospitals.
    kinh = active.filter(ethnicity="Kinh")
    assert 0.33 <= kinh.filter(full_name__startswith="Nguyễn ").count() / kinh.count() <= 0.43
    assert active.filter(ethnicity="Ê Đê", full_name__startswith="H'").exists()
    assert active.filter(ethnicity="Ê Đê", full_name__startswith="Y ").exists()
    schools = active.filter(union__name__contains="Trường")
    assert 0.5 <= schools.filter(gender="female").count() / schools.count() <= 0.75
    # Citizen IDs carry the province of birth registration: mostly Đắk Lắk (066) or Phú Yên (054).
    local = active.filter(Q(citizen_id__startswith="066") | Q(citizen_id__startswith="054")).count()
    assert 0.5 <= active.filter(citizen_id__startswith="066").count() / active.count() <= 0.7
    assert 0.7 <= local / active.count() <= 0.9
