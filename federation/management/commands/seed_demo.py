import secrets
import time

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from federation import demo


class Command(BaseCommand):
    help = (
        "Load the demo federation (Đắk Lắk) and its demo accounts. Does nothing but reset the demo "
        "passwords when the federation is already loaded. With --neighbour, load Phú Yên's federation "
        "instead, without accounts. With --scale national (PostgreSQL only), load a federation for every "
        "province (about 11 million members), resuming where an interrupted run stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", required=True, choices=[*demo.SCALES, "national"])
        parser.add_argument("--seed", type=int, default=1, help="same seed, same data (default 1)")
        parser.add_argument(
            "--password", help="password of the demo accounts (default: DEMO_PASSWORD, else generated and printed)"
        )
        parser.add_argument(
            "--without-members",
            action="store_true",
            help="the tree and the accounts only, no member roll (e.g. to benchmark importing one)",
        )
        parser.add_argument(
            "--neighbour",
            action="store_true",
            help=_(
                "load the neighbour federation (%(code)s, %(name)s) beside the main one, for the federation "
                "merger: its own data for the seed, no demo accounts"
            )
            % {"code": demo.NEIGHBOUR.code, "name": demo.NEIGHBOUR.name},
        )

        parser.add_argument(
            "--federations",
            type=int,
            help="national scale: load only the first N provinces (in the order of the province list)",
        )
        parser.add_argument(
            "--fraction",
            type=float,
            default=1.0,
            help="national scale: a share of the full size (members and unions), e.g. 0.01 for a quick load",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=2,
            help="national scale: federations loaded at the same time, each by its own process (default 2)",
        )

    def handle(self, *args, scale, seed, password, without_members=False, neighbour=False, **options):
        if scale == "national":
            self._load_national(seed=seed, password=password, **options)
            return
        if options.get("federations") is not None or options.get("fraction", 1.0) != 1.0:
            raise CommandError("--federations and --fraction apply to --scale national only.")
        options.pop("jobs", None)
        if neighbour:
            self._load_neighbour(scale=scale, seed=seed, password=password, members=not without_members)
            return
        password, source = self._password(password)
        federation = demo.demo_federation()
        try:
            if federation is None:
                if password is None:
                    password, source = secrets.token_urlsafe(12), "generated"
                started = time.perf_counter()
                loaded = demo.load_demo(scale=scale, seed=seed, password=password, members=not without_members)
                self._loaded(loaded, time.perf_counter() - started)
                accounts = loaded.accounts
            else:
                self._already_loaded(federation)
                missing = demo.missing_accounts()
                if len(missing) == len(demo.DEMO_ACCOUNTS):
                    # A federation with the demo's code that seed_demo did not load (a real one?):
                    # opening administrator accounts in it is not this command's business.
                    self.stdout.write("It has no demo accounts, so it was not loaded by seed_demo: left alone.")
                    return
                reset = password is not None
                if password is None and missing:
                    # Someone deleted a demo account: recreate it, leave the others' passwords alone.
                    password, source = secrets.token_urlsafe(12), "generated for the recreated accounts"
                accounts = demo.ensure_accounts(federation=federation, password=password, reset=reset)
        except demo.DemoError as exc:
            raise CommandError(str(exc)) from exc
        self._logins(accounts, password, source)

    def _load_national(self, *, seed, password, federations=None, fraction=1.0, jobs=2, **options):
        from django.db import connection

        from federation import national

        if connection.vendor != "postgresql":
            raise CommandError(
                "--scale national needs PostgreSQL: set DATABASE_URL (it writes 11 million members with "
                "PostgreSQL's bulk statements)."
            )
        if options.get("neighbour") or options.get("without_members"):
            raise CommandError("--neighbour and --without-members do not apply to --scale national.")
        if not 1 <= jobs <= 8:
            raise CommandError("--jobs must be between 1 and 8.")
        if not 0 < fraction <= 1:
            raise CommandError("--fraction must be above 0 and at most 1.")
        if federations is not None and not 1 <= federations <= len(national.SIZES):
            raise CommandError(f"--federations must be between 1 and {len(national.SIZES)}.")
        password, source = self._password(password)
        started = time.perf_counter()
        self.stdout.write(
            f"National load: {'all' if federations is None else federations} federations, "
            f"fraction {fraction:g}, seed {seed}"
        )
        try:
            loaded = national.load_national(
                fraction=fraction, federations=federations, seed=seed, password=password, jobs=jobs,
                out=lambda text: self.stdout.write(text),
            )  # fmt: skip
        except demo.DemoError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        members = sum(f.counts["members"] for f in loaded.loaded)
        movements = sum(f.counts["movements"] for f in loaded.loaded)
        steps = ", ".join(f"{name} {elapsed:.1f} s" for name, elapsed in loaded.timings.items())
        self.stdout.write(
            f"Loaded {len(loaded.loaded)} federations ({len(loaded.skipped)} already there): {members:,} members, "
            f"{movements:,} movements in {seconds:.1f} s ({steps})"
        )
        if loaded.accounts:
            self._logins(loaded.accounts, password, source)

    def _load_neighbour(self, *, scale, seed, password, members):
        which = demo.NEIGHBOUR
        if password:
            raise CommandError(_("--password does not apply to --neighbour: the neighbour has no demo accounts."))
        if demo.demo_federation(which) is not None:
            raise CommandError(
                _("The neighbour federation %(code)s is already loaded: nothing generated.") % {"code": which.code}
            )
        started = time.perf_counter()
        try:
            loaded = demo.load_demo(scale=scale, seed=seed, members=members, which=which)
        except demo.DemoError as exc:
            raise CommandError(str(exc)) from exc
        self._loaded(loaded, time.perf_counter() - started)
        self.stdout.write(
            "\n"
            + _(
                "The neighbour federation has no logins of its own: it is managed by the superuser, and, "
                "once merged, by the accounts of the federation it is merged into."
            )
        )

    def _password(self, given):
        if given:
            password, source = given, "--password"
        elif settings.DEMO_PASSWORD:
            password, source = settings.DEMO_PASSWORD, "DEMO_PASSWORD"
        else:
            return None, None
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(f"The demo password ({source}) is refused: {' '.join(exc.messages)}") from exc
        return password, source

    def _loaded(self, loaded, seconds):
        counts = demo.tree_counts(loaded.federation)
        roll = demo.roll_figures(loaded.federation)
        year = roll["year"]
        timings = ", ".join(f"{name} {elapsed:.2f} s" for name, elapsed in loaded.timings.items())
        self.stdout.write(
            f"Loaded demo federation {loaded.federation.code} ({loaded.federation.name}), "
            f"scale {loaded.scale_name}, seed {loaded.seed}\n"
            f"  direct-superior unions: {counts['superior']}\n"
            f"  grassroots unions:      {counts['grassroots']} ({counts['active']} active, {counts['closed']} closed)\n"
            f"  moved in 2025:          {loaded.moved}\n"
            f"  members:                {roll['active']:,} active on {demo.ROLL_UNTIL:%d/%m/%Y} "
            f"({loaded.member_count:,} on file, {loaded.movement_count:,} movements)\n"
            f"  roll in 2024:           {year.opening:,} + {year.admitted:,} admitted + {year.readmitted:,} readmitted "
            f"+ {year.transferred_in:,} in - {year.transferred_out:,} out - {year.left:,} left "
            f"- {year.deceased:,} deceased = {year.closing:,} (net {year.net_change:+,})\n"
            f"  Party in 2024:          {roll['introduced']:,} introduced, {roll['admitted']:,} admitted\n"
            f"{self._welfare(loaded)}"
            f"{self._reports(loaded)}"
            f"  time:                   {seconds:.2f} s ({timings})"
        )

    def _welfare(self, loaded) -> str:
        """The 2024 welfare figures, as the reports compute them (none without the roll)."""
        if "welfare" not in loaded.timings:
            return ""
        from welfare.demo import welfare_figures

        w = welfare_figures(loaded.federation)
        return (
            f"  welfare in 2024:        Tet care {w['tet_care_person_times']:,} person-times, "
            f"{w['tet_care_amount']:,} VND\n"
            f"                          Union Shelters handed over {w['shelters_handed_over']:,}, "
            f"support {w['shelter_support']:,} VND\n"
            f"                          Trade Union Meals {w['union_meals']:,} ({w['meals_person_times']:,} "
            f"person-times); social fund raised {w['social_fund_raised']:,} VND\n"
        )

    def _reports(self, loaded) -> str:
        """The 2024 targets' headline and the returns filed (none without the roll)."""
        if "reports" not in loaded.timings:
            return ""
        from reports.demo import report_figures

        r = report_figures(loaded.federation)
        c = loaded.report_counts
        return (
            f"  targets 2024:           {r['achieved_or_exceeded']}/{r['targets']} achieved or exceeded; "
            f"members admitted {r['admitted']:,} of {r['admitted_target']:,.0f} ({r['admitted_percent']}%)\n"
            f"  returns 2024:           {c.get('returns', 0):,} filed ({c.get('late', 0):,} late), "
            f"{c.get('missing', 0):,} not filed; Q1-Q3 closed\n"
        )

    def _already_loaded(self, federation):
        counts = demo.tree_counts(federation)
        members = demo.active_members(federation)
        self.stdout.write(
            f"Demo federation {federation.code} already loaded ({counts['superior']} direct-superior, "
            f"{counts['grassroots']} grassroots unions, {members:,} members): nothing generated."
        )

    def _logins(self, accounts, password, source):
        rows = [("username", "role", "unit", "")]
        for user in accounts:
            unit = user.union or user.federation
            rows.append((user.username, user.role, unit.code if unit else "", unit.name if unit else ""))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("\nDemo logins")
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write(("  " + "  ".join([*cells, row[3]])).rstrip())
        if source == "--password":
            self.stdout.write(f"  password: {password}")
        elif source and source.startswith("generated"):
            self.stdout.write(f"  password: {password}  ({source}: note it down)")
        elif source == "DEMO_PASSWORD":
            self.stdout.write("  password: the DEMO_PASSWORD setting")
        else:
            self.stdout.write("  password: unchanged")
