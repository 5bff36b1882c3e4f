"""The shared cast of every test (STYLE.md §13).

Federation "Đắk Lắk" (fed):
    district D1 (district federation)  ── grassroots A "Trường Tiểu học Hòa Phú", A2
    district D2                        ── grassroots B
    Education industry union           ── grassroots "Bệnh viện ..." is not here: E1
    grassroots G0 directly under the federation
Federation "Lào Cai" (other_fed): district X1 ── grassroots X
"""

import pytest
from django.test import Client

from federation.models import Role
from unions.models import Kind, Sector

from .factories import FederationFactory, UnionFactory, UserFactory, superior

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _plain_static_and_english_off(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


class Cast:
    pass


@pytest.fixture
def cast(db):
    c = Cast()
    c.fed = FederationFactory(code="LDLD-DLK", name="Liên đoàn Lao động tỉnh Đắk Lắk", province_code=66)
    c.d1 = superior(federation=c.fed, code="H01", name="Liên đoàn Lao động phường Buôn Ma Thuột")
    c.d2 = superior(federation=c.fed, code="H02", name="Liên đoàn Lao động xã Ea Kar")
    c.edu = superior(federation=c.fed, code="N01", name="Công đoàn ngành Giáo dục", kind=Kind.INDUSTRY_UNION)
    c.a = UnionFactory(
        parent=c.d1,
        code="A",
        name="Công đoàn Trường Tiểu học Hòa Phú",
        kind=Kind.PUBLIC_SERVICE_UNIT,
        sector=Sector.PUBLIC_SERVICE,
        worker_count=40,
    )
    c.a2 = UnionFactory(parent=c.d1, code="A2", name="Công đoàn Công ty TNHH Cà phê Đất Việt", worker_count=260)
    c.b = UnionFactory(parent=c.d2, code="B", name="Công đoàn Công ty Cổ phần Mía đường Ea Kar", worker_count=500)
    c.e1 = UnionFactory(
        parent=c.edu,
        code="E1",
        name="Công đoàn Trường THPT Chuyên Nguyễn Du",
        kind=Kind.PUBLIC_SERVICE_UNIT,
        sector=Sector.PUBLIC_SERVICE,
        worker_count=120,
    )
    c.g0 = UnionFactory(federation=c.fed, code="G0", name="Công đoàn Tổng công ty Cà phê Việt Nam", worker_count=900)

    c.other_fed = FederationFactory(code="LDLD-LCI", name="Liên đoàn Lao động tỉnh Lào Cai", province_code=15)
    c.x1 = superior(federation=c.other_fed, code="H01", name="Liên đoàn Lao động phường Yên Bái")
    c.x = UnionFactory(parent=c.x1, code="X", name="Công đoàn Công ty Thủy điện Yên Bái", worker_count=70)

    c.admin = UserFactory(username="admin", role=Role.FEDERATION_ADMIN, federation=c.fed)
    c.staff = UserFactory(username="staff", role=Role.FEDERATION_STAFF, federation=c.fed)
    c.leader = UserFactory(username="leader", role=Role.LEADER, federation=c.fed)
    c.officer = UserFactory(username="officer", role=Role.SUPERIOR_OFFICER, federation=c.fed, union=c.d1)
    c.chair_a = UserFactory(username="chair_a", role=Role.GRASSROOTS_CHAIR, federation=c.fed, union=c.a)
    c.chair_b = UserFactory(username="chair_b", role=Role.GRASSROOTS_CHAIR, federation=c.fed, union=c.b)
    c.other_admin = UserFactory(username="other_admin", role=Role.FEDERATION_ADMIN, federation=c.other_fed)
    return c


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_user():
    return client_for
