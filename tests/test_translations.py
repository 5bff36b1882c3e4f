"""Every user-facing string ships in Vietnamese: the catalogue is complete, current with the
source, and compiled."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_every_message_has_a_vietnamese_translation():
    catalogue = polib.pofile(str(PO))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []
    assert len(catalogue.translated_entries()) > 100


def test_compiled_catalogue_matches_the_source():
    source = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.pofile(str(PO)).translated_entries()}
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(MO))}
    compiled.pop((None, ""), None)
    assert compiled == source, "run `make messages` (or compile locale/vi with msgfmt)"


def test_catalogue_is_current_with_the_source(tmp_path):
    """Extract the messages afresh from a copy of the project and compare."""
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("GNU gettext (xgettext) is needed to check the catalogue")
        pytest.skip("GNU gettext (xgettext) is not installed")
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "static", "staticfiles", "artifacts", "media", "*.sqlite3", "__pycache__", "bench"
        ),
    )
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "vi", "--no-obsolete", "-i", "tests/*"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy / "locale/vi/LC_MESSAGES/django.po"))}
    current = {(e.msgctxt, e.msgid) for e in polib.pofile(str(PO))}
    assert sorted(fresh - current, key=str) == [], "new messages: run `make messages` and translate them"
    assert sorted(current - fresh, key=str) == [], "stale messages: run `make messages`"
