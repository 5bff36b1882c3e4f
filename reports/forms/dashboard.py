"""The parameters of the achievement dashboards, their export and the reports API: the year, the
day the figures run to, the structure they follow and the indicator the chart and the ranking
are about, with the defaults every one of them uses."""

import datetime
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from federation.models import Federation
from unions.forms import DATE_WIDGET

from ..achievement import Structure
from ..models import Indicator
from ..periods import default_as_of, default_year, report_year, year_period

DEFAULT_INDICATOR = "members_admitted"


@dataclass(frozen=True)
class Params:
    year: int
    as_of: datetime.date | None  # None: the whole year
    structure: str
    indicator: str  # code of the indicator of the chart and the ranking


def indicator_choices() -> list[tuple[str, str]]:
    return [(i.code, i.name) for i in Indicator.objects.filter(is_active=True)]


class DashboardForm(forms.Form):
    """The dashboard's filter. Whatever is missing or wrong falls back to its default (`params`),
    the errors being shown beside the filter."""

    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100, widget=forms.Select)
    as_of = forms.DateField(label=_("Figures up to"), required=False, widget=DATE_WIDGET)
    structure = forms.ChoiceField(label=_("Structure"), required=False, choices=Structure.choices)
    indicator = forms.ChoiceField(label=_("Indicator"), required=False)

    def __init__(self, data, *, federation: Federation, years: list[int], today: datetime.date, **kwargs):
        super().__init__(data, **kwargs)
        self.federation = federation
        self.today = today
        self.years = years
        shown = set(years) | {report_year(federation, today)}
        requested = (data or {}).get("year", "")
        if str(requested).isdigit() and 2000 <= int(requested) <= 2100:
            shown.add(int(requested))
        self.fields["year"].widget.choices = [(y, str(y)) for y in sorted(shown, reverse=True)]
        self.fields["indicator"].choices = indicator_choices()
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-select" if name != "as_of" else "form-control")

    def clean(self):
        data = super().clean()
        year, as_of = data.get("year"), data.get("as_of")
        if year and as_of and as_of < year_period(self.federation, year).start:
            self.add_error("as_of", _("This day comes before the report year %(year)s starts.") % {"year": year})
        return data

    def params(self) -> Params:
        self.is_valid()
        data = self.cleaned_data  # the fields that passed: a wrong one is left out, so defaulted
        as_of = data.get("as_of")
        year = data.get("year")
        if year is None:
            year = (
                report_year(self.federation, as_of) if as_of else default_year(self.federation, self.years, self.today)
            )
        if as_of is None:
            as_of = default_as_of(self.federation, year, self.today)
        return Params(
            year=year,
            as_of=as_of,
            structure=data.get("structure") or Structure.TODAY,
            indicator=data.get("indicator") or DEFAULT_INDICATOR,
        )

    def shown_data(self, params: Params) -> dict:
        """The filter as the page shows it: the parameters in force, not empty boxes."""
        return {
            "year": params.year,
            "as_of": params.as_of.strftime("%d/%m/%Y") if params.as_of else "",
            "structure": params.structure,
            "indicator": params.indicator,
        }
