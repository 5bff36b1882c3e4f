"""Backup and restore of one federation (docs/backup.md): `export_federation` writes everything
the federation holds, and `restore_federation` loads it back, the same to the last field, into a
database that does not hold it; and refuses a changed file, a federation already there, or
another schema version, without writing anything."""

import contextlib
import datetime
import hashlib
import json
import time
import zipfile
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.utils import translation

from federation import backup
from federation.models import AuditLog, Federation, Role
from federation.services import audit_log
from members.models import Member, MemberImport, MemberStatus
from members.services import member_import_create
from reports.demo import report_figures
from reports.models import Indicator, IndicatorValue, Reminder
from unions.models import Lineage, Reorganization, Union
from welfare.demo import welfare_figures

from ..factories import FederationFactory, UnionFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
CODE = "LDLD-DLK"
ROLL = b"Ho va ten,Gioi tinh\nNguyen Van An,Nam\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def command(name, *args, **options) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command(name, *args, stdout=out, stderr=out, **options)
    return out.getvalue()


@pytest.fixture
def province(db):
    """The small demo federation with its neighbour merged into it on 1 July 2025 (units,
    members, welfare, reports, accounts, reorganization, lineage), plus the kinds of rows the
    demo has none of: an import with its file, a hand-entered value, a reminder, and an audit
    entry written by an account of another federation."""
    command("seed_demo", scale="small", password="Demo-backup-pass-2026")
    command("seed_demo", scale="small", neighbour=True)
    User.objects.create_superuser("root", password="x")
    merged = json.loads(
        command("reorganize", "docs/plans/2-merger-2025-07.csv", "--federation", CODE, "--json", "--as", "root").strip()
    )
    assert merged["status"] == "applied", merged["errors"]
    fed = Federation.objects.get(code=CODE)
    chair = User.objects.get(username="demo_chair")
    member_import_create(
        file=ContentFile(ROLL), filename="roll.csv", federation=fed, scope_path=chair.union.path, by=chair
    )
    manual = Indicator.objects.create(
        code="backup_manual", name_vi="Chỉ tiêu nhập tay", name_en="Hand-entered", unit="people",
        measure="count", source="manual", position=99,
    )  # fmt: skip
    IndicatorValue.objects.create(
        indicator=manual, federation=fed, union=chair.union, year=2025, quarter=1,
        ends_on=datetime.date(2025, 3, 31), value=Decimal("12.50"), entered_by=chair,
    )  # fmt: skip
    Reminder.objects.create(user=chair, union=chair.union, year=2025, quarter=1, kind=Reminder.Kind.DUE)
    other = FederationFactory(code="LDLD-LCI", name="Liên đoàn Lao động tỉnh Lào Cai", province_code=15)
    outsider = UserFactory(username="outsider", role=Role.FEDERATION_ADMIN, federation=other)
    audit_log(actor=outsider, obj=chair.union, action=AuditLog.Action.UPDATE, changes={"note": ["", "x"]})
    return fed


def digest(code: str) -> dict[str, tuple[int, str]]:
    """{model: (rows, sha256 of every field of every row, by id)} of everything exported."""
    fed = Federation.objects.get(code=code)
    result = {}
    for model, qs in backup.federation_querysets(backup.federation_ids(fed)).items():
        names = [f.attname for f in model._meta.concrete_fields]
        rows = [list(row) for row in qs.values_list(*names)]
        for f in model._meta.many_to_many:
            through = {o.pk: sorted(getattr(o, f.name).values_list("pk", flat=True)) for o in qs}
            rows = [[*row, through[row[0]]] for row in rows]
        text = json.dumps(rows, default=str, ensure_ascii=False)
        result[model._meta.label] = (len(rows), hashlib.sha256(text.encode()).hexdigest())
    return result


def figures(code: str) -> dict:
    """What screens read from the tree: a subtree, its members, the 2024 report and welfare."""
    fed = Federation.objects.get(code=code)
    district = Union.objects.get(federation=fed, code="H01")
    return {
        "subtree": list(Union.objects.under(district.path).order_by("path").values_list("code", flat=True)),
        "members": Member.objects.filter(union__path__startswith=district.path, status=MemberStatus.ACTIVE).count(),
        "report": report_figures(fed),
        "welfare": welfare_figures(fed),
        "funds": fed.funds.aggregate(s=Sum("balance"))["s"],
    }


@contextlib.contextmanager
def audit_trail_unlocked():
    """The audit trail refuses deletes (federation migration 0005); a test that empties a
    federation to restore it unlocks it for that delete."""
    if connection.vendor == "postgresql":

        def alter(action):
            with connection.cursor() as cursor:
                # ALTER TABLE waits for no deferred check: run them now
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE federation_auditlog {action} TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

        alter("DISABLE")
        try:
            yield
        finally:
            alter("ENABLE")
        return
    unlocked = getattr(connection, "audit_unlocked", None)
    connection.audit_unlocked = True
    try:
        yield
    finally:
        connection.audit_unlocked = unlocked


def delete_federation(code: str) -> None:
    """Remove the federation and everything exported with it, as if this were another database
    (what points at its accounts from outside the backup goes too: tokens, sessions...)."""
    fed = Federation.objects.get(code=code)
    querysets = backup.federation_querysets(backup.federation_ids(fed))
    users = list(querysets[User].values_list("pk", flat=True))
    for rel in User._meta.related_objects:
        if rel.related_model not in querysets and not rel.many_to_many:
            rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": users}).delete()
    with audit_trail_unlocked():
        for qs in reversed(list(querysets.values())):
            qs.order_by()._raw_delete(qs.db)
    connection.check_constraints()
    assert not Federation.objects.filter(code__in=["LDLD-DLK", "LDLD-PYN"]).exists()


def test_every_model_of_our_apps_is_exported_or_excluded():
    assert backup.unclassified_models() == []
    labels = [m._meta.label for m in backup.exported_models()]
    # the tree before what hangs on it; units before positions; members before movements
    assert labels.index("federation.Federation") < labels.index("unions.Union") < labels.index("unions.UnionLink")
    assert labels.index("members.Member") < labels.index("members.Movement")
    assert {"welfare.Beneficiary", "welfare.FundEntry", "reports.TargetRevision", "reports.Reminder"} <= set(labels)


def test_a_new_model_without_a_federation_fails_the_check(monkeypatch):
    real = backup._our_models
    monkeypatch.setattr(backup, "_our_models", lambda: [*real(), Indicator])
    monkeypatch.setattr(backup, "SHARED", {})
    assert "reports.Indicator" in backup.unclassified_models()
    with translation.override("en"), pytest.raises(backup.BackupError, match="neither exported nor excluded"):
        backup.export_federation(code=CODE, output="/dev/null")


def test_export_then_restore_gives_back_the_same_federation(province, tmp_path):
    path = tmp_path / "dlk.zip"
    before, shown = digest(CODE), figures(CODE)
    counts = {label: rows for label, (rows, _sha) in before.items()}
    # rows of every kind, and the neighbour's history with it
    assert all(counts[label] for label in counts), [label for label, n in counts.items() if not n]
    assert Reorganization.objects.exists() and Lineage.objects.filter(from_federation__code="LDLD-PYN").exists()
    upload = MemberImport.objects.get().file.name

    started = time.perf_counter()
    out = command("export_federation", CODE, output=str(path))
    exported = time.perf_counter() - started
    assert f"Exported {CODE} to {path}" in out
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert archive.read(f"media/{upload}") == ROLL
    assert manifest["federation"] == CODE and manifest["federations"] == [CODE, "LDLD-PYN"]
    assert {s["model"]: s["count"] for s in manifest["sections"] if s["model"] in counts} == counts
    assert manifest["schema"] == backup.schema_version()
    assert "authtoken.Token" not in {s["model"] for s in manifest["sections"]}

    delete_federation(CODE)
    default_storage.delete(upload)
    assert not Union.objects.exists() and not Member.objects.exists()

    dry = command("restore_federation", str(path), dry_run=True)
    assert "Nothing was written" in dry
    assert not Federation.objects.filter(code=CODE).exists() and not default_storage.exists(upload)

    started = time.perf_counter()
    out = command("restore_federation", str(path))
    restored = time.perf_counter() - started
    assert f"Restored {CODE}" in out and "unions.Union" in out
    assert digest(CODE) == before
    assert figures(CODE) == shown
    with default_storage.open(upload, "rb") as fh:
        assert fh.read() == ROLL
    # the outsider's entry kept its author: same id and username in this database
    assert AuditLog.objects.filter(actor__username="outsider", federation__code=CODE).exists()
    # new rows get new ids after the restored ones (PostgreSQL sequences reset)
    fed = Federation.objects.get(code=CODE)
    new = UnionFactory(federation=fed, code="NEW1")
    assert new.pk > max(pk for pk in Union.objects.exclude(pk=new.pk).values_list("pk", flat=True))
    print(f"\n{connection.vendor}: {sum(counts.values())} rows, export {exported:.2f} s, restore {restored:.2f} s")


@pytest.fixture
def exported(cast, tmp_path):
    """The cast's federation exported, with an audit entry by the other federation's admin."""
    audit_log(actor=cast.other_admin, obj=cast.a, action=AuditLog.Action.UPDATE, changes={"note": ["", "x"]})
    path = tmp_path / "fed.zip"
    command("export_federation", cast.fed.code, output=str(path))
    return path


def _rewrite(path, name, change):
    """The zip at `path` with the member `name` passed through `change`."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts[name] = change(parts[name])
    with zipfile.ZipFile(path, "w") as archive:
        for part, data in parts.items():
            archive.writestr(part, data)


def refused(path, **options) -> str:
    with pytest.raises(CommandError) as exc:
        command("restore_federation", str(path), **options)
    return str(exc.value)


def test_restore_refuses_a_federation_that_exists(cast, exported):
    assert refused(exported) == "The federation LDLD-DLK already exists in this database: nothing restored."


def test_restore_refuses_a_changed_file_and_writes_nothing(cast, exported):
    delete_federation(cast.fed.code)
    _rewrite(exported, "data/members.member.jsonl", lambda data: data + b"\n")
    _rewrite(exported, "data/unions.union.jsonl", lambda data: data.replace(b'"A"', b'"Z"'))
    message = refused(exported)
    assert "damaged or was changed" in message and "unions.union.jsonl" in message
    assert not Federation.objects.filter(code=cast.fed.code).exists()


def test_restore_refuses_another_schema_version(cast, exported):
    delete_federation(cast.fed.code)

    def older(data):
        manifest = json.loads(data)
        manifest["schema"]["unions"] = ["0004_tree_triggers_closed_units"]
        return json.dumps(manifest).encode()

    _rewrite(exported, "manifest.json", older)
    assert "another database schema" in refused(exported)
    assert not Union.objects.filter(federation__code=cast.fed.code).exists()


def test_restore_refuses_ids_this_database_uses(cast, exported):
    # the federation row gone, its units still here: their ids collide
    Federation.objects.filter(pk=cast.fed.pk).update(code="LDLD-OLD")
    message = refused(exported)
    assert message.startswith("Rows of ") and "already uses" in message


def test_an_account_of_another_database_is_left_empty_with_a_warning(cast, exported):
    delete_federation(cast.fed.code)
    User.objects.filter(pk=cast.other_admin.pk).update(username="someone_else")
    out = command("restore_federation", str(exported))
    assert "1 references to accounts outside the backup were left empty" in out
    entry = AuditLog.objects.get(federation=cast.fed, object_id=str(cast.a.pk), actor_name="other_admin")
    assert entry.actor is None
    assert User.objects.get(username="chair_a").union == cast.a
    assert User.objects.get(username="chair_a").check_password("correct horse battery")


def test_export_refuses_an_unknown_federation(db, tmp_path):
    with pytest.raises(CommandError, match="No federation has the code NOPE"):
        command("export_federation", "NOPE", output=str(tmp_path / "x.zip"))
    assert not (tmp_path / "x.zip").exists()
