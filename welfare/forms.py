"""Welfare forms. They parse what people type (grouped amounts, dd/mm/yyyy dates, a citizen ID
or member code) and leave the rules to welfare.services, whose messages land on these fields."""

import re
import uuid

from django import forms
from django.db.models import Q
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from federation.forms import SpreadsheetField, style_widgets
from federation.text import clean_text
from members.forms import date_field, filterable, union_label
from members.models import Member, MemberStatus
from unions.models import Level

from .models import ACTIVITY_PROGRAMS, SOURCES, Activity, EntryKind, FundKind, ShelterStatus, SupportForm

FEDERATION = "federation"  # the organizer value that stands for the federation itself
# Dates that open and close a period (plain "From"/"To" are places elsewhere in the catalogue).
FROM = pgettext_lazy("start of a period", "From")
TO = pgettext_lazy("end of a period", "To")


def _label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


# --- whole numbers as people type them --------------------------------------------------------

_GROUPED = re.compile(r"^\d{1,3}([.,])\d{3}(?:\1\d{3})*$")
_UNIT = re.compile(r"(?:vnđ|vnd|đồng|đ|₫)$", re.IGNORECASE)
MAX_AMOUNT = 10**15  # a thousand billion dong: more is a typing error


class GroupedNumberInput(forms.TextInput):
    """A text box (not type=number, which refuses "1.500.000") that shows a stored number
    grouped the reader's way."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int):
            return formats.number_format(value, force_grouping=True)
        return super().format_value(value)


class WholeNumberField(forms.Field):
    """A whole number typed with or without grouping: "1500000", "1.500.000", "1 500 000"
    (and "1,500,000" from English keyboards). Decimals and negatives are refused."""

    widget = GroupedNumberInput
    default_error_messages = {
        "invalid": _("Enter a whole number, for example 1.500."),
        "negative": _("The number cannot be negative."),
        "decimal": _("Enter a whole number, without decimals."),
        "too_large": _("The number is too large."),
    }

    def __init__(self, *, empty_value=None, **kwargs):
        self.empty_value = empty_value
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, int):
            return value
        text = clean_text(str(value or "")).replace(" ", "")
        text = _UNIT.sub("", text)
        if not text:
            return self.empty_value
        if text[0] in "-−–":
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        text = text.lstrip("+")
        if text.isdigit():
            number = int(text)
        elif _GROUPED.match(text):
            number = int(re.sub(r"[.,]", "", text))
        elif re.fullmatch(r"[\d.,]+", text):
            raise forms.ValidationError(self.error_messages["decimal"], code="decimal")
        else:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if number >= MAX_AMOUNT:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")
        return number


class MoneyField(WholeNumberField):
    """An amount in whole dong."""

    default_error_messages = {
        "invalid": _("Enter the amount in whole dong, for example 1.500.000."),
        "negative": _("An amount cannot be negative."),
        "decimal": _("Enter the amount in whole dong, without decimals."),
        "too_large": _("The amount is too large."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", GroupedNumberInput(attrs={"placeholder": "0"}))
        super().__init__(**kwargs)


def money_fields(model=Activity) -> dict:
    return {name: MoneyField(label=_label(model, name), required=False, empty_value=0) for name in SOURCES}


# --- choices of where a record belongs ---------------------------------------------------------


def union_choices(unions, *, first=()):
    """Grouped choices of unions (direct-superior ones first), after the `first` choices."""
    superior = [(str(u.pk), union_label(u)) for u in unions if u.level == Level.SUPERIOR]
    grassroots = [(str(u.pk), union_label(u)) for u in unions if u.level == Level.GRASSROOTS]
    choices = list(first)
    if superior and grassroots:
        choices += [(_("Direct-superior unions"), superior), (_("Grassroots unions"), grassroots)]
    else:
        choices += superior + grassroots
    return choices


class OrganizerField(forms.ChoiceField):
    """The federation itself or one of the given unions; cleans to the union (None for the
    federation)."""

    def __init__(self, *, unions, federation=None, **kwargs):
        self.unions = {str(u.pk): u for u in unions}
        first = [("", "—")] if federation is not None or len(self.unions) != 1 else []
        if federation is not None:
            first.append((FEDERATION, _("The federation itself (%(name)s)") % {"name": federation.name}))
        super().__init__(choices=union_choices(self.unions.values(), first=first), **kwargs)
        if len(self.unions) > 20:
            filterable(self.widget)

    def clean(self, value):
        value = super().clean(value)
        return None if value == FEDERATION else self.unions[value]


class MemberRefField(forms.CharField):
    """A member typed by citizen ID or member code, found among the active members the user may
    see (never a select of thousands); cleans to the Member."""

    default_error_messages = {
        "unknown": _("No active member with this citizen ID or member code on the rolls you can see."),
        "several": _("Several members match: enter the citizen ID."),
    }

    def __init__(self, *, members, current=None, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
        super().__init__(**kwargs)
        self.members = members
        self.current = current

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        text = clean_text(text)
        digits = text.replace(" ", "").replace(".", "")
        current = self.current
        if current is not None and (
            digits == current.citizen_id or (current.member_code and text == current.member_code)
        ):
            # The member already on the record, even if no longer on a roll.
            return current
        match = Q(member_code__iexact=text)
        if digits.isdigit():
            match |= Q(citizen_id=digits)
        found = list(self.members.filter(match, status=MemberStatus.ACTIVE).select_related("union")[:2])
        if not found:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        if len(found) > 1:
            raise forms.ValidationError(self.error_messages["several"], code="several")
        return found[0]


def member_ref(member) -> str:
    return member.citizen_id or member.member_code if member else ""


# --- activities --------------------------------------------------------------------------------


class ActivityForm(forms.Form):
    """An activity's fields (services.ACTIVITY_FIELDS); on creation also who organized it."""

    program = forms.ChoiceField(label=_("Program"), choices=[("", "—"), *ACTIVITY_PROGRAMS])
    occasion = forms.ModelChoiceField(label=_("Occasion"), queryset=None, required=False, empty_label="—")
    title = forms.CharField(label=_("Title"), max_length=255)
    held_on = date_field(_("Date"))
    support_form = forms.ChoiceField(
        label=_("Form of support"), choices=[("", "—"), *SupportForm.choices], required=False
    )
    person_times = WholeNumberField(
        label=_("Person-times"), help_text=_("Everyone reached, counted once per time, named or not.")
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    WIDE = frozenset({"organizer", "title", "note"})
    MAIN = ("organizer", "program", "occasion", "title", "held_on", "support_form", "person_times")

    def __init__(self, *args, occasions, organizer: OrganizerField | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizer is not None:
            self.fields = {"organizer": organizer, **self.fields}
        self.fields.update(money_fields())
        self.fields["note"] = self.fields.pop("note")
        self.fields["occasion"].queryset = occasions
        self.fields["title"].widget.attrs["placeholder"] = _("e.g. Tet gifts for workers in difficulty")
        style_widgets(self)

    def clean_title(self):
        return clean_text(self.cleaned_data.get("title"))

    @property
    def fieldsets(self):
        main = [self[name] for name in self.MAIN if name in self.fields]
        money = [self[name] for name in SOURCES]
        return [(_("Activity"), main), (_("Money by source (VND)"), money), (None, [self["note"]])]

    def activity_data(self) -> dict:
        data = self.cleaned_data
        return {
            "program": data["program"],
            "occasion": data.get("occasion"),
            "title": data["title"],
            "held_on": data["held_on"],
            "support_form": data.get("support_form") or "",
            "person_times": data["person_times"],
            "note": (data.get("note") or "").strip(),
            **{name: data.get(name) or 0 for name in SOURCES},
        }


def activity_initial(activity) -> dict:
    initial = {name: getattr(activity, name) for name in ("program", "title", "held_on", "support_form", "note")}
    initial.update({name: getattr(activity, name) for name in SOURCES})
    initial["occasion"] = activity.occasion_id
    initial["person_times"] = activity.person_times
    return initial


class ActivityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    program = forms.ChoiceField(label=_("Program"), required=False, choices=[("", _("All")), *ACTIVITY_PROGRAMS])
    occasion = forms.ModelChoiceField(label=_("Occasion"), queryset=None, required=False, empty_label=_("All"))
    union = forms.ChoiceField(label=_("Organized by"), required=False)
    start = date_field(FROM, required=False)
    end = date_field(TO, required=False)

    def __init__(self, *args, unions, occasions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occasion"].queryset = occasions
        self.fields["union"].choices = union_choices(unions, first=[("", _("All in my scope"))])
        if len(unions) > 20:
            filterable(self.fields["union"].widget)
        style_widgets(self)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the period comes before its start."))
        return data

    @property
    def has_filters(self) -> bool:
        data = self.cleaned_data if self.is_valid() else {}
        return any(data.get(name) for name in ("occasion", "start", "end"))


class RecipientsForm(forms.Form):
    file = SpreadsheetField(
        label=_("List of recipients (.xlsx or .csv)"),
        wrong_type=_("Upload the list as .xlsx or .csv (UTF-8); .xls and .xlsm files are not accepted."),
    )
    dry_run = forms.BooleanField(label=_("Check only, write nothing"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


# --- Union Shelters ----------------------------------------------------------------------------


class ShelterForm(forms.Form):
    """A Union Shelter's fields (services.SHELTER_FIELDS); on creation also who runs it."""

    member = MemberRefField(
        label=_("Member"), members=Member.objects.none(), help_text=_("Citizen ID or member code of the member.")
    )
    is_repair = forms.BooleanField(label=_("A repair rather than a new house"), required=False)
    address = forms.CharField(label=_("Address of the house"), max_length=255, required=False)
    total_cost = MoneyField(label=_("Total cost (VND)"))
    decision_number = forms.CharField(label=_("Decision number"), max_length=64, required=False)
    approved_on = date_field(_("Approved on"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    WIDE = frozenset({"organizer", "member", "address", "note"})
    MAIN = ("organizer", "member", "is_repair", "address", "decision_number", "approved_on", "total_cost")

    def __init__(self, *args, members, current_member=None, organizer=None, fixed=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].members = members
        self.fields["member"].current = current_member
        if organizer is not None:
            self.fields = {"organizer": organizer, **self.fields}
        self.fields.update(money_fields())
        self.fields["note"] = self.fields.pop("note")
        if fixed:
            # Handed over or cancelled: member, kind and approval date are settled.
            for name in ("member", "is_repair", "approved_on"):
                self.fields[name].disabled = True
        style_widgets(self)

    def clean_address(self):
        return clean_text(self.cleaned_data.get("address"))

    def clean_decision_number(self):
        return clean_text(self.cleaned_data.get("decision_number"))

    @property
    def fieldsets(self):
        main = [self[name] for name in self.MAIN if name in self.fields]
        return [
            (_("Union Shelter"), main),
            (_("Support by source (VND)"), [self[name] for name in SOURCES]),
            (None, [self["note"]]),
        ]

    def shelter_data(self) -> dict:
        data = self.cleaned_data
        result = {
            "address": data.get("address") or "",
            "total_cost": data["total_cost"],
            "decision_number": data.get("decision_number") or "",
            "note": (data.get("note") or "").strip(),
            **{name: data.get(name) or 0 for name in SOURCES},
        }
        for name in ("member", "is_repair", "approved_on"):
            if not self.fields[name].disabled:
                result[name] = data[name]
        return result


def shelter_initial(shelter) -> dict:
    initial = {
        name: getattr(shelter, name)
        for name in ("is_repair", "address", "total_cost", "decision_number", "approved_on", "note", *SOURCES)
    }
    initial["member"] = member_ref(shelter.member)
    return initial


class AdvanceForm(forms.Form):
    """Move a shelter on: the new status, its date, and for a cancellation the reason."""

    to = forms.ChoiceField(choices=ShelterStatus.choices, widget=forms.HiddenInput)
    on = date_field(_("Date"))
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=255, required=False)

    def __init__(self, *args, to=None, **kwargs):
        if to is not None:
            kwargs.setdefault("auto_id", f"advance_{to}_%s")
        super().__init__(*args, **kwargs)
        if to is not None:
            self.fields["to"].initial = to
        if (self.data.get(self.add_prefix("to")) if self.is_bound else to) != ShelterStatus.CANCELLED:
            del self.fields["reason"]
        style_widgets(self)


class ShelterFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *ShelterStatus.choices])
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    union = forms.ChoiceField(label=_("Union"), required=False)

    def __init__(self, *args, unions, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All")), *((y, y) for y in years)]
        self.fields["union"].choices = union_choices(unions, first=[("", _("All in my scope"))])
        if len(unions) > 20:
            filterable(self.fields["union"].widget)
        style_widgets(self)


# --- funds -------------------------------------------------------------------------------------


class FundForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *FundKind.choices])
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    WIDE = frozenset({"organizer", "name", "note"})

    def __init__(self, *args, organizer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"organizer": organizer, **self.fields}
        self.fields["organizer"].label = _("Held by")
        style_widgets(self)

    @property
    def fieldsets(self):
        return [(None, list(self))]


class FundEntryForm(forms.Form):
    """A contribution or a payout. Both forms sit on the fund's page: `auto_id` tells their
    fields apart, the names stay the same."""

    kind = forms.ChoiceField(choices=EntryKind.choices, widget=forms.HiddenInput)
    amount = MoneyField(label=_("Amount (VND)"))
    on = date_field(_("Date"))
    counterparty = forms.CharField(label=_("Contributed by"), max_length=255, required=False)
    member = MemberRefField(
        label=_("Member (if a member is paid)"),
        members=Member.objects.none(),
        required=False,
        help_text=_("Citizen ID or member code."),
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
    # A new id each time the form is shown: sent twice (a double click), it records one entry.
    submission = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)

    def __init__(self, *args, kind, members, **kwargs):
        kwargs.setdefault("auto_id", f"{kind}_%s")
        kwargs.setdefault("initial", {"kind": kind})
        super().__init__(*args, **kwargs)
        self.entry_kind = kind
        if kind == EntryKind.PAYOUT:
            self.fields["member"].members = members
            self.fields["counterparty"].label = _("Paid to")
        else:
            del self.fields["member"]
            self.fields["counterparty"].label = _("Contributed by")
        style_widgets(self)

    def clean_kind(self):
        if self.cleaned_data["kind"] != self.entry_kind:
            raise forms.ValidationError(_("Choose a contribution or a payout."))
        return self.entry_kind


# --- occasions ---------------------------------------------------------------------------------


class OccasionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    starts_on = date_field(FROM)
    ends_on = date_field(TO)

    WIDE = frozenset({"name"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["placeholder"] = _("e.g. Tết Bính Ngọ 2026")
        style_widgets(self)

    @property
    def fieldsets(self):
        return [(None, list(self))]


# --- the overview --------------------------------------------------------------------------------


class OverviewForm(forms.Form):
    union = forms.ChoiceField(label=_("Unit"), required=False)
    start = date_field(FROM, required=False)
    end = date_field(TO, required=False)
    year = forms.IntegerField(label=_("Year of the chart"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, unions, scope_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["union"].choices = union_choices(unions, first=[("", scope_label)])
        if len(unions) > 20:
            filterable(self.fields["union"].widget)
        style_widgets(self)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the period comes before its start."))
        return data
