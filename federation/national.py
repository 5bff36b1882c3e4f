"""A national load (`seed_demo --scale national`): one federation per province of the 2025 map
(34), about 135,000 grassroots unions and 11 million members, with the year 2024 of each: its
roll's movements, welfare activities, targets and quarterly returns. PostgreSQL only.

Why not `federation.demo.load_demo` 34 times: the province demo plans every member in Python
(130,000 people, tens of seconds); at 11 million that would take hours. Here Python plans only
the tree (a few thousand unions a federation, drawn with the province demo's recipes and name
tables); the members, their movements, the returns and most welfare rows are drawn by
PostgreSQL itself in `INSERT ... SELECT` statements over `generate_series`, from per-union
parameters (`nat_units`) and a pool of names whose derived columns Python computed once
(`nat_names`: `Member.derived_names` of every name used).

Resumable: each federation is loaded in one transaction, so an interrupted run (Ctrl-C, a crash)
leaves whole federations only; a rerun skips the provinces that already have a federation (the
province demo's Đắk Lắk among them) and loads the others. `--jobs` processes load federations side
by side (the largest first), each with its own connection and transactions.

Invariants kept as the province demo keeps them: unions as `_create_unions` writes them (path,
search text, one `UnionLink` from the establishment date, closed on its closing date, the audit
entries of creation and closing); every member has an `admitted` movement on the day they joined
(before 2024 for the opening roll, as the province demo dates its opening roll), then at most a
transfer (out of one union, into another, with its accepted request) and at most one departure
whose date is `left_on`; so each union's movements add up to its active members. Citizen IDs are
12 digits (province, century and gender, year of birth, 6 digits) and unique by construction:
members born in the federation's own province are numbered by their place in its roll (see
LOCAL_BLOCK); those born elsewhere are counted within their (province, century/gender, year)
from MIGRANT_BASE, the federations interleaved, so two federations never draw the same one.

Bulk rows are written with the session in `session_replication_role = replica` (inside the
federation's transaction only): the foreign keys of members and movements point to rows the same
statement sequence has just written, so the per-row foreign-key triggers are skipped; the check
and not-null constraints still check every row. A large load (DEFER_FROM) also drops the
secondary and partial unique indexes of members and movements and builds them again at its end
(`restore_indexes`: building one validates its uniqueness over every row), then writes the 2024
targets, which read the whole roll (`write_targets`, per federation, resumable too).
"""

import datetime as dt
import io
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from vietnam_provinces import Ward

from members.models import Member
from members.validation import PROVINCE_CODES_2024
from unions.models import Kind, Level, Sector, Union

from . import demo
from .demo import (
    BRANDS,
    FIXED_POOLS,
    HIGHLAND,
    OTHER_REASONS,
    PEOPLE,
    PHONE_PREFIXES,
    RECIPES,
    RELIGION,
    DemoAccount,
    DemoError,
    DemoFederation,
    UnitSpec,
    _ascii,
    _draft,
    _full_name,
    _pick,
    _Planner,
    _r_enterprise,
    _r_fdi,
    _r_state_enterprise,
    _table,
    _union_name,
    _ward_info,
    open_accounts,
    unit_profile,
)
from .models import NATIONAL_ROLES, AuditLog, Federation, Role, User, path_segment, province_choices
from .services import audit_log
from .signals import records_changed
from .text import fold

YEAR = 2024
YEAR_START = date(YEAR, 1, 1)
YEAR_END = date(YEAR, 12, 31)
NATIONAL_GRASSROOTS = 135_000
NATIONAL_MEMBERS = 11_000_000  # active at the end of 2024, all 34 federations

# Members at the end of 2024, in thousands, by province of the 2025 map (the merged provinces
# together): the industrial south-east and the Red River delta carry most of the roll.
SIZES = {
    1: 1_150, 4: 45, 8: 110, 11: 45, 12: 35, 14: 85, 15: 115, 19: 210, 20: 60, 22: 210, 24: 620, 25: 420,
    31: 520, 33: 340, 37: 390, 38: 330, 40: 290, 42: 110, 44: 135, 46: 115, 48: 310, 51: 155, 52: 240,
    56: 165, 66: 190, 68: 235, 75: 780, 79: 2_350, 80: 470, 82: 210, 86: 230, 91: 210, 92: 205, 96: 125,
}  # fmt: skip

# Share of a federation's grassroots unions under each kind of direct superior.
SHARES = {"district": 0.55, "education": 0.18, "health": 0.04, "agency": 0.08, "zone": 0.13, "direct": 0.02}
MIXES: dict[str, dict[str, float]] = {
    "district": {
        "enterprise": 44, "commune_office": 8, "commune_party": 4, "cooperative": 8, "occupational": 4,
        "private_school": 4, "private_clinic": 3, "state_enterprise": 5, "fdi": 5, "health_station": 3,
    },
    "education": {"kindergarten": 30, "primary": 30, "secondary": 24, "primary_secondary": 5, "high_school": 11},
    "health": {"health_centre": 25, "health_station": 55, "private_clinic": 20},
    "agency": {"provincial_agency": 70, "commune_office": 30},
    "zone": {"zone_enterprise": 62, "zone_fdi": 33, "zone_state": 5},
    "direct": {"big_state": 100},
}  # fmt: skip
# The fixed direct superiors, in the order a small load takes them (after H01 and H02).
SECTOR_SUPERIORS = (
    ("N01", "Công đoàn ngành Giáo dục {level}", Kind.INDUSTRY_UNION, "education"),
    ("K01", "Công đoàn các Khu công nghiệp {level}", Kind.ZONE_UNION, "zone"),
    ("N02", "Công đoàn ngành Y tế {level}", Kind.INDUSTRY_UNION, "health"),
    ("C01", "Công đoàn các cơ quan Đảng {level}", Kind.AGENCY_UNION, "agency"),
    ("C02", "Công đoàn Ủy ban nhân dân {level}", Kind.AGENCY_UNION, "agency"),
    ("N03", "Công đoàn Viên chức {level}", Kind.AGENCY_UNION, "agency"),
)
ZONE_NAMES = ("Khu công nghiệp {brand}", "Khu kinh tế {brand}", "Cụm công nghiệp {brand}")
# Provincial bodies of the fixed lists that name no place of the province demo.
_LOCAL_WORDS = ("Đắk Lắk", "Phú Yên", "Yok Đôn", "Chư Yang Sin", "Nam Ka", "Tây Nguyên", "Buôn Ma Thuột")
PROVINCIAL_BODIES = tuple(
    f
    for key in ("committee", "party", "civil")
    for f in FIXED_POOLS[key]
    if f.ward is None and not any(word in f.name for word in _LOCAL_WORDS)
)
# Who works in the country's unions (the name pool): mostly Kinh, the peoples of the north, the
# highlands and the centre.
ETHNIC_NATIONAL = _table(
    "Kinh 880, Tày 25, Thái 20, Mường 18, Nùng 12, Hoa 10, Mông 8, Dao 6, Ê Đê 5, Gia Rai 4, Chăm 2, Mnông 2"
)
NAME_POOL = 20_000  # names per (gender, generation): the roll draws from these
JOB_POOL = 200  # job titles per profile, drawn by the profile's weights
LOCAL_BORN = 0.82  # members born in the federation's own province
# Members born in the federation's province: the 6 digits are their place in the roll modulo
# LOCAL_BLOCK, and the year of birth modulo LOCAL_BLOCKS is the block (the year moved back up to
# three years to fit): so no two share an ID, without counting anyone.
LOCAL_BLOCK = 900_000
LOCAL_BLOCKS = 4
MIGRANT_BASE = 900_000  # the 6 digits of members born elsewhere start here
SLOTS = 35  # federations interleaved in that range (34, and one spare)
TRANSFER_RATE = 0.005
DECEASED_SHARE = 0.02  # of departures
OUT_OF_PROVINCE_SHARE = 0.01
PARTY_INTRODUCED = (0.03, 0.008)  # of active members in 2024: state bodies, businesses
PARTY_ADMITTED = 0.38  # of those introduced
NEW_IN_2024 = 0.025  # of young-kind grassroots unions
CLOSED = 0.015  # of the others (not agencies)


@dataclass(frozen=True)
class NationalFederation:
    slot: int  # its place among the 34 provinces (citizen IDs of members born elsewhere)
    province_code: int
    province_name: str  # "Thành phố Hà Nội", "Cao Bằng"
    members: int  # active at the end of 2024
    grassroots: int

    @property
    def city(self) -> bool:
        return self.province_name.startswith("Thành phố ")

    @property
    def place(self) -> str:
        return self.province_name.removeprefix("Thành phố ")

    @property
    def code(self) -> str:
        return f"LDLD-{self.province_code:02d}"

    @property
    def name(self) -> str:
        return f"Liên đoàn Lao động {self.province_name if self.city else 'tỉnh ' + self.province_name}"

    @property
    def level(self) -> str:
        """How the province's own bodies end their names: "tỉnh", "thành phố"."""
        return "thành phố" if self.city else "tỉnh"

    @property
    def mail_domain(self) -> str:
        return f"{_ascii(self.place).lower()}.gov.vn"

    def which(self) -> DemoFederation:
        """The province demo's description of a federation, for the code reused from it."""
        return DemoFederation(
            code=self.code, name=self.name, province_code=self.province_code, seed_salt=f"national:{self.code}",
            accounts=False, place=self.place, member_code_prefix="",
        )  # fmt: skip


def national_plan(*, fraction: float = 1.0) -> list[NationalFederation]:
    """The 34 federations, in the order of `province_choices()`, with their sizes."""
    choices = province_choices()
    total = sum(SIZES.values())
    unit_weights = {code: size**0.85 for code, size in SIZES.items()}
    unit_total = sum(unit_weights.values())
    plan = []
    for slot, (code, name) in enumerate(choices):
        members = round(NATIONAL_MEMBERS * SIZES[code] / total * fraction)
        grassroots = round(NATIONAL_GRASSROOTS * unit_weights[code] / unit_total * fraction)
        plan.append(NationalFederation(slot, code, name, max(members, 60), max(grassroots, 12)))
    return plan


@dataclass
class Loaded:
    code: str
    name: str
    seconds: float
    timings: dict[str, float]
    counts: dict[str, int]


@dataclass
class NationalLoad:
    loaded: list[Loaded] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # the steps after the federations
    accounts: list[User] = field(default_factory=list)


# --- The tree (Python) ---------------------------------------------------------------------


@dataclass
class Superior:
    code: str
    name: str
    kind: str
    group: str  # a key of SHARES
    ward: demo.WardInfo
    wards: list  # where its grassroots units stand
    zone: str = ""


class _NationalPlanner(_Planner):
    """The province demo's planner, with addresses that fit any province (streets named after
    the country's heroes, hamlets numbered)."""

    def address(self, ward) -> str:
        if ward.urban:
            return f"Số {self.rng.randint(1, 320)} {self.rng.choice(PEOPLE[:40])}"
        return f"Thôn {self.rng.randint(1, 15)}"


def _tax_code(rng: random.Random, province: int, taken: set[str]) -> str:
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    while True:
        body = f"{province % 100:02d}{rng.randrange(1, 10**7):07d}"
        check = 10 - sum(w * int(d) for w, d in zip(weights, body, strict=True)) % 11
        code = f"{body}{check}"
        if check < 10 and code not in taken:
            taken.add(code)
            return code


def _recipes(nf: NationalFederation) -> dict[str, Callable]:
    """The province demo's recipes, and those whose names were Đắk Lắk's made national."""
    bodies = list(PROVINCIAL_BODIES)

    def provincial_agency(p: _Planner, ward):
        while bodies:
            body = bodies.pop(0)
            name = body.name.replace(" tỉnh", f" {nf.level}") if nf.city else body.name
            if name := p.claim(name):
                return _draft(p, ward, name, (body.kind, body.sector), p.between(*body.workers), body.founded)
        return None

    def big_state(p: _Planner, ward):
        return _r_state_enterprise(p, ward, founded=(1976, 2000))

    def zone_address(p: _Planner, ward, zone: str) -> str:
        return f"Lô {p.rng.choice('ABCDEF')}{p.rng.randint(1, 40)}, {zone}"

    return {
        **RECIPES,
        "provincial_agency": provincial_agency,
        "big_state": big_state,
        "zone_enterprise": lambda p, w, zone: _r_enterprise(
            p, w, zone_address(p, w, zone), median=160, founded=(2003, 2023)
        ),
        "zone_fdi": lambda p, w, zone: _r_fdi(p, w, zone_address(p, w, zone), founded=(2005, 2023)),
        "zone_state": lambda p, w, zone: _r_state_enterprise(p, w, zone_address(p, w, zone), founded=(2003, 2015)),
    }


def _superiors(nf: NationalFederation, rng: random.Random, wards: list) -> list[Superior]:
    """Several dozen direct superiors: ward and commune federations, the sector and zone unions."""
    base = 30 + round(45 * math.sqrt(SIZES[nf.province_code] / max(SIZES.values())))
    count = max(5, min(base, nf.grassroots // 8))
    zones = 1 + (SIZES[nf.province_code] >= 300) + (SIZES[nf.province_code] >= 600) * 2
    sector = list(SECTOR_SUPERIORS)
    fixed = min(len(sector) + zones - 1, max(3, count // 4))
    districts = max(2, count - fixed)
    urban = [w for w in wards if w.urban]
    rural = [w for w in wards if not w.urban]
    rng.shuffle(urban)
    rng.shuffle(rural)
    homes = (urban[: districts // 3 + 1] + rural)[:districts]
    if len(homes) < districts:
        homes += urban[districts // 3 + 1 :][: districts - len(homes)]
    homes.sort(key=lambda w: w.code)
    # Each ward federation takes the wards nearest its seat (by code).
    by_code = sorted(wards, key=lambda w: w.code)
    chunk = max(1, len(by_code) // max(1, len(homes)))
    result = [
        Superior(
            f"H{i + 1:02d}",
            f"Liên đoàn Lao động {w.full}",
            Kind.DISTRICT_FEDERATION,
            "district",
            w,
            by_code[i * chunk : (i + 1) * chunk] or [w],
        )  # fmt: skip
        for i, w in enumerate(homes)
    ]
    capital = homes[0] if homes else by_code[0]
    extra_zones = [("K0" + str(i + 2), Kind.ZONE_UNION) for i in range(zones - 1)]
    order = [sector[0], sector[1], *[(c, "", k, "zone") for c, k in extra_zones], *sector[2:]]
    brands = rng.sample(BRANDS, len(BRANDS))
    for code, template, kind, group in order[:fixed]:
        zone = ""
        if group == "zone":
            zone = rng.choice(ZONE_NAMES).format(brand=brands.pop())
            name = template.format(level=nf.level) if template else f"Công đoàn {zone}"
        else:
            name = template.format(level=nf.level)
        result.append(Superior(code, name, kind, group, capital, by_code, zone))
    return result


def plan_tree(nf: NationalFederation, rng: random.Random) -> list[UnitSpec]:
    """Every union of the federation, superiors first, in a deterministic order."""
    wards = [_ward_info(w) for w in Ward.iter_by_province(nf.province_code)]
    planner = _NationalPlanner(rng)
    recipes = _recipes(nf)
    superiors = _superiors(nf, rng, wards)
    specs = []
    for sup in superiors:
        specs.append(
            UnitSpec(
                code=sup.code,
                name=sup.name,
                level=Level.SUPERIOR,
                kind=sup.kind,
                ward_code=sup.ward.code,
                address=planner.address(sup.ward),
                established_on=date(rng.randint(1976, 1995), 1, 1) + timedelta(days=rng.randint(0, 364)),
            )  # fmt: skip
        )
        planner.names.add(sup.name)
    est = {s.code: s.established_on for s in specs}
    groups: dict[str, list[Superior]] = {}
    for sup in superiors:
        groups.setdefault(sup.group, []).append(sup)
    weights = {g: SHARES[g] for g in (*groups, "direct")}
    counts = demo._apportion(nf.grassroots, list(weights.values()), [nf.grassroots] * len(weights))
    taxes: set[str] = set()
    for group, count in zip(weights, counts, strict=True):
        parents = groups.get(group, [None])
        mix = MIXES[group]
        for i in range(count):
            sup = parents[i % len(parents)]
            ward = rng.choice(sup.wards if sup else wards)
            draft = None
            for _ in range(10):
                recipe = rng.choices(list(mix), weights=list(mix.values()))[0]
                fn = recipes[recipe]
                draft = fn(planner, ward, sup.zone) if recipe.startswith("zone_") else fn(planner, ward)
                if draft is not None:
                    break
            if draft is None:
                draft = recipes["enterprise"](planner, ward)
            if draft is None:  # every name taken, even with the commune: number it
                draft = _draft(
                    planner, ward, f"Công ty TNHH {rng.choice(BRANDS)} số {len(specs)}", (Kind.ENTERPRISE,
                    Sector.NON_STATE_ENTERPRISE), planner.lognormal(75, 1.2, 10, 4500), (1995, 2023),
                )  # fmt: skip
            founded = demo._day_in(rng, date(draft.founded[0], 1, 1), date(draft.founded[1], 12, 31))
            floor = est.get(sup.code) if sup else None
            if floor and founded <= floor:
                founded = floor + timedelta(days=rng.randint(30, 400))
            specs.append(
                UnitSpec(
                    code=f"CS{len(specs) - len(superiors) + 1:05d}",
                    name=_union_name(draft.name),
                    level=Level.GRASSROOTS,
                    kind=draft.kind,
                    sector=draft.sector,
                    parent=sup.code if sup else None,
                    worker_count=draft.workers,
                    tax_code=_tax_code(rng, nf.province_code, taxes) if draft.kind == Kind.ENTERPRISE else "",
                    ward_code=draft.ward.code,
                    address=draft.address if draft.address.startswith("Lô") else f"{draft.address}, {ward.full}",
                    established_on=min(founded, YEAR_END),
                )
            )
    _date_history(specs, rng)
    return specs


def _date_history(specs: list[UnitSpec], rng: random.Random) -> None:
    """A few unions established in 2024, a few closed since 2019 (none of the agencies)."""
    young = {Kind.ENTERPRISE, Kind.COOPERATIVE, Kind.OCCUPATIONAL_UNION, Kind.NON_PUBLIC_UNIT}
    for spec in specs:
        if spec.level != Level.GRASSROOTS:
            continue
        if spec.kind in young and rng.random() < NEW_IN_2024:
            spec.established_on = demo._day_in(rng, YEAR_START, YEAR_END)
        elif spec.kind != Kind.AGENCY and spec.established_on < date(2018, 1, 1) and rng.random() < CLOSED:
            spec.closed_on = demo._day_in(rng, date(2019, 1, 1), YEAR_END)
        elif spec.established_on >= YEAR_START:
            spec.established_on = YEAR_START - timedelta(days=rng.randint(30, 900))


# --- SQL helpers -----------------------------------------------------------------------------


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dict, list)):
        return "'" + json.dumps(value).replace("'", "''") + "'::jsonb"
    return "'" + str(value).replace("'", "''") + "'"


def insert_select(model, columns: dict[str, str], tail: str, params=None) -> int:
    """INSERT INTO `model`'s table the rows of `SELECT <columns' expressions> <tail>`; the other
    columns get what a `save()` would give them (now for auto_now ones, the field's default, or
    NULL). Returns the number of rows."""
    quote = connection.ops.quote_name
    meta = model._meta
    names, exprs = [], []
    for f in meta.concrete_fields:
        if f.attname in columns:
            names.append(quote(f.column))
            exprs.append(columns[f.attname])
        elif not f.primary_key:
            names.append(quote(f.column))
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) or f.default is timezone.now:
                exprs.append("now()")
            else:  # the default, "" for text, NULL for a nullable column
                exprs.append(_literal(f.get_default()))
    unknown = set(columns) - {f.attname for f in meta.concrete_fields}
    if unknown:
        raise DemoError(f"Unknown columns of {meta.db_table}: {', '.join(sorted(unknown))}")
    sql = f"INSERT INTO {quote(meta.db_table)} ({', '.join(names)}) SELECT {', '.join(exprs)} {tail}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _execute(sql: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _copy(table: str, columns: tuple[str, ...], rows) -> None:
    text = "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO(text))


def _reserve_ids(model, count: int) -> int:
    """The first of `count` consecutive ids taken from `model`'s sequence (a session advisory
    lock keeps two loaders from interleaving)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"national:{table}"])
        try:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            first = cursor.fetchone()[0]
            if count > 1:
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first + count - 1])
        finally:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [f"national:{table}"])
    return first


def _nextvals(model, count: int) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
        return [row[0] for row in cursor.fetchall()]


# --- The session: temp tables shared by every federation ---------------------------------------


def _profile_key(profile, registry: dict) -> int:
    key = id(profile)
    if key not in registry:
        registry[key] = (len(registry) + 1, profile)
    return registry[key][0]


def prepare_session(seed: int) -> dict:
    """Session settings and the pools every federation draws from: names (with their derived
    columns), birthplaces. Returns the profile registry the job pool is filled from."""
    try:
        with transaction.atomic():
            _execute("SET temp_buffers = '512MB'")  # only before the session's first temp table
    except DatabaseError:
        pass
    _execute("SET work_mem = '256MB'")
    _execute("SET maintenance_work_mem = '512MB'")
    _execute("SET synchronous_commit = off")
    _execute("SET jit = off")  # compiling the big statements costs more than it saves
    _execute("DROP TABLE IF EXISTS nat_names, nat_jobs, nat_taken")
    # The citizen IDs of the members of other federations (the province demo's): ours avoid them.
    _execute(
        """CREATE TEMP TABLE nat_taken AS SELECT DISTINCT m.citizen_id FROM members_member m
        JOIN federation_federation f ON f.id = m.federation_id WHERE NOT (f.code = ANY(%s))""",
        [[nf.code for nf in national_plan()]],
    )
    _execute("CREATE INDEX ON nat_taken (citizen_id)")
    _execute("ANALYZE nat_taken")
    _execute(
        "CREATE TEMP TABLE nat_names (gender text, young boolean, k int, full_name text, ethnicity text, "
        "religion text, handle text, search_text text, sort_name text, PRIMARY KEY (gender, young, k))"
    )
    _execute("CREATE TEMP TABLE nat_jobs (job_key int, k int, title text, PRIMARY KEY (job_key, k))")
    _execute(
        """CREATE OR REPLACE FUNCTION pg_temp.tri(u float8, lo float8, hi float8, mode float8) RETURNS float8
        LANGUAGE sql IMMUTABLE AS $$
          SELECT CASE WHEN hi <= lo THEN lo WHEN u < (mode - lo) / (hi - lo) THEN lo + sqrt(u * (hi - lo) * (mode - lo))
                      ELSE hi - sqrt((1 - u) * (hi - lo) * (hi - mode)) END $$"""
    )
    rng = random.Random(f"{seed}:national:names")
    derived: dict[str, tuple[str, str]] = {}
    rows = []
    for gender in ("male", "female"):
        for young in (False, True):
            for k in range(NAME_POOL):
                ethnicity = _pick(rng, ETHNIC_NATIONAL)
                full, given, _family = _full_name(rng, ethnicity, gender, 1995 if young else 1975, False)
                if full not in derived:
                    derived[full] = Member.derived_names(full)
                religion_table = RELIGION.get(
                    ethnicity, RELIGION["highland"] if ethnicity in HIGHLAND else RELIGION["other"]
                )
                initials = "".join(word[0] for word in fold(full).split()[:-1])
                handle = f"{_ascii(given)}{_ascii(initials)}".lower() or "doanvien"
                rows.append(
                    (gender, young, k, full, ethnicity, _pick(rng, religion_table), handle,
                     *derived[full])
                )  # fmt: skip
    _copy(
        "nat_names",
        ("gender", "young", "k", "full_name", "ethnicity", "religion", "handle", "search_text", "sort_name"),
        rows,
    )
    return {}


def _fill_jobs(registry: dict, filled: set[int], seed: int) -> None:
    rows = []
    for key, profile in registry.values():
        if key in filled:
            continue
        rng = random.Random(f"{seed}:national:jobs:{key}")
        rows += [(key, k, _pick(rng, profile.jobs)) for k in range(JOB_POOL)]
        filled.add(key)
    if rows:
        _copy("nat_jobs", ("job_key", "k", "title"), rows)


# --- One federation ------------------------------------------------------------------------------


class _Run:
    def __init__(self, nf: NationalFederation, seed: int, registry: dict, filled: set[int], plan_size: int):
        self.nf, self.seed, self.registry, self.filled = nf, seed, registry, filled
        self.plan_size = plan_size
        self.timings: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.federation: Federation | None = None

    def rng(self, step: str) -> random.Random:
        return random.Random(f"{self.seed}:national:{self.nf.code}:{step}")

    def timed(self, name: str, fn: Callable[[], None]) -> None:
        started = time.perf_counter()
        fn()
        self.timings[name] = time.perf_counter() - started

    def load(self) -> None:
        with transaction.atomic():
            self.timed("tree", self.step_tree)
            _execute("SET LOCAL session_replication_role = replica")
            self.timed("members", self.step_members)
            self.timed("movements", self.step_movements)
            self.timed("welfare", self.step_welfare)
            self.timed("returns", self.step_returns)
            _execute("SET LOCAL session_replication_role = origin")

    # -- tree

    def step_tree(self) -> None:
        nf = self.nf
        federation = Federation(code=nf.code, name=nf.name, province_code=nf.province_code)
        federation.full_clean()
        federation.save()
        audit_log(actor=None, obj=federation, action=AuditLog.Action.CREATE, changes={"code": [None, nf.code]})
        self.federation = federation
        specs = plan_tree(nf, self.rng("tree"))
        ids = _nextvals(Union, len(specs))
        pks: dict[str, int] = {}
        paths: dict[str, str] = {}
        rows = []
        for spec, pk in zip(specs, ids, strict=True):
            union = Union(code=spec.code, name=spec.name)
            union.clean()  # upper-case code, NFC single-spaced name
            pks[spec.code] = pk
            parent = spec.parent
            paths[spec.code] = (paths[parent] if parent else federation.path) + path_segment(pk)
            closed = spec.closed_on is not None
            rows.append(
                (pk, federation.pk, union.code, union.name, spec.level, spec.kind, spec.sector, spec.tax_code,
                 spec.worker_count, spec.ward_code, spec.address, spec.established_on, spec.closed_on,
                 "closed" if closed else "active", pks[parent] if parent else None, paths[spec.code],
                 Union.build_search_text(union.code, union.name))
            )  # fmt: skip
        columns = (
            "id", "federation_id", "code", "name", "level", "kind", "sector", "tax_code", "worker_count",
            "ward_code", "address", "established_on", "closed_on", "status", "parent_id", "path", "search_text",
        )  # fmt: skip
        # Superiors first: the tree's trigger checks a grassroots union's parent exists.
        superiors = [r for r in rows if r[4] == Level.SUPERIOR]
        demo.insert_rows(Union, columns, superiors)
        demo.insert_rows(Union, columns, [r for r in rows if r[4] != Level.SUPERIOR])
        fed = federation.pk
        insert_select(
            demo.UnionLink,
            {
                "union_id": "u.id", "federation_id": "u.federation_id", "parent_id": "u.parent_id", "path": "u.path",
                "valid_from": "u.established_on", "valid_to": "u.closed_on",
            },
            "FROM unions_union u WHERE u.federation_id = %s ORDER BY u.id",
            [fed],
        )  # fmt: skip
        content_type = ContentType.objects.get_for_model(Union, for_concrete_model=False).pk
        created = """(SELECT jsonb_object_agg(key, jsonb_build_array(NULL, value)) FROM jsonb_each(jsonb_strip_nulls(
            jsonb_build_object('code', u.code, 'name', u.name, 'level', u.level, 'kind', u.kind,
              'sector', NULLIF(u.sector, ''), 'tax_code', NULLIF(u.tax_code, ''), 'worker_count', u.worker_count,
              'ward_code', u.ward_code, 'address', NULLIF(u.address, ''), 'established_on', u.established_on,
              'parent', CASE WHEN p.id IS NOT NULL THEN p.name || ' (' || p.code || ')' END))))"""
        entry = {
            "federation_id": "u.federation_id", "content_type_id": str(content_type), "actor_name": "'system'",
            "object_id": "u.id::text", "object_repr": "left(u.name || ' (' || u.code || ')', 255)",
        }  # fmt: skip
        tail = "FROM unions_union u LEFT JOIN unions_union p ON p.id = u.parent_id WHERE u.federation_id = %s"
        insert_select(AuditLog, {**entry, "action": "'create'", "changes": created}, tail + " ORDER BY u.id", [fed])
        closed = """jsonb_build_object('status', jsonb_build_array('active', 'closed'),
            'closed_on', jsonb_build_array(NULL, u.closed_on))"""
        insert_select(
            AuditLog, {**entry, "action": "'close'", "changes": closed}, tail + " AND u.closed_on IS NOT NULL", [fed]
        )
        self.specs, self.pks = specs, pks
        self.counts["superior"] = len(superiors)
        self.counts["grassroots"] = len(rows) - len(superiors)

    # -- members

    def _unit_rows(self) -> list[tuple]:
        """Per grassroots union: how many members it had on 1 January 2024 (or when it closed)
        and how many it admits in 2024, with the parameters its profile gives the draws."""
        nf, rng = self.nf, self.rng("members")
        units = []
        for spec in self.specs:
            if spec.level != Level.GRASSROOTS:
                continue
            profile = unit_profile(spec)
            key = _profile_key(profile, self.registry)
            leave = profile.turnover * 0.55
            hire = profile.hiring * 0.8
            members = spec.worker_count * profile.coverage * rng.uniform(0.8, 1.0)
            units.append((spec, profile, key, leave, hire, members))
        _fill_jobs(self.registry, self.filled, self.seed)
        # Scale the drawn sizes to the federation's roll (workers with them).
        raw = sum(m for spec, *_, m in units if spec.closed_on is None)
        factor = self.nf.members / raw if raw else 1
        wards = {w.code: _ward_info(w) for w in Ward.iter_by_province(nf.province_code)}
        rows = []
        for spec, profile, key, leave, hire, members in units:
            size = max(3, round(members * factor))
            spec.worker_count = max(size + 1, round(spec.worker_count * factor))
            closed, est = spec.closed_on, spec.established_on
            if est >= YEAR_START:  # new in 2024: all admitted this year
                n_open, n_adm = 0, size
            elif closed is not None:
                n_open, n_adm = max(2, round(size * rng.uniform(0.3, 0.6))), 0
            else:
                n_open = max(2, round(size / (1 - leave + hire)))
                n_adm = max(0, round(n_open * hire * rng.uniform(0.6, 1.4)))
            ref = closed if closed is not None and closed < YEAR_START else YEAR_START
            ward = wards.get(spec.ward_code) or next(iter(wards.values()))
            low, high, mode, spread = profile.ages
            j_low, j_high, j_mode = profile.join_age
            n_exec = 0 if n_open < 3 else 1 if n_open < 10 else 3 if n_open < 50 else 5 if n_open < 300 else 9
            rows.append(
                (self.pks[spec.code], n_open, n_open + n_adm, est, closed, ref, max(est, date(1985, 1, 1)),
                 profile.female, profile.party, profile.public, profile.tenure, leave, low, high, mode, spread,
                 j_low, j_high, j_mode, key, ward.full, ward.urban, n_exec, nf.mail_domain if profile.mail_domain
                 else "")
            )  # fmt: skip
        return rows

    def step_members(self) -> None:
        nf, fed = self.nf, self.federation.pk
        _execute(
            """CREATE TEMP TABLE nat_units (union_id bigint PRIMARY KEY, n_open int, n_total int, est date,
            closed date, ref date, lo_join date, female float8, party float8, public boolean, tenure float8,
            leave float8, age_low float8, age_high float8, age_mode float8, age_spread float8, join_low float8,
            join_high float8, join_mode float8, job_key int, ward_full text, urban boolean, n_exec int,
            mail_domain text, first_id bigint, idx0 bigint) ON COMMIT DROP"""
        )
        units = self._unit_rows()
        # The members' ids, taken from the table's sequence in one go: row i of a union is
        # first_id + i - 1, and idx0 + i - 1 its place in the federation's roll (citizen IDs).
        total = sum(row[2] for row in units)
        if total > LOCAL_BLOCKS * LOCAL_BLOCK:
            raise DemoError(f"{nf.code}: {total:,} members are more than its citizen IDs allow.")
        first = _reserve_ids(Member, total)
        offset, numbered = 0, []
        for row in units:
            numbered.append((*row, first + offset, offset))
            offset += row[2]
        _copy(
            "nat_units",
            ("union_id", "n_open", "n_total", "est", "closed", "ref", "lo_join", "female", "party", "public",
             "tenure", "leave", "age_low", "age_high", "age_mode", "age_spread", "join_low", "join_high",
             "join_mode", "job_key", "ward_full", "urban", "n_exec", "mail_domain", "first_id", "idx0"),
            numbered,
        )  # fmt: skip
        # Where transferred members go: unions open all year.
        _execute(
            """CREATE TEMP TABLE nat_targets ON COMMIT DROP AS
            SELECT (row_number() OVER (ORDER BY union_id))::int - 1 AS k, union_id FROM nat_units
            WHERE closed IS NULL AND est < %s""",
            [YEAR_START],
        )
        targets = _scalar("SELECT count(*) FROM nat_targets")
        _execute("CREATE UNIQUE INDEX ON nat_targets (k)")
        _execute("ANALYZE nat_units")
        _execute("ANALYZE nat_targets")
        others = [f for f in national_plan() if f.province_code != nf.province_code]
        origins = sorted(set(PROVINCE_CODES_2024) - {f"{nf.province_code:03d}"})
        prefixes = PHONE_PREFIXES[0]
        _execute(STAGE_SQL, {
            "year_start": YEAR_START, "year_end": YEAR_END, "own": f"{nf.province_code:03d}", "slot": nf.slot,
            "slots": SLOTS, "migrant_base": MIGRANT_BASE, "local_born": LOCAL_BORN, "origins": origins,
            "phones": prefixes, "streets": list(PEOPLE[:40]), "targets": targets,
            "transfer_rate": TRANSFER_RATE if targets >= 2 else 0, "deceased": DECEASED_SHARE,
            "out": DECEASED_SHARE + OUT_OF_PROVINCE_SHARE, "intro_public": PARTY_INTRODUCED[0],
            "intro_business": PARTY_INTRODUCED[1], "party_admitted": PARTY_ADMITTED, "names": NAME_POOL,
            "jobs": JOB_POOL, "other_feds": [f.name for f in others], "other_reasons": list(OTHER_REASONS),
            "code_prefix": f"DV{nf.province_code:03d}", "block": LOCAL_BLOCK, "blocks": LOCAL_BLOCKS,
        })  # fmt: skip
        # Members born elsewhere: numbered within their (province, century/gender, year), from
        # MIGRANT_BASE, interleaved with the other federations (their slot).
        _execute(
            """UPDATE nat_stage s SET citizen_id = s.origin || s.cd::text || lpad((s.y %% 100)::text, 2, '0')
                || lpad((%s + %s + %s * m.j)::text, 6, '0')
            FROM (SELECT id, row_number() OVER (PARTITION BY origin, cd, y ORDER BY id) - 1 AS j
                  FROM nat_stage WHERE citizen_id IS NULL) m
            WHERE s.id = m.id""",
            [MIGRANT_BASE, nf.slot, SLOTS],
        )
        overflow = _scalar("SELECT count(*) FROM nat_stage WHERE length(citizen_id) <> 12 OR citizen_id IS NULL")
        if overflow:
            raise DemoError(f"{nf.code}: {overflow} citizen IDs out of their range: load fewer members.")
        self._clear_taken_citizen_ids()
        self.counts["members"] = insert_select(
            Member,
            {
                "id": "id", "federation_id": str(fed), "union_id": "union_id", "full_name": "full_name",
                "gender": "gender", "date_of_birth": "dob", "citizen_id": "citizen_id", "joined_on": "joined_on",
                "ethnicity": "ethnicity", "religion": "religion", "job_title": "job_title",
                "union_position": "union_position", "is_party_member": "is_party_member", "phone": "phone",
                "email": "email", "member_code": "member_code", "address": "address", "status": "status",
                "left_on": "left_on", "party_introduced_on": "party_introduced_on",
                "party_admitted_on": "party_admitted_on", "search_text": "search_text", "sort_name": "sort_name",
            },
            "FROM nat_stage ORDER BY id",
        )  # fmt: skip
        self.counts["active"] = _scalar("SELECT count(*) FROM nat_stage WHERE status = 'active'")

    def _clear_taken_citizen_ids(self) -> None:
        """Members of federations loaded otherwise (the province demo) drew their IDs at random:
        the few of ours they hold get a number of the spare slot, again checked."""
        for attempt in range(5):
            clashes = _execute(
                """UPDATE nat_stage s SET citizen_id = left(s.citizen_id, 6)
                    || lpad((%s + %s + %s * (2000 + (s.id %% 800) + 800 * %s))::text, 6, '0')
                WHERE EXISTS (SELECT 1 FROM nat_taken t WHERE t.citizen_id = s.citizen_id)""",
                [MIGRANT_BASE, SLOTS - 1, SLOTS, attempt],
            )
            if not clashes:
                return
        raise DemoError("Citizen IDs keep clashing with those already in the database.")

    def step_movements(self) -> None:
        common = {"member_id": "id", "delta": "delta", "date": "on_", "reason": "reason", "note": "note"}
        # Kept for the returns, which count them without reading the (large) movement table.
        _execute(
            """CREATE TEMP TABLE nat_moves ON COMMIT DROP AS
            SELECT id, src_union_id AS union_id, 'admitted' AS kind, 1 AS delta, joined_on AS on_, '' AS reason,
                   NULL::bigint AS other, '' AS note, gender FROM nat_stage
            UNION ALL SELECT id, src_union_id, 'transferred_out', -1, transfer_on, '', union_id, '', gender
                   FROM nat_stage WHERE transfer_on IS NOT NULL
            UNION ALL SELECT id, union_id, 'transferred_in', 1, transfer_on, '', src_union_id, '', gender
                   FROM nat_stage WHERE transfer_on IS NOT NULL
            UNION ALL SELECT id, union_id, exit_kind, -1, left_on, exit_reason, NULL, exit_note, gender
                   FROM nat_stage WHERE exit_kind IS NOT NULL"""
        )
        movements = "FROM nat_moves"
        from members.models import Movement, TransferRequest

        self.counts["movements"] = insert_select(
            Movement, {**common, "union_id": "union_id", "kind": "kind", "other_union_id": "other"}, movements
        )
        zone = timezone.get_current_timezone_name()
        self.counts["transfers"] = insert_select(
            TransferRequest,
            {
                "member_id": "id", "from_union_id": "src_union_id", "to_union_id": "union_id",
                "effective_on": "transfer_on", "status": "'accepted'",
                # asked a few days before it took effect, accepted on the day
                "requested_at": f"((transfer_on - (3 + id % 12)::int) + time '09:00') AT TIME ZONE '{zone}'",
                "decided_at": f"(transfer_on + time '10:00') AT TIME ZONE '{zone}'",
            },
            "FROM nat_stage WHERE transfer_on IS NOT NULL ORDER BY id",
        )  # fmt: skip

    # -- welfare

    def step_welfare(self) -> None:
        """Tet care by a sample of grassroots unions and by the federation (its gifts to named
        members), Workers' Month visits, Trade Union Meals, Union Shelters and the social fund."""
        from welfare.models import Activity, Beneficiary, EntryKind, Fund, FundEntry, FundKind, Occasion, Shelter

        nf, federation, rng = self.nf, self.federation, self.rng("welfare")
        tet = Occasion.objects.create(
            federation=federation, name="Tết Giáp Thìn 2024", starts_on=date(2024, 1, 15), ends_on=date(2024, 2, 7)
        )
        month = Occasion.objects.create(
            federation=federation, name="Tháng Công nhân 2024", starts_on=date(2024, 5, 1), ends_on=date(2024, 5, 31)
        )
        fed = federation.pk
        tet_title = "Thăm hỏi, tặng quà Tết Giáp Thìn 2024 cho đoàn viên"
        month_title = "Thăm hỏi đoàn viên, người lao động trong Tháng Công nhân 2024"
        active_on = """FROM (SELECT src_union_id AS union_id, count(*) AS n FROM nat_stage
            WHERE joined_on <= %s AND (left_on IS NULL OR left_on > %s) GROUP BY src_union_id) a
            WHERE random() < %s AND a.n > 0"""
        count = insert_select(
            Activity,
            {
                "federation_id": str(fed), "union_id": "a.union_id", "program": "'tet_care'",
                "occasion_id": str(tet.pk), "title": _literal(tet_title), "search_text": _literal(fold(tet_title)),
                "held_on": "date '2024-01-20' + floor(random() * 18)::int",
                "support_form": "(ARRAY['gifts', 'cash', 'mixed'])[1 + floor(random() * 3)::int]",
                "person_times": "greatest(1, round(a.n * (0.6 + 0.4 * random())))::int",
                "amount_union_funds": "round(a.n * (300 + 200 * random()))::bigint * 1000",
                "amount_sponsors": "CASE WHEN random() < 0.4 THEN round(a.n * 200 * random())::bigint * 1000 "
                "ELSE 0 END",
            },
            active_on,
            [date(2024, 1, 15), date(2024, 2, 7), 0.4],
        )  # fmt: skip
        count += insert_select(
            Activity,
            {
                "federation_id": str(fed), "union_id": "a.union_id", "program": "'workers_month'",
                "occasion_id": str(month.pk), "title": _literal(month_title),
                "search_text": _literal(fold(month_title)), "held_on": "date '2024-05-02' + floor(random() * 29)::int",
                "support_form": "'gifts'", "person_times": "greatest(1, round(a.n * (0.05 + 0.1 * random())))::int",
                "amount_union_funds": "round(a.n * (30 + 40 * random()))::bigint * 1000",
            },
            active_on,
            [date(2024, 5, 1), date(2024, 5, 31), 0.12],
        )  # fmt: skip
        active = self.counts["active"]
        gifts = max(5, round(active * 0.01))
        own = Activity.objects.create(
            federation=federation, program="tet_care", occasion=tet, held_on=date(2024, 1, 30),
            title=f"Chương trình Tết Sum vầy 2024 — {nf.name}", support_form="mixed", person_times=gifts,
            amount_union_funds=gifts * 1_000_000, amount_sponsors=gifts * 500_000,
            search_text=fold(f"Chương trình Tết Sum vầy 2024 — {nf.name}"),
        )  # fmt: skip
        named = insert_select(
            Beneficiary,
            {"activity_id": str(own.pk), "member_id": "id", "amount": "1500000"},
            "FROM (SELECT id FROM nat_stage WHERE status = 'active' AND joined_on < %s ORDER BY random() LIMIT %s) s",
            [date(2024, 1, 1), min(gifts, 400)],
        )
        meals = []
        for i in range(rng.randint(3, 8)):
            people = rng.randint(100, 400)
            held = date(2024, 3, 1) + timedelta(days=rng.randint(0, 240))
            title = f"Bữa cơm Công đoàn năm 2024 (đợt {i + 1})"
            meals.append(
                Activity(
                    federation=federation,
                    program="meal",
                    title=title,
                    search_text=fold(title),
                    held_on=held,
                    support_form="service",
                    person_times=people,
                    amount_union_funds=people * 100_000,
                )  # fmt: skip
            )
        Activity.objects.bulk_create(meals)
        shelters = max(1, round(active / 40_000))
        insert_select(
            Shelter,
            {
                "federation_id": str(fed), "union_id": "union_id", "member_id": "id", "is_repair": "FALSE",
                "address": "address", "total_cost": "cost", "status": "'handed_over'",
                "decision_number": "(row_number() OVER ())::text || '/QĐ-LĐLĐ'", "approved_on": "approved",
                "started_on": "approved + 10", "handed_over_on": "least(approved + 60 + floor(random() * 60)::int, "
                "date '2024-12-31')", "amount_union_funds": "50000000",
                "amount_sponsors": "round(random() * 30)::bigint * 1000000",
            },
            "FROM (SELECT id, union_id, address, date '2024-02-01' + floor(random() * 200)::int AS approved, "
            "(120 + floor(random() * 100))::bigint * 1000000 AS cost FROM nat_stage WHERE status = 'active' "
            "ORDER BY random() LIMIT %s) s",
            [shelters],
        )  # fmt: skip
        fund = Fund.objects.create(federation=federation, name=f"Quỹ Xã hội Công đoàn {nf.place}", kind=FundKind.SOCIAL)
        balance, entries = 0, []
        for month_no in range(1, 13):
            amount = rng.randint(20, 120) * max(1, active // 20_000) * 1_000_000
            balance += amount
            entries.append(
                FundEntry(
                    fund=fund,
                    kind=EntryKind.CONTRIBUTION,
                    amount=amount,
                    on=date(2024, month_no, 15),
                    counterparty="Đoàn viên, người lao động đóng góp",
                    balance_after=balance,
                )  # fmt: skip
            )
        FundEntry.objects.bulk_create(entries)
        Fund.objects.filter(pk=fund.pk).update(balance=balance)
        self.counts["activities"] = count + 1 + len(meals)
        self.counts["beneficiaries"] = named

    # -- returns and targets

    def step_returns(self) -> None:
        """Every grassroots union owing a 2024 return files one a quarter with the counts of its
        records; 3 % never file, 8 % file late; Q1-Q3 closed (locked), Q4 being approved."""
        from reports.models import QuarterlyReturn, ReportingQuarter
        from reports.periods import default_deadline, quarter_period

        federation = self.federation
        rng = self.rng("returns")
        zone = timezone.get_current_timezone_name()
        quarters = []
        values = []
        for q in (1, 2, 3, 4):
            period = quarter_period(federation, YEAR, q)
            deadline = default_deadline(federation, YEAR, q)
            closed_at = None
            if q < 4:
                closed_at = timezone.make_aware(
                    dt.datetime.combine(deadline + timedelta(days=25), dt.time(rng.randint(8, 17)))
                )
            quarters.append(
                ReportingQuarter(federation=federation, year=YEAR, quarter=q, deadline=deadline, closed_at=closed_at)
            )
            values.append(f"({q}, date '{period.start}', date '{period.end}', date '{deadline}')")
        ReportingQuarter.objects.bulk_create(quarters)
        _execute(
            f"""CREATE TEMP TABLE nat_quarters ON COMMIT DROP AS SELECT * FROM (VALUES {", ".join(values)})
            AS q(q, start, ends, deadline)"""
        )
        # Per union and quarter bucket (0: before 2024): movements by kind, and the women's net.
        _execute(
            """CREATE TEMP TABLE nat_roll ON COMMIT DROP AS
            SELECT m.union_id, CASE WHEN m.on_ < %s THEN 0 ELSE extract(quarter FROM m.on_)::int END AS b,
                   m.kind, sum(m.delta) AS d, sum(m.delta) FILTER (WHERE m.gender = 'female') AS f, count(*) AS n
            FROM nat_moves m WHERE m.on_ <= %s GROUP BY 1, 2, 3""",
            [YEAR_START, YEAR_END],
        )
        counts = """SELECT q.q, r.union_id,
                coalesce(sum(r.d) FILTER (WHERE r.b < q.q), 0) AS opening,
                coalesce(sum(r.d) FILTER (WHERE r.b <= q.q), 0) AS closing,
                coalesce(sum(r.f) FILTER (WHERE r.b <= q.q), 0) AS female,
                coalesce(sum(r.n) FILTER (WHERE r.b = q.q AND r.kind = 'admitted'), 0) AS admitted,
                coalesce(sum(r.n) FILTER (WHERE r.b = q.q AND r.kind = 'transferred_in'), 0) AS t_in,
                coalesce(sum(r.n) FILTER (WHERE r.b = q.q AND r.kind = 'transferred_out'), 0) AS t_out,
                coalesce(sum(r.n) FILTER (WHERE r.b = q.q AND r.kind = 'left'), 0) AS left_,
                coalesce(sum(r.n) FILTER (WHERE r.b = q.q AND r.kind = 'readmitted'), 0) AS readmitted,
                coalesce(sum(r.n) FILTER (WHERE r.b = q.q AND r.kind = 'deceased'), 0) AS deceased
            FROM nat_roll r CROSS JOIN nat_quarters q GROUP BY q.q, r.union_id"""
        draws = f"""FROM (
            SELECT u.id AS union_id, u.kind, u.sector, u.worker_count, q.q, q.start, q.ends, q.deadline,
                coalesce(c.opening, 0) AS opening, coalesce(c.closing, 0) AS closing,
                coalesce(c.female, 0) AS female, coalesce(c.admitted, 0) AS admitted, coalesce(c.t_in, 0) AS t_in,
                coalesce(c.t_out, 0) AS t_out, coalesce(c.left_, 0) AS left_,
                coalesce(c.readmitted, 0) AS readmitted, coalesce(c.deceased, 0) AS deceased,
                CASE WHEN q.q = 1 AND u.sector IN ('administrative_agency', 'public_service') THEN 0.5
                     ELSE random() END AS draw,
                random() AS r_day, random() AS r_status, random() AS r_misc
            FROM unions_union u CROSS JOIN nat_quarters q
            LEFT JOIN ({counts}) c ON c.union_id = u.id AND c.q = q.q
            WHERE u.federation_id = %s AND u.level = 'grassroots' AND (u.established_on IS NULL
                OR u.established_on <= q.ends) AND (u.closed_on IS NULL OR u.closed_on > q.ends)
        ) d,
        LATERAL (SELECT CASE WHEN d.draw > 0.92 THEN d.deadline + 1 + floor(d.r_day * 20)::int
                    ELSE d.ends + 1 + floor(d.r_day * greatest(1, d.deadline - d.ends))::int END AS submitted_on) s,
        LATERAL (SELECT CASE WHEN d.q < 4 THEN 'locked' WHEN d.r_status < 0.86 THEN 'approved'
                    WHEN d.r_status < 0.97 THEN 'submitted' ELSE 'returned' END AS status,
                    ((s.submitted_on + time '07:00' + (d.r_misc * 13 * 3600) * interval '1 second')
                        AT TIME ZONE '{zone}') AS at) t,
        LATERAL (SELECT greatest(coalesce(d.worker_count, 0), d.closing) AS workers) w
        WHERE d.draw >= 0.03
        ORDER BY d.q, d.union_id"""
        self.counts["returns"] = insert_select(
            QuarterlyReturn,
            {
                "federation_id": str(federation.pk), "union_id": "d.union_id", "year": str(YEAR), "quarter": "d.q",
                "ends_on": "d.ends", "status": "t.status",
                "version": "CASE WHEN t.status = 'submitted' THEN 2 ELSE 3 END",
                "members_opening": "d.opening", "members_admitted": "d.admitted",
                "members_transferred_in": "d.t_in", "members_transferred_out": "d.t_out",
                "members_left": "d.left_", "members_readmitted": "d.readmitted", "members_deceased": "d.deceased",
                "members_closing": "d.closing", "members_female": "d.female", "counts_at": "t.at",
                "workers_total": "w.workers",
                "workers_female": "CASE WHEN d.closing > 0 THEN greatest(d.female, round(w.workers::numeric "
                "* d.female / d.closing))::int ELSE 0 END",
                "annual_conference_on": "CASE WHEN d.q = 1 AND d.sector IN ('administrative_agency', "
                "'public_service') THEN d.start + 10 + floor(d.r_misc * 60)::int END",
                "collective_agreement": "d.kind = 'enterprise' AND coalesce(d.worker_count, 0) >= 25 "
                "AND d.r_misc < 0.6",
                "dialogues": "CASE WHEN d.kind = 'enterprise' THEN floor(d.r_status * 3)::int ELSE 0 END",
                "occupational_accidents": "CASE WHEN d.r_day < 0.01 THEN 1 ELSE 0 END",
                "first_submitted_at": "t.at", "submitted_at": "t.at",
                "decided_at": "CASE WHEN t.status = 'submitted' THEN NULL ELSE t.at + interval '3 days' END",
                "comment": "CASE WHEN t.status = 'returned' THEN 'Đề nghị bổ sung số lao động nữ.' ELSE '' END",
                "locked_at": "CASE WHEN t.status = 'locked' THEN (d.deadline + 25 + time '16:00') "
                f"AT TIME ZONE '{zone}' END",
                "status_before_lock": "CASE WHEN t.status = 'locked' THEN 'approved' ELSE '' END",
            },
            draws,
            [federation.pk],
        )  # fmt: skip
        self.counts["late"] = _scalar(
            "SELECT count(*) FROM reports_quarterlyreturn r JOIN nat_quarters q ON q.q = r.quarter "
            "WHERE r.federation_id = %s AND r.submitted_at::date > q.deadline",
            [federation.pk],
        )


def write_targets(plan: list[NationalFederation], seed: int, out) -> int:
    """The 2024 targets of the standard indicators and their allocation to the direct superiors,
    exactly as the province demo sets them from the year's figures: for every federation of the
    plan that has none yet, each in its own transaction. Run once the indexes are back, since the
    figures are read from the whole roll."""
    from reports.demo import _write_targets
    from reports.models import Target

    done = 0
    for nf in plan:
        federation = Federation.objects.filter(code=nf.code).first()
        if federation is None or Target.objects.filter(federation=federation, year=YEAR).exists():
            continue
        started = time.perf_counter()
        with transaction.atomic():
            loaded = demo.Demo(scale_name="province", seed=seed, password=None, which=nf.which())
            loaded.federation = federation
            _write_targets(loaded, federation)
        done += 1
        out(f"  targets {nf.code}: {time.perf_counter() - started:.1f} s")
    return done


def _copy_value(value) -> str:
    """A value as PostgreSQL's COPY text format writes it."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return demo._copy_text(value)
    return str(value)


def _scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


# The roll of one federation, drawn by PostgreSQL: one row per member, with what becomes of them in
# 2024 (a departure, a transfer); `seq` numbers people of the same birthplace, century/gender and
# year of birth, for their citizen IDs. Members and movements are written from it.
STAGE_SQL = """
CREATE TEMP TABLE nat_stage ON COMMIT DROP AS
WITH base AS MATERIALIZED (
    SELECT u.*, g.i, g.i > u.n_open AS adm, u.first_id + g.i - 1 AS id, u.idx0 + g.i - 1 AS idx,
        random() AS r_g, random() AS r_age, random() AS r_age2, random() AS r_ten, random() AS r_join,
        random() AS r_leave, random() AS r_kind, random() AS r_reason, random() AS r_left, random() AS r_tr,
        random() AS r_trd, random() AS r_trk, random() AS r_party, random() AS r_intro, random() AS r_intro_on,
        random() AS r_adm, random() AS r_phone, random() AS r_phone2, random() AS r_mail, random() AS r_code,
        random() AS r_addr, random() AS r_addr2, random() AS r_name, random() AS r_job, random() AS r_orig,
        random() AS r_orig2, random() AS r_dob, random() AS r_phone3, random() AS r_street, random() AS r_why,
        random() AS r_where
    FROM nat_units u CROSS JOIN LATERAL generate_series(1, u.n_total) AS g(i)
), aged AS (
    SELECT b.*, b.r_g < b.female AS fem,
        CASE WHEN b.adm THEN least(greatest(pg_temp.tri(b.r_age, b.join_low, b.join_high, b.join_mode), 18.2), 45)
             WHEN b.r_age2 < b.age_spread THEN least(greatest(b.age_low + (60 - b.age_low) * b.r_age, 19.2), 59.5)
             ELSE least(greatest(pg_temp.tri(b.r_age, b.age_low, b.age_high, b.age_mode), 19.2), 59.5) END AS age,
        CASE WHEN b.adm THEN greatest(b.est, %(year_start)s::date)
            + floor(b.r_join * (%(year_end)s::date - greatest(b.est, %(year_start)s::date) + 1))::int END AS adm_on
    FROM base b
), born0 AS (
    SELECT a.*, a.r_orig < %(local_born)s AS local,
        CASE WHEN a.adm THEN least(a.adm_on - (a.age * 365.25)::int - floor(a.r_dob * 200)::int, date '2006-12-31')
             ELSE a.ref - (a.age * 365.25)::int END AS dob0
    FROM aged a
), born AS (
    SELECT b.*,
        CASE WHEN b.local THEN (b.dob0 - make_interval(years => ((extract(year FROM b.dob0)::int
            - (b.idx / %(block)s)::int) %% %(blocks)s + %(blocks)s) %% %(blocks)s))::date ELSE b.dob0 END AS dob
    FROM born0 b
), joined AS (
    SELECT b.*,
        CASE WHEN b.adm THEN b.adm_on
             ELSE greatest(greatest(b.lo_join, (b.dob + interval '18 years')::date),
                           (b.ref - 1) - floor(b.tenure * 365.25 * -ln(1 - b.r_ten))::int) END AS joined_on,
        CASE WHEN b.closed IS NOT NULL THEN 'close'
             WHEN NOT b.adm AND b.r_leave < b.leave THEN
                CASE WHEN b.r_kind < %(deceased)s THEN 'deceased' WHEN b.r_kind < %(out)s THEN 'transferred_out'
                     ELSE 'left' END END AS fate
    FROM born b
), fated AS (
    SELECT j.*,
        CASE WHEN j.fate = 'close' THEN j.closed
             WHEN j.fate IS NOT NULL THEN %(year_start)s::date + floor(j.r_left * 366)::int END AS left_on,
        CASE WHEN j.fate IS NULL AND NOT j.adm AND j.closed IS NULL AND j.r_tr < %(transfer_rate)s
             THEN %(year_start)s::date + floor(j.r_trd * 366)::int END AS transfer_on,
        extract(year FROM j.dob)::int AS y,
        CASE WHEN j.local THEN %(own)s
             ELSE (%(origins)s::text[])[1 + floor(j.r_orig2 * cardinality(%(origins)s::text[]))::int] END AS origin
    FROM joined j
), moved AS (
    SELECT f.*,
        CASE WHEN f.transfer_on IS NULL THEN f.union_id
             ELSE coalesce(nullif(t.union_id, f.union_id), t2.union_id) END AS final_union
    FROM fated f
    LEFT JOIN nat_targets t ON f.transfer_on IS NOT NULL AND t.k = floor(f.r_trk * %(targets)s)::int
    LEFT JOIN nat_targets t2 ON f.transfer_on IS NOT NULL AND t2.k = (floor(f.r_trk * %(targets)s)::int + 1)
        %% %(targets)s
), numbered AS (
    SELECT m.*, ((m.y / 100 - 19) %% 5) * 2 + CASE WHEN m.fem THEN 1 ELSE 0 END AS cd
    FROM moved m
)
SELECT n.id, n.final_union AS union_id, n.union_id AS src_union_id, nm.full_name,
    CASE WHEN n.fem THEN 'female' ELSE 'male' END AS gender, n.dob,
    CASE WHEN n.local THEN n.origin || n.cd::text || lpad((n.y %% 100)::text, 2, '0')
        || lpad((n.idx %% %(block)s)::text, 6, '0') END AS citizen_id,
    n.joined_on, nm.ethnicity, nm.religion, coalesce(jb.title, '') AS job_title,
    CASE WHEN n.adm OR n.closed IS NOT NULL THEN ''
         WHEN n.i = 1 THEN 'Chủ tịch Công đoàn cơ sở'
         WHEN n.i = 2 AND n.n_open >= 15 THEN 'Phó Chủ tịch Công đoàn cơ sở'
         WHEN n.i BETWEEN 3 AND 2 + n.n_exec THEN 'Ủy viên Ban Chấp hành'
         WHEN n.i = 3 + n.n_exec AND n.n_open >= 30 THEN 'Ủy viên Ủy ban Kiểm tra'
         ELSE '' END AS union_position,
    (n.r_party < n.party * CASE WHEN n.age < 25 THEN 0.25 WHEN n.age < 30 THEN 0.7 WHEN n.age >= 40 THEN 1.25
        ELSE 1 END * CASE WHEN n.adm THEN 0.5 ELSE 1 END)
        OR (n.fate IS NULL AND NOT n.adm AND n.closed IS NULL
            AND n.r_intro < CASE WHEN n.public THEN %(intro_public)s ELSE %(intro_business)s END
            AND n.r_adm < %(party_admitted)s) AS is_party_member,
    CASE WHEN n.r_phone < 0.62 THEN (%(phones)s::text[])[1 + floor(n.r_phone2 * cardinality(%(phones)s::text[]))::int]
        || lpad(floor(n.r_phone3 * 1e7)::bigint::text, 7, '0') ELSE '' END AS phone,
    CASE WHEN n.mail_domain <> '' AND n.r_mail < 0.45 THEN nm.handle || n.id::text || '@' || n.mail_domain
         WHEN n.r_mail > 0.9 THEN nm.handle || (n.y %% 100)::text || n.id::text || '@gmail.com'
         ELSE '' END AS email,
    CASE WHEN n.r_code < 0.35 THEN %(code_prefix)s || lpad(n.id::text, 9, '0') ELSE '' END AS member_code,
    CASE WHEN n.r_addr >= 0.55 THEN ''
         WHEN n.urban THEN 'Số ' || (1 + floor(n.r_addr2 * 320))::text || ' '
            || (%(streets)s::text[])[1 + floor(n.r_street * cardinality(%(streets)s::text[]))::int]
            || ', ' || n.ward_full
         ELSE 'Thôn ' || (1 + floor(n.r_addr2 * 15))::text || ', ' || n.ward_full END AS address,
    CASE WHEN n.fate IS NULL THEN 'active' WHEN n.fate IN ('left', 'close') THEN 'left' ELSE n.fate END AS status,
    n.left_on,
    CASE WHEN n.fate IS NULL AND NOT n.adm AND n.closed IS NULL
        AND n.r_intro < CASE WHEN n.public THEN %(intro_public)s ELSE %(intro_business)s END
        THEN %(year_start)s::date + floor(n.r_intro_on * 300)::int END AS party_introduced_on,
    CASE WHEN n.fate IS NULL AND NOT n.adm AND n.closed IS NULL
        AND n.r_intro < CASE WHEN n.public THEN %(intro_public)s ELSE %(intro_business)s END
        AND n.r_adm < %(party_admitted)s
        THEN %(year_start)s::date + floor(n.r_intro_on * 300)::int + 45 + floor(n.r_adm * 50)::int
        END AS party_admitted_on,
    nm.search_text, nm.sort_name,
    CASE WHEN n.fate = 'close' THEN 'left' ELSE n.fate END AS exit_kind,
    CASE WHEN n.fate = 'close' THEN 'job_ended'
         WHEN n.fate <> 'left' OR n.fate IS NULL THEN ''
         WHEN n.age >= 54 AND n.r_reason < 0.85 THEN 'retired'
         WHEN n.public THEN CASE WHEN n.r_why < 0.5 THEN 'resigned'
            WHEN n.r_why < 0.75 THEN 'job_ended' WHEN n.r_why < 0.76 THEN 'expelled'
            ELSE 'other' END
         ELSE CASE WHEN n.r_why < 0.55 THEN 'job_ended' WHEN n.r_why < 0.88
            THEN 'resigned' WHEN n.r_why < 0.9 THEN 'expelled' ELSE 'other' END END AS exit_reason,
    CASE WHEN n.fate = 'transferred_out' THEN 'Chuyển sinh hoạt đến '
            || (%(other_feds)s::text[])[1 + floor(n.r_where * cardinality(%(other_feds)s::text[]))::int]
         ELSE '' END AS exit_note,
    n.transfer_on, n.origin, n.cd, n.y
FROM numbered n
JOIN nat_names nm ON nm.gender = CASE WHEN n.fem THEN 'female' ELSE 'male' END AND nm.young = (n.y >= 1990)
    AND nm.k = floor(n.r_name * %(names)s)::int
LEFT JOIN nat_jobs jb ON jb.job_key = n.job_key AND jb.k = floor(n.r_job * %(jobs)s)::int;

UPDATE nat_stage SET exit_note = (%(other_reasons)s::text[])[1 + (id %% cardinality(%(other_reasons)s::text[]))::int]
WHERE exit_reason = 'other';
ANALYZE nat_stage;
"""


# --- The whole load ------------------------------------------------------------------------------


def load_national(
    *,
    fraction: float = 1.0,
    federations: int | None = None,
    seed: int = 1,
    password: str | None = None,
    jobs: int = 1,
    out=None,
) -> NationalLoad:
    """Load the federations of the plan that are not in the database yet (the first
    `federations` of them, if given), then the accounts and the closing steps."""
    if connection.vendor != "postgresql":
        raise DemoError("The national load needs PostgreSQL (DATABASE_URL).")
    write = out or (lambda text: None)
    result = NationalLoad()
    plan = national_plan(fraction=fraction)
    if federations is not None:
        plan = plan[:federations]
    taken = set(Federation.objects.values_list("province_code", flat=True))
    todo = [nf for nf in plan if nf.province_code not in taken]
    result.skipped = [nf.name for nf in plan if nf.province_code in taken]
    for name in result.skipped:
        write(f"  {name}: already in the database, left alone")
    started = time.perf_counter()

    def report(loaded: Loaded) -> None:
        result.loaded.append(loaded)
        c = loaded.counts
        steps = ", ".join(f"{k} {v:.1f}" for k, v in loaded.timings.items())
        write(
            f"  [{len(result.loaded)}/{len(todo)}] {loaded.code} {loaded.name}: {c['superior']} superior + "
            f"{c['grassroots']:,} grassroots, {c['members']:,} members ({c['active']:,} active), "
            f"{c['movements']:,} movements, {c['returns']:,} returns in {loaded.seconds:.1f} s ({steps}); "
            f"total {time.perf_counter() - started:.0f} s, load {_loadavg()}"
        )

    if sum(nf.members for nf in todo) >= DEFER_FROM:
        step = time.perf_counter()
        dropped = defer_indexes()
        write(f"  {dropped} indexes of members and movements deferred to the end of the load")
        result.timings["defer_indexes"] = time.perf_counter() - step
    if jobs > 1 and len(todo) > 1:
        _load_parallel(todo, seed=seed, jobs=jobs, report=report)
    elif todo:
        step = time.perf_counter()
        prepare_session(seed)
        result.timings["names"] = time.perf_counter() - step
        registry: dict = {}
        filled: set[int] = set()
        for nf in todo:
            report(_load_one(nf, seed, registry, filled))
    result.timings["federations"] = time.perf_counter() - started
    step = time.perf_counter()
    if restore_indexes(write):
        result.timings["indexes"] = time.perf_counter() - step
    step = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_member")
        cursor.execute("ANALYZE members_movement")
    write_targets(plan, seed, write)
    result.timings["targets"] = time.perf_counter() - step
    step = time.perf_counter()
    result.accounts = ensure_national_accounts(plan, password)
    result.timings["accounts"] = time.perf_counter() - step
    step = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    result.timings["analyze"] = time.perf_counter() - step
    records_changed.send(sender=Federation)
    from reports.rollup import refresh_all  # reports imports this app

    step = time.perf_counter()
    refresh_all()  # the new federations' pre-aggregated figures (the load skipped their triggers)
    result.timings["rollup"] = time.perf_counter() - step
    return result


# The big tables' secondary indexes (and partial unique indexes) are dropped for a large load
# and built again at its end, in one sort each: much cheaper than keeping eight B-trees per table
# up to date row by row. Their definitions wait in NAT_SAVED until rebuilt, so that a run
# interrupted meanwhile rebuilds them when it is run again (or reaches its end).
DEFERRED_TABLES = ("members_member", "members_movement")
NAT_SAVED = "national_deferred_indexes"
DEFER_FROM = 1_000_000  # members to load, from which the indexes are deferred


def defer_indexes() -> int:
    """Save and drop the secondary indexes of the big tables; how many were dropped."""
    _execute(f"CREATE TABLE IF NOT EXISTS {NAT_SAVED} (name text PRIMARY KEY, definition text NOT NULL)")
    _execute(
        f"""INSERT INTO {NAT_SAVED} (name, definition)
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        JOIN pg_index x ON x.indexrelid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass
        WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema() AND NOT x.indisprimary
        ON CONFLICT (name) DO NOTHING""",
        [list(DEFERRED_TABLES)],
    )
    names = [row[0] for row in _rows(f"SELECT name FROM {NAT_SAVED} ORDER BY name")]
    for name in names:
        _execute(f'DROP INDEX IF EXISTS "{name}"')
    return len(names)


def restore_indexes(out) -> int:
    """Build the deferred indexes that are missing (two at a time would not help: each sort is
    one backend's work), then forget them."""
    exists = _scalar("SELECT to_regclass(%s) IS NOT NULL", [NAT_SAVED])
    if not exists:
        return 0
    _execute("SET maintenance_work_mem = '1GB'")
    _execute("SET max_parallel_maintenance_workers = 2")
    rows = _rows(f"SELECT name, definition FROM {NAT_SAVED} ORDER BY name")
    for name, definition in rows:
        started = time.perf_counter()
        sql = definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1).replace(
            "CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ", 1
        )
        _execute(sql)
        out(f"  index {name}: {time.perf_counter() - started:.1f} s")
    _execute(f"DROP TABLE {NAT_SAVED}")
    return len(rows)


def _rows(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _loadavg() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def _load_one(nf: NationalFederation, seed: int, registry: dict, filled: set[int]) -> Loaded:
    run = _Run(nf, seed, registry, filled, 0)
    begun = time.perf_counter()
    run.load()
    return Loaded(nf.code, nf.name, time.perf_counter() - begun, run.timings, run.counts)


def _worker(tasks, results, seed: int) -> None:
    """A loader process: its own connection and session pools, federations from the queue."""
    from django.db import connections

    try:
        prepare_session(seed)
        registry: dict = {}
        filled: set[int] = set()
        while (nf := tasks.get()) is not None:
            try:
                results.put(_load_one(nf, seed, registry, filled))
            except BaseException as exc:  # noqa: BLE001 - reported to the parent, which stops
                results.put(("error", nf.code, f"{type(exc).__name__}: {exc}"))
                return
    finally:
        connections.close_all()


def _load_parallel(todo: list[NationalFederation], *, seed: int, jobs: int, report) -> None:
    """`jobs` processes load the federations, the largest first (each in its own transaction,
    as the sequential load does); the first error stops them all."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # the children must not share the parent's connection
    context = multiprocessing.get_context("fork")
    tasks, results = context.Queue(), context.Queue()
    for nf in sorted(todo, key=lambda f: -f.members):
        tasks.put(nf)
    workers = [context.Process(target=_worker, args=(tasks, results, seed)) for _ in range(min(jobs, len(todo)))]
    for _ in workers:
        tasks.put(None)
    for worker in workers:
        worker.start()
    finished = False
    try:
        for _ in todo:
            item = results.get()
            if isinstance(item, tuple):
                raise DemoError(f"{item[1]}: {item[2]}")
            report(item)
        finished = True
    finally:
        for worker in workers:
            if not finished:  # its federation's transaction dies with its connection
                worker.terminate()
            worker.join()


# --- Accounts ------------------------------------------------------------------------------------


NATIONAL_ACCOUNTS = (
    DemoAccount("nat_admin", Role.FEDERATION_ADMIN, "Quản trị hệ thống (dữ liệu toàn quốc)"),
    DemoAccount("nat_leader", Role.LEADER, "Thường trực Liên đoàn Lao động (dữ liệu toàn quốc)"),
    DemoAccount("nat_officer", Role.SUPERIOR_OFFICER, "Cán bộ công đoàn cấp trên trực tiếp (dữ liệu toàn quốc)"),
    DemoAccount("nat_chair", Role.GRASSROOTS_CHAIR, "Chủ tịch công đoàn cơ sở (dữ liệu toàn quốc)"),
    DemoAccount("nat_viewer", Role.NATIONAL_VIEWER, "Lãnh đạo Tổng Liên đoàn (dữ liệu toàn quốc)"),
)


def ensure_national_accounts(plan: list[NationalFederation], password: str | None) -> list[User]:
    """The national accounts in the first federation of the plan loaded here, and the General
    Confederation's viewer: created if missing; with a password, given it."""
    first = next((f for nf in plan if (f := Federation.objects.filter(code=nf.code).first()) is not None), None)
    if first is None:
        return []
    officer_union = Union.objects.filter(federation=first, code="H01").first()
    chair_union = (
        Union.objects.filter(parent=officer_union, level=Level.GRASSROOTS, status="active").order_by("code").first()
    )
    codes = {nf.code for nf in national_plan()}
    loaded = set(Federation.objects.filter(code__in=codes).values_list("pk", flat=True))
    return open_accounts(
        NATIONAL_ACCOUNTS,
        federation=first,
        units={Role.SUPERIOR_OFFICER: officer_union, Role.GRASSROOTS_CHAIR: chair_union},
        password=password,
        ours=lambda user: user.role in NATIONAL_ROLES or user.federation_id in loaded,
        where="the national load",
    )
