"""Rules for one member's data (§3, §4), shared by the forms, the API and the roll import.

Each `parse_*` takes what a person typed (or a spreadsheet cell) and returns the clean value,
or raises `Invalid` with a stable error code from §4 and a message for the user.
"""

import datetime
import re
import unicodedata

from django.utils.translation import gettext as _

from federation.text import clean_text, fold


class Invalid(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# The 63 province codes of citizen IDs as they were before July 2025: an ID keeps the code of
# the province where the birth was registered, even when that province no longer exists.
PROVINCE_CODES_2024 = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn", "008": "Tuyên Quang",
    "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu", "014": "Sơn La", "015": "Yên Bái",
    "017": "Hòa Bình", "019": "Thái Nguyên", "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang",
    "025": "Phú Thọ", "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định", "037": "Ninh Bình",
    "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh", "044": "Quảng Bình", "045": "Quảng Trị",
    "046": "Thừa Thiên Huế", "048": "Đà Nẵng", "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định",
    "054": "Phú Yên", "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng", "070": "Bình Phước",
    "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai", "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh",
    "086": "Vĩnh Long", "087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ",
    "093": "Hậu Giang", "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}  # fmt: skip

# The 54 ethnic groups, with the spellings people use for some of them.
ETHNIC_GROUPS = (
    "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Mông", "Dao", "Gia Rai", "Ê Đê", "Ba Na",
    "Sán Chay", "Chăm", "Cơ Ho", "Xơ Đăng", "Sán Dìu", "Hrê", "Ra Glai", "Mnông", "Thổ", "Xtiêng",
    "Khơ Mú", "Bru - Vân Kiều", "Cơ Tu", "Giáy", "Tà Ôi", "Mạ", "Giẻ - Triêng", "Co", "Chơ Ro",
    "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "Kháng", "La Chí", "Phù Lá", "La Hủ", "La Ha", "Pà Thẻn",
    "Chứt", "Lự", "Lô Lô", "Mảng", "Cờ Lao", "Bố Y", "Cống", "Ngái", "Si La", "Pu Péo", "Rơ Măm",
    "Brâu", "Ơ Đu",
)  # fmt: skip
ETHNIC_ALIASES = {
    "hmong": "Mông", "hmông": "Mông", "meo": "Mông", "jrai": "Gia Rai", "rhade": "Ê Đê", "bahnar": "Ba Na",
    "stieng": "Xtiêng", "khome": "Khmer", "khomer": "Khmer", "sedang": "Xơ Đăng", "koho": "Cơ Ho",
    "bru": "Bru - Vân Kiều", "vankieu": "Bru - Vân Kiều", "gietrieng": "Giẻ - Triêng", "raglai": "Ra Glai",
    "mnong": "Mnông", "tay": "Tày", "thai": "Thái",
}  # fmt: skip


_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def _ethnic_key(value: str) -> str:
    return _NOT_ALNUM.sub("", fold(value))


ETHNIC_LOOKUP = {_ethnic_key(name): name for name in ETHNIC_GROUPS} | {
    _ethnic_key(alias): name for alias, name in ETHNIC_ALIASES.items()
}

FORMULA_PREFIXES = ("=", "+", "-", "@")
NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ .'\-][^\W\d_]*)*$")
PHONE = re.compile(r"0[35789][0-9]{8}")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
# Control characters (NUL included: PostgreSQL refuses it in text) become spaces.
_CONTROL = dict.fromkeys([*range(0, 32), 127], " ")


def as_text(value) -> str:
    """A cell as text: whole numbers without ".0" (a code typed as a number), controls removed."""
    if value is None:
        return ""
    if value.__class__ is not str:
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        value = str(value)
    return value.translate(_CONTROL) if not value.isprintable() else value


def parse_full_name(value) -> str:
    name = clean_text(as_text(value))
    if not name:
        raise Invalid("missing_value", _("Enter the full name."))
    if name.startswith(FORMULA_PREFIXES):
        raise Invalid("formula_not_allowed", _("A cell may not start with = + - or @."))
    if "<" in name or ">" in name or not NAME_CHARS.match(name) or len(name) > 150:
        raise Invalid("invalid_name", _("A name has letters, spaces and . ' - only."))
    return name


GENDERS = {"nam": "male", "male": "male", "m": "male", "nu": "female", "female": "female", "f": "female"}


def parse_gender(value) -> str:
    text = fold(as_text(value))
    if not text:
        raise Invalid("missing_value", _("Enter the gender."))
    try:
        return GENDERS[text]
    except KeyError:
        raise Invalid("invalid_gender", _("Gender is Nam or Nữ.")) from None


EXCEL_EPOCH = datetime.date(1899, 12, 30)
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_SERIAL = re.compile(r"\d{5}")
EARLIEST = datetime.date(1900, 1, 1)


def parse_date(value, *, required=True) -> datetime.date | None:
    """dd/mm/yyyy (also with - or .), yyyy-mm-dd, a real date, or an Excel serial number; never
    month-first: 03/04/1985 is 3 April. A bare year (1985) is not a date."""
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        day = _from_serial(value)
    else:
        text = as_text(value).strip()
        if not text:
            if required:
                raise Invalid("missing_value", _("Enter the date."))
            return None
        day = None
        match = _DAY_FIRST.fullmatch(text)
        try:
            if match:
                day = datetime.date(int(match[3]), int(match[2]), int(match[1]))
            elif match := _ISO.fullmatch(text):
                day = datetime.date(int(match[1]), int(match[2]), int(match[3]))
            elif _SERIAL.fullmatch(text):
                day = _from_serial(int(text))
        except ValueError:
            day = None
    if day is None or day < EARLIEST:
        raise Invalid("invalid_date", _("Write dates as dd/mm/yyyy."))
    return day


def _from_serial(number) -> datetime.date | None:
    # Serials of dates before 1928 (< 10,000) are far more likely a typed year or a typo.
    if 10_000 <= number < 2_958_466:
        return EXCEL_EPOCH + datetime.timedelta(days=int(number))
    return None


def century_digit(gender: str, year: int) -> str:
    century = (year // 100) - 19  # 1900s -> 0, 2000s -> 1, ...
    return str((century % 5) * 2 + (1 if gender == "female" else 0))


def check_citizen_id(cid: str) -> None:
    if not (len(cid) == 12 and cid.isascii() and cid.isdigit()):
        raise Invalid("invalid_citizen_id", _("A citizen ID has 12 digits."))
    if cid[:3] not in PROVINCE_CODES_2024:
        raise Invalid("invalid_citizen_id", _("The first three digits are not a province code."))


def citizen_id_agrees(cid: str, gender: str | None, born: datetime.date | None) -> bool:
    if gender is None or born is None:
        return True
    return cid[3] == century_digit(gender, born.year) and cid[4:6] == f"{born.year % 100:02d}"


_ID_JUNK = re.compile(r"[\s.]")


def _citizen_id_text(value) -> str:
    """A citizen ID cell as text: a number cell without ".0", spaces and dots stripped."""
    if isinstance(value, float):
        if not value.is_integer():
            raise Invalid("invalid_citizen_id", _("A citizen ID has 12 digits."))
        value = int(value)
    text = as_text(value)
    if not (len(text) == 12 and text.isascii() and text.isdigit()):
        text = _ID_JUNK.sub("", unicodedata.normalize("NFKC", text))
    return text


def zero_padded_citizen_id(value) -> str | None:
    """The well-formed 12-digit ID a 10- or 11-digit cell becomes with the leading zeros Excel
    dropped put back, or None. Whether it is the right person is the caller's to tell (§4:
    against gender and birth year; a list of members: against the members on file)."""
    try:
        text = _citizen_id_text(value)
    except Invalid:
        return None
    if len(text) not in (10, 11) or not (text.isascii() and text.isdigit()):
        return None
    candidate = text.zfill(12)
    try:
        check_citizen_id(candidate)
    except Invalid:
        return None
    return candidate


def parse_citizen_id(value, *, gender=None, born=None) -> tuple[str, bool]:
    """(the 12-digit ID, padded): spaces and dots are stripped; a 10- or 11-digit number that
    lost its leading zeros is padded back only when the result agrees with gender and birth."""
    text = _citizen_id_text(value)
    if not text:
        raise Invalid("missing_value", _("Enter the citizen ID."))
    if text.startswith(FORMULA_PREFIXES):
        raise Invalid("formula_not_allowed", _("A cell may not start with = + - or @."))
    if not (text.isascii() and text.isdigit()):
        raise Invalid("invalid_citizen_id", _("A citizen ID has 12 digits."))
    padded = False
    if len(text) in (10, 11):
        candidate = text.zfill(12)
        try:
            check_citizen_id(candidate)
        except Invalid:
            raise Invalid("invalid_citizen_id", _("A citizen ID has 12 digits.")) from None
        if gender is None or born is None or not citizen_id_agrees(candidate, gender, born):
            raise Invalid("invalid_citizen_id", _("A citizen ID has 12 digits."))
        text, padded = candidate, True
    check_citizen_id(text)
    if not citizen_id_agrees(text, gender, born):
        raise Invalid("citizen_id_mismatch", _("The citizen ID does not agree with the gender or the year of birth."))
    return text, padded


def parse_ethnicity(value) -> str:
    text = clean_text(as_text(value))
    if not text:
        return ""
    try:
        return ETHNIC_LOOKUP[_ethnic_key(text)]
    except KeyError:
        raise Invalid("unknown_ethnicity", _("Not one of the 54 ethnic groups.")) from None


_PHONE_JUNK = re.compile(r"[\s.\-()]")


def parse_phone(value) -> str:
    if value.__class__ is str and len(value) == 10 and PHONE.fullmatch(value):
        return value  # already 0 and 9 digits: most cells of a roll
    text = _PHONE_JUNK.sub("", as_text(value))
    if not text:
        return ""
    if text.startswith("+84"):
        rest = text[3:]
        text = "0" + (rest[1:] if len(rest) == 10 and rest[0] == "0" else rest)  # +84 (0)912...
    elif text.startswith("84") and len(text) == 11:
        text = "0" + text[2:]
    elif len(text) == 9 and text.isdigit():
        text = "0" + text
    if not PHONE.fullmatch(text):
        raise Invalid("invalid_phone", _("A phone number is 0 and 9 digits, e.g. 0912345678."))
    return text


def parse_email(value) -> str:
    text = clean_text(as_text(value)).lower()
    if not text:
        return ""
    if len(text) > 254 or not EMAIL.match(text):
        raise Invalid("invalid_email", _("Not an e-mail address."))
    return text


TRUE_WORDS = {"x", "co", "yes", "1", "true", "dang vien", "v"}


def parse_flag(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value == 1
    return fold(as_text(value)) in TRUE_WORDS


def parse_text(value, *, limit=255) -> str:
    """Free text, cut to the column's length (a clean cut, never a database error)."""
    text = clean_text(as_text(value))
    if text.startswith(FORMULA_PREFIXES):
        raise Invalid("formula_not_allowed", _("A cell may not start with = + - or @."))
    return text[:limit].rstrip() if len(text) > limit else text


def mask_citizen_id(cid: str) -> str:
    """0011******45: enough to tell two people apart, not enough to use the number."""
    return f"{cid[:4]}{'*' * 6}{cid[-2:]}" if len(cid) == 12 else "*" * len(cid)


def age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
