import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from federation.forms import QuickSelect, SpreadsheetField, style_widgets
from federation.text import clean_text
from unions.forms import DATE_WIDGET
from unions.models import Level

from . import validation
from .models import Gender, LeaveReason, Member, MemberStatus
from .services import MEMBER_EDITABLE


def date_field(label, *, required=True):
    return forms.DateField(label=label, required=required, widget=DATE_WIDGET)


def _parsed(parse, value):
    """Run a members.validation parser and turn its refusal into a form error."""
    try:
        return parse(value)
    except validation.Invalid as exc:
        raise forms.ValidationError(exc.message, code=exc.code) from None


def _not_in_future(day):
    if day and day > timezone.localdate():
        raise forms.ValidationError(_("The date is in the future."), code="date_in_future")
    return day


def union_label(union) -> str:
    return f"{union.name} ({union.code})"


def filterable(widget):
    """Mark a long select for static/js/select_filter.js (a text box that narrows it)."""
    widget.attrs.update({"data-filterable": "true", "data-filter-placeholder": _("Type part of the code or name")})
    return widget


class UnionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return union_label(obj)


class MemberForm(forms.ModelForm):
    """A member's own data, for admitting and editing. Each field is checked with the same
    rules as the roll import (members.validation), and the messages land on that field."""

    ethnicity = forms.ChoiceField(label=_("Ethnicity"), required=False)
    # Longer than the 12 digits stored: people type the spaces and dots printed on the card.
    citizen_id = forms.CharField(
        label=_("Citizen ID"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"), required=False, max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )

    class Meta:
        model = Member
        fields = list(MEMBER_EDITABLE)
        widgets = {
            "date_of_birth": DATE_WIDGET,
            "joined_on": DATE_WIDGET,
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
        }
        labels = {
            "full_name": _("Full name"),
            "gender": _("Gender"),
            "date_of_birth": _("Date of birth"),
            "joined_on": _("Joined the union on"),
            "religion": _("Religion"),
            "job_title": _("Job, title"),
            "union_position": _("Union position"),
            "is_party_member": _("Party member"),
            "email": _("E-mail"),
            "member_code": _("Member code"),
            "address": _("Address"),
        }

    # Field groups, in the order the form shows them.
    PERSONAL = (
        "full_name",
        "gender",
        "date_of_birth",
        "citizen_id",
        "ethnicity",
        "religion",
        "phone",
        "email",
        "address",
    )
    MEMBERSHIP = ("joined_on", "member_code", "job_title", "union_position", "is_party_member")

    def __init__(self, *args, federation, union_field=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.federation = federation
        if union_field is not None:
            # Admitting without a fixed union: the user picks one of the unions it keeps.
            self.fields = {"union": union_field, **self.fields}
        self.fields["gender"].choices = [("", "—"), *Gender.choices]
        self.fields["ethnicity"].choices = [("", "—"), *((g, g) for g in validation.ETHNIC_GROUPS)]
        self.fields["citizen_id"].help_text = _("12 digits, as printed on the citizen ID card.")
        self.fields["phone"].help_text = _("For example 0912345678.")
        self.fields["member_code"].help_text = _("The VGCL member code, where known.")
        style_widgets(self)

    def clean_full_name(self):
        return _parsed(validation.parse_full_name, self.cleaned_data.get("full_name"))

    def clean_ethnicity(self):
        return _parsed(validation.parse_ethnicity, self.cleaned_data.get("ethnicity"))

    def clean_phone(self):
        return _parsed(validation.parse_phone, self.cleaned_data.get("phone"))

    def clean_email(self):
        return _parsed(validation.parse_email, self.cleaned_data.get("email"))

    def clean_date_of_birth(self):
        return _not_in_future(self.cleaned_data.get("date_of_birth"))

    def clean_joined_on(self):
        return _not_in_future(self.cleaned_data.get("joined_on"))

    def clean_member_code(self):
        code = clean_text(self.cleaned_data.get("member_code"))
        if code and Member.objects.filter(member_code=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another member has this member code."), code="duplicate_member_code")
        return code

    def clean_religion(self):
        return clean_text(self.cleaned_data.get("religion"))

    def clean_job_title(self):
        return clean_text(self.cleaned_data.get("job_title"))

    def clean_union_position(self):
        return clean_text(self.cleaned_data.get("union_position"))

    def clean_address(self):
        return clean_text(self.cleaned_data.get("address"))

    def clean(self):
        data = super().clean()
        gender, born, joined = data.get("gender"), data.get("date_of_birth"), data.get("joined_on")
        if "citizen_id" in data:
            # The ID is checked against gender and birth year only when both are valid.
            try:
                cid, _padded = validation.parse_citizen_id(
                    data["citizen_id"], gender=gender or None, born=born if gender else None
                )
            except validation.Invalid as exc:
                self.add_error("citizen_id", forms.ValidationError(exc.message, code=exc.code))
            else:
                data["citizen_id"] = cid
                clash = Member.objects.filter(
                    federation=self.federation, citizen_id=cid, status=MemberStatus.ACTIVE
                ).exclude(pk=self.instance.pk)
                if self.instance.status in ("", MemberStatus.ACTIVE) and clash.exists():
                    self.add_error(
                        "citizen_id",
                        forms.ValidationError(
                            _("This citizen ID is already an active member of the federation."),
                            code="member_in_other_union",
                        ),
                    )
        if born and joined:
            if joined <= born:
                self.add_error("joined_on", _("The join date comes after the date of birth."))
            elif validation.age_on(born, joined) < 15:
                self.add_error("joined_on", _("A member joins at 15 or older."))
        return data

    @property
    def personal_fields(self):
        return [self[name] for name in self.PERSONAL if name in self.fields]

    @property
    def membership_fields(self):
        names = ("union", *self.MEMBERSHIP)
        return [self[name] for name in names if name in self.fields]

    def member_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in MEMBER_EDITABLE}


class LeaveForm(forms.Form):
    on = date_field(_("Left on"))
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *LeaveReason.choices])
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean_on(self):
        return _not_in_future(self.cleaned_data.get("on"))

    def clean_note(self):
        return clean_text(self.cleaned_data.get("note"))


class DeceaseForm(forms.Form):
    on = date_field(_("Date of death"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean_on(self):
        return _not_in_future(self.cleaned_data.get("on"))


class ReadmitForm(forms.Form):
    union = UnionChoiceField(label=_("Grassroots union"), queryset=None, empty_label=None)
    on = date_field(_("Readmitted on"))

    def __init__(self, *args, unions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["union"].queryset = unions
        style_widgets(self)

    def clean_on(self):
        return _not_in_future(self.cleaned_data.get("on"))


class TransferForm(forms.Form):
    to_union = UnionChoiceField(label=_("Receiving grassroots union"), queryset=None, empty_label="—")
    effective_on = date_field(_("Effective on"))
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args, unions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_union"].queryset = unions
        filterable(self.fields["to_union"].widget)
        style_widgets(self)

    def clean_effective_on(self):
        return _not_in_future(self.cleaned_data.get("effective_on"))

    def clean_note(self):
        return clean_text(self.cleaned_data.get("note"))


class RefuseForm(forms.Form):
    note = forms.CharField(
        label=_("Reason for refusing"),
        max_length=255,
        error_messages={"required": _("Say why the transfer is refused.")},
    )

    def clean_note(self):
        note = clean_text(self.cleaned_data.get("note"))
        if not note:
            raise forms.ValidationError(_("Say why the transfer is refused."))
        return note


class PartyForm(forms.Form):
    """The Party pipeline: a date is added, never taken back here."""

    introduced_on = date_field(_("Introduced to the Party on"), required=False)
    admitted_on = date_field(_("Admitted to the Party on"), required=False)

    def __init__(self, *args, member, **kwargs):
        kwargs.setdefault(
            "initial", {"introduced_on": member.party_introduced_on, "admitted_on": member.party_admitted_on}
        )
        super().__init__(*args, **kwargs)
        self.member = member
        style_widgets(self)

    def clean_introduced_on(self):
        return self._kept(_not_in_future(self.cleaned_data.get("introduced_on")), self.member.party_introduced_on)

    def clean_admitted_on(self):
        return self._kept(_not_in_future(self.cleaned_data.get("admitted_on")), self.member.party_admitted_on)

    @staticmethod
    def _kept(day, recorded):
        if day is None and recorded is not None:
            raise forms.ValidationError(_("A recorded date can be corrected but not removed."))
        return day

    def clean(self):
        data = super().clean()
        introduced, admitted = data.get("introduced_on"), data.get("admitted_on")
        if introduced and admitted and admitted < introduced:
            self.add_error("admitted_on", _("Admission comes after the introduction."))
        if not self.errors and introduced is None and admitted is None:
            raise forms.ValidationError(_("Enter a date."))
        return data

    @property
    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            "introduced_on": data["introduced_on"]
            if data.get("introduced_on") != self.member.party_introduced_on
            else None,
            "admitted_on": data["admitted_on"] if data.get("admitted_on") != self.member.party_admitted_on else None,
        }


class MemberFilterForm(forms.Form):
    """The member list's search and filters, and the period of its roll counts."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    union = forms.ChoiceField(label=_("Union"), required=False, widget=QuickSelect)
    gender = forms.ChoiceField(label=_("Gender"), required=False, choices=[("", _("All")), *Gender.choices])
    status = forms.ChoiceField(label=_("Status"), required=False)
    party = forms.ChoiceField(
        label=_("Party"),
        required=False,
        choices=[("", _("All")), ("member", _("Party members")), ("introduced", _("Introduced, not yet admitted"))],
    )
    start = date_field(_("Counts from"), required=False)
    end = date_field(_("to"), required=False)

    def __init__(self, *args, unions, personal: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.unions = {str(u.pk): u for u in unions}
        superior = [(str(u.pk), union_label(u)) for u in unions if u.level == Level.SUPERIOR]
        grassroots = [(str(u.pk), union_label(u)) for u in unions if u.level == Level.GRASSROOTS]
        choices = [("", _("All unions"))]
        if superior:
            choices += [(_("Direct-superior unions (all below)"), superior), (_("Grassroots unions"), grassroots)]
        else:
            choices += grassroots
        self.fields["union"].choices = choices
        if len(unions) > 20:
            filterable(self.fields["union"].widget)
        self.fields["status"].choices = [*MemberStatus.choices, ("all", _("All"))]
        if not personal:
            # Filtering by Party membership would tell what the list hides.
            del self.fields["party"]
        style_widgets(self)

    def clean_union(self):
        return self.unions.get(self.cleaned_data.get("union") or "")

    def clean_status(self):
        status = self.cleaned_data.get("status") or MemberStatus.ACTIVE
        return "" if status == "all" else status

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end of the period comes before its start."))
        return data

    @property
    def has_filters(self) -> bool:
        data = self.cleaned_data if self.is_valid() else {}
        return bool(data.get("gender") or data.get("party") or data.get("start") or data.get("end")) or (
            data.get("status", MemberStatus.ACTIVE) != MemberStatus.ACTIVE
        )


def period_default(federation, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """This report year to date: from the federation's year start (1 January by default)."""
    today = today or timezone.localdate()
    month = getattr(federation, "year_start_month", 1) or 1
    day = getattr(federation, "year_start_day", 1) or 1
    start = datetime.date(today.year, month, day)
    if start > today:
        start = datetime.date(today.year - 1, month, day)
    return start, today


class CitizenIdLookupForm(forms.Form):
    """Find a member by citizen ID. Posted, so the number stays out of addresses and logs."""

    citizen_id = forms.CharField(label=_("Citizen ID"), max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["citizen_id"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        style_widgets(self)

    def clean_citizen_id(self):
        return _parsed(lambda v: validation.parse_citizen_id(v)[0], self.cleaned_data["citizen_id"])


class ImportForm(forms.Form):
    file = SpreadsheetField(
        label=_("Roll file (.xlsx or .csv)"),
        wrong_type=_("Upload the roll as .xlsx or .csv (UTF-8); .xls and .xlsm files are not accepted."),
    )
    union = UnionChoiceField(label=_("Grassroots union"), queryset=None, required=False)
    dry_run = forms.BooleanField(label=_("Check only, write nothing"), required=False, initial=True)

    def __init__(self, *args, unions, fixed_union=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["union"]
        if fixed_union is not None:
            # A chair imports into its own union.
            field.queryset = unions.filter(pk=fixed_union.pk)
            field.initial = fixed_union.pk
            field.disabled = True
            field.empty_label = None
        else:
            field.queryset = unions
            field.empty_label = _("Several unions: each row gives its union code (Mã CĐCS)")
            filterable(field.widget)
        style_widgets(self)
