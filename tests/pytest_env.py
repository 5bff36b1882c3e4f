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
