"""Reads of the audit trail, shaped for the history shown on every detail page."""

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import AuditLog

ACCESS_ACTIONS = (AuditLog.Action.VIEW, AuditLog.Action.EXPORT, AuditLog.Action.SEARCH)

# What an entry records beside the model's own fields (counts, files, the decision behind it),
# labelled as people read them; a field of the model takes its verbose name instead.
EXTRA_LABELS = {
    "two_factor": gettext_lazy("Two-step sign-in"),
    "transfer_requested": gettext_lazy("Transfer requested"),
    "transfer_refused": gettext_lazy("Transfer refused"),
    "decision_number": gettext_lazy("Decision number"),
    "reorganization": gettext_lazy("Decision number"),
    "operations": gettext_lazy("Operations"),
    "rows": gettext_lazy("Rows"),
    "results": gettext_lazy("Results"),
    "where": gettext_lazy("Where"),
    "what": gettext_lazy("What"),
    "export": gettext_lazy("Prepared download"),
    "format": gettext_lazy("File format"),
    "filters": gettext_lazy("Filters"),
    "sha256": gettext_lazy("File fingerprint (SHA-256)"),
    "size": gettext_lazy("File size (bytes)"),
    "undone": gettext_lazy("Undone"),
    "removed": gettext_lazy("Removed"),
    "restored": gettext_lazy("Restored"),
    "beneficiaries": gettext_lazy("Beneficiaries"),
    "effective_on": gettext_lazy("Effective on"),
}


@dataclass
class HistoryLine:
    name: str
    label: str
    before: str | None  # None: a value recorded on its own, not a change
    after: str


@dataclass
class HistoryEntry:
    entry: AuditLog
    actor: str  # the account's username, kept when the account is deleted
    lines: list[HistoryLine]
    actor_full_name: str = ""


def object_history(obj, *, limit: int = 50, hide: frozenset[str] = frozenset()) -> list[HistoryEntry]:
    """The object's audit entries, newest first, with field labels and values as people read
    them (choice labels, dd/mm/yyyy dates, grouped numbers); fields in `hide` are left out
    (personal data the reader may not see)."""
    entries = (
        AuditLog.objects.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), object_id=str(obj.pk)
        )
        .exclude(action__in=ACCESS_ACTIONS)  # who looked is for the audit trail page, not the history
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
    return describe_entries(entries, hide=hide)


def describe_entries(entries, *, hide: frozenset[str] = frozenset(), values: bool = False) -> list[HistoryEntry]:
    """Audit entries as people read them. Changes are "before → after" pairs; with `values`,
    the other things an entry records (rows exported, filters) come as lines with no "before"."""
    described = []
    for e in entries:
        model = e.content_type.model_class()
        lines = []
        for name, value in e.changes.items():
            if name in hide:
                continue
            if isinstance(value, list) and len(value) == 2:
                before, after = _show(model, name, value[0]), _show(model, name, value[1])
                lines.append(HistoryLine(name, _label(model, name), before, after))
            elif values:
                lines.append(HistoryLine(name, _label(model, name), None, _show(model, name, value)))
        actor_full_name = e.actor.full_name if e.actor is not None else ""
        described.append(HistoryEntry(entry=e, actor=e.actor_name or _("System"), lines=lines,
                                      actor_full_name=actor_full_name))  # fmt: skip
    return described


def _label(model, name: str) -> str:
    try:
        field = model._meta.get_field(name)
    except (FieldDoesNotExist, AttributeError):  # AttributeError: a model no longer installed
        return capfirst(str(EXTRA_LABELS.get(name, name.replace("_", " "))))
    # A reverse relation (a count of linked rows) has no verbose name of its own.
    label = getattr(field, "verbose_name", None) or field.related_model._meta.verbose_name_plural
    return capfirst(label)


def _show(model, name: str, value) -> str:
    if value is None or value == "":
        return "—"
    try:
        field = model._meta.get_field(name)
    except (FieldDoesNotExist, AttributeError):
        field = None
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return formats.number_format(int(value), force_grouping=True)
    if isinstance(value, float):
        return formats.number_format(value, 2, force_grouping=True)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return formats.date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except ValueError:
            return value
    return str(value)
