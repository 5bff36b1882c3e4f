"""Importing a roll again (§4): members already on the roll are matched exactly. A row is
`unchanged` only when every field the file has equals the stored one; a changed field is
reported with its value before, for the undo; nothing else is matched. On PostgreSQL the
import compares digests of the stored fields first (`importing._settle_digests`): these tests
run on both databases and pin that the outcome is the same."""

import datetime
import hashlib

import pytest
from django.db import connection

from members import importing, services
from members.models import Member, MemberImport

from .files import make_csv, make_xlsx, person, woman
from .test_import import admit, import_file, issues, roll_state

FULL = {
    "ethnicity": "Ê Đê",
    "religion": "Công giáo",
    "job_title": 'Kỹ sư\\Trưởng ca, "Tổ 3"',
    "union_position": "Tổ trưởng {công đoàn}",
    "is_party_member": "x",
    "phone": "0912345678",
    "email": "an@example.vn",
    "address": "Số 12\\3, Khu B; tổ 5 😀",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def roll(n: int = 30) -> list[dict]:
    """Rows with every column, values of every kind: dates before and after 2000, both flags,
    blank and filled optional fields, text with quotes, backslashes, braces and an emoji."""
    rows = []
    for i in range(1, n + 1):
        extra = {**FULL, "member_code": f'DV-{i:03d}"\\{{,}}'} if i % 2 else {"is_party_member": ""}
        if i % 3 == 0:
            rows.append(woman(i, union_code="A2", joined_on=f"{i:02d}/01/2012", **extra))
        else:
            rows.append(person(i, **extra))
    return rows


def counts(result) -> tuple:
    return result["status"], result["created"], result["updated"], result["unchanged"]


def settled(path, cast) -> list:
    """What validation notes for each member already on the roll: (id, stored values or None)."""
    table = importing.open_table(path, path.name)
    rows, outcome = importing.validate(table, importing.Scope(federation_id=cast.fed.pk, path=cast.fed.path))
    assert outcome.errors == []
    return list(rows.existing.values())


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_unchanged_file_reports_all_unchanged_and_writes_nothing(cast, tmp_path, kind):
    path = (make_csv if kind == "csv" else make_xlsx)(tmp_path / f"roll.{kind}", roll())
    assert counts(import_file(cast, path)) == ("imported", 30, 0, 0)
    after_first = roll_state()
    again = import_file(cast, path)
    assert counts(again) == ("imported", 0, 0, 30)
    assert (again["rows"], again["errors"]) == (30, [])
    assert roll_state() == after_first
    assert MemberImport.objects.order_by("pk").last().changes == {}
    # On PostgreSQL every member is settled by its digest alone: its fields are not read.
    existing = settled(path, cast)
    assert len(existing) == 30
    if connection.vendor == "postgresql":
        assert [stored for _pk, stored in existing] == [None] * 30
    else:
        assert all(isinstance(stored, tuple) for _pk, stored in existing)


def test_members_admitted_by_hand_match_their_rows(cast, tmp_path):
    """Stored by the services, not by an import: the digest's texts are the same."""
    born = datetime.date(1969, 12, 31)
    member = admit(
        cast,
        cast.a,
        citizen_id="066069000001",
        date_of_birth=born,
        joined_on=datetime.date(2000, 1, 1),
        is_party_member=True,
        phone="0912345678",
        member_code='X"\\1',
        address="Buôn Ma Thuột",
    )
    row = person(
        1,
        citizen_id="066069000001",
        date_of_birth="31/12/1969",
        joined_on="01/01/2000",
        is_party_member="có",
        phone="+84 912 345 678",
        member_code='X"\\1',
        address="Buôn  Ma Thuột ",
    )
    before = roll_state()
    path = make_csv(tmp_path / "roll.csv", [row])
    assert counts(import_file(cast, path)) == ("imported", 0, 0, 1)
    assert roll_state() == before
    [(pk, stored)] = settled(path, cast)
    assert pk == member.pk
    assert stored is None if connection.vendor == "postgresql" else isinstance(stored, tuple)


@pytest.mark.parametrize(
    ("column", "value", "field", "stored", "before"),
    [
        ("full_name", "Nguyễn Văn Ánh", "full_name", "Nguyễn Văn Ánh", "Nguyễn Văn An"),
        ("joined_on", "02/06/2010", "joined_on", datetime.date(2010, 6, 2), "2010-06-01"),
        ("is_party_member", "", "is_party_member", False, True),
        ("address", "Số 12\\3, Khu B; tổ 5 😁", "address", "Số 12\\3, Khu B; tổ 5 😁", FULL["address"]),
        ("email", "an@example.com", "email", "an@example.com", "an@example.vn"),
        ("ethnicity", "kinh", "ethnicity", "Kinh", "Ê Đê"),
    ],
)
def test_one_changed_field_in_one_row_is_updated_with_before_and_after(
    cast, tmp_path, column, value, field, stored, before
):
    rows = roll()
    import_file(cast, make_csv(tmp_path / "first.csv", rows))
    others = roll_state()[0]
    rows[0] = {**rows[0], column: value}
    second = make_csv(tmp_path / "second.csv", rows)
    if connection.vendor == "postgresql":  # only that member's fields are read
        assert sorted(stored is None for _pk, stored in settled(second, cast)) == [False] + [True] * 29
    result = import_file(cast, second)
    assert counts(result) == ("imported", 0, 1, 29)
    member = Member.objects.get(citizen_id="066085000001")
    assert getattr(member, field) == stored
    batch = MemberImport.objects.order_by("pk").last()
    assert batch.changes == {str(member.pk): {field: before}}
    # No other member was touched.
    assert [m for m in roll_state()[0] if m[0] != member.pk] == [m for m in others if m[0] != member.pk]
    # The undo puts the value back.
    services.member_import_undo(batch=batch, by=cast.admin)
    member.refresh_from_db()
    assert getattr(member, field) == Member._meta.get_field(field).to_python(before)


def test_text_moved_from_one_field_to_the_next_is_a_change(cast, tmp_path):
    """The digest keeps the fields apart: "ab" + "c" is not "a" + "bc"."""
    import_file(cast, make_csv(tmp_path / "first.csv", [person(1, job_title="ab", union_position="c")]))
    result = import_file(cast, make_csv(tmp_path / "second.csv", [person(1, job_title="a", union_position="bc")]))
    assert counts(result) == ("imported", 0, 1, 0)
    member = Member.objects.get()
    assert (member.job_title, member.union_position) == ("a", "bc")
    changes = MemberImport.objects.order_by("pk").last().changes
    assert changes == {str(member.pk): {"job_title": "ab", "union_position": "c"}}


def test_a_file_without_the_optional_columns_leaves_them_alone(cast, tmp_path):
    import_file(cast, make_csv(tmp_path / "first.csv", roll()))
    after_first = roll_state()
    columns = ["full_name", "gender", "date_of_birth", "citizen_id", "joined_on", "union_code"]
    path = make_csv(tmp_path / "second.csv", roll(), columns=columns)
    assert counts(import_file(cast, path)) == ("imported", 0, 0, 30)
    assert roll_state() == after_first


def test_rows_whose_digest_differs_are_still_compared_field_by_field(cast, tmp_path, monkeypatch):
    """Digests that disagree only send the rows to the exact comparison: the outcome is the
    same."""
    path = make_csv(tmp_path / "roll.csv", roll())
    import_file(cast, path)
    after_first = roll_state()
    digest_sql = importing._digest_sql
    # The stored side now hashes one more byte than the row's side.
    monkeypatch.setattr(
        importing,
        "_digest_sql",
        lambda compared: digest_sql(compared).replace("md5(", "md5('x' || ", 1),
    )
    again = import_file(cast, path)
    assert counts(again) == ("imported", 0, 0, 30)
    assert roll_state() == after_first
    if connection.vendor == "postgresql":
        assert all(isinstance(stored, tuple) for _pk, stored in settled(path, cast))


def test_member_active_in_another_union_is_still_member_in_other_union(cast, tmp_path):
    """In another union of the scope, or of the federation outside the uploader's scope."""
    admit(cast, cast.a, citizen_id="066085000001", phone="0912345678")  # unchanged below
    admit(cast, cast.a2, citizen_id="066085000002")  # D1, the uploader's district
    admit(cast, cast.b, citizen_id="066085000003")  # D2, outside it
    before = roll_state()
    rows = [person(1, phone="0912345678"), person(2), person(3), person(4)]
    result = import_file(cast, make_csv(tmp_path / "roll.csv", rows), scope=cast.d1)
    assert result["status"] == "invalid"
    assert issues(result["errors"]) == [
        ("member_in_other_union", 3, "citizen_id"),
        ("member_in_other_union", 4, "citizen_id"),
    ]
    assert ["A2" in result["errors"][0]["message"], "B" in result["errors"][1]["message"]] == [True, True]
    assert roll_state() == before


def test_members_outside_the_scope_are_not_matched(cast, tmp_path):
    """Not a member of another federation with the same citizen ID, nor a former member."""
    other = admit(cast, cast.x, citizen_id="066085000001", phone="0912345678")
    former = admit(cast, cast.a, citizen_id="066085000002", phone="0912345678")
    services.member_leave(member=former, on=datetime.date(2020, 1, 1), reason="resigned", by=cast.staff)
    kept = {m.pk: (m.union_id, m.status, m.phone, m.updated_at) for m in (other, Member.objects.get(pk=former.pk))}
    rows = [person(1, phone="0912345678"), person(2, phone="0912345678", joined_on="01/06/2021")]
    result = import_file(cast, make_csv(tmp_path / "roll.csv", rows))
    assert counts(result) == ("imported", 2, 0, 0)
    assert MemberImport.objects.get().changes == {}
    new = Member.objects.filter(federation=cast.fed, status="active").order_by("citizen_id")
    assert [(m.citizen_id, m.union_id) for m in new] == [("066085000001", cast.a.pk), ("066085000002", cast.a.pk)]
    assert {m.pk: (m.union_id, m.status, m.phone, m.updated_at) for m in Member.objects.filter(pk__in=kept)} == kept


def test_member_codes_with_quotes_and_backslashes_are_matched_exactly(cast, tmp_path):
    code = 'DV"\\{1,2}'
    import_file(cast, make_csv(tmp_path / "first.csv", [person(1, member_code=code)]))
    # The same member keeps its code; another one may not take it.
    assert counts(import_file(cast, make_csv(tmp_path / "again.csv", [person(1, member_code=code)]))) == (
        "imported",
        0,
        0,
        1,
    )
    before = roll_state()
    result = import_file(cast, make_csv(tmp_path / "other.csv", [person(2, member_code=code)]))
    assert issues(result["errors"]) == [("duplicate_member_code", 2, "member_code")]
    assert roll_state() == before


def test_stored_text_holding_the_digest_separator_is_compared_field_by_field(cast, tmp_path):
    member = admit(cast, cast.a, citizen_id="066085000001", job_title="Kỹ sư")
    Member.objects.filter(pk=member.pk).update(job_title="Kỹ\x1fsư")  # not through a form or a file
    path = make_csv(tmp_path / "roll.csv", [person(1, job_title="Kỹ\x1fsư")])  # read as "Kỹ sư"
    if connection.vendor == "postgresql":
        [(pk, stored)] = settled(path, cast)
        assert pk == member.pk
        assert isinstance(stored, tuple) and "Kỹ\x1fsư" in stored
    result = import_file(cast, path)
    assert counts(result) == ("imported", 0, 1, 0)
    assert MemberImport.objects.get().changes == {str(member.pk): {"job_title": "Kỹ\x1fsư"}}
    member.refresh_from_db()
    assert member.job_title == "Kỹ sư"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the digest is PostgreSQL's")
def test_a_row_text_holding_the_digest_separator_is_never_settled_by_digest(cast):
    """ "a" + "b␟c" and "a␟b" + "c" join to the same text: such a row is compared field by field."""
    member = admit(cast, cast.a, citizen_id="066085000001", job_title="a", union_position="b\x1fc")
    fields = ["full_name", "gender", "date_of_birth", "citizen_id", "joined_on", "job_title", "union_position"]
    values = {
        "full_name": member.full_name,
        "gender": member.gender,
        "date_of_birth": member.date_of_birth,
        "citizen_id": member.citizen_id,
        "joined_on": member.joined_on,
        "job_title": "a\x1fb",
        "union_position": "c",
    }
    rows = importing.ValidRows(fields, [2], [cast.a.pk], {f: [values[f]] for f in fields}, [0])
    compared = [f for f in fields if f != "citizen_id"]
    texts = [str(v.toordinal() - datetime.date(2000, 1, 1).toordinal()) if isinstance(v, datetime.date) else v
             for v in (values[f] for f in compared)]  # fmt: skip
    naive = hashlib.md5("\x1f".join(texts).encode()).hexdigest()  # what a digest without the check would be
    rows.existing[0] = (member.pk, naive)
    importing._settle_digests(rows, compared)
    assert rows.existing[0] == (
        member.pk,
        ("Nguyễn Văn An", "male", member.date_of_birth, member.joined_on, "a", "b\x1fc"),
    )
