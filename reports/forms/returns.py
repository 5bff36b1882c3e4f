"""Forms of the quarterly return screens. They parse what people type (grouped numbers,
dd/mm/yyyy dates); the rules and their messages are reports.services.returns'."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from federation.forms import style_widgets
from federation.text import clean_text
from members.forms import date_field, filterable, union_label
from welfare.forms import WholeNumberField

from ..models import TYPED_FIELDS, QuarterlyReturn, ReturnStatus

QUARTER_CHOICES = [(1, "Q1"), (2, "Q2"), (3, "Q3"), (4, "Q4")]


def _label(name: str) -> str:
    return capfirst(QuarterlyReturn._meta.get_field(name).verbose_name)


class VersionForm(forms.Form):
    """The version of the return the user saw: a write made on an older one is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReturnForm(VersionForm):
    """The typed fields of a return (the roll counts come from the records)."""

    workers_total = WholeNumberField(label=_("Total workers"), required=False)
    workers_female = WholeNumberField(label=_("Female workers"), required=False)
    annual_conference_on = date_field(_("Annual conference held on"), required=False)
    collective_agreement = forms.BooleanField(label=_("Collective agreement in force"), required=False)
    dialogues = WholeNumberField(label=_("Dialogues held"), required=False, empty_value=0)
    occupational_accidents = WholeNumberField(label=_("Occupational accidents"), required=False, empty_value=0)
    work_stoppages = WholeNumberField(label=_("Collective work stoppages"), required=False, empty_value=0)
    remarks = forms.CharField(
        label=_("Remarks"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workers_total"].help_text = _("Everyone working at the unit, members or not.")
        for name in ("workers_total", "workers_female", "dialogues", "occupational_accidents", "work_stoppages"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"
        style_widgets(self)

    def clean_remarks(self):
        return (self.cleaned_data.get("remarks") or "").strip()

    def typed_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in TYPED_FIELDS}

    @staticmethod
    def initial_for(ret: QuarterlyReturn) -> dict:
        return {"version": ret.version, **{name: getattr(ret, name) for name in TYPED_FIELDS}}


class SendBackForm(VersionForm):
    comment = forms.CharField(
        label=_("What should the union correct?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean_comment(self):
        return (self.cleaned_data.get("comment") or "").strip()


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean_reason(self):
        return clean_text(self.cleaned_data.get("reason"))


class DeadlineForm(forms.Form):
    deadline = date_field(_("Deadline"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class OpenForm(forms.Form):
    """Which return to open: a union (by id), a year and a quarter."""

    union = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(widget=forms.HiddenInput, min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(widget=forms.HiddenInput, choices=QUARTER_CHOICES, coerce=int)


def _year_choices(years) -> list:
    return [("", _("All years")), *((y, str(y)) for y in years)]


class ReturnFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), required=False, coerce=int, empty_value=None, choices=[("", _("All quarters"))]
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    q = forms.CharField(label=_("Unit"), required=False, max_length=100)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _year_choices(years)
        self.fields["quarter"].choices = [("", _("All quarters")), *QUARTER_CHOICES]
        self.fields["status"].choices = [("", _("All statuses")), *ReturnStatus.choices]
        self.fields["q"].widget.attrs["placeholder"] = _("Code or name, with or without diacritics")
        style_widgets(self)


class QuarterPickForm(forms.Form):
    """Year and quarter (and, for completeness, a unit of the user's subtree)."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    quarter = forms.TypedChoiceField(label=_("Quarter"), coerce=int, choices=QUARTER_CHOICES)
    union = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, years, unions=None, scope_label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        if unions is None:
            del self.fields["union"]
        else:
            self.fields["union"].choices = [("", scope_label), *((u.pk, union_label(u)) for u in unions)]
            filterable(self.fields["union"].widget)
        style_widgets(self)
