"""Writes to member rolls: admissions, departures, transfers, the Party pipeline, imports.

Every change of a roll is a `Movement`; `Member.status` and `Member.union` follow from the
latest one and are kept in step here, in the same transaction.
"""

import datetime
import hashlib
import logging
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from federation.models import AuditLog
from federation.services import audit_log, diff_fields
from federation.signals import records_changed
from unions.models import Level, Status

from . import importing
from .models import (
    ImportStatus,
    LeaveReason,
    Member,
    MemberImport,
    MemberStatus,
    Movement,
    MovementKind,
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
    *, file, filename: str, federation, scope_path: str, union=None, dry_run: bool = False, by=None
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
    return batch


def member_import_enqueue(batch: MemberImport) -> None:
    """Queue the import's validation once the upload is committed (runs in-process without Redis)."""
    from .tasks import run_member_import

    transaction.on_commit(lambda: run_member_import.delay(batch.pk))


def member_import_run(*, batch_id: int) -> MemberImport:
    """Validate the file of a queued import and, when it has no errors and is not a dry run,
    write it in one transaction. Running it again for the same import changes nothing; an
    unexpected failure leaves the import `failed` (nothing written), never stuck running."""
    claimed = MemberImport.objects.filter(pk=batch_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, progress=1
    )
    batch = MemberImport.objects.select_related("union").get(pk=batch_id)
    if not claimed:
        return batch
    try:
        return _run(batch)
    except Exception:
        logger.exception("member import %s failed", batch.pk)
        message = _("The import stopped on an unexpected problem; nothing was written. Try again.")
        outcome = importing.Outcome(errors=[importing.Issue("unreadable_file", message)])
        return _finish(batch, outcome, ImportStatus.FAILED)


def _run(batch: MemberImport) -> MemberImport:
    scope = importing.Scope(federation_id=batch.federation_id, path=batch.scope_path, union=batch.union)
    try:
        table = importing.open_table(Path(batch.file.path), batch.filename)
    except importing.FileRefused as exc:
        return _finish(batch, importing.Outcome(errors=[exc.issue]), ImportStatus.INVALID)

    def progress(done):
        share = min(90, 1 + int(done * 89 / max(table.total, 1)))
        MemberImport.objects.filter(pk=batch.pk).update(progress=share)

    rows, outcome = importing.validate(table, scope, progress=progress)
    if outcome.errors:
        return _finish(batch, outcome, ImportStatus.INVALID)
    todo = importing.plan(rows, scope, outcome, present=set(filter(None, table.keys)))
    if batch.dry_run:
        outcome.changes = {}
        return _finish(batch, outcome, ImportStatus.VALID)
    with transaction.atomic():
        importing.apply(todo, scope, batch=batch, by=batch.uploaded_by)
        batch = _finish(batch, outcome, ImportStatus.IMPORTED)
        audit_log(
            actor=batch.uploaded_by,
            obj=batch,
            action=AuditLog.Action.CREATE,
            changes={"created": [None, outcome.created], "updated": [None, outcome.updated]},
        )
    return batch


def _finish(batch: MemberImport, outcome, status) -> MemberImport:
    batch.status = status
    batch.progress = 100
    batch.rows = outcome.rows
    batch.created, batch.updated, batch.unchanged = outcome.created, outcome.updated, outcome.unchanged
    batch.errors = [e.as_dict() for e in outcome.errors]
    batch.warnings = [w.as_dict() for w in outcome.warnings]
    batch.changes = outcome.changes
    batch.finished_at = timezone.now()
    batch.save(
        update_fields=[
            "status",
            "progress",
            "rows",
            "created",
            "updated",
            "unchanged",
            "errors",
            "warnings",
            "changes",
            "finished_at",
        ]
    )
    return batch


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
    created.delete()
    records_changed.send(sender=Member)
    for member in Member.objects.filter(pk__in=[int(pk) for pk in batch.changes]):
        for name, value in batch.changes[str(member.pk)].items():
            field = Member._meta.get_field(name)
            setattr(member, name, field.to_python(value))
        member.save(update_fields=list(batch.changes[str(member.pk)]))
    batch.status, batch.undone_by, batch.undone_at = ImportStatus.UNDONE, by, timezone.now()
    batch.save(update_fields=["status", "undone_by", "undone_at"])
    audit_log(actor=by, obj=batch, action=AuditLog.Action.DELETE, changes={"undone": [None, True]}, request=request)
    return batch
