"""The shared cast of every test (STYLE.md §13).

Federation "Đắk Lắk" (fed):
    district D1 (district federation)  ── grassroots A "Trường Tiểu học Hòa Phú", A2
    district D2                        ── grassroots B
    Education industry union           ── grassroots "Bệnh viện ..." is not here: E1
    grassroots G0 directly under the federation
Federation "Lào Cai" (other_fed): district X1 ── grassroots X
Members, with the `roll_cast` fixture (or `add_members(cast)`): m_a in A, m_b in B, m_x in X.
"""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.celery import app as celery_app
from federation.models import Role
from federation.two_factor.policy import requires_two_factor
from unions.models import Kind, Sector

from .factories import FederationFactory, UnionFactory, UserFactory, member, superior

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # A fast hasher: the cast logs in a lot; production keeps Django's default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks run in-process in tests, unless a test asks for the real worker.
    celery_app.conf.task_always_eager = True


def _database_url(db: dict) -> str:
    if db["ENGINE"].endswith("postgresql"):
        auth = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db.get("PASSWORD") else "")
        return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    return ""


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery worker` against REDIS_URL and the test database (PostgreSQL)."""
    db_url = _database_url(django_settings.DATABASES["default"])
    if not django_settings.REDIS_URL or not db_url:
        pytest.skip("a real worker needs REDIS_URL and a PostgreSQL DATABASE_URL")
    # One queue per test process (pytest-xdist), so each worker serves its own test database.
    queue = "tests-" + os.environ.get("PYTEST_XDIST_WORKER", "main")
    celery_app.conf.task_default_queue = queue
    # Every task to that queue, whatever its route (config/routers.py): here, and in the worker for
    # the tasks it sends itself.
    django_settings.CELERY_ONE_QUEUE = queue
    env = {**os.environ, "DATABASE_URL": db_url, "CELERY_TASK_ALWAYS_EAGER": "0", "CELERY_ONE_QUEUE": queue}
    root = Path(__file__).resolve().parents[1]
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=root,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Celery worker did not start")
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=30)


@pytest.fixture
def real_worker(celery_worker_process):
    celery_app.conf.task_always_eager = False
    yield celery_worker_process
    celery_app.conf.task_always_eager = True


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


def add_members(c: Cast) -> Cast:
    """Put one active member in A, B and X. Kept apart from `cast`, so tests that count members
    start from empty rolls."""
    c.m_a = member(c.a, full_name="Nguyễn Văn An", citizen_id="066090001234", date_of_birth=datetime.date(1990, 5, 17))
    c.m_b = member(
        c.b,
        full_name="Trần Thị Bình",
        gender="female",
        date_of_birth=datetime.date(1995, 2, 1),
        citizen_id="066195004321",
        joined_on=datetime.date(2018, 9, 1),
    )
    c.m_x = member(c.x, full_name="Lò Văn Chiến", citizen_id="015088000777", date_of_birth=datetime.date(1988, 1, 9))
    return c


@pytest.fixture
def roll_cast(cast):
    """The cast with a member in A, B and X (see `add_members`)."""
    return add_members(cast)


def client_for(user) -> Client:
    """A client signed in as `user`; for a two-factor role, with the one-time code given too (a
    confirmed authenticator and the session marked verified by it, as `django_otp.login` does)."""
    client = Client()
    client.force_login(user)
    if requires_two_factor(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def as_user():
    return client_for


# --- no personal data in logs ------------------------------------------------------------------

# Citizen IDs and phones the fixtures give members (add_members, tests/test_access.py,
# tests/members/test_personal_data.py, tests/members/test_views.py).
FIXTURE_PERSONAL_DATA = (
    "066090001234", "066195004321", "015088000777",  # add_members
    "066192009999", "066080001111", "066182002222", "066180003333", "066191004444",  # test_access
    "0905123456", "0912345678",  # phones
)  # fmt: skip


def pytest_sessionfinish(session, exitstatus):
    """Fail the run when the log files of its processes (tests/pytest_env.py) hold a fixture's
    citizen ID or phone. Run once, by the process that started the others."""
    if hasattr(session.config, "workerinput"):
        return
    folder = os.environ.get("LDDL_TEST_LOG_DIR")
    if not folder or not Path(folder).is_dir():
        return
    found = []
    for path in sorted(Path(folder).glob("*.log")):
        with path.open(encoding="utf-8", errors="replace") as lines:
            found += [
                f"{path.name}: {line.rstrip()[:300]}" for line in lines if any(v in line for v in FIXTURE_PERSONAL_DATA)
            ]
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_sep("=", "personal data in the logs", red=True)
            for line in found[:50]:
                reporter.write_line(line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
