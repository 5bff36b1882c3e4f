"""The settings as an operator meets them: from the environment, safe by default."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SECRET_KEY": "prod-like-" + "k9Q2x7Lm4Zp8Rw3Tn6Yv1Bc5Hj0Fd" * 2,
    "ALLOWED_HOSTS": "ldld.example.vn",
    "DATABASE_URL": "sqlite:////tmp/settings-check.sqlite3",
}


def run_django(code: str, env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DEBUG",
            "ALLOWED_HOSTS",
            "REDIS_URL",
            "DATABASE_URL",
            "SECURE_SSL_REDIRECT",
            "STATICFILES_BACKEND",
        }
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; " + code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_refuses_to_start_without_secret_key_in_production():
    result = run_django("print('started')", {})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_asked():
    result = run_django("print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)", PRODUCTION_ENV)
    assert result.stdout.split() == ["False", "True"], result.stderr
    result = run_django("print(settings.DEBUG)", {"DEBUG": "1"})
    assert result.stdout.strip() == "True", result.stderr


def test_without_redis_tasks_run_in_process_and_cache_is_local():
    result = run_django(
        "print(settings.CELERY_TASK_ALWAYS_EAGER, settings.CACHES['default']['BACKEND'])", PRODUCTION_ENV
    )
    assert result.stdout.split() == ["True", "django.core.cache.backends.locmem.LocMemCache"], result.stderr


def test_with_redis_url_celery_and_cache_use_redis():
    env = {**PRODUCTION_ENV, "REDIS_URL": "redis://127.0.0.1:6379/3"}
    result = run_django(
        "print(settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL, settings.CACHES['default']['BACKEND'])",
        env,
    )
    assert result.stdout.split() == [
        "False",
        "redis://127.0.0.1:6379/3",
        "django.core.cache.backends.redis.RedisCache",
    ], result.stderr


def test_database_url_is_read():
    env = {**PRODUCTION_ENV, "DATABASE_URL": "postgres://lddl:pw@db:5432/lddl"}
    result = run_django("d = settings.DATABASES['default']; print(d['ENGINE'], d['HOST'], d['NAME'])", env)
    assert result.stdout.split() == ["django.db.backends.postgresql", "db", "lddl"], result.stderr


def test_postgresql_connections_ask_for_no_jit_unless_told():
    env = {**PRODUCTION_ENV, "DATABASE_URL": "postgres://lddl:pw@db:5432/lddl"}
    code = "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options', '-'))"
    assert run_django(code, env).stdout.strip() == "-c jit=off"
    assert run_django(code, {**env, "DATABASE_JIT": "on"}).stdout.strip() == "-c jit=on"
    assert run_django(code, {**env, "DATABASE_JIT": "server"}).stdout.strip() == "-"
    sqlite = run_django(code, PRODUCTION_ENV)
    assert sqlite.stdout.strip() == "-", sqlite.stderr


@pytest.mark.django_db
def test_the_test_databases_connection_runs_without_jit():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_check_deploy_is_clean_under_production_settings():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECURE_SSL_REDIRECT", "STATICFILES_BACKEND"}}
    env.update(PRODUCTION_ENV)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_static_files_collect_with_the_production_storage(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "STATICFILES_BACKEND"}}
    env.update(PRODUCTION_ENV)
    code = (
        f"settings.STATIC_ROOT = {str(tmp_path)!r}; from django.core.management import call_command; "
        "call_command('collectstatic', interactive=False, verbosity=0); print('ok')"
    )
    result = run_django(code, env)
    assert result.stdout.strip() == "ok", result.stderr[-2000:]
    assert list(tmp_path.glob("vendor/bootstrap/bootstrap.min.*.css"))


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_dates_are_read_day_first(language):
    with translation.override(language):
        assert forms.DateField().clean("03/04/1985") == datetime.date(1985, 4, 3)
        assert forms.DateField().clean("22/07/2024") == datetime.date(2024, 7, 22)
        assert forms.DateField().clean("2024-07-22") == datetime.date(2024, 7, 22)
        with pytest.raises(forms.ValidationError):
            forms.DateField().clean("07/22/2024")


def test_vietnamese_number_and_date_formats():
    with translation.override("vi"):
        assert intcomma(10177) == "10.177"
        rendered = Template('{{ d|date:"SHORT_DATE_FORMAT" }} {{ x|floatformat:2 }}').render(
            Context({"d": datetime.date(2024, 7, 22), "x": 120.44})
        )
        assert rendered == "22/07/2024 120,44"


def test_ruff_is_clean():
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", "."], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]
