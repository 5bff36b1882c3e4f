"""The neighbour federation of the demo (`seed_demo --neighbour`): Phú Yên's federation, loaded
beside Đắk Lắk's for the federation merger of 1 July 2025 (issue 6)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import translation

from federation import demo
from federation.models import Federation, User
from members.models import Member, MemberStatus
from reports.demo import report_figures
from reports.models import QuarterlyReturn, Target
from tests.factories import FederationFactory, UnionFactory, member
from unions.models import Union
from welfare.demo import welfare_figures
from welfare.models import Activity

PASSWORD = "demo-password-2025"


def seed_demo(**options) -> str:
    """The command's output, in English (its messages are translated)."""
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=out, **{"scale": "small", **options})
    return out.getvalue()


def load_main() -> str:
    return seed_demo(password=PASSWORD)


def load_neighbour() -> str:
    return seed_demo(neighbour=True)


def figures(federation) -> dict:
    """What the command prints of a federation: tree, roll, welfare, reports."""
    roll = demo.roll_figures(federation)
    return {
        "tree": demo.tree_counts(federation),
        "active": roll["active"],
        "year": roll["year"],
        "party": (roll["introduced"], roll["admitted"]),
        "welfare": welfare_figures(federation),
        "reports": report_figures(federation),
    }


def people(federation) -> list[tuple]:
    """The members as drawn, without their citizen IDs and member codes (which give way to
    those another federation holds)."""
    return list(
        Member.objects.filter(federation=federation)
        .order_by("union__code", "full_name", "date_of_birth", "joined_on")
        .values_list("union__code", "full_name", "gender", "date_of_birth", "joined_on", "status", "left_on")
    )


def ids_and_codes(federation) -> tuple[set[str], set[str], set[str]]:
    members = Member.objects.filter(federation=federation)
    active = set(members.filter(status=MemberStatus.ACTIVE).values_list("citizen_id", flat=True))
    every = set(members.values_list("citizen_id", flat=True))
    codes = set(members.exclude(member_code="").values_list("member_code", flat=True))
    return active, every, codes


def rolled_back(load):
    """What `load` generates, then rolled back so that it can run again."""
    with transaction.atomic():
        load()
        which = demo.NEIGHBOUR if Federation.objects.filter(code=demo.NEIGHBOUR.code).exists() else demo.MAIN
        federation = demo.demo_federation(which)
        result = figures(federation), people(federation), ids_and_codes(federation)
        transaction.set_rollback(True)
    return result


@pytest.fixture
def no_demo_password(settings):
    settings.DEMO_PASSWORD = ""


def test_neighbour_loaded_first_leaves_the_main_demo_as_it_is(db, no_demo_password):
    main_alone = rolled_back(load_main)

    out = load_neighbour()
    load_main()

    main = demo.demo_federation()
    neighbour = demo.demo_federation(demo.NEIGHBOUR)
    assert (main.code, neighbour.code) == ("LDLD-DLK", "LDLD-PYN")
    assert (neighbour.name, neighbour.province_code) == ("Liên đoàn Lao động tỉnh Phú Yên", 66)
    assert "Loaded demo federation LDLD-PYN" in out
    assert "members:" in out and "targets 2024:" in out
    assert "no logins of its own" in out
    assert "Demo logins" not in out

    # The main demo: the same figures and the same people as when loaded alone.
    assert figures(main) == main_alone[0]
    assert people(main) == main_alone[1]

    # The neighbour: a whole roll, welfare and reports of its own, no accounts.
    plan = demo.SCALES["small"].roll
    assert figures(neighbour)["year"].closing == plan.closing_2024
    assert Member.objects.filter(federation=neighbour, status=MemberStatus.ACTIVE).exists()
    assert Activity.objects.filter(federation=neighbour).exists()
    assert Target.objects.filter(federation=neighbour, union=None).exists()
    assert Target.objects.filter(federation=neighbour, union__isnull=False).exists()
    assert QuarterlyReturn.objects.filter(federation=neighbour).exists()
    assert not User.objects.filter(federation=neighbour).exists()
    assert User.objects.filter(federation=main, username__startswith="demo_").count() == len(demo.DEMO_ACCOUNTS)

    # Its own draws: the same union codes (the merger renames them), other units and people.
    codes = set(Union.objects.filter(federation=main).values_list("code", flat=True))
    assert {"H01", "N01", "CS0001"} <= codes
    assert codes & set(Union.objects.filter(federation=neighbour).values_list("code", flat=True)) >= {"H01", "CS0001"}
    assert people(neighbour) != people(main)

    # Nothing a merger would find twice.
    main_active, main_every, main_codes = ids_and_codes(main)
    neighbour_active, neighbour_every, neighbour_codes = ids_and_codes(neighbour)
    assert not main_active & neighbour_active
    assert not main_every & neighbour_every
    assert neighbour_codes and not main_codes & neighbour_codes
    assert all(code.startswith("DV054") for code in neighbour_codes)


def test_citizen_ids_and_member_codes_held_elsewhere_are_drawn_again(db, no_demo_password):
    _, alone, (active, _, codes) = rolled_back(load_neighbour)
    # Another federation already holds some of the IDs and member codes the neighbour draws.
    union = UnionFactory(federation=FederationFactory(code="LDLD-KHA"))
    held_ids = sorted(active)[:5]
    held_codes = sorted(codes)[:3]
    for i, citizen_id in enumerate(held_ids):
        member(union, citizen_id=citizen_id, member_code=held_codes[i] if i < len(held_codes) else "")

    load_neighbour()

    neighbour = demo.demo_federation(demo.NEIGHBOUR)
    active_now, every_now, codes_now = ids_and_codes(neighbour)
    assert not set(held_ids) & every_now
    assert not set(held_codes) & codes_now
    assert len(active_now) == len(active) and len(codes_now) == len(codes)
    assert people(neighbour) == alone, "only the IDs and codes held elsewhere change"


def test_same_seed_gives_the_same_neighbour(db, no_demo_password):
    first = rolled_back(load_neighbour)
    assert first[1]
    assert rolled_back(load_neighbour) == first
    other = rolled_back(lambda: seed_demo(neighbour=True, seed=2))
    assert other[1] != first[1]


def test_neighbour_loads_after_the_main_demo_and_only_once(db, no_demo_password):
    load_main()
    load_neighbour()
    neighbour = demo.demo_federation(demo.NEIGHBOUR)
    counts = (Member.objects.count(), Union.objects.count(), User.objects.count())

    with pytest.raises(CommandError, match="LDLD-PYN is already loaded"):
        load_neighbour()
    with pytest.raises(CommandError, match="--password"):
        seed_demo(neighbour=True, password=PASSWORD)

    assert (Member.objects.count(), Union.objects.count(), User.objects.count()) == counts
    assert Federation.objects.filter(code="LDLD-PYN").get() == neighbour
    assert "already loaded" in load_main()
    _, main_every, main_codes = ids_and_codes(demo.demo_federation())
    _, neighbour_every, neighbour_codes = ids_and_codes(neighbour)
    assert not main_every & neighbour_every and not main_codes & neighbour_codes
