import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client
from django.utils import timezone
from vietnam_provinces import Ward

from federation import demo
from federation.models import AuditLog, Federation, Role, User, path_segment
from federation.text import clean_text
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
    return Client().login(username=username, password=password)


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
        rows = list(
            Union.objects.order_by("code").values_list(
                "code", "name", "worker_count", "tax_code", "ward_code", "established_on", "parent__code"
            )
        )
        transaction.set_rollback(True)
    return rows


def test_same_seed_gives_the_same_data(db, settings):
    settings.DEMO_PASSWORD = ""
    first = _loaded_rows(7)
    assert first == _loaded_rows(7)
    assert first != _loaded_rows(8)


def test_every_ward_belongs_to_one_district_federation():
    districts = [s for s in demo.SUPERIORS if s.kind == Kind.DISTRICT_FEDERATION]
    for code in DAK_LAK_WARDS:
        owners = [d.code for d in districts if any(lo <= code <= hi for lo, hi in d.wards)]
        assert len(owners) == 1, (code, owners)


def test_province_scale_has_the_seed_articles_size(db, settings):
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
