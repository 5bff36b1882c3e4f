import pytest
from django.db import transaction

from config.celery import app
from federation.tasks import ping


def test_celery_app_finds_the_apps_tasks():
    app.loader.import_default_modules()
    assert "federation.tasks.ping" in app.tasks


def test_in_tests_tasks_run_in_process():
    assert ping.delay().get(timeout=1) == "pong"


@pytest.mark.django_db(transaction=True)
def test_tasks_are_enqueued_only_when_the_transaction_commits(monkeypatch):
    sent = []
    monkeypatch.setattr(ping, "delay", lambda *a, **k: sent.append("sent"))
    with transaction.atomic():
        transaction.on_commit(ping.delay)
        assert sent == []
    assert sent == ["sent"]


@pytest.mark.celery_worker
def test_a_real_worker_answers(real_worker):
    """Runs when REDIS_URL and a PostgreSQL DATABASE_URL are set (as in .ci/run)."""
    assert ping.delay().get(timeout=30) == "pong"
