import re

from django import forms
from django.utils.translation import gettext_lazy as _
from vietnam_provinces import Ward

from federation.forms import SpreadsheetField
from federation.models import Federation
from federation.text import clean_text

from .models import ENTERPRISE_SECTORS, GRASSROOTS_KINDS, SUPERIOR_KINDS, Kind, Level, Sector, Status, Union

TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")
DATE_WIDGET = forms.DateInput(
    format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
)


def ward_choices(province_code: int):
    wards = sorted((clean_text(w.name), int(w.code)) for w in Ward.iter_by_province(province_code))
    return [("", "—")] + [(code, name) for name, code in wards]


def kind_choices():
    return [
        ("", "—"),
        (Level.SUPERIOR.label, [(k.value, k.label) for k in SUPERIOR_KINDS]),
        (Level.GRASSROOTS.label, [(k.value, k.label) for k in GRASSROOTS_KINDS]),
    ]


class UnionForm(forms.ModelForm):
    """Create or edit a unit. The parent and level are chosen only on creation; moving a unit
    is a reorganization."""

    ward_code = forms.TypedChoiceField(label=_("Ward/commune"), required=False, coerce=int, empty_value=None)

    class Meta:
        model = Union
        fields = [
            "code",
            "name",
            "level",
            "parent",
            "kind",
            "sector",
            "tax_code",
            "worker_count",
            "ward_code",
            "address",
            "established_on",
        ]
        widgets = {"established_on": DATE_WIDGET}

    def __init__(self, *args, federation, parent_queryset, allow_top_level, **kwargs):
        super().__init__(*args, **kwargs)
        self.federation = federation
        self.fields["ward_code"].choices = ward_choices(federation.province_code)
        self.fields["kind"].choices = kind_choices()
        self.fields["sector"].help_text = _("Required for a grassroots union.")
        self.fields["sector"].choices = [("", "—"), *Sector.choices]
        self.fields["worker_count"].help_text = _("Number of workers at the employer.")
        self.fields["tax_code"].help_text = _("10 digits, or 10 digits and a 3-digit branch: 0101234567-001.")
        if self.instance.pk:
            del self.fields["level"]
            del self.fields["parent"]
        else:
            parent = self.fields["parent"]
            parent.queryset = parent_queryset
            parent.required = not allow_top_level
            parent.empty_label = _("Directly under the federation") if allow_top_level else None
            parent.label = _("Direct superior")
            if not allow_top_level:
                # Below a direct-superior union only grassroots unions are created.
                self.fields["level"].choices = [(Level.GRASSROOTS, Level.GRASSROOTS.label)]
                self.fields["level"].initial = Level.GRASSROOTS
            else:
                self.fields["level"].choices = [("", "—"), *Level.choices]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_code(self):
        code = clean_text(self.cleaned_data["code"]).upper()
        if not re.fullmatch(r"[A-Z0-9Đ._-]+", code):
            raise forms.ValidationError(_("Use letters, digits, dots, dashes or underscores only."))
        clash = Union.objects.filter(federation=self.federation, code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Another unit of this federation already has this code."))
        return code

    def clean_name(self):
        return clean_text(self.cleaned_data["name"])

    def clean_tax_code(self):
        tax_code = clean_text(self.cleaned_data.get("tax_code")).replace(" ", "")
        if tax_code and not TAX_CODE.match(tax_code):
            raise forms.ValidationError(_("A tax code has 10 digits, or 10 digits, a dash and 3 digits."))
        return tax_code

    def clean(self):
        data = super().clean()
        level = data.get("level") or self.instance.level
        kind = data.get("kind")
        sector = data.get("sector")
        parent = data.get("parent")
        if kind and level == Level.SUPERIOR and kind not in SUPERIOR_KINDS:
            self.add_error("kind", _("This kind is for grassroots unions."))
        if kind and level == Level.GRASSROOTS and kind not in GRASSROOTS_KINDS:
            self.add_error("kind", _("This kind is for direct-superior unions."))
        if level == Level.GRASSROOTS and not sector:
            self.add_error("sector", _("Choose the sector of a grassroots union."))
        if level == Level.SUPERIOR and sector:
            self.add_error("sector", _("A direct-superior union has no sector."))
        if level == Level.SUPERIOR and parent is not None:
            self.add_error("parent", _("A direct-superior union sits directly under the federation."))
        if sector in ENTERPRISE_SECTORS and kind == Kind.ENTERPRISE and not data.get("tax_code"):
            self.add_error("tax_code", _("Enter the enterprise's tax code."))
        if parent is not None and parent.status != Status.ACTIVE:
            self.add_error("parent", _("A closed unit cannot receive new units."))
        return data


class TreeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("All levels")), *Level.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=[("", _("All sectors")), *Sector.choices])
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(Status.ACTIVE, _("Active")), (Status.CLOSED, _("Closed")), ("all", _("All"))],
    )
    as_of = forms.DateField(label=_("As it stood on"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *kind_choices()[1:]]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    @property
    def is_search(self) -> bool:
        data = self.cleaned_data if self.is_valid() else {}
        return any(data.get(k) for k in ("q", "level", "kind", "sector")) or data.get("status") in (
            Status.CLOSED,
            "all",
        )


class UnionImportForm(forms.Form):
    """The admin's upload of a unit file (`unions.importing`). A superuser names the federation;
    everyone else imports into their own."""

    federation = forms.ModelChoiceField(label=_("Federation"), queryset=Federation.objects.none())
    file = SpreadsheetField(
        label=_("Unit file (.xlsx or .csv)"),
        wrong_type=_("Upload the units as .xlsx or .csv (UTF-8); .xls and .xlsm files are not accepted."),
    )
    dry_run = forms.BooleanField(label=_("Check only, write nothing"), required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_superuser:
            field = self.fields["federation"]
            field.queryset = Federation.objects.visible_to(user).filter(closed_on__isnull=True)
            field.initial = user.federation_id
        else:
            del self.fields["federation"]
