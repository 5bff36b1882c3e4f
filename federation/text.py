"""Vietnamese text helpers shared by every app: normalizing names and folding for search."""

import functools
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


# Vietnamese dictionary order: a ă â b c d đ e ê ... with the tone as a second-level key
# (none, huyền, hỏi, ngã, sắc, nặng). Each letter becomes two digits so that the key sorts the
# same under every database collation.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_CODE = {ch: f"{i + 10:02d}" for i, ch in enumerate(_ALPHABET)}
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}


@functools.lru_cache(maxsize=65536)
def _word_key(word: str) -> tuple[str, str]:
    letters, tones = [], []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONES:
            tones[-1:] = [_TONES[ch]]
        elif unicodedata.combining(ch):
            # breve, circumflex, horn: part of the letter (a -> ă, â)
            base = letters.pop() if letters else ""
            letters.append(unicodedata.normalize("NFC", base + ch))
        else:
            letters.append(ch)
            tones.append("0")
    primary = "".join(_LETTER_CODE.get(ch, "99") for ch in letters)
    return primary, "".join(tones)


def name_sort_key(full_name: str) -> str:
    """Sort key for Vietnamese names: the given name (last word) first, then the rest in order;
    within a word, letters before tones: "Nguyễn Văn An" sorts under "An", "Anh" before "Ánh"."""
    words = clean_text(full_name).split(" ")
    if words == [""]:
        return ""
    # Letter codes are 10..42, so "00" ends a word's letters before its tones, and a shorter
    # word sorts before a longer one that starts with it ("An" < "Anh").
    return "00".join(p + "00" + t for p, t in map(_word_key, [words[-1], *words[:-1]]))
