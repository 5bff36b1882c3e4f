"""Writes to member rolls: admissions, departures, transfers, the Party pipeline, imports.

Every change of a roll is a `Movement`; `Member.status` and `Member.union` follow from the
latest one and are kept in step here, in the same transaction.
"""

import datetime
import hashlib
import logging
import threading
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from federation.models import AuditLog, Cap
from federation.services import audit_log, audit_log_rows, client_ip, diff_fields, query_filters
from federation.signals import records_changed
from unions.models import Level, Status

from . import exports, importing, selectors
from .models import (
    ExportStatus,
    ImportStatus,
    LeaveReason,
    Member,
    MemberImport,
    MemberStatus,
    Movement,
    MovementKind,
    RollExport,
    TransferRequest,
    TransferStatus,
)
from .selectors import keeps_roll_of

logger = logging.getLogger(__name__)

MEMBER_EDITABLE = (
    "full_name",
    "gender",
    "date_of_birth",
    "citizen_id",
    "joined_on",
    "ethnicity",
    "religion",
    "job_title",
    "union_position",
    "is_party_member",
    "phone",
    "email",
    "member_code",
    "address",
)


def _movement(*, member, kind, on, by, union=None, **extra) -> Movement:
    return Movement.objects.create(
        member=member, union=union or member.union, kind=kind, date=on, created_by=by, **extra
    )


def _check_grassroots(union):
    if union.level != Level.GRASSROOTS:
        raise ValidationError({"union": _("Members belong to a grassroots union.")})
    if union.status != Status.ACTIVE:
        raise ValidationError({"union": _("The union is closed.")})


def _check_date(on: datetime.date, member: Member | None = None):
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date is in the future.")})
    if member is not None:
        last = member.movements.order_by("-date").values_list("date", flat=True).first()
        if last and on < last:
            raise ValidationError(
                {
                    "on": _("The date is before the member's last movement (%(day)s).")
                    % {"day": last.strftime("%d/%m/%Y")}
                }
            )


@transaction.atomic
def member_admit(*, union, by, request=None, **data) -> Member:
    """Admit a new member to a grassroots union (kết nạp), on their join date."""
    _check_grassroots(union)
    member = Member(federation_id=union.federation_id, union=union, **data)
    member.full_clean()
    _check_date(member.joined_on)
    member.save()
    _movement(member=member, kind=MovementKind.ADMITTED, on=member.joined_on, by=by)
    audit_log(
        actor=by, obj=member, action=AuditLog.Action.CREATE, changes={"union": [None, union.code]}, request=request
    )
    return member


@transaction.atomic
def member_update(*, member: Member, by, request=None, **data) -> Member:
    """Change a member's own data (not the union, the status or the Party dates: those have their
    own services)."""
    unknown = set(data) - set(MEMBER_EDITABLE)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    return _member_change(member=member, by=by, request=request, **data)


@transaction.atomic
def member_change(*, member: Member, by, request=None, **data) -> Member:
    """Change any of a member's own fields, Party dates included (the admin site's form)."""
    return _member_change(member=member, by=by, request=request, **data)


def _member_change(*, member: Member, by, request=None, **data) -> Member:
    changes = diff_fields(member, data)
    if not changes:
        return member
    for name, value in data.items():
        setattr(member, name, value)
    member.full_clean()
    member.save(update_fields=list(changes))
    audit_log(actor=by, obj=member, action=AuditLog.Action.UPDATE, changes=changes, request=request)
    return member


def _end(member, *, kind, status, on, by, request, **extra):
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("This person is not an active member."))
    _check_date(on, member)
    _movement(member=member, kind=kind, on=on, by=by, **extra)
    member.status, member.left_on = status, on
    member.save(update_fields=["status", "left_on"])
    TransferRequest.objects.filter(member=member, status=TransferStatus.PENDING).update(
        status=TransferStatus.CANCELLED, decided_at=timezone.now()
    )
    audit_log(
        actor=by,
        obj=member,
        action=AuditLog.Action.UPDATE,
        changes={"status": [MemberStatus.ACTIVE, status], "left_on": [None, on.isoformat()]},
        request=request,
    )
    return member


@transaction.atomic
def member_leave(*, member, on, reason, by, note="", request=None) -> Member:
    """The member leaves the union (ra khỏi tổ chức) for one of §3's reasons."""
    if reason not in LeaveReason.values:
        raise ValidationError({"reason": _("Choose the reason.")})
    return _end(
        member,
        kind=MovementKind.LEFT,
        status=MemberStatus.LEFT,
        on=on,
        by=by,
        request=request,
        reason=reason,
        note=note,
    )


@transaction.atomic
def member_decease(*, member, on, by, request=None) -> Member:
    return _end(member, kind=MovementKind.DECEASED, status=MemberStatus.DECEASED, on=on, by=by, request=request)


@transaction.atomic
def member_readmit(*, member, union, on, by, request=None) -> Member:
    """Readmit a former member (kết nạp lại), in the same or another grassroots union."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    _check_grassroots(union)
    if member.status == MemberStatus.ACTIVE:
        raise ValidationError(_("This person is already an active member."))
    if member.status == MemberStatus.DECEASED:
        raise ValidationError(_("This person is deceased."))
    if Member.objects.filter(
        federation_id=union.federation_id, citizen_id=member.citizen_id, status=MemberStatus.ACTIVE
    ).exists():
        raise ValidationError(_("This citizen ID is already an active member of the federation."))
    _check_date(on, member)
    old_union = member.union
    member.union, member.status, member.left_on = union, MemberStatus.ACTIVE, None
    member.federation_id = union.federation_id
    member.save(update_fields=["union", "status", "left_on", "federation"])
    _movement(member=member, kind=MovementKind.READMITTED, on=on, by=by)
    audit_log(
        actor=by,
        obj=member,
        action=AuditLog.Action.UPDATE,
        changes={"status": ["left", "active"], "union": [old_union.code, union.code]},
        request=request,
    )
    return member


@transaction.atomic
def transfer_request(*, member, to_union, effective_on, by, note="", request=None) -> TransferRequest:
    """Ask `to_union` to take the member. Someone who holds both unions has it done at once."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("This person is not an active member."))
    _check_grassroots(to_union)
    if to_union.pk == member.union_id:
        raise ValidationError({"to_union": _("The member is already in this union.")})
    if to_union.federation_id != member.federation_id:
        raise ValidationError({"to_union": _("The union belongs to another federation.")})
    if TransferRequest.objects.filter(member=member, status=TransferStatus.PENDING).exists():
        raise ValidationError(_("A transfer of this member is already waiting."))
    _check_date(effective_on, member)
    transfer = TransferRequest.objects.create(
        member=member,
        from_union=member.union,
        to_union=to_union,
        effective_on=effective_on,
        note=note,
        requested_by=by,
    )
    audit_log(
        actor=by,
        obj=member,
        action=AuditLog.Action.UPDATE,
        changes={"transfer_requested": [member.union.code, to_union.code]},
        request=request,
    )
    if by is not None and keeps_roll_of(by, to_union):
        transfer = transfer_accept(transfer=transfer, by=by, request=request)
    return transfer


@transaction.atomic
def transfer_accept(*, transfer: TransferRequest, by, request=None) -> TransferRequest:
    updated = TransferRequest.objects.filter(pk=transfer.pk, status=TransferStatus.PENDING).update(
        status=TransferStatus.ACCEPTED, decided_by=by, decided_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("This transfer has already been decided."))
    transfer.refresh_from_db()
    member = Member.objects.select_for_update().get(pk=transfer.member_id)
    on = transfer.effective_on
    _movement(
        member=member,
        kind=MovementKind.TRANSFERRED_OUT,
        on=on,
        by=by,
        union=transfer.from_union,
        other_union=transfer.to_union,
    )
    _movement(
        member=member,
        kind=MovementKind.TRANSFERRED_IN,
        on=on,
        by=by,
        union=transfer.to_union,
        other_union=transfer.from_union,
    )
    member.union = transfer.to_union
    member.save(update_fields=["union"])
    audit_log(
        actor=by,
        obj=member,
        action=AuditLog.Action.MOVE,
        changes={"union": [transfer.from_union.code, transfer.to_union.code]},
        request=request,
    )
    return transfer


@transaction.atomic
def transfer_refuse(*, transfer: TransferRequest, by, note="", request=None) -> TransferRequest:
    updated = TransferRequest.objects.filter(pk=transfer.pk, status=TransferStatus.PENDING).update(
        status=TransferStatus.REFUSED, decided_by=by, decided_at=timezone.now(), decision_note=note
    )
    if not updated:
        raise ValidationError(_("This transfer has already been decided."))
    transfer.refresh_from_db()
    audit_log(
        actor=by,
        obj=transfer.member,
        action=AuditLog.Action.UPDATE,
        changes={"transfer_refused": [transfer.to_union.code, None]},
        request=request,
    )
    return transfer


@transaction.atomic
def party_record(*, member, introduced_on=None, admitted_on=None, by, request=None) -> Member:
    """Record the Party introduction and/or admission dates given (either may be None)."""
    for field, date, record in (
        ("introduced_on", introduced_on, party_introduce),
        ("admitted_on", admitted_on, party_admit),
    ):
        if date is None:
            continue
        try:
            member = record(member=member, on=date, by=by, request=request)
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from exc
    return member


@transaction.atomic
def party_introduce(*, member, on, by, request=None) -> Member:
    """Introduce an outstanding member to the Party (giới thiệu đoàn viên ưu tú)."""
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date is in the future.")})
    return _member_change(member=member, by=by, request=request, party_introduced_on=on)


@transaction.atomic
def party_admit(*, member, on, by, request=None) -> Member:
    if member.party_introduced_on and on < member.party_introduced_on:
        raise ValidationError({"on": _("Admission comes after the introduction.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date is in the future.")})
    return _member_change(member=member, by=by, request=request, party_admitted_on=on, is_party_member=True)


# --- imports -------------------------------------------------------------------------------------


def member_import_create(
    *, file, filename: str, federation, scope_path: str, union=None, dry_run: bool = False, by=None, request=None
) -> MemberImport:
    """Keep the uploaded file (a Django `File`) and open an import job for it."""
    digest, size = hashlib.sha256(), 0
    for chunk in file.chunks():
        digest.update(chunk)
        size += len(chunk)
    file.seek(0)
    name = Path(filename).name[:200] or "roll"
    batch = MemberImport(
        federation=federation,
        scope_path=scope_path,
        union=union,
        filename=name,
        sha256=digest.hexdigest(),
        size=size,
        dry_run=dry_run,
        uploaded_by=by,
    )
    batch.file.save(name, file, save=False)
    batch.save()
    audit_log(
        actor=by,
        obj=batch,
        action=AuditLog.Action.CREATE,
        changes={"filename": [None, name], "sha256": [None, batch.sha256], "size": [None, size],
                 "dry_run": [None, dry_run]},
        request=request,
    )  # fmt: skip
    return batch


def member_import_enqueue(batch: MemberImport) -> None:
    """Queue the import's validation once the upload is committed (runs in-process without Redis)."""
    from .tasks import run_member_import

    transaction.on_commit(lambda: run_member_import.delay(batch.pk))


# An import job owns its state in its row. A run claims it with one conditional UPDATE (queued,
# or running but silent for JOB_STALE_SECONDS: its worker died), which counts the attempt; the
# attempt number is the run's token, and every later write of the run (progress, heartbeat,
# outcome) is conditional on it, so a run that lost its job writes nothing. The members are
# written in one transaction that ends with that conditional write: all of them or none.


class _Lost(Exception):
    """The run no longer owns its job: it was judged dead and given to another run."""


def _owned(batch: MemberImport):
    return MemberImport.objects.filter(pk=batch.pk, status=ImportStatus.RUNNING, attempts=batch.attempts)


def _stale_before(now) -> datetime.datetime:
    return now - datetime.timedelta(seconds=settings.JOB_STALE_SECONDS)


def _dead(now) -> Q:
    """A running job whose run has been silent too long."""
    return Q(status=ImportStatus.RUNNING) & (Q(heartbeat_at__lt=_stale_before(now)) | Q(heartbeat_at__isnull=True))


def _claim(batch_id: int) -> MemberImport | None:
    now = timezone.now()
    claimed = MemberImport.objects.filter(
        Q(status=ImportStatus.QUEUED) | _dead(now), pk=batch_id, attempts__lt=settings.JOB_MAX_ATTEMPTS
    ).update(status=ImportStatus.RUNNING, progress=1, attempts=F("attempts") + 1, heartbeat_at=now)
    if not claimed:
        _give_up(MemberImport.objects.filter(pk=batch_id), now)
        return None
    return MemberImport.objects.select_related("union").get(pk=batch_id)


def _give_up(jobs, now) -> int:
    """Fail the jobs among `jobs` whose run died and that have no attempt left (nothing was written)."""
    failed = 0
    for batch in jobs.filter(_dead(now), attempts__gte=settings.JOB_MAX_ATTEMPTS):
        message = _(
            "The import was interrupted %(count)s times (the server running it stopped); nothing was written. "
            "Upload the file again."
        ) % {"count": batch.attempts}
        failed += jobs.filter(_dead(now), pk=batch.pk, attempts=batch.attempts).update(
            status=ImportStatus.FAILED,
            progress=100,
            errors=[importing.Issue("interrupted", message).as_dict()],
            finished_at=now,
        )
    return failed


class _Heartbeat:
    """Keeps a run's `heartbeat_at` (and `progress`) fresh from a thread with a database
    connection of its own, so the long write transaction neither hides nor stops it. On SQLite,
    which allows one writer only, progress is written by the run itself outside the transaction."""

    def __init__(self, batch: MemberImport):
        self.batch, self.progress = batch, batch.progress
        self.stop = threading.Event()
        self.thread = None
        if connection.vendor != "sqlite":
            self.thread = threading.Thread(target=self._beat_until_stopped, name=f"import-{batch.pk}", daemon=True)

    def __enter__(self):
        if self.thread is not None:
            self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        if self.thread is not None:
            self.thread.join()

    def report(self, share: int) -> None:
        """The run's progress in %; written at once when the run is outside its transaction."""
        if share > self.progress:
            self.progress = share
            if not connection.in_atomic_block:
                self._beat()

    def _beat(self) -> None:
        _owned(self.batch).update(heartbeat_at=timezone.now(), progress=Greatest(F("progress"), Value(self.progress)))

    def _beat_until_stopped(self) -> None:
        try:
            while not self.stop.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    self._beat()
                except Exception:  # noqa: BLE001 - a missed beat is retried; the run goes on
                    logger.warning("%s %s: heartbeat failed", type(self.batch).__name__, self.batch.pk, exc_info=True)
        finally:
            connection.close()  # this thread's own connection


def member_import_run(*, batch_id: int) -> MemberImport:
    """Validate the file of a queued import and, when it has no errors and is not a dry run,
    write it in one transaction. Running it again for the same import changes nothing (only a
    queued import, or one whose run died, is claimed); an unexpected failure leaves the import
    `failed` (nothing written), never stuck running."""
    batch = _claim(batch_id)
    if batch is None:
        return MemberImport.objects.select_related("union").get(pk=batch_id)
    with _Heartbeat(batch) as beat:
        try:
            return _run(batch, beat)
        except _Lost:
            logger.warning("member import %s: taken over by another run, this one wrote nothing", batch.pk)
        except Exception:
            logger.exception("member import %s failed", batch.pk)
            message = _("The import stopped on an unexpected problem; nothing was written. Try again.")
            outcome = importing.Outcome(errors=[importing.Issue("unreadable_file", message)])
            try:
                return _finish(batch, outcome, ImportStatus.FAILED)
            except _Lost:
                pass
    return MemberImport.objects.select_related("union").get(pk=batch_id)


def _run(batch: MemberImport, beat: _Heartbeat) -> MemberImport:
    scope = importing.Scope(federation_id=batch.federation_id, path=batch.scope_path, union=batch.union)
    try:
        table = importing.open_table(Path(batch.file.path), batch.filename)
    except importing.FileRefused as exc:
        return _finish(batch, importing.Outcome(errors=[exc.issue]), ImportStatus.INVALID)

    # Progress: checking the rows 1-60 %, writing them 62-97 %, the commit the rest.
    rows, outcome = importing.validate(
        table, scope, progress=lambda done: beat.report(min(60, 1 + int(done * 59 / max(table.total, 1))))
    )
    if outcome.errors:
        return _finish(batch, outcome, ImportStatus.INVALID)
    todo = importing.plan(rows, scope, outcome, present=set(filter(None, table.keys)))
    if batch.dry_run:
        outcome.changes = {}
        return _finish(batch, outcome, ImportStatus.VALID)
    beat.report(62)
    with transaction.atomic():
        written = lambda share: beat.report(62 + int(share * 35))  # noqa: E731
        importing.apply(todo, scope, batch=batch, by=batch.uploaded_by, progress=written)
        batch = _finish(batch, outcome, ImportStatus.IMPORTED)  # still ours, or all is rolled back
        _audit_import(batch, todo, outcome)
    return batch


def _audit_import(batch: MemberImport, todo, outcome) -> None:
    """The import's entry (file, digest, counts) and one entry per member it created or changed
    (for a change, each field before and after), all from where the file was uploaded."""
    from django.contrib.contenttypes.models import ContentType

    by = batch.uploaded_by
    uploaded = AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(MemberImport), object_id=str(batch.pk), ip__isnull=False
    )
    ip = uploaded.values_list("ip", flat=True).first()
    counts = {name: [None, getattr(outcome, name)] for name in ("rows", "created", "updated", "unchanged")}
    audit_log(
        actor=by,
        obj=batch,
        action=AuditLog.Action.UPDATE,
        changes={"status": [ImportStatus.QUEUED, ImportStatus.IMPORTED], "filename": [None, batch.filename],
                 "sha256": [None, batch.sha256], **counts},
        ip=ip,
    )  # fmt: skip
    marker = [None, batch.filename]
    created = Member.objects.filter(created_by_import=batch).order_by("pk")
    audit_log_rows(
        actor=by, model=Member, action=AuditLog.Action.CREATE, federation_id=batch.federation_id, ip=ip,
        rows=((pk, name, {"union": [None, code], "import": marker})
              for pk, name, code in created.values_list("pk", "full_name", "union__code").iterator(chunk_size=5000)),
    )  # fmt: skip
    updates = []
    for member in todo.updates:
        pairs = {}
        for name, old in outcome.changes.get(str(member.pk), {}).items():
            value = getattr(member, name)
            pairs[name] = [old, value.isoformat() if isinstance(value, datetime.date) else value]
        updates.append((member.pk, member.full_name, {**pairs, "import": marker}))
    audit_log_rows(
        actor=by, model=Member, action=AuditLog.Action.UPDATE, federation_id=batch.federation_id, ip=ip, rows=updates
    )


def _finish(batch: MemberImport, outcome, status) -> MemberImport:
    """Write the run's outcome if the job is still its own (raises `_Lost` otherwise)."""
    values = {
        "status": status,
        "progress": 100,
        "rows": outcome.rows,
        "created": outcome.created,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "errors": [e.as_dict() for e in outcome.errors],
        "warnings": [w.as_dict() for w in outcome.warnings],
        "changes": outcome.changes,
        "finished_at": timezone.now(),
    }
    if not _owned(batch).update(**values):
        raise _Lost
    for name, value in values.items():
        setattr(batch, name, value)
    return batch


@transaction.atomic
def member_import_reconcile(*, now=None) -> dict[str, int]:
    """Put import jobs back on track (run every minute by Celery beat, or `manage.py
    reconcile_jobs`): a running job whose run died is queued and sent again, or failed after
    JOB_MAX_ATTEMPTS runs; a job queued for JOB_REQUEUE_SECONDS (the broker lost it) is sent again.
    The jobs are sent when this commits; a job sent twice runs once."""
    from .tasks import run_member_import

    now = now or timezone.now()
    failed = _give_up(MemberImport.objects.all(), now)
    dead = MemberImport.objects.filter(_dead(now), attempts__lt=settings.JOB_MAX_ATTEMPTS)
    requeued = [pk for pk in dead.values_list("pk", flat=True) if dead.filter(pk=pk).update(
        status=ImportStatus.QUEUED, progress=0, heartbeat_at=None, queued_at=now
    )]  # fmt: skip
    waiting = MemberImport.objects.filter(
        status=ImportStatus.QUEUED, queued_at__lt=now - datetime.timedelta(seconds=settings.JOB_REQUEUE_SECONDS)
    )
    resent = [pk for pk in waiting.values_list("pk", flat=True) if waiting.filter(pk=pk).update(queued_at=now)]
    for pk in requeued + resent:
        transaction.on_commit(lambda pk=pk: run_member_import.delay(pk))
    if requeued or resent or failed:
        logger.warning("import jobs: %s requeued, %s sent again, %s failed", len(requeued), len(resent), failed)
    return {"requeued": len(requeued), "resent": len(resent), "failed": failed}


# --- roll exports ----------------------------------------------------------------------------
# A roll too large to build within a request is a job that owns its state in a RollExport row,
# like an import: claimed by one conditional UPDATE that counts the attempt (the run's token),
# its outcome written only while the run still owns it. A done export is never built again.

EXPORT_PARAMS_SKIPPED = ("page", "format", "csrfmiddlewaretoken")


@transaction.atomic
def roll_export_create(*, user, params, fmt: str, request=None) -> RollExport:
    """Open an export job of the member list for `params` (its query) as `user` sees it."""
    if user.federation_id is None:
        raise ValidationError(_("Only an account of a federation can prepare an export."))
    filters = {name: str(params.get(name)) for name in sorted(params) if name not in EXPORT_PARAMS_SKIPPED}
    filters = {name: value for name, value in filters.items() if value}
    if any(ch.isdigit() for ch in filters.get("q", "")):
        del filters["q"]  # never searched by (so never kept): a citizen ID is looked up apart
    job = RollExport.objects.create(
        federation_id=user.federation_id,
        requested_by=user,
        scope_path=user.scope_path or "",
        params={"filters": filters, "format": "csv" if fmt == "csv" else "xlsx"},
    )
    audit_log(
        actor=user,
        obj=job,
        action=AuditLog.Action.CREATE,
        changes={"format": [None, job.params["format"]], "filters": [None, query_filters(filters)]},
        request=request,
    )
    return job


def roll_export_enqueue(job: RollExport) -> None:
    """Queue the export once its row is committed (runs in-process without Redis)."""
    from .tasks import run_roll_export

    transaction.on_commit(lambda: run_roll_export.delay(job.pk))


def _export_owned(job: RollExport):
    return RollExport.objects.filter(pk=job.pk, status=ExportStatus.RUNNING, attempts=job.attempts)


def _export_claim(export_id: int) -> RollExport | None:
    now = timezone.now()
    claimed = RollExport.objects.filter(
        Q(status=ExportStatus.QUEUED) | _dead(now), pk=export_id, attempts__lt=settings.JOB_MAX_ATTEMPTS
    ).update(status=ExportStatus.RUNNING, attempts=F("attempts") + 1, heartbeat_at=now)
    if not claimed:
        _export_give_up(RollExport.objects.filter(pk=export_id), now)
        return None
    return RollExport.objects.select_related("requested_by").get(pk=export_id)


def _export_give_up(jobs, now) -> int:
    """Fail the exports among `jobs` whose run died and that have no attempt left."""
    failed = 0
    for job in jobs.filter(_dead(now), attempts__gte=settings.JOB_MAX_ATTEMPTS):
        message = _(
            "Preparing the file was interrupted %(count)s times (the server running it stopped). "
            "Prepare it again from the member list."
        ) % {"count": job.attempts}
        failed += jobs.filter(_dead(now), pk=job.pk, attempts=job.attempts).update(
            status=ExportStatus.FAILED, error=message, finished_at=now
        )
    return failed


class _ExportHeartbeat(_Heartbeat):
    """Keeps an export run's `heartbeat_at` fresh while it builds the file (no progress kept)."""

    def __init__(self, job: RollExport):
        job.progress = 0
        super().__init__(job)

    def _beat(self) -> None:
        _export_owned(self.batch).update(heartbeat_at=timezone.now())


def _export_finish(job: RollExport, **values) -> RollExport:
    """Write the run's outcome if the job is still its own (raises `_Lost` otherwise)."""
    values["finished_at"] = timezone.now()
    if not _export_owned(job).update(**values):
        raise _Lost
    for name, value in values.items():
        setattr(job, name, value)
    return job


def roll_export_run(*, export_id: int) -> RollExport:
    """Build the file of a queued export. Running it again changes nothing (only a queued export,
    or one whose run died, is claimed); a failure leaves it `failed` with a message."""
    job = _export_claim(export_id)
    if job is None:
        return RollExport.objects.get(pk=export_id)
    with _ExportHeartbeat(job):
        try:
            return _export_build(job)
        except _Lost:
            logger.warning("roll export %s: taken over by another run, this one wrote nothing", job.pk)
        except Exception:
            logger.exception("roll export %s failed", job.pk)
            try:
                message = _("Preparing the file stopped on an unexpected problem. Try again.")
                return _export_finish(job, status=ExportStatus.FAILED, error=message)
            except _Lost:
                pass
    return RollExport.objects.get(pk=export_id)


def _export_build(job: RollExport) -> RollExport:
    user = job.requested_by
    if not user.is_active or not user.can(Cap.VIEW_PERSONAL_DATA) or user.federation_id != job.federation_id:
        message = _("Your account may no longer export members; no file was prepared.")
        return _export_finish(job, status=ExportStatus.FAILED, error=message)
    members, _form, scope_union, _personal, _unions = selectors.filter_roll(user, job.params.get("filters", {}))
    members = members.filter(union__path__startswith=job.scope_path)  # never beyond the scope when asked
    rows = members.count()
    content, filename, _type = exports.roll_file(members, unit=scope_union or user.unit, fmt=job.params.get("format"))
    job.file.save(filename, ContentFile(content), save=False)
    try:
        return _export_finish(job, status=ExportStatus.DONE, file=job.file.name, filename=filename, rows=rows, error="")
    except _Lost:
        job.file.storage.delete(job.file.name)
        raise


@transaction.atomic
def roll_export_reconcile(*, now=None) -> dict[str, int]:
    """Put export jobs back on track, as `member_import_reconcile` does imports, and clear the
    files of exports finished more than ROLL_EXPORT_KEEP_DAYS ago (the rows stay)."""
    from .tasks import run_roll_export

    now = now or timezone.now()
    failed = _export_give_up(RollExport.objects.all(), now)
    dead = RollExport.objects.filter(_dead(now), attempts__lt=settings.JOB_MAX_ATTEMPTS)
    requeued = [pk for pk in dead.values_list("pk", flat=True) if dead.filter(pk=pk).update(
        status=ExportStatus.QUEUED, heartbeat_at=None, queued_at=now
    )]  # fmt: skip
    waiting = RollExport.objects.filter(
        status=ExportStatus.QUEUED, queued_at__lt=now - datetime.timedelta(seconds=settings.JOB_REQUEUE_SECONDS)
    )
    resent = [pk for pk in waiting.values_list("pk", flat=True) if waiting.filter(pk=pk).update(queued_at=now)]
    for pk in requeued + resent:
        transaction.on_commit(lambda pk=pk: run_roll_export.delay(pk))
    old = RollExport.objects.filter(finished_at__lt=now - datetime.timedelta(days=settings.ROLL_EXPORT_KEEP_DAYS))
    expired = 0
    for pk, name in old.exclude(file="").values_list("pk", "file"):
        if old.filter(pk=pk, file=name).update(file=""):
            expired += 1
            transaction.on_commit(lambda name=name: RollExport.file.field.storage.delete(name))
    if requeued or resent or failed:
        logger.warning("export jobs: %s requeued, %s sent again, %s failed", len(requeued), len(resent), failed)
    return {"requeued": len(requeued), "resent": len(resent), "failed": failed, "expired": expired}


def jobs_reconcile(*, now=None) -> dict[str, dict[str, int]]:
    """Every background job kind put back on track (Celery beat, `manage.py reconcile_jobs`)."""
    return {"imports": member_import_reconcile(now=now), "exports": roll_export_reconcile(now=now)}


def import_result(batch: MemberImport) -> dict:
    """The §4 JSON of an import."""
    status = {ImportStatus.IMPORTED: "imported", ImportStatus.VALID: "valid"}.get(batch.status, "invalid")
    return {
        "status": status,
        "rows": batch.rows,
        "created": batch.created,
        "updated": batch.updated,
        "unchanged": batch.unchanged,
        "warnings": batch.warnings,
        "errors": batch.errors,
    }


@transaction.atomic
def member_import_undo(*, batch: MemberImport, by, request=None) -> MemberImport:
    """Remove the members an import created and restore the fields it changed, unless later
    changes depend on it."""
    batch = MemberImport.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.IMPORTED:
        raise ValidationError(_("Only a completed import can be undone."))
    created = Member.objects.filter(created_by_import=batch)
    later = (
        Movement.objects.filter(member__in=created).exclude(import_batch=batch).exists()
        or TransferRequest.objects.filter(member__in=created).exists()
    )
    touched = Member.objects.filter(pk__in=[int(pk) for pk in batch.changes]) | created
    if later or touched.filter(updated_at__gt=batch.finished_at).exists():
        raise ValidationError(_("Members of this import have changed since: it can no longer be undone."))
    removed = list(created.values_list("pk", "full_name"))
    created.delete()
    records_changed.send(sender=Member)
    marker = [batch.filename, None]
    restored = []
    for member in Member.objects.filter(pk__in=[int(pk) for pk in batch.changes]):
        pairs = {}
        for name, value in batch.changes[str(member.pk)].items():
            field = Member._meta.get_field(name)
            pairs[name] = [_plain(getattr(member, name)), value]
            setattr(member, name, field.to_python(value))
        member.save(update_fields=list(batch.changes[str(member.pk)]))
        restored.append((member.pk, member.full_name, {**pairs, "import": marker}))
    batch.status, batch.undone_by, batch.undone_at = ImportStatus.UNDONE, by, timezone.now()
    batch.save(update_fields=["status", "undone_by", "undone_at"])
    audit_log(
        actor=by,
        obj=batch,
        action=AuditLog.Action.DELETE,
        changes={"undone": [None, True], "removed": [None, len(removed)], "restored": [None, len(restored)]},
        request=request,
    )
    ip = client_ip(request)
    audit_log_rows(
        actor=by, model=Member, action=AuditLog.Action.DELETE, federation_id=batch.federation_id, ip=ip,
        rows=[(pk, name, {"import": marker}) for pk, name in removed],
    )  # fmt: skip
    audit_log_rows(
        actor=by, model=Member, action=AuditLog.Action.UPDATE, federation_id=batch.federation_id, ip=ip, rows=restored
    )
    return batch


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.date) else value
