"""Target forms. They parse what people type (a grouped "8.450", a percentage "92,5", a
dd/mm/yyyy date) and leave the rules to reports.services.targets, whose messages land on these
fields."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _

from federation.text import clean_text
from members.forms import date_field, filterable
from welfare.forms import FEDERATION, GroupedNumberInput, union_choices

from ..models import Indicator, Issuer
from ..services.targets import MAX_YEAR, MIN_YEAR


def _style(form):
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


def show_number(value) -> str:
    """A target as it is typed back: grouped the reader's way, decimals only when it has some
    ("8.450", "92,5")."""
    if value in (None, ""):
        return ""
    value = Decimal(value)
    value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return formats.number_format(value, force_grouping=True)


def parse_number(text: str) -> Decimal | None:
    """A number typed with or without grouping, in the reader's convention first ("8.450" and
    "92,5" in Vietnamese, "8,450" and "92.5" in English), then in the other one when that is the
    only reading ("92.5" typed on a Vietnamese page). None when it is not a number."""
    text = clean_text(str(text)).replace(" ", "").lstrip("+")
    if re.fullmatch(r"\d+", text):
        return Decimal(text)
    english = (translation.get_language() or "vi").startswith("en")
    conventions = [(",", "."), (".", ",")] if english else [(".", ","), (",", ".")]
    for group, point in conventions:
        g, p = re.escape(group), re.escape(point)
        match = re.fullmatch(rf"(\d{{1,3}}(?:{g}\d{{3}})+|\d+)(?:{p}(\d+))?", text)
        if match:
            whole = match.group(1).replace(group, "")
            try:
                return Decimal(f"{whole}.{match.group(2)}" if match.group(2) else whole)
            except InvalidOperation:
                return None
    return None


class TargetValueInput(GroupedNumberInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, (int, Decimal)):
            return show_number(value)
        return super().format_value(value)


class TargetValueField(forms.Field):
    """A target value as typed: cleans to a Decimal (the service checks whole numbers,
    percentages and the sign against the indicator)."""

    widget = TargetValueInput
    default_error_messages = {
        "invalid": _("Enter a number, for example 8.450 (or 92,5 for a percentage)."),
        "negative": _("A target cannot be negative."),
    }

    def to_python(self, value):
        if isinstance(value, Decimal):
            return value
        text = clean_text(str(value or ""))
        if not text:
            return None
        if text[0] in "-−–":
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        number = parse_number(text)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


def issuer_field(*, required=False):
    return forms.ChoiceField(
        label=_("Issued by"),
        required=required,
        choices=[("", _("By the unit's level (default)")), *Issuer.choices],
        help_text=_("VGCL for the federation's targets, the federation for units directly under it, the "
                    "direct-superior union for the units below it."),
    )  # fmt: skip


class DocumentMixin:
    """The document that sets the target: number, date, issuer."""

    def clean_document_number(self):
        return clean_text(self.cleaned_data.get("document_number"))

    def clean_note(self):
        return clean_text(self.cleaned_data.get("note"))

    def clean_reason(self):
        return clean_text(self.cleaned_data.get("reason"))

    def document_data(self) -> dict:
        data = self.cleaned_data
        return {
            "document_number": data.get("document_number") or "",
            "document_date": data.get("document_date"),
            "issuer": data.get("issuer") or "",
        }


class IndicatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_unit_display()})"


class TargetForm(DocumentMixin, forms.Form):
    """A new target: which unit, indicator and year, its value and its document."""

    unit = forms.ChoiceField(label=_("Unit"))
    indicator = IndicatorChoiceField(label=_("Indicator"), queryset=Indicator.objects.none(), empty_label="—")
    year = forms.IntegerField(label=_("Year"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    value = TargetValueField(label=_("Target"))
    document_number = forms.CharField(label=_("Document number"), max_length=64, required=False)
    document_date = date_field(_("Document date"), required=False)
    issuer = issuer_field()
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    WIDE = frozenset({"unit", "indicator", "note"})

    def __init__(self, *args, federation, unions, allow_federation, **kwargs):
        super().__init__(*args, **kwargs)
        self.unions = {str(u.pk): u for u in unions}
        first = [("", "—")]
        if allow_federation:
            first.append((FEDERATION, _("The federation itself (%(name)s)") % {"name": federation.name}))
        self.fields["unit"].choices = union_choices(self.unions.values(), first=first)
        if len(self.unions) > 20:
            filterable(self.fields["unit"].widget)
        self.fields["indicator"].queryset = Indicator.objects.filter(is_active=True)
        self.fields["value"].widget.attrs["placeholder"] = "8.450"
        self.fields["document_number"].widget.attrs["placeholder"] = _("e.g. 125/KH-LĐLĐ")
        _style(self)

    def clean_unit(self):
        value = self.cleaned_data["unit"]
        return None if value == FEDERATION else self.unions[value]

    @property
    def fieldsets(self):
        return [
            (_("Target"), [self[n] for n in ("unit", "indicator", "year", "value")]),
            (_("Document that sets it"), [self[n] for n in ("document_number", "document_date", "issuer", "note")]),
        ]


class TargetEditForm(DocumentMixin, forms.Form):
    """A revision: the new value, the document that changes it and why; `version` is the one the
    user opened (a save over someone else's newer change is refused)."""

    value = TargetValueField(label=_("Target"))
    document_number = forms.CharField(label=_("Document number"), max_length=64, required=False)
    document_date = date_field(_("Document date"), required=False)
    issuer = issuer_field()
    reason = forms.CharField(
        label=_("Reason for the revision"),
        max_length=255,
        required=False,
        help_text=_("Needed when the value changes."),
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    WIDE = frozenset({"reason", "note"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    @property
    def fieldsets(self):
        return [
            (_("Target"), [self["value"], self["reason"]]),
            (_("Document that sets it"), [self[n] for n in ("document_number", "document_date", "issuer", "note")]),
        ]


def target_initial(target) -> dict:
    return {
        "value": target.value,
        "document_number": target.document_number,
        "document_date": target.document_date,
        "issuer": target.issuer,
        "note": target.note,
        "version": target.version,
    }


class AllocationForm(DocumentMixin, forms.Form):
    """One indicator's allocation to the child units: a value for each (empty: left as it is),
    with the version of each existing target, and the document shared by the whole table."""

    document_number = forms.CharField(label=_("Document number"), max_length=64, required=False)
    document_date = date_field(_("Document date"), required=False)
    issuer = issuer_field()
    reason = forms.CharField(
        label=_("Reason for the revision"),
        max_length=255,
        required=False,
        help_text=_("Needed when a unit's target changes."),
    )

    def __init__(self, *args, children, current, **kwargs):
        """`children`: the child unions; `current`: {union id: their target}."""
        initial = kwargs.pop("initial", {}) or {}
        for union in children:
            target = current.get(union.pk)
            if target is not None:
                initial.setdefault(f"u_{union.pk}", target.value)
                initial.setdefault(f"v_{union.pk}", target.version)
        super().__init__(*args, initial=initial, **kwargs)
        self.children = list(children)
        self.current = current
        for union in self.children:
            field = TargetValueField(label=union.name, required=False)
            field.widget.attrs.update({"data-allocation": "true", "class": "form-control text-end num"})
            self.fields[f"u_{union.pk}"] = field
            self.fields[f"v_{union.pk}"] = forms.IntegerField(required=False, widget=forms.HiddenInput)
        _style(self)

    def rows(self):
        """(union, its current target, the value box, the hidden version) for each child unit."""
        return [
            (union, self.current.get(union.pk), self[f"u_{union.pk}"], self[f"v_{union.pk}"]) for union in self.children
        ]

    def values(self) -> dict:
        return {union: self.cleaned_data.get(f"u_{union.pk}") for union in self.children}

    def versions(self) -> dict:
        return {
            union: self.cleaned_data.get(f"v_{union.pk}")
            for union in self.children
            if self.cleaned_data.get(f"v_{union.pk}")
        }

    def field_for(self, key: str) -> str | None:
        """The form field a service error keyed by union id (or a field name) belongs to."""
        if key.isdigit() and f"u_{key}" in self.fields:
            return f"u_{key}"
        return key if key in self.fields else None


class TargetFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    union = forms.ChoiceField(label=_("Unit"), required=False)

    def __init__(self, *args, years, unions, scope_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in years]
        self.fields["union"].choices = union_choices(unions, first=[("", scope_label)])
        if len(unions) > 20:
            filterable(self.fields["union"].widget)
        _style(self)


class AllocationPickForm(forms.Form):
    """Which indicator and year to allocate (the page's own small filter)."""

    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=Indicator.objects.none(), to_field_name="code")
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)

    def __init__(self, *args, indicators, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators
        self.fields["indicator"].label_from_instance = lambda obj: obj.name
        self.fields["year"].choices = [(y, y) for y in years]
        _style(self)
