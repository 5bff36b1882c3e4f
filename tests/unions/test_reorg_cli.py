"""`python manage.py reorganize PLAN_FILE` (PRODUCT.md §7): a dry run changes nothing and prints
the preview, applying writes and names the reorganization, --json prints exactly the outcome,
errors come with their row and column and exit non-zero, the federation is asked for when
several are open; plans as .csv and .xlsx."""

import csv
import datetime
import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from federation.models import Federation
from unions.management.commands.reorganize import Command
from unions.models import Lineage, Reorganization, Status, Union
from unions.reorg.engine import run_plan
from unions.reorg.plan import HEADERS, read_plan

pytestmark = pytest.mark.django_db

DECISION = {
    "decision_number": "123-QĐ/TU",
    "decision_date": "20/06/2025",
    "effective_on": "01/07/2025",
    "reason": "Sắp xếp tổ chức bộ máy",
}
KEYS = ("operation", "unit", "new_parent", "new_name", "new_code", "kind", "target", *DECISION)
DISSOLVE_H01 = [{"operation": "dissolve", "unit": "H01", "target": "H02"}]


def csv_plan(tmp_path, rows, name="plan.csv", decision=DECISION):
    """A .csv plan with the English keys as headers; the decision on the first row."""
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=KEYS)
        writer.writeheader()
        for index, row in enumerate(rows):
            writer.writerow({**(decision if index == 0 else {}), **row})
    return path


def xlsx_plan(tmp_path, rows, name="plan.xlsx"):
    """An .xlsx plan with the template's Vietnamese headers, on a sheet named "Kế hoạch"."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Kế hoạch"
    sheet.append([HEADERS[key] for key in KEYS])
    for index, row in enumerate(rows):
        values = {**(DECISION if index == 0 else {}), **row}
        sheet.append([values.get(key, "") for key in KEYS])
    path = tmp_path / name
    book.save(path)
    return path


def run(*args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("reorganize", *map(str, args), stdout=out)
    return out.getvalue()


def fails(*args) -> tuple[str, str]:
    """(what was printed, the error) of a run that must fail."""
    out = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError) as exc:
        call_command("reorganize", *map(str, args), stdout=out)
    return out.getvalue(), str(exc.value)


def tree():
    return sorted(Union.objects.values_list("pk", "code", "parent_id", "path", "status"))


def test_a_dry_run_prints_the_preview_and_changes_nothing(cast, tmp_path):
    before = tree()
    output = run(csv_plan(tmp_path, DISSOLVE_H01), "--federation", "LDLD-DLK", "--dry-run")
    lines = output.splitlines()
    assert lines[0] == "Decision 123-QĐ/TU of 20/06/2025, effective 01/07/2025: Sắp xếp tổ chức bộ máy"
    assert lines[2] == (
        "Row 2 (dissolve): Dissolve Liên đoàn Lao động phường Buôn Ma Thuột (H01); its members and units go to "
        "Liên đoàn Lao động xã Ea Kar (H02)."
    )
    assert lines[3] == "  members moved: 0, units moved: 2, targets passed on: 0"
    assert "Totals (before → after):" in lines
    assert any(line.split() == ["active_units", "8", "→", "7"] for line in lines), output
    assert lines[-1] == "Preview only (--dry-run): nothing was changed"
    assert tree() == before
    assert not Reorganization.objects.exists() and not Lineage.objects.exists()


def test_applying_an_xlsx_plan_writes_it_and_names_the_reorganization(cast, tmp_path):
    rows = [
        {"operation": "create", "unit": "R01", "new_name": "Công đoàn khu vực Buôn Ma Thuột",
         "kind": "regional_union"},
        {"operation": "move", "unit": "A", "new_parent": "R01"},
    ]  # fmt: skip
    output = run(xlsx_plan(tmp_path, rows), "--federation", "ldld-dlk", "--as", "admin")
    reorganization = Reorganization.objects.get()
    assert output.splitlines()[-1] == f"Applied: reorganization #{reorganization.pk}"
    assert reorganization.status == Reorganization.Status.APPLIED
    assert reorganization.source == "plan.xlsx" and reorganization.decision_number == "123-QĐ/TU"
    assert reorganization.created_by == cast.admin and reorganization.applied_by == cast.admin
    assert reorganization.effective_on == datetime.date(2025, 7, 1)
    cast.a.refresh_from_db()
    assert cast.a.parent.code == "R01"
    assert list(Lineage.objects.values_list("operation", "union__code")) == [("create", "R01"), ("move", "A")]


def test_without_as_the_system_does_it(cast, tmp_path):
    run(csv_plan(tmp_path, DISSOLVE_H01), "--federation", "LDLD-DLK")
    reorganization = Reorganization.objects.get()
    assert reorganization.applied_by is None and reorganization.source == "plan.csv"
    cast.d1.refresh_from_db()
    assert cast.d1.status == Status.CLOSED


def test_json_is_exactly_the_outcome(cast, tmp_path):
    path = csv_plan(tmp_path, DISSOLVE_H01)
    output = run(path, "--federation", "LDLD-DLK", "--dry-run", "--json")
    plan = read_plan(path, path.name)
    with translation.override("en"):
        expected = run_plan(federation=cast.fed, decision=plan.decision, rows=plan.plan_rows, by=None, apply=False)
    assert output == json.dumps(expected.as_dict(), ensure_ascii=False, indent=2) + "\n"
    data = json.loads(output)
    assert data["status"] == "valid" and data["reorganization"] is None and data["errors"] == []
    assert data["decision_number"] == "123-QĐ/TU" and data["effective_on"] == "2025-07-01"
    assert [u["code"] for u in data["steps"][0]["units"]] == ["A", "A2"]
    assert data["totals"]["active_units"] == [8, 7]
    # applied: the same shape, with the reorganization's id
    applied = json.loads(run(path, "--federation", "LDLD-DLK", "--json"))
    assert applied["status"] == "applied" and applied["reorganization"] == Reorganization.objects.get().pk
    assert applied["steps"] == data["steps"]


def test_errors_come_with_row_and_column_and_exit_non_zero(cast, tmp_path):
    before = tree()
    rows = [
        {"operation": "move", "unit": "A", "new_parent": "H02"},
        {"operation": "dissolve", "unit": "NOPE"},
        {"operation": "move", "unit": "H01", "new_parent": "H02"},
    ]
    path = csv_plan(tmp_path, rows)
    output, error = fails(path, "--federation", "LDLD-DLK")
    assert error == "The plan has errors: nothing was changed."
    lines = output.splitlines()
    assert "Not applied: the plan has errors, nothing was changed." in lines
    assert "  row 3, column unit: No unit has the code NOPE in this federation." in lines
    assert any(line.startswith("  row 4, column new_parent: ") for line in lines)
    assert tree() == before and not Reorganization.objects.exists()
    output, _error = fails(path, "--federation", "LDLD-DLK", "--json")
    data = json.loads(output)
    assert data["status"] == "invalid"
    assert [(e["sheet"], e["row"], e["column"]) for e in data["errors"]] == [(None, 3, "unit"), (None, 4, "new_parent")]


def test_a_plan_file_that_cannot_be_read_is_refused_with_its_rows(cast, tmp_path):
    rows = [{"operation": "explode", "unit": "A"}, {"operation": "rename", "unit": ""}]
    path = xlsx_plan(tmp_path, rows)
    output, _error = fails(path, "--federation", "LDLD-DLK", "--json")
    data = json.loads(output)
    assert data["status"] == "invalid" and data["steps"] == [] and data["reorganization"] is None
    assert [(e["sheet"], e["row"], e["column"], e["code"]) for e in data["errors"]] == [
        ("Kế hoạch", 2, "operation", "invalid_operation"),
        ("Kế hoạch", 3, "unit", "missing_value"),
    ]
    output, _error = fails(path, "--federation", "LDLD-DLK")
    assert "  sheet Kế hoạch, row 3, column unit: Enter the unit's code." in output.splitlines()
    # a plan without its decision
    output, _error = fails(csv_plan(tmp_path, DISSOLVE_H01, decision={}), "--federation", "LDLD-DLK", "--json")
    assert {e["column"] for e in json.loads(output)["errors"]} == {
        "decision_number", "decision_date", "effective_on", "reason",
    }  # fmt: skip
    assert not Reorganization.objects.exists()


def test_the_federation_is_asked_for_when_several_are_open(cast, tmp_path):
    path = csv_plan(tmp_path, DISSOLVE_H01)
    # the factories' stray federations are closed: the cast's two stay open
    Federation.objects.exclude(pk__in=[cast.fed.pk, cast.other_fed.pk]).update(closed_on=datetime.date(2025, 1, 1))
    _output, error = fails(path, "--dry-run")
    assert error == "Several federations are open: give --federation CODE (one of LDLD-DLK, LDLD-LCI)."
    Federation.objects.filter(pk=cast.other_fed.pk).update(closed_on=datetime.date(2025, 1, 1))
    assert run(path, "--dry-run").splitlines()[-1] == "Preview only (--dry-run): nothing was changed"
    _output, error = fails(path, "--federation", "LDLD-LCI")
    assert error == "The federation LDLD-LCI closed on 01/01/2025."
    _output, error = fails(path, "--federation", "NOPE")
    assert error == "No federation has the code NOPE."


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("staff", "staff may not reorganize the federation LDLD-DLK: only its federation admin may."),
        ("other_admin", "other_admin may not reorganize the federation LDLD-DLK: only its federation admin may."),
        ("chair_a", "chair_a may not reorganize the federation LDLD-DLK: only its federation admin may."),
        ("nobody", "No active user has the username nobody."),
    ],
)
def test_as_must_be_the_federation_admin(cast, tmp_path, username, message):
    _output, error = fails(csv_plan(tmp_path, DISSOLVE_H01), "--federation", "LDLD-DLK", "--as", username)
    assert error == message
    assert not Reorganization.objects.exists()


def test_a_missing_file_is_an_error(cast, tmp_path):
    assert fails(tmp_path / "nope.csv", "--federation", "LDLD-DLK")[1] == f"No such file: {tmp_path / 'nope.csv'}"


def test_a_federation_merger_prints_the_codes_renamed(cast, tmp_path):
    path = csv_plan(tmp_path, [{"operation": "merge_federation", "unit": "LDLD-LCI"}])
    output = run(path, "--federation", "LDLD-DLK")
    assert "  code H01 becomes LCI-H01" in output.splitlines()
    assert Federation.objects.get(pk=cast.other_fed.pk).merged_into == cast.fed


def test_from_the_command_line_an_invalid_plan_exits_non_zero(cast, tmp_path, capsys):
    path = csv_plan(tmp_path, [{"operation": "dissolve", "unit": "NOPE"}])
    with translation.override("en"), pytest.raises(SystemExit) as exc:
        Command().run_from_argv(["manage.py", "reorganize", str(path), "--federation", "LDLD-DLK"])
    assert exc.value.code != 0
    captured = capsys.readouterr()
    assert "The plan has errors: nothing was changed." in captured.err
    assert "row 2, column unit: No unit has the code NOPE in this federation." in captured.out
