"""Vietnamese text helpers shared by every app: normalizing names and folding for search."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def clean_text(value: str | None) -> str:
    """NFC, trimmed, single-spaced (NBSP and other Unicode spaces included)."""
    if not value:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str | None) -> str:
    """Lower case without diacritics, for search: "Trường Tiểu học" -> "truong tieu hoc"."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFD", clean_text(value).replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
