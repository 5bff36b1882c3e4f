import datetime
import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import formats
from django.utils.translation import gettext as _

from federation.models import Federation
from reports.achievement import Rating, Structure, unit_report
from unions.models import Union


def _figure(value) -> str:
    """A figure as people read it in the active language: 10.177, 120,44 (Vietnamese)."""
    if value is None:
        return "—"
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    return formats.number_format(value, force_grouping=True)


class Command(BaseCommand):
    help = (
        "A unit's target achievement for a report year (PRODUCT.md §6): target, actual, percent and "
        "rating per indicator with a target, and how many were achieved or exceeded. --json prints "
        "one JSON object with numbers as strings."
    )

    def add_arguments(self, parser):
        parser.add_argument("--federation", required=True, help="code of the federation")
        parser.add_argument("--year", required=True, type=int, help="report year, e.g. 2024")
        parser.add_argument("--unit", help="code of a union in the federation (default: the federation itself)")
        parser.add_argument("--as-of", dest="as_of", help="count up to this day (YYYY-MM-DD); default: the whole year")
        parser.add_argument(
            "--structure",
            choices=Structure.values,
            default=Structure.TODAY,
            help="report by today's tree (default) or as it stood at the period's end",
        )
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def handle(self, *args, **opts):
        code = (opts["federation"] or "").strip()
        federation = Federation.objects.filter(code__iexact=code).first()
        if federation is None:
            raise CommandError(_("No federation has the code %(code)s.") % {"code": code})
        year = opts["year"]
        if not 2000 <= year <= 2100:
            raise CommandError(_("Enter a year between 2000 and 2100."))
        union = self._union(federation, opts["unit"])
        as_of = None
        if opts["as_of"]:
            try:
                as_of = datetime.date.fromisoformat(opts["as_of"].strip())
            except ValueError:
                raise CommandError(
                    _("%(value)s is not a date: write it as YYYY-MM-DD.") % {"value": opts["as_of"]}
                ) from None
        report = unit_report(federation=federation, union=union, year=year, as_of=as_of, structure=opts["structure"])
        if opts["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            self._table(report)

    def _union(self, federation, code):
        if not code:
            return None
        code = " ".join(code.split()).upper()
        if code == federation.code.upper():
            return None
        union = Union.objects.filter(federation=federation, code=code).first()
        if union is None:
            raise CommandError(
                _("The federation %(federation)s has no union with the code %(code)s.")
                % {"federation": federation.code, "code": code}
            )
        return union

    def _table(self, report):
        rows = report.targeted
        self.stdout.write(
            _("%(unit)s (%(code)s), %(year)s: %(k)s/%(n)s targets achieved or exceeded")
            % {
                "unit": report.unit.name,
                "code": report.code,
                "year": report.year,
                "k": report.achieved_or_exceeded,
                "n": report.targets,
            }
        )
        if report.as_of is not None:
            self.stdout.write(_("Up to %(day)s") % {"day": report.as_of.strftime("%d/%m/%Y")})
        if not rows:
            self.stdout.write(_("No target for this year."))
            return
        header = [_("Indicator"), _("Target"), _("Actual"), "%", _("Rating")]
        table = [
            [
                row.indicator.name,
                _figure(row.target_value),
                _figure(row.actual),
                "—" if row.percent is None else formats.number_format(row.percent, 2),
                str(Rating(row.rating).label) if row.rating else "—",
            ]
            for row in rows
        ]
        widths = [max(len(str(line[i])) for line in [header, *table]) for i in range(len(header))]
        widths[0] = min(widths[0], 60)

        def line(cells):
            first = str(cells[0])[: widths[0]].ljust(widths[0])
            figures = [str(c).rjust(w) for c, w in zip(cells[1:4], widths[1:4], strict=True)]
            return "  ".join([first, *figures, str(cells[4])]).rstrip()

        self.stdout.write(line(header))
        self.stdout.write("  ".join("-" * w for w in widths))
        for cells in table:
            self.stdout.write(line(cells))
