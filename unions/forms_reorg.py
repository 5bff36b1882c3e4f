"""Forms of the reorganization screens: one operation typed in (`ReorganizationForm`), a plan file
(`PlanUploadForm`) and the confirmation before a plan is applied (`ApplyForm`).

The form only gathers values: a decision is checked by `plan.decision_from`, a row by
`plan.row_from_dict`, and what the row would do to the tree by the engine itself (the view runs
a preview before it stores the draft), so every rule lives in one place."""

from django import forms
from django.utils.translation import gettext_lazy as _

from federation.forms import SpreadsheetField, style_widgets
from members.forms import filterable

from .forms import DATE_WIDGET, kind_choices
from .models import Level, Operation, Sector, Union
from .reorg import plan

# The operations offered on the form; merging a whole federation is a system administrator's
# plan file.
FORM_OPERATIONS = [op for op in Operation if op != Operation.MERGE_FEDERATION]

# The fields each operation uses, and those it needs (the engine says so too, but the form
# marks them). `code` is the new unit's code on creation; the plan calls it `unit`.
OPERATION_FIELDS = {
    Operation.CREATE: ("code", "new_name", "new_parent", "kind", "sector"),
    Operation.RENAME: ("unit", "new_name", "new_code"),
    Operation.MOVE: ("unit", "new_parent"),
    Operation.MERGE: ("unit", "target"),
    Operation.SPLIT: ("unit", "target", "members"),
    Operation.DISSOLVE: ("unit", "target"),
    Operation.CHANGE_KIND: ("unit", "kind", "sector"),
}
REQUIRED_FIELDS = {
    Operation.CREATE: ("code", "new_name", "kind"),
    Operation.RENAME: ("unit",),
    Operation.MOVE: ("unit",),
    Operation.MERGE: ("unit", "target"),
    Operation.SPLIT: ("unit", "target", "members"),
    Operation.DISSOLVE: ("unit",),
    Operation.CHANGE_KIND: ("unit",),
}
DECISION_FIELDS = ("decision_number", "decision_date", "effective_on", "reason")


def unit_label(union: Union) -> str:
    return f"{union.code} — {union.name}"


class ReorganizationForm(forms.Form):
    """A decision and one operation of it. Units are chosen by code among the federation's active
    units (a closed unit is not offered, and a posted one is refused as not a valid choice)."""

    decision_number = forms.CharField(label=_("Decision number"), max_length=64)
    decision_date = forms.DateField(label=_("Decision date"), widget=DATE_WIDGET)
    effective_on = forms.DateField(
        label=_("Effective from"),
        widget=DATE_WIDGET,
        help_text=_("Members, targets and records move on this day."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=plan.REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the decision says, in a sentence."),
    )
    operation = forms.ChoiceField(label=_("Operation"))
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    code = forms.CharField(label=_("Code of the new unit"), required=False, max_length=32)
    new_name = forms.CharField(
        label=_("New name"),
        required=False,
        max_length=255,
        help_text=_("Establish: the new unit's name. Rename: leave empty to keep the name."),
    )
    new_code = forms.CharField(
        label=_("New code"), required=False, max_length=32, help_text=_("Leave empty to keep the code.")
    )
    new_parent = forms.ChoiceField(label=_("Direct superior"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, help_text=_("Grassroots unions only."), choices=[("", "—"), *Sector.choices]
    )
    target = forms.ChoiceField(
        label=_("Receiving unit"),
        required=False,
        help_text=_(
            "Merge: the unit it merges into. Split: where the listed members go. Dissolve: where its members or "
            "units go (none if it is empty)."
        ),
    )
    members = forms.CharField(
        label=_("Members who go (citizen IDs)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("The citizen IDs of the members who go, separated by spaces, commas or new lines."),
    )

    def __init__(self, *args, federation, **kwargs):
        super().__init__(*args, **kwargs)
        self.federation = federation
        active = list(
            Union.objects.filter(federation=federation).active().order_by("code").only("code", "name", "level")
        )
        everyone = [(u.code, unit_label(u)) for u in active]
        superiors = [(u.code, unit_label(u)) for u in active if u.level == Level.SUPERIOR]
        self.fields["operation"].choices = [("", "—"), *((op.value, op.label) for op in FORM_OPERATIONS)]
        self.fields["unit"].choices = [("", "—"), *everyone]
        self.fields["target"].choices = [("", "—"), *everyone]
        self.fields["new_parent"].choices = [("", _("Directly under the federation")), *superiors]
        self.fields["kind"].choices = kind_choices()
        for name in ("unit", "target", "new_parent"):
            filterable(self.fields[name].widget)
        self.fields["code"].widget.attrs.update({"autocapitalize": "characters", "autocomplete": "off"})
        self.fields["new_code"].widget.attrs.update({"autocapitalize": "characters", "autocomplete": "off"})
        style_widgets(self)
        self.decision: plan.Decision | None = None
        self.row: plan.Row | None = None

    def operation_fields(self):
        """The operation's fields with the operations that use them and those that need them,
        for the template (and the script that hides the others)."""
        for name in ("unit", "code", "new_name", "new_code", "new_parent", "kind", "sector", "target", "members"):
            uses = [op.value for op, names in OPERATION_FIELDS.items() if name in names]
            needs = [op.value for op, names in REQUIRED_FIELDS.items() if name in names]
            yield {"field": self[name], "ops": " ".join(uses), "required_for": " ".join(needs)}

    def clean(self):
        data = super().clean()
        # A missing or unreadable decision field already has its message.
        decision = None
        if all(name in data for name in DECISION_FIELDS):
            decision, issues = plan.decision_from(
                number=data["decision_number"],
                date=data["decision_date"],
                effective_on=data["effective_on"],
                reason=data["reason"],
            )
            for issue in issues:
                self.add_issue(issue)
        operation = data.get("operation")
        if not operation:
            return data
        # Only the chosen operation's fields count: without JavaScript the others show, and
        # whatever was typed in them is left out of the plan.
        values = {"operation": operation}
        for name in OPERATION_FIELDS[Operation(operation)]:
            values["unit" if name == "code" else name] = data.get(name) or ""
        row, issues = plan.row_from_dict(1, values)
        for issue in issues:
            self.add_issue(issue)
        if not self.errors:
            self.row, self.decision = row, decision
        return data

    def field_for(self, column: str | None) -> str | None:
        """The form field an issue about the plan's `column` belongs on (None: the whole form)."""
        if column == "unit" and self.data.get("operation") == Operation.CREATE:
            return "code"
        return column if column in self.fields else None

    def add_issue(self, issue) -> None:
        name = self.field_for(issue.column)
        if name is not None and name in self.errors and issue.message in self.errors[name]:
            return
        self.add_error(name, issue.message)


class PlanUploadForm(forms.Form):
    file = SpreadsheetField(label=_("Plan file (.xlsx or .csv)"), wrong_type=plan.LAYOUT.wrong_type_message)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class ApplyForm(forms.Form):
    """Applying changes the tree at once: the user says the preview was read."""

    confirm = forms.BooleanField(
        label=_("I have checked the preview: apply this reorganization."),
        error_messages={"required": _("Tick the box to confirm you have checked the preview.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)
