# A pytest plugin (-p tests.pytest_env) loaded before Django's settings: the suite runs with DEBUG off (as production),
# so it needs a SECRET_KEY; a real deployment always sets its own.
import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
# Uploaded files of the tests go to a scratch folder (shared with the Celery worker the suite
# may start), never into the checkout's media/.
if "MEDIA_ROOT" not in os.environ:
    import tempfile

    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="lddl-test-media-")
# Test transactions roll back, so the dashboards' cache would never hear of their writes
# (reports/cache.py bumps its stamp on commit): off, except in the tests of the cache itself.
os.environ.setdefault("REPORTS_CACHE_SECONDS", "0")

# Every log record of the run (root logger, DEBUG and up; SQL at INFO, so no query parameters)
# goes to one file per process (pytest-xdist worker) in a scratch folder the workers share, and
# tests/conftest.py::pytest_sessionfinish fails the run when a fixture's citizen ID or phone is
# found there (no personal data in logs).
if "LDDL_TEST_LOG_DIR" not in os.environ:
    import tempfile

    os.environ["LDDL_TEST_LOG_DIR"] = tempfile.mkdtemp(prefix="lddl-test-logs-")


def pytest_sessionstart(session):
    """After Django's LOGGING is applied (pytest-django sets Django up while configuring)."""
    import logging
    from pathlib import Path

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    handler = logging.FileHandler(Path(os.environ["LDDL_TEST_LOG_DIR"]) / f"{worker}.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    for existing in root.handlers:  # the console keeps the level it had
        if existing.level == logging.NOTSET:
            existing.setLevel(root.level)
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    logging.getLogger("django.db.backends").setLevel(logging.INFO)
