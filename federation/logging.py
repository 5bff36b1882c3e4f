"""Keep personal data out of the logs.

`RedactPersonalData` sits on the log handlers (settings.LOGGING). Citizen IDs (12 digits, old
ID cards 9) and phone numbers are long runs of digits, so any run of 9 digits or more in a
message or in an exception's text (a database error quoting a key, say) is written as `[…]`.
"""

import logging
import re

DIGIT_RUNS = re.compile(r"\+?\d(?:[ .]?\d){8,}")
REDACTED = "[…]"


def redact(text: str) -> str:
    return DIGIT_RUNS.sub(REDACTED, text)


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
