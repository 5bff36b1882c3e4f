"""Roll files for the import tests: the template's columns as .csv and .xlsx, with the defects
real files have (title blocks, merged cells, formulas, several sheets, legacy encodings)."""

import codecs
import csv
import datetime
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

from members.importing import COLUMNS

HEADERS = {c.key: c.header for c in COLUMNS}
REQUIRED = [c.key for c in COLUMNS if c.required]


def person(n: int = 1, **fields) -> dict:
    """A valid row: a man born 3 April 1985 (ID 066 0 85 ...: Đắk Lắk, male 1900s, '85), who
    joined in 2010, in union A. `n` makes the ID unique."""
    return {
        "full_name": "Nguyễn Văn An",
        "gender": "Nam",
        "date_of_birth": "03/04/1985",
        "citizen_id": f"066085{n:06d}",
        "joined_on": "01/06/2010",
        "union_code": "A",
        **fields,
    }


def woman(n: int = 1, **fields) -> dict:
    """A valid row: a woman born 12 November 1990 (ID 066 1 90 ...)."""
    defaults = {"full_name": "Trần Thị Bình", "gender": "Nữ", "date_of_birth": "12/11/1990"}
    return person(n, **{**defaults, "citizen_id": f"066190{n:06d}", **fields})


@dataclass(frozen=True)
class Formula:
    """A formula cell; `value` is the result Excel stored with it, NO_VALUE for none."""

    text: str
    value: object = None


NO_VALUE = object()
BLANK = object()  # an empty cell that has a format, as Excel keeps after "Clear contents"


def _columns(rows, columns):
    if columns is not None:
        return list(columns)
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys]
    return keys


def _header_line(columns, headers):
    headers = headers or {}
    return [headers.get(key, HEADERS.get(key, key)) for key in columns]


def make_csv(
    path: Path,
    rows: list[dict],
    *,
    columns=None,
    headers=None,
    encoding: str = "utf-8",
    delimiter: str = ",",
    title_rows=(),
    trailing_blank: int = 0,
) -> Path:
    """A CSV roll: optional title lines, the header, one line per row (dicts by column key)."""
    columns = _columns(rows, columns)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for title in title_rows:
        writer.writerow([title])
    writer.writerow(_header_line(columns, headers))
    for row in rows:
        writer.writerow(["" if row.get(key) is None else row[key] for key in columns])
    for _ in range(trailing_blank):
        writer.writerow([""] * len(columns))
    path.write_bytes(out.getvalue().encode(encoding))
    return path


@dataclass
class Sheet:
    """One worksheet: `title_rows` are merged across the columns above the header; the roll
    starts at (first_row, first_col), 0-based; `lines` replaces the roll with raw cells."""

    rows: list = field(default_factory=list)
    name: str = "Danh sách"
    columns: list | None = None
    headers: dict | None = None
    title_rows: tuple = ()
    first_row: int = 0
    first_col: int = 0
    trailing_blank: int = 0
    lines: list | None = None
    hidden: bool = False


def make_xlsx(path: Path, rows=None, *, sheets=None, active: int | None = None, **sheet_options) -> Path:
    """A workbook written like Excel writes it (dates as date cells, formulas with their stored
    result); `active` makes that sheet the one Excel opens on."""
    sheets = sheets if sheets is not None else [Sheet(rows or [], **sheet_options)]
    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    title_format = book.add_format({"bold": True, "align": "center"})
    border = book.add_format({"border": 1})
    formats = {"date": date_format, "blank": border}
    worksheets = []
    for sheet in sheets:
        ws = book.add_worksheet(sheet.name)
        if sheet.hidden:
            ws.hide()
        worksheets.append(ws)
        r, c0 = sheet.first_row, sheet.first_col
        if sheet.lines is not None:
            for i, line in enumerate(sheet.lines):
                for j, value in enumerate(line):
                    _write(ws, r + i, c0 + j, value, formats)
            continue
        columns = _columns(sheet.rows, sheet.columns)
        for title in sheet.title_rows:
            ws.merge_range(r, c0, r, c0 + len(columns) - 1, title, title_format)
            r += 1
        for j, text in enumerate(_header_line(columns, sheet.headers)):
            ws.write_string(r, c0 + j, text)
        for row in sheet.rows:
            r += 1
            for j, key in enumerate(columns):
                _write(ws, r, c0 + j, row.get(key), formats)
        for _ in range(sheet.trailing_blank):
            # Formatted but empty cells, as left behind when someone clears a row's contents.
            r += 1
            for j in range(len(columns)):
                ws.write_blank(r, c0 + j, None, border)
    if active is not None:
        worksheets[active].activate()
    book.close()
    return path


def _write(ws, r, c, value, formats):
    if value is None:
        return
    if value is BLANK:
        ws.write_blank(r, c, None, formats["blank"])
        return
    if isinstance(value, Formula):
        ws.write_formula(r, c, value.text, None, "" if value.value is NO_VALUE else value.value)
    elif isinstance(value, (datetime.date, datetime.datetime)):
        ws.write_datetime(r, c, value, formats["date"])
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value)
    else:
        ws.write_string(r, c, str(value))


def to_cp1258(text: str) -> bytes:
    """Windows-1258 writes a toned vowel as its base letter and a combining tone mark."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            out += unicodedata.normalize("NFC", decomposed[:-1]).encode("cp1258") + decomposed[-1].encode("cp1258")
    return out


def legacy_csv(path: Path, encoding: str) -> Path:
    """A two-line roll in a pre-Unicode Vietnamese encoding: "Họ và tên" as Windows-1258, TCVN3
    ("Hä vµ tªn" when read as Latin-1) or VNI ("Hoï vaø teân")."""
    header = "Họ và tên,Giới tính,Ngày sinh,Số CCCD,Ngày vào Công đoàn,Mã CĐCS\r\n"
    row = "Nguyễn Văn An,Nam,03/04/1985,066085000001,01/06/2010,A\r\n"
    if encoding == "cp1258":
        data = to_cp1258(header + row)
    elif encoding == "tcvn3":
        data = (
            b"H\xe4 v\xb5 t\xaan,Gi\xedi t\xefnh,Ng\xb5y sinh,S\xe8 CCCD,Ng\xb5y v\xb5o C\xabng \xae"
            b"o\xb5n,M\xb5 C\xa7CS\r\nNguy\xd4n V\xa8n An,Nam,03/04/1985,066085000001,01/06/2010,A\r\n"
        )
    elif encoding == "utf-16-without-bom":
        data = (header + row).encode("utf-16-le")
    elif encoding == "utf-8-bom-then-cp1258":
        data = codecs.BOM_UTF8 + to_cp1258(header + row)
    elif encoding == "vni":
        data = (
            b"Ho\xef va\xf8 te\xe2n,Gio\xf4\xf9i ti\xfanh,Nga\xf8y sinh,So\xe1 CCCD,"
            b"Nga\xf8y va\xf8o C\xf4ng \xf1oa\xf8n,Ma\xf5 C\xd1CS\r\n"
            b"Nguye\xe3n Va\xeen An,Nam,03/04/1985,066085000001,01/06/2010,A\r\n"
        )
    else:
        raise ValueError(encoding)
    path.write_bytes(data)
    return path


# The smallest parts of a workbook, for hand-made archives.
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Danh sách" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def make_zip_bomb(path: Path, expanded_bytes: int) -> Path:
    """A valid-looking workbook whose one sheet is `expanded_bytes` of highly compressible XML."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        tail = b"</sheetData></worksheet>"
        chunk = b"<!-- " + b"0" * (1 << 20) + b" -->"
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(head)
            written = len(head)
            while written < expanded_bytes:
                out.write(chunk)
                written += len(chunk)
            out.write(tail)
    return path
