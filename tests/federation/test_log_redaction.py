"""Personal data in a log record is redacted by the handlers' filter (settings.LOGGING)."""

import logging
import sys

import pytest
from django.conf import settings
from django.db import IntegrityError

from federation.logging import RedactPersonalData, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("member 066090001234 not found", "member […] not found"),
        ("old card 012345678", "old card […]"),
        ("call 0912 345 678 or +84912345678", "call […] or […]"),
        ("call 0912.345.678", "call […]"),
        ("import 42 failed at row 1,234 on 2024-07-22", "import 42 failed at row 1,234 on 2024-07-22"),
    ],
)
def test_redact_hides_ids_and_phones_but_not_ordinary_numbers(text, expected):
    assert redact(text) == expected


def test_the_console_handler_redacts_messages_and_exceptions():
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["personal_data"]
    record = logging.LogRecord("members", logging.ERROR, __file__, 1, "import %s: %s", (7, "066090001234"), None)
    try:
        raise IntegrityError('duplicate key value violates unique constraint "citizen_id" (066090001234)')
    except IntegrityError:
        record.exc_info = sys.exc_info()
    assert RedactPersonalData().filter(record) is True
    assert record.getMessage() == "import 7: […]"
    assert "066090001234" not in record.exc_text
    assert "IntegrityError" in record.exc_text
