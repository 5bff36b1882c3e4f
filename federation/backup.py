"""Export one federation completely to a zip file, and restore it into another database
(`manage.py export_federation`, `manage.py restore_federation`; docs/backup.md).

The file holds one JSON Lines section per model (Django's own serializer), the uploaded files
the rows point to, and `manifest.json`: the format, the schema version (the latest migration of
each app), the export time, the federation's code, and each section's row count and sha256.

What is exported is found, not listed: every model of our apps with a foreign-key path to
`Federation`, cut to the federation and the federations merged into it (their history stays
theirs). A model with no such path must be named in `SHARED` or `EXCLUDED`
(`unclassified_models`, checked by the tests and before every export), so backups stay
complete as the schema grows.

A restore keeps every primary key (tree paths are made of them), so it goes into a database
that holds none of them: typically a fresh, migrated one.
"""

import datetime
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JSONLSerializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Federation
from .signals import records_changed

FORMAT = 1
MANIFEST = "manifest.json"
# The apps whose models hold a federation's data: every model in them is exported, shared or
# excluded (`unclassified_models`).
APPS = ("federation", "unions", "members", "welfare", "reports")
# Apps whose migrations make the schema version: ours, and those of the rows ours point to.
SCHEMA_APPS = (*APPS, "auth", "contenttypes")
# Rows every federation shares, exported as far as the federation's rows point to them and
# matched on restore by the field named here (added when the database lacks them).
SHARED = {"reports.Indicator": "code"}
# Models of our apps left out on purpose, with the reason.
EXCLUDED: dict[str, str] = {
    "members.RollExport": "a prepared download of a member list: a copy of rows the backup holds, "
    "kept for ROLL_EXPORT_KEEP_DAYS only",
    # Pre-aggregated figures (reports/rollup.py), derived from the members and movements the
    # backup holds: a restored federation has none, is read live, and the next refresh builds them.
    "reports.RollupFigure": "pre-aggregated dashboard figures, rebuilt from the records by refresh_rollups",
    "reports.RollupState": "when the pre-aggregated figures were built: a restored federation is not yet",
    "reports.RollupDirty": "the log of federations whose pre-aggregated figures are stale",
}
# Models of other apps that concern a federation's accounts and are not exported (docs/backup.md).
NOT_EXPORTED = {
    "authtoken.Token": "API tokens are secrets: users make new ones after a restore",
    "sessions.Session": "sign-ins end with the database they were made in",
    "admin.LogEntry": "the admin site's own log; the audit trail is exported",
    "otp_totp.TOTPDevice": "second-factor secrets, like tokens: users enrol again",
    "otp_static.StaticDevice": "second-factor recovery codes: users enrol again",
}
# Foreign keys to these are written by natural key (they have other ids in another database).
NATURAL_KEY_MODELS = ("contenttypes.ContentType", "auth.Permission", "auth.Group")
BATCH = 500


class BackupError(Exception):
    """A refusal with a message for the operator (translated)."""


@dataclass
class Outcome:
    counts: dict[str, int] = field(default_factory=dict)
    media: int = 0
    users_cleared: int = 0  # references to accounts outside the backup, set to empty
    rows_skipped: int = 0  # rows that cannot stand without such an account
    dry_run: bool = False
    manifest: dict = field(default_factory=dict)


# --- What is exported ----------------------------------------------------------------------


def _label(model) -> str:
    return model._meta.label


def _foreign_keys(model) -> list:
    return [f for f in model._meta.concrete_fields if f.many_to_one or f.one_to_one]


def _is_user(model) -> bool:
    return model is get_user_model()


def federation_lookup(model) -> str | None:
    """The ORM path from `model` to its federation's id ("federation", "activity__federation"),
    "pk" for Federation itself, None if there is none. Shortest path first, a field named
    `federation` preferred; not through accounts (who did something is not whose it is), shared
    rows, or the model itself."""
    if model is Federation:
        return "pk"
    queue = deque([(model, [])])
    seen = {model}
    while queue:
        current, path = queue.popleft()
        fields = sorted(_foreign_keys(current), key=lambda f: f.name != "federation")
        for f in fields:
            target = f.related_model
            if target is Federation:
                return "__".join([*path, f.name])
            if target in seen or _is_user(target) or _label(target) in SHARED:
                continue
            seen.add(target)
            queue.append((target, [*path, f.name]))
    return None


def _our_models() -> list:
    return [m for app in APPS for m in apps.get_app_config(app).get_models()]


def unclassified_models() -> list[str]:
    """Models of our apps neither exported (no path to a federation) nor shared nor excluded,
    and foreign keys from exported rows to models the backup does not know how to carry."""
    problems = []
    exported = set()
    for model in _our_models():
        label = _label(model)
        if label in SHARED or label in EXCLUDED:
            continue
        if federation_lookup(model) is None:
            problems.append(label)
        else:
            exported.add(model)
    known = exported | {get_user_model(), ContentType} | {apps.get_model(label) for label in SHARED}
    for model in exported:
        for f in _foreign_keys(model):
            if f.related_model not in known:
                problems.append(f"{_label(model)}.{f.name} -> {_label(f.related_model)}")
        for f in model._meta.many_to_many:
            if _label(f.related_model) not in NATURAL_KEY_MODELS:
                problems.append(f"{_label(model)}.{f.name} -> {_label(f.related_model)}")
    return sorted(problems)


def exported_models() -> list:
    """The exported models in an order that loads each after those it points to (self
    references aside: those rows are sorted within the section)."""
    models_ = [m for m in _our_models() if _label(m) not in SHARED | EXCLUDED.keys() and federation_lookup(m)]
    shared = [apps.get_model(label) for label in SHARED]
    order, done = [], set()

    def visit(model, stack=()):
        if model in done:
            return
        if model in stack:
            raise BackupError(f"Foreign keys form a cycle: {' -> '.join(_label(m) for m in (*stack, model))}")
        for f in _foreign_keys(model):
            if f.related_model is not model and f.related_model in models_:
                visit(f.related_model, (*stack, model))
        done.add(model)
        order.append(model)

    for model in models_:
        visit(model)
    return shared + order


def schema_version(using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """{app: its latest migrations}, from the code; `check_migrated` says the database has them."""
    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    leaves = defaultdict(list)
    for app, name in loader.graph.leaf_nodes():
        if app in SCHEMA_APPS:
            leaves[app].append(name)
    return {app: sorted(leaves[app]) for app in sorted(leaves)}


def check_migrated(using: str = DEFAULT_DB_ALIAS) -> None:
    executor = MigrationExecutor(connections[using])
    leaves = [node for node in executor.loader.graph.leaf_nodes() if node[0] in SCHEMA_APPS]
    if executor.migration_plan(leaves):
        raise BackupError(_("The database is not fully migrated: run manage.py migrate first."))


def federation_ids(federation: Federation) -> list[int]:
    """The federation and those merged into it (or into one of those): their rows are its own."""
    ids, frontier = [federation.pk], [federation.pk]
    while frontier:
        frontier = list(Federation.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True))
        ids += frontier
    return ids


def federation_querysets(federation_ids_: list[int]) -> dict:
    """{model: its rows of these federations} for every exported (not shared) model."""
    result = {}
    for model in exported_models():
        lookup = federation_lookup(model)
        if lookup is None:
            continue
        result[model] = model._base_manager.filter(**{f"{lookup}__in": federation_ids_}).order_by("pk")
    return result


# --- Export --------------------------------------------------------------------------------


class _Serializer(JSONLSerializer):
    """Django's JSON Lines serializer, with natural keys only for content types, permissions
    and groups: every other row keeps its id, which the restore keeps too."""

    def _natural(self, field_) -> bool:
        return _label(field_.remote_field.model) in NATURAL_KEY_MODELS

    def handle_fk_field(self, obj, field_):
        self.use_natural_foreign_keys = self._natural(field_)
        super().handle_fk_field(obj, field_)

    def handle_m2m_field(self, obj, field_):
        self.use_natural_foreign_keys = self._natural(field_)
        super().handle_m2m_field(obj, field_)


class _Encoder(DjangoJSONEncoder):
    """Times to the microsecond (Django's encoder stops at the millisecond)."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class _HashingWriter(io.TextIOBase):
    def __init__(self, raw):
        self.raw = raw
        self.sha256 = hashlib.sha256()

    def write(self, text):
        data = text.encode()
        self.sha256.update(data)
        self.raw.write(data)
        return len(text)


def _section_name(model) -> str:
    return f"data/{model._meta.app_label}.{model._meta.model_name}.jsonl"


def _check_references(querysets: dict) -> None:
    """Every foreign key of an exported row points into the export (accounts, content types and
    shared rows aside): otherwise the restore could not stand on its own."""
    for model, qs in querysets.items():
        for f in _foreign_keys(model):
            target = f.related_model
            if target not in querysets or _is_user(target):
                continue
            inside = querysets[target].values("pk")
            dangling = qs.filter(**{f"{f.name}__isnull": False}).exclude(**{f"{f.name}__in": inside})
            if dangling.exists():
                raise BackupError(
                    _("%(model)s rows point outside the federation (%(field)s): nothing exported.")
                    % {"model": _label(model), "field": f.name}
                )


def export_federation(*, code: str, output: Path) -> dict:
    """Write the federation `code` to the zip file `output`; its manifest."""
    problems = unclassified_models()
    if problems:
        raise BackupError(
            _("These models are neither exported nor excluded from backups: %(models)s.")
            % {"models": ", ".join(problems)}
        )
    check_migrated()
    federation = Federation.objects.filter(code=code).first()
    if federation is None:
        raise BackupError(_("No federation has the code %(code)s.") % {"code": code})
    if federation.merged_into_id:
        raise BackupError(
            _("%(federation)s was merged into %(other)s: export %(other_code)s, which holds its data.")
            % {"federation": federation, "other": federation.merged_into, "other_code": federation.merged_into.code}
        )
    User = get_user_model()
    output = Path(output)
    connection = connections[DEFAULT_DB_ALIAS]
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # one snapshot for every section: rows written meanwhile are in all of them or none
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        ids = federation_ids(federation)
        querysets = federation_querysets(ids)
        _check_references(querysets)
        user_ids = set(querysets[User].values_list("pk", flat=True))
        referenced_users, shared_ids, files = set(), defaultdict(set), []
        for model, qs in querysets.items():
            for f in _foreign_keys(model):
                if _is_user(f.related_model):
                    referenced_users |= set(qs.exclude(**{f.attname: None}).values_list(f.attname, flat=True))
                elif _label(f.related_model) in SHARED:
                    shared_ids[f.related_model] |= set(qs.values_list(f.attname, flat=True).distinct())
            for f in model._meta.concrete_fields:
                if isinstance(f, models.FileField):
                    files += list(qs.exclude(**{f.attname: ""}).values_list(f.attname, flat=True))
        external = dict(User.objects.filter(pk__in=referenced_users - user_ids).values_list("pk", "username"))

        manifest = {
            "format": FORMAT,
            "federation": federation.code,
            "federations": list(Federation.objects.filter(pk__in=ids).order_by("pk").values_list("code", flat=True)),
            "exported_at": timezone.now().isoformat(),
            "schema": schema_version(),
            "sections": [],
            "media": [],
            "media_missing": [],
            "external_users": {str(pk): name for pk, name in sorted(external.items())},
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(prefix=".export-", suffix=".zip", dir=output.parent)
        os.close(handle)
        try:
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for model in exported_models():
                    if _label(model) in SHARED:
                        qs = model._base_manager.filter(pk__in=shared_ids[model]).order_by("pk")
                    else:
                        qs = querysets[model]
                    if model._meta.many_to_many:
                        qs = qs.prefetch_related(*(f.name for f in model._meta.many_to_many))
                    name = _section_name(model)
                    with archive.open(name, "w", force_zip64=True) as raw:
                        writer = _HashingWriter(raw)
                        _Serializer().serialize(qs.iterator(chunk_size=2000), stream=writer, cls=_Encoder)
                    manifest["sections"].append(
                        {"model": _label(model), "file": name, "count": qs.count(), "sha256": writer.sha256.hexdigest()}
                    )
                for name in sorted(set(files)):
                    if not default_storage.exists(name):
                        manifest["media_missing"].append(name)
                        continue
                    digest = hashlib.sha256()
                    with default_storage.open(name, "rb") as src, archive.open(f"media/{name}", "w") as dst:
                        for chunk in iter(lambda s=src: s.read(1 << 20), b""):
                            digest.update(chunk)
                            dst.write(chunk)
                    manifest["media"].append({"name": name, "sha256": digest.hexdigest()})
                archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
            os.replace(partial, output)
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
    return manifest


# --- Restore -------------------------------------------------------------------------------


def _damaged(part: str) -> BackupError:
    return BackupError(_("The file is damaged or was changed: %(part)s does not match its checksum.") % {"part": part})


def _read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise BackupError(_("This is not a federation backup: it has no readable manifest.")) from exc
    keys = {"federation", "federations", "schema", "sections", "media", "external_users"}
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not keys <= manifest.keys():
        raise BackupError(_("This backup's format is not one this version can read."))
    return manifest


def _verify(archive: zipfile.ZipFile, manifest: dict) -> None:
    parts = [(s["file"], s["sha256"]) for s in manifest["sections"]]
    parts += [(f"media/{m['name']}", m["sha256"]) for m in manifest["media"]]
    for name, expected in parts:
        digest = hashlib.sha256()
        try:
            with archive.open(name) as src:
                for chunk in iter(lambda s=src: s.read(1 << 20), b""):
                    digest.update(chunk)
        except (KeyError, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise _damaged(name) from exc
        if digest.hexdigest() != expected:
            raise _damaged(name)


def _lines(archive: zipfile.ZipFile, name: str):
    with archive.open(name) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            if line.strip():
                yield line


def _check_collisions(archive: zipfile.ZipFile, manifest: dict, using: str) -> None:
    codes = manifest["federations"]
    existing = list(Federation.objects.using(using).filter(code__in=codes).values_list("code", flat=True))
    if existing:
        raise BackupError(
            _("The federation %(code)s already exists in this database: nothing restored.") % {"code": existing[0]}
        )
    User = get_user_model()
    for section in manifest["sections"]:
        if section["model"] in SHARED:
            continue
        model = apps.get_model(section["model"])
        rows = [json.loads(line) for line in _lines(archive, section["file"])]
        pks = [row["pk"] for row in rows]
        taken = []
        for start in range(0, len(pks), 5000):
            chunk = pks[start : start + 5000]
            taken += list(model._base_manager.using(using).filter(pk__in=chunk).values_list("pk", flat=True)[:5])
            if taken:
                break
        if taken:
            raise BackupError(
                _("Rows of %(model)s in the backup have ids this database already uses (%(ids)s): nothing restored.")
                % {"model": section["model"], "ids": ", ".join(map(str, taken[:5]))}
            )
        if model is User:
            names = [row["fields"]["username"] for row in rows]
            clash = list(User._base_manager.using(using).filter(username__in=names).values_list("username", flat=True))
            if clash:
                raise BackupError(
                    _("These usernames are taken in this database: %(names)s. Nothing restored.")
                    % {"names": ", ".join(sorted(clash)[:5])}
                )


def _user_keeper(manifest: dict, restored_users: set[int], using: str):
    """Whether a reference to the account `pk` can stay: an account of the backup, or one outside
    it that this database holds under the same id and username (the same database, restored into)."""
    external = {int(pk): name for pk, name in manifest["external_users"].items()}
    same = set()
    if external:
        rows = get_user_model()._base_manager.using(using).filter(pk__in=external).values_list("pk", "username")
        same = {pk for pk, name in rows if external.get(pk) == name}
    keep = restored_users | same
    return lambda pk: pk in keep


def _sort_key(model):
    if _label(model) == "unions.Union":
        # parents before children: the tree's triggers check a new unit's parent
        return lambda obj: (obj.path.count("/"), obj.path)
    return None


def _insert(model, objs: list, using: str) -> None:
    fields = list(model._meta.local_concrete_fields)
    size = max(1, min(BATCH, connections[using].ops.bulk_batch_size(fields, objs) or BATCH))
    for start in range(0, len(objs), size):
        # raw: the values as exported (no auto_now, no save() overrides, no signals)
        model._base_manager.using(using)._insert(objs[start : start + size], fields=fields, using=using, raw=True)


def _load(archive: zipfile.ZipFile, manifest: dict, using: str, outcome: Outcome) -> None:
    User = get_user_model()
    sections = manifest["sections"]
    user_section = next(s for s in sections if s["model"] == _label(User))
    restored_users = {json.loads(line)["pk"] for line in _lines(archive, user_section["file"])}
    keep_user = _user_keeper(manifest, restored_users, using)
    remap: dict = defaultdict(dict)  # shared model -> {id in the backup: id here}
    for section in sections:
        model = apps.get_model(section["model"])
        stream = _lines(archive, section["file"])
        try:
            deserialized = list(serializers.deserialize("jsonl", stream, using=using, ignorenonexistent=False))
        except DeserializationError as exc:
            raise BackupError(
                _("%(model)s could not be read: %(error)s") % {"model": section["model"], "error": exc}
            ) from exc
        if section["model"] in SHARED:
            key = SHARED[section["model"]]
            for item in deserialized:
                obj = item.object
                here = model._base_manager.using(using).filter(**{key: getattr(obj, key)}).first()
                if here is None:
                    old = obj.pk
                    obj.pk = None
                    obj.save(using=using)
                    here = obj
                    outcome.counts[section["model"]] = outcome.counts.get(section["model"], 0) + 1
                    remap[model][old] = here.pk
                else:
                    remap[model][obj.pk] = here.pk
            continue
        objs, m2m = [], []
        for item in deserialized:
            obj = item.object
            skip = False
            for f in _foreign_keys(model):
                value = getattr(obj, f.attname)
                if value is None:
                    continue
                if _is_user(f.related_model) and not keep_user(value):
                    if f.null:
                        setattr(obj, f.attname, None)
                        outcome.users_cleared += 1
                    else:
                        skip = True
                elif f.related_model in remap:
                    setattr(obj, f.attname, remap[f.related_model][value])
            if skip:
                outcome.rows_skipped += 1
                continue
            objs.append(obj)
            if item.m2m_data:
                m2m.append((obj, item.m2m_data))
        key = _sort_key(model)
        if key:
            objs.sort(key=key)
        _insert(model, objs, using)
        for obj, data in m2m:
            for name, values in data.items():
                through = model._meta.get_field(name).remote_field.through
                source = model._meta.model_name + "_id"
                target = next(f.attname for f in through._meta.concrete_fields if f.attname not in ("id", source))
                through._base_manager.using(using).bulk_create(
                    [through(**{source: obj.pk, target: value}) for value in values]
                )
        outcome.counts[section["model"]] = len(objs)
    connection = connections[using]
    tables = [apps.get_model(s["model"])._meta.db_table for s in sections]
    connection.check_constraints(table_names=tables)


def _restore_media(archive: zipfile.ZipFile, manifest: dict) -> list[str]:
    """Write the uploaded files back where the rows say they are; those written (to remove them
    again if the restore fails)."""
    written = []
    for item in manifest["media"]:
        name = item["name"]
        if default_storage.exists(name):
            digest = hashlib.sha256()
            with default_storage.open(name, "rb") as src:
                for chunk in iter(lambda s=src: s.read(1 << 20), b""):
                    digest.update(chunk)
            if digest.hexdigest() == item["sha256"]:
                continue
            raise BackupError(_("A different file is already stored as %(name)s: nothing restored.") % {"name": name})
        with archive.open(f"media/{name}") as src:
            saved = default_storage.save(name, src)
        written.append(saved)
        if saved != name:
            raise BackupError(_("The file %(name)s could not be stored under its name.") % {"name": name})
    return written


def read_manifest(path: Path) -> dict:
    try:
        with zipfile.ZipFile(path) as archive:
            return _read_manifest(archive)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(_("This is not a federation backup: it has no readable manifest.")) from exc


def restore_federation(*, path: Path, dry_run: bool = False, using: str = DEFAULT_DB_ALIAS) -> Outcome:
    """Check the backup at `path` and load it in one transaction (nothing written with
    `dry_run`: the load is tried, then rolled back). Raises BackupError on any refusal."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(_("This is not a federation backup: it has no readable manifest.")) from exc
    with archive:
        manifest = _read_manifest(archive)
        here = schema_version(using)
        if manifest.get("schema") != here:
            raise BackupError(
                _(
                    "The backup was made with another database schema (%(theirs)s; this database: %(ours)s). "
                    "Restore it with the version of the application that made it."
                )
                % {"theirs": _schema_text(manifest.get("schema")), "ours": _schema_text(here)}
            )
        check_migrated(using)
        if {s["model"] for s in manifest["sections"]} != {_label(m) for m in exported_models()}:
            raise BackupError(_("This backup's format is not one this version can read."))
        _verify(archive, manifest)
        _check_collisions(archive, manifest, using)
        outcome = Outcome(dry_run=dry_run, manifest=manifest)
        written = []
        try:
            with transaction.atomic(using=using):
                _load(archive, manifest, using, outcome)
                if dry_run:
                    transaction.set_rollback(True, using=using)
                else:
                    written = _restore_media(archive, manifest)
                    outcome.media = len(written)
                    _reset_sequences(using, [apps.get_model(s["model"]) for s in manifest["sections"]])
                    records_changed.send(sender=Federation)
        except (IntegrityError, DatabaseError) as exc:
            _remove(written)
            raise BackupError(_("The database refused the backup's rows: %(error)s") % {"error": exc}) from exc
        except BaseException:
            _remove(written)
            raise
    return outcome


def _schema_text(schema) -> str:
    if not isinstance(schema, dict):
        return "?"
    return ", ".join(f"{app} {'+'.join(names)}" for app, names in sorted(schema.items()))


def _remove(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _reset_sequences(using: str, models_: list) -> None:
    """Rows came with their ids: the next id of each table must come after them (PostgreSQL)."""
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), models_)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
