"""Signals the apps send for others to react to."""

from django.dispatch import Signal

# Sent by write paths that change records in bulk (queryset updates, bulk inserts, undo), which
# send no model signals: whatever is derived from the records (the dashboards' cached figures)
# must be recomputed.
records_changed = Signal()
