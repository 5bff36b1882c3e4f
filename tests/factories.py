"""Factories that go through the services, so every object has the invariants the app keeps
(tree paths, positions through time, search text)."""

import datetime
import itertools

import factory

from federation.models import Federation, Role, User
from members import services as member_services
from members.validation import century_digit
from unions import services
from unions.models import Kind, Level, Sector, Union


class FederationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Federation

    code = factory.Sequence(lambda n: f"LDLD{n:02d}")
    name = factory.Sequence(lambda n: f"Liên đoàn Lao động tỉnh Số {n}")
    province_code = 66  # Đắk Lắk


class UnionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Union

    federation = factory.SubFactory(FederationFactory)
    parent = None
    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"Công đoàn cơ sở Số {n}")
    level = Level.GRASSROOTS
    kind = Kind.ENTERPRISE
    sector = Sector.NON_STATE_ENTERPRISE
    worker_count = 100

    @classmethod
    def _create(cls, model_class, *args, federation, parent=None, **kwargs):
        if parent is not None:
            federation = parent.federation
        return services.union_create(federation=federation, parent=parent, by=None, **kwargs)


def superior(**kwargs):
    kwargs.setdefault("kind", Kind.DISTRICT_FEDERATION)
    return UnionFactory(level=Level.SUPERIOR, sector="", worker_count=None, **kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Người dùng {n}")
    role = Role.FEDERATION_STAFF
    federation = factory.SubFactory(FederationFactory)
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.is_staff = obj.role == Role.FEDERATION_ADMIN
            obj.save()


# Far above the serials tests write out by hand ("066090001234"): a long test process would
# otherwise reach 1234 and hand out an ID the cast already holds.
_citizen_serial = itertools.count(500_000)
_given_names = itertools.cycle(["Hùng", "Lan", "Minh", "Hoa", "Tuấn", "Mai", "Dũng", "Thảo"])


def citizen_id(gender: str = "male", born: datetime.date = datetime.date(1990, 5, 17), *, province="066", serial=None):
    """A valid 12-digit citizen ID: province of birth registration (pre-2025 code), the
    gender-and-century digit, the two last digits of the birth year, a serial."""
    serial = next(_citizen_serial) if serial is None else serial
    return f"{province}{century_digit(gender, born.year)}{born.year % 100:02d}{serial:06d}"


def member(union, *, by=None, **kwargs):
    """A member admitted to `union` through members.services.member_admit (so it has its
    `admitted` movement and audit entry)."""
    kwargs.setdefault("gender", "male")
    kwargs.setdefault("date_of_birth", datetime.date(1990, 5, 17))
    kwargs.setdefault("joined_on", datetime.date(2015, 3, 2))
    kwargs.setdefault("full_name", f"Phạm Văn {next(_given_names)}")
    kwargs.setdefault("citizen_id", citizen_id(kwargs["gender"], kwargs["date_of_birth"]))
    return member_services.member_admit(union=union, by=by, **kwargs)
