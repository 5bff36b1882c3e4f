"""Deadline reminders to chairs (PRODUCT.md §6): the chairs of unions that owe the due quarter's
return and have not submitted it get one message when the deadline is near and one after it
passed; running the daily task again sends nothing more."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from federation.models import Role
from reports import returns as selectors
from reports.models import Reminder
from reports.services import returns as services
from reports.tasks import send_return_reminders

from ..factories import UserFactory

D = datetime.date


@pytest.fixture
def chairs(cast, settings):
    """Chairs with e-mail addresses: of A, of B, of X (the other federation); one of A2 without an
    address and an inactive one of E1 (neither is written to); G0's chair, whose return is in."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.RETURN_REMINDER_DAYS = 3
    settings.SITE_URL = "https://ldld.example.vn"
    c = cast
    for user, email in ((c.chair_a, "chair.a@example.vn"), (c.chair_b, "chair.b@example.vn")):
        user.email = email
        user.save()
    c.chair_x = UserFactory(username="chair_x", role=Role.GRASSROOTS_CHAIR, federation=c.other_fed, union=c.x,
                            email="chair.x@example.vn")  # fmt: skip
    UserFactory(username="chair_a2", role=Role.GRASSROOTS_CHAIR, federation=c.fed, union=c.a2, email="")
    UserFactory(username="chair_e1", role=Role.GRASSROOTS_CHAIR, federation=c.fed, union=c.e1,
                email="chair.e1@example.vn", is_active=False)  # fmt: skip
    c.chair_g0 = UserFactory(username="chair_g0", role=Role.GRASSROOTS_CHAIR, federation=c.fed, union=c.g0,
                             email="chair.g0@example.vn")  # fmt: skip
    ret = services.return_open(union=c.g0, year=2026, quarter=3, by=c.chair_g0)
    services.return_submit(ret=ret, version=1, by=c.chair_g0, data={"workers_total": 900})
    mail.outbox.clear()
    return c


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_chairs_who_have_not_submitted_are_reminded_once_before_the_deadline(chairs):
    c = chairs
    # Q3/2026 is due on 10/10/2026 (the default): reminders start three days before.
    assert services.return_reminders_send(today=D(2026, 10, 6)) == 0

    assert services.return_reminders_send(today=D(2026, 10, 8)) == 3
    assert recipients() == ["chair.a@example.vn", "chair.b@example.vn", "chair.x@example.vn"]
    message = next(m for m in mail.outbox if m.to == ["chair.a@example.vn"])
    assert "Quý 3/2026" in message.subject and "10/10/2026" in message.subject  # sent in Vietnamese
    link = f"https://ldld.example.vn{reverse('reports:return_open')}?union={c.a.pk}&year=2026&quarter=3"
    assert link in message.body
    assert c.a.name in message.body

    mail.outbox.clear()
    assert services.return_reminders_send(today=D(2026, 10, 8)) == 0
    assert services.return_reminders_send(today=D(2026, 10, 10)) == 0
    assert mail.outbox == []
    assert Reminder.objects.filter(kind=Reminder.Kind.DUE).count() == 3


def test_chairs_still_without_a_return_are_told_once_after_the_deadline(chairs):
    c = chairs
    services.return_reminders_send(today=D(2026, 10, 8))
    ret = services.return_open(union=c.a, year=2026, quarter=3, by=c.chair_a)
    services.return_submit(ret=ret, version=1, by=c.chair_a, data={"workers_total": 40})
    mail.outbox.clear()

    assert services.return_reminders_send(today=D(2026, 10, 11)) == 2
    assert recipients() == ["chair.b@example.vn", "chair.x@example.vn"]
    assert "10/10/2026" in mail.outbox[0].subject
    mail.outbox.clear()
    assert services.return_reminders_send(today=D(2026, 10, 20)) == 0
    assert mail.outbox == []


def test_the_deadline_the_federation_set_decides_and_a_closed_quarter_reminds_nobody(chairs):
    c = chairs
    services.quarter_set_deadline(federation=c.fed, year=2026, quarter=3, deadline=D(2026, 10, 25), by=c.admin)
    services.return_reminders_send(today=D(2026, 10, 11))
    assert recipients() == ["chair.x@example.vn"]  # the other federation keeps the default deadline
    mail.outbox.clear()

    services.quarter_close(federation=c.fed, year=2026, quarter=3, by=c.admin)
    assert services.return_reminders_send(today=D(2026, 10, 23)) == 0


def test_the_daily_task_sends_the_due_reminders_once(chairs):
    c = chairs
    today = timezone.localdate()
    year, quarter = selectors.due_quarter(c.fed, today)
    services.quarter_set_deadline(federation=c.fed, year=year, quarter=quarter,
                                  deadline=today + datetime.timedelta(days=1), by=c.admin)  # fmt: skip
    services.quarter_set_deadline(federation=c.other_fed, year=year, quarter=quarter,
                                  deadline=today + datetime.timedelta(days=30), by=c.other_admin)  # fmt: skip

    sent = send_return_reminders.delay().get()

    expected = ["chair.a@example.vn", "chair.b@example.vn"]
    if (year, quarter) != (2026, 3):
        expected.append("chair.g0@example.vn")  # G0's return is for Q3/2026 only
    assert sent == len(expected)
    assert recipients() == sorted(expected)
    assert send_return_reminders.delay().get() == 0
    assert len(mail.outbox) == len(expected)


def test_the_beat_schedule_runs_the_task_every_morning(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["send-return-reminders"]
    assert entry["task"] == "reports.tasks.send_return_reminders"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {0})
