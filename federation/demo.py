"""Demo data: a provincial federation shaped like Đắk Lắk's, with the seed articles' figures.

`load_demo()` runs the steps of `STEPS` in one transaction. A step is one function taking the
shared `Demo` context; each step draws from its own `random.Random`, seeded from the demo seed
and the step's name, so adding a step later (members, welfare, targets) does not change what
the earlier steps produce for the same seed.

The tree is written with `bulk_create`, keeping every invariant `unions.services.union_create`
keeps (materialized path, search text, cleaned code and name, one open `UnionLink` from the
establishment date, an audit entry); reorganizations go through `unions.services.union_move`.

`load_demo(which=NEIGHBOUR)` loads a second federation beside the main one, Phú Yên's, for the
federation merger of issue 6: the same plan drawn from streams of its own, without accounts.
Either federation's roll keeps clear of the citizen IDs and member codes already in the
database, so that the merger meets no conflict; its union codes are the same on purpose.
"""

import bisect
import io
import itertools
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext
from vietnam_provinces import Ward

from members.models import (
    MOVEMENT_DELTA,
    LeaveReason,
    Member,
    MemberStatus,
    Movement,
    MovementKind,
    TransferRequest,
    TransferStatus,
)
from members.validation import century_digit
from unions.models import Kind, Level, Sector, Status, Union, UnionLink
from unions.services import union_move

from .models import NATIONAL_ROLES, AuditLog, Federation, Role, User, path_segment
from .services import audit_log, diff_fields, user_create
from .signals import records_changed
from .text import clean_text, fold

FEDERATION_CODE = "LDLD-DLK"
FEDERATION_NAME = "Liên đoàn Lao động tỉnh Đắk Lắk"
PROVINCE_CODE = 66

# The Party Agencies and People's Committee unions took over the agencies of the Civil Servants
# union (as in Bạc Liêu, February 2025); on 1 July 2025 communes were merged and a few changed
# district federation. Both leave the tree of 31/12/2024 different from today's.
AGENCY_UNIONS_DATE = date(2025, 3, 1)
MERGER_DATE = date(2025, 7, 1)
# Units are established up to the end of 2024, the year the seed articles report on.
LAST_ESTABLISHED = date(2024, 12, 31)
FIRST_CLOSED = date(2019, 1, 1)

OFFICER_UNION_CODE = "H01"


@dataclass(frozen=True)
class DemoFederation:
    """Which federation a load creates. The main demo is Đắk Lắk's, with its demo accounts; the
    neighbour is Phú Yên's federation, loaded beside it for the merger of 1 July 2025 (issue 6).
    Both are drawn from the same plan (scales, superiors, recipes); the neighbour's draws come
    from streams of their own."""

    code: str
    name: str
    province_code: int  # a province of the 2025 map: Phú Yên's territory is Đắk Lắk's (66)
    seed_salt: str  # "" keeps the main demo's streams as they always were
    accounts: bool  # whether the load opens the demo accounts
    place: str  # the province as the names of its provincial bodies end ("Chi nhánh Đắk Lắk")
    member_code_prefix: str  # member cards: "DV" and the province code of the card's issue

    def stream(self, seed: int, step: str) -> str:
        """The seed of a step's random stream."""
        return f"{seed}:{self.seed_salt}:{step}" if self.seed_salt else f"{seed}:{step}"


MAIN = DemoFederation(
    code=FEDERATION_CODE,
    name=FEDERATION_NAME,
    province_code=PROVINCE_CODE,
    seed_salt="",
    accounts=True,
    place="Đắk Lắk",
    member_code_prefix="DV066",
)
# Phú Yên's cards were issued before the merger, under its former province code (054).
NEIGHBOUR = DemoFederation(
    code="LDLD-PYN",
    name="Liên đoàn Lao động tỉnh Phú Yên",
    province_code=PROVINCE_CODE,
    seed_salt="neighbour",
    accounts=False,
    place="Phú Yên",
    member_code_prefix="DV054",
)


class DemoError(Exception):
    """The demo cannot be loaded as asked (the message says why)."""


# --- The province's wards -----------------------------------------------------------------


@dataclass(frozen=True)
class WardInfo:
    code: int
    name: str  # "Xã Ea Kar"
    short: str  # "Ea Kar"
    full: str  # "xã Ea Kar", as written inside a unit's name

    @property
    def urban(self) -> bool:
        return self.full.startswith("phường")

    @property
    def in_phu_yen(self) -> bool:
        # Phú Yên merged into Đắk Lắk in 2025; its wards keep their 22xxx codes.
        return self.code < 23000


def _ward_info(ward) -> WardInfo:
    name = clean_text(ward.name)
    division, short = name.split(" ", 1)
    return WardInfo(code=int(ward.code), name=name, short=short, full=f"{division.lower()} {short}")


WARDS: dict[int, WardInfo] = {
    w.code: w for w in sorted((_ward_info(w) for w in Ward.iter_by_province(PROVINCE_CODE)), key=lambda w: w.code)
}


def wards_in(ranges) -> list[WardInfo]:
    return [w for w in WARDS.values() if any(lo <= w.code <= hi for lo, hi in ranges)]


CAPITAL = wards_in(((24121, 24169),))  # the central wards of Buôn Ma Thuột, where provincial bodies sit
TUY_HOA = 22015
ZONES = (  # industrial zones and clusters, with the ward they lie in
    ("Khu công nghiệp Hòa Phú", 24175),
    ("Khu công nghiệp Hòa Hiệp", 22261),
    ("Khu công nghiệp An Phú", 22045),
    ("Cụm công nghiệp Tân An", 24163),
)


# --- Direct-superior unions ---------------------------------------------------------------


@dataclass(frozen=True)
class SuperiorPlan:
    code: str
    name: str
    kind: str
    established_on: date
    ward: int
    mix: dict[str, float]  # recipe name -> weight, for the grassroots units below it
    wards: tuple[tuple[int, int], ...] = ()  # ward-code ranges a district federation covers
    grassroots_from: str | None = None  # where its units stood before it was established


DISTRICT_MIX = {
    "kindergarten": 14,
    "primary": 17,
    "secondary": 11,
    "primary_secondary": 2,
    "commune_office": 5,
    "commune_party": 3,
    "health_station": 2,
    "private_school": 2,
    "private_clinic": 1,
    "enterprise": 31,
    "state_enterprise": 1.5,
    "fdi": 1.5,
    "cooperative": 6,
    "occupational": 3,
}


def _district(code, ward, established_on, *ranges) -> SuperiorPlan:
    return SuperiorPlan(
        code=code,
        name=f"Liên đoàn Lao động {WARDS[ward].full}",
        kind=Kind.DISTRICT_FEDERATION,
        established_on=established_on,
        ward=ward,
        mix=DISTRICT_MIX,
        wards=ranges,
    )


# The district federations split the province's 102 wards between them (by code ranges, which
# follow the former districts); a test checks every ward has exactly one.
SUPERIORS: tuple[SuperiorPlan, ...] = (
    _district("H01", 24133, date(1976, 5, 10), (24121, 24175)),
    _district("H02", 24305, date(1977, 3, 8), (24181, 24208), (24305, 24364)),
    _district("H03", 24280, date(1977, 6, 2), (24211, 24301)),
    _district("H04", 24373, date(1978, 1, 15), (24373, 24445)),
    _district("H05", 24490, date(1977, 9, 20), (24448, 24529)),
    _district("H06", 24538, date(1979, 4, 12), (24538, 24607)),
    _district("H07", 22015, date(1976, 7, 1), (22015, 22045), (22240, 22319)),
    _district("H08", 22051, date(1977, 11, 3), (22051, 22237)),
    SuperiorPlan(
        "N01",
        "Công đoàn ngành Giáo dục",
        Kind.INDUSTRY_UNION,
        date(1979, 10, 20),
        24133,
        {"high_school": 78, "continuing_education": 12, "boarding_school": 5, "education_fixed": 5},
    ),
    SuperiorPlan(
        "N02",
        "Công đoàn ngành Y tế",
        Kind.INDUSTRY_UNION,
        date(1979, 11, 5),
        24133,
        {"health_fixed": 45, "health_centre": 55},
    ),
    SuperiorPlan("N03", "Công đoàn Viên chức tỉnh", Kind.INDUSTRY_UNION, date(1993, 4, 12), 24163, {"civil": 1}),
    SuperiorPlan(
        "K01",
        "Công đoàn các Khu công nghiệp tỉnh",
        Kind.ZONE_UNION,
        date(2006, 8, 18),
        24175,
        {"zone_enterprise": 62, "zone_fdi": 30, "zone_state": 8},
    ),
    SuperiorPlan(
        "C01",
        "Công đoàn các cơ quan Đảng tỉnh",
        Kind.AGENCY_UNION,
        date(2025, 2, 20),
        24133,
        {"party": 1},
        grassroots_from="N03",
    ),
    SuperiorPlan(
        "C02",
        "Công đoàn Ủy ban nhân dân tỉnh",
        Kind.AGENCY_UNION,
        date(2025, 2, 20),
        24133,
        {"committee": 1},
        grassroots_from="N03",
    ),
    SuperiorPlan(
        "T01",
        "Công đoàn Tổng công ty Cà phê Việt Nam",
        Kind.CORPORATION_UNION,
        date(1996, 1, 10),
        24154,
        {"coffee": 1},
    ),
)
SUPERIORS_BY_CODE = {s.code: s for s in SUPERIORS}
DIRECT = ""  # key of the grassroots units directly under the federation
DIRECT_MIX = {"direct": 1}


@dataclass(frozen=True)
class Remap:
    """A commune that changed district federation on MERGER_DATE: its units move from `old` to `new`."""

    ward: int
    old: str
    new: str
    units: int


# The member roll covers 2024, the year the seed articles report on, and is kept up to
# ROLL_UNTIL: the demo's "today" for members, a fixed day so that a seed gives the same roll
# whatever the real date. It closes the first half of 2025 (the federation's six-month report),
# the day before the July 2025 merger.
ROLL_START = date(2024, 1, 1)
ROLL_YEAR_END = date(2024, 12, 31)
ROLL_UNTIL = date(2025, 6, 30)


@dataclass(frozen=True)
class Period:
    """What happens to the roll between two dates (both included)."""

    start: date
    end: date
    admitted: int
    departed: int  # left, deceased or transferred out of the province
    deceased: int  # ... of which deceased
    out_of_province: int  # ... of which transferred to another province's federation
    readmitted: int
    transfers: int  # between two grassroots unions of the federation


@dataclass(frozen=True)
class RollPlan:
    """The roll's figures: 2024 as the seed articles give them, the first half of 2025 at the
    same pace. Every one of them comes out exactly (the tests check it)."""

    closing_2024: int  # members on 31/12/2024 (article 000: 125,485)
    admitted_2024: int  # new members in 2024 (article 000: 10,177, 120.44% of 8,450)
    net_2024: int  # closing minus opening (article 004: "increased by 3,287")
    readmitted_2024: int
    deceased_2024: int
    out_of_province_2024: int
    transfers_2024: int
    party_introduced_2024: int  # article 000: 1,648 introduced to the Party ...
    party_admitted_2024: int  # ... of whom 621 admitted
    h1_2025: Period
    party_introduced_2025: int
    party_admitted_2025: int  # from those introduced in 2024

    @property
    def opening_2024(self) -> int:
        return self.closing_2024 - self.net_2024

    @property
    def year_2024(self) -> Period:
        return Period(
            start=ROLL_START,
            end=ROLL_YEAR_END,
            admitted=self.admitted_2024,
            departed=self.admitted_2024 + self.readmitted_2024 - self.net_2024,
            deceased=self.deceased_2024,
            out_of_province=self.out_of_province_2024,
            readmitted=self.readmitted_2024,
            transfers=self.transfers_2024,
        )


@dataclass(frozen=True)
class Scale:
    grassroots: dict[str, int]  # superior code (DIRECT: none) -> grassroots units under it today
    closed: int  # how many of them closed before 2025
    new_in_2024: int  # established in 2024 (article 004: 93 ...
    new_in_2024_25plus: int  # ... of which 10 in enterprises with 25 or more workers)
    remaps: tuple[Remap, ...]
    roll: RollPlan

    @property
    def superiors(self) -> list[SuperiorPlan]:
        return [s for s in SUPERIORS if s.code in self.grassroots]


SCALES: dict[str, Scale] = {
    "small": Scale(
        grassroots={"H01": 11, "H04": 9, "N01": 4, "K01": 4, DIRECT: 2},
        closed=2,
        new_in_2024=3,
        new_in_2024_25plus=1,
        remaps=(Remap(24376, old="H01", new="H04", units=2),),
        roll=RollPlan(
            closing_2024=460,
            admitted_2024=41,
            net_2024=13,
            readmitted_2024=2,
            deceased_2024=1,
            out_of_province_2024=1,
            transfers_2024=6,
            party_introduced_2024=8,
            party_admitted_2024=3,
            h1_2025=Period(
                date(2025, 1, 1),
                ROLL_UNTIL,
                admitted=19,
                departed=12,
                deceased=1,
                out_of_province=1,
                readmitted=1,
                transfers=3,
            ),
            party_introduced_2025=4,
            party_admitted_2025=2,
        ),
    ),
    # 1,400 grassroots unions, 1,361 of them active (article 000).
    "province": Scale(
        grassroots={
            "H01": 216,
            "H02": 132,
            "H03": 120,
            "H04": 120,
            "H05": 132,
            "H06": 108,
            "H07": 180,
            "H08": 126,
            "N01": 78,
            "N02": 42,
            "N03": 34,
            "K01": 46,
            "C01": 12,
            "C02": 30,
            "T01": 18,
            DIRECT: 6,
        },
        closed=39,
        new_in_2024=93,
        new_in_2024_25plus=10,
        remaps=(
            Remap(24328, old="H03", new="H02", units=4),
            Remap(24406, old="H05", new="H04", units=4),
            Remap(22240, old="H08", new="H07", units=4),
        ),
        roll=RollPlan(
            closing_2024=125_485,
            admitted_2024=10_177,
            net_2024=3_287,
            readmitted_2024=36,
            deceased_2024=142,
            out_of_province_2024=64,
            transfers_2024=418,
            party_introduced_2024=1_648,
            party_admitted_2024=621,
            h1_2025=Period(
                date(2025, 1, 1),
                ROLL_UNTIL,
                admitted=4_820,
                departed=3_396,
                deceased=68,
                out_of_province=31,
                readmitted=14,
                transfers=187,
            ),
            party_introduced_2025=764,
            party_admitted_2025=318,
        ),
    ),
}


# --- Names --------------------------------------------------------------------------------

PEOPLE = (
    "Nguyễn Du", "Lê Lợi", "Trần Hưng Đạo", "Quang Trung", "Nguyễn Trãi", "Lý Thường Kiệt", "Chu Văn An",
    "Lê Quý Đôn", "Phan Chu Trinh", "Phan Bội Châu", "Nguyễn Văn Trỗi", "Võ Thị Sáu", "Kim Đồng", "Lê Văn Tám",
    "Hùng Vương", "Ngô Quyền", "Đinh Tiên Hoàng", "Trần Phú", "Lê Hồng Phong", "Nguyễn Thị Minh Khai",
    "Hoàng Văn Thụ", "Y Jút", "Nơ Trang Lơng", "Ama Khê", "Lương Thế Vinh", "Tô Hiệu", "Nguyễn Chí Thanh",
    "Hai Bà Trưng", "Bà Triệu", "Lý Tự Trọng", "Trần Quốc Toản", "Phan Đình Phùng", "Nguyễn Bỉnh Khiêm",
    "Lê Đình Chinh", "Nguyễn Viết Xuân", "Cù Chính Lan", "Nguyễn Huệ", "Lê Duẩn", "Trường Chinh",
    "Nguyễn Đình Chiểu", "Tôn Đức Thắng", "Nguyễn Khuyến", "Trần Cao Vân", "Phan Đăng Lưu", "Hoàng Hoa Thám",
    "Mạc Đĩnh Chi", "Lê Thị Hồng Gấm", "Nguyễn Văn Cừ", "Ngô Gia Tự", "Đoàn Thị Điểm", "Trần Quang Khải",
    "Lý Thái Tổ", "Trần Nhân Tông", "Lê Thánh Tông", "Nguyễn Công Trứ", "Hàm Nghi", "Duy Tân",
    "Y Ngông Niê Kdăm", "Hoàng Diệu", "Nguyễn Thái Học", "Lê Lai", "Phan Huy Chú", "Nguyễn Hữu Thọ",
    "Đào Duy Từ", "Ngô Mây", "Nguyễn Thị Định", "Huỳnh Thúc Kháng", "Trần Bình Trọng", "Yết Kiêu",
    "Nguyễn Đức Cảnh", "Phạm Hồng Thái", "Lê Hữu Trác", "Tuệ Tĩnh", "Lê Văn Hưu", "Nguyễn Tri Phương",
)  # fmt: skip
KINDERGARTENS = (
    "Hoa Sen", "Hoa Mai", "Hoa Hồng", "Họa Mi", "Sơn Ca", "Vành Khuyên", "Hoa Phượng", "Bình Minh", "Hoa Ban",
    "Hướng Dương", "Tuổi Thơ", "Ánh Dương", "Hoa Cúc", "Sao Mai", "Hoa Lan", "Hoa Pơ Lang", "Hoa Đào",
    "Rạng Đông", "Măng Non", "Búp Sen Hồng", "Thỏ Ngọc", "Hoa Cỏ May", "Chim Én", "Ban Mai", "Hoa Dã Quỳ",
    "Hoa Mười Giờ", "Sao Sáng", "Hoa Thiên Lý", "Tuổi Ngọc", "Hoa Bằng Lăng", "Sao Khuê", "Hoa Lài",
    "Hoa Trà My", "Hoa Quỳnh", "Tuổi Hồng", "Mầm Xanh", "Hoa Sữa", "Vàng Anh", "Chích Bông",
    "Hoa Trạng Nguyên", "Hoa Cà Phê", "Ánh Sao", "Hoa Mua", "Hoa Thủy Tiên", "Hoa Đỗ Quyên", "Hoa Ly",
)  # fmt: skip
INDUSTRIES = (
    "Cà phê", "Cao su", "Hồ tiêu", "Nông sản", "Xây dựng", "Vận tải", "Chế biến gỗ", "Thương mại và Dịch vụ",
    "May mặc", "Thủy điện", "Dược phẩm", "Thực phẩm", "Mía đường", "Khoáng sản", "Vật liệu xây dựng",
    "Bê tông", "Du lịch", "Khách sạn", "Dịch vụ bảo vệ", "Môi trường đô thị", "Sầu riêng", "Ca cao", "Mắc ca",
    "Tinh bột sắn", "Phân bón", "Điện mặt trời", "Xăng dầu", "Cơ khí", "Nước giải khát", "Thức ăn chăn nuôi",
    "Đầu tư và Phát triển", "Xây lắp điện", "Tư vấn thiết kế", "Điện gió", "Xuất nhập khẩu", "Thủy sản",
)  # fmt: skip
BRANDS = (
    "Tây Nguyên", "Ban Mê", "Thắng Lợi", "Phước An", "Hoàng Long", "Minh Phát", "An Phú", "Thành Công",
    "Trường Sơn", "Hưng Thịnh", "Phú Cường", "Đất Việt", "Việt Đức", "Đại Thành", "Hoàng Anh", "Sao Việt",
    "Tân Phát", "Kim Long", "Lộc Phát", "Nam Phương", "Bình An", "Tín Nghĩa", "Quang Minh", "Hồng Phát",
    "Thiên Ân", "Phú Thịnh", "Đông Á", "Cao Nguyên", "Hải Đăng", "Phúc Lộc", "Vạn Phát", "Thịnh Vượng",
    "Bảo Châu", "Ngọc Linh", "Nam Việt", "Toàn Thắng", "Gia Phát", "Hưng Long", "Đức Thành", "Mỹ Phú",
    "Hòa Thuận", "Tâm Đức", "Sông Hinh", "Đà Rằng", "Vũng Rô", "Đèo Cả", "Chư Yang Sin", "Dray Nur",
    "Yok Đôn", "Hoàng Gia", "Thiên Phúc", "Phú Gia", "An Khang", "Trí Việt", "Hợp Thành",
)  # fmt: skip
FOREIGN_BRANDS = (
    "Sunrise Agro", "Golden Bean", "Highland Harvest", "Pacific Wood", "Daewon Vina", "Hanvico", "Kumho Agri",
    "Tianli", "Shinwoo", "Morning Star", "Evergreen Fibre", "Orient Macadamia", "Takara Foods", "Nippon Pepper",
    "Everest Rubber", "Siam Cassava", "Green Planet", "Blue Ocean Seafood", "Asia Pacific Coffee",
    "Jinwoo Textile", "Kyoto Garment", "Busan Footwear", "Lotus Fibre", "Royal Cashew", "Mekong Starch",
)  # fmt: skip
COMPANY_FORMS = (
    ("Công ty TNHH", 45),
    ("Công ty TNHH MTV", 15),
    ("Công ty Cổ phần", 30),
    ("Doanh nghiệp tư nhân", 5),
    ("Chi nhánh Công ty Cổ phần", 5),
)
COOPERATIVE_TRADES = (
    "Nông nghiệp", "Dịch vụ nông nghiệp", "Nông nghiệp và Dịch vụ", "Cà phê", "Cà phê bền vững", "Hồ tiêu",
    "Sầu riêng", "Vận tải", "Môi trường", "Dệt thổ cẩm", "Rau an toàn",
)  # fmt: skip
OCCUPATIONS = ("Xe ôm", "Lao động tự do", "Thợ xây dựng", "Bốc xếp", "Tiểu thương chợ", "Thợ cắt tóc")
STREETS = (
    "Lê Duẩn", "Nguyễn Tất Thành", "Phan Bội Châu", "Hùng Vương", "Trần Phú", "Y Jút", "Hai Bà Trưng",
    "Lý Thường Kiệt", "Ngô Quyền", "Phạm Văn Đồng", "Nguyễn Văn Cừ", "Giải Phóng", "Trường Chinh",
    "Lê Thánh Tông", "Mai Hắc Đế", "Nguyễn Huệ", "Độc Lập", "Hà Huy Tập", "Y Ngông", "Nguyễn Công Trứ",
)  # fmt: skip
VILLAGES = ("Ko Tam", "Ea Nao", "Cuôr Dăng", "Ea Bông", "Trấp", "Kniêt", "Ea Tu", "Kmrơng", "Ale", "Dhăm")


@dataclass(frozen=True)
class Fixed:
    """A named unit of a fixed list (a provincial department, a hospital ...)."""

    name: str
    kind: str
    sector: str
    workers: tuple[int, int]
    founded: tuple[int, int]
    ward: int | None = None  # default: one of the capital's wards


def _fixed(names, kind, sector, workers, founded) -> list[Fixed]:
    return [Fixed(n, kind, sector, workers, founded) for n in names]


# (kind, sector) pairs of the fixed lists and recipes
AGENCY = (Kind.AGENCY, Sector.ADMINISTRATIVE_AGENCY)
PUBLIC = (Kind.PUBLIC_SERVICE_UNIT, Sector.PUBLIC_SERVICE)
STATE = (Kind.ENTERPRISE, Sector.STATE_ENTERPRISE)

FIXED_POOLS: dict[str, list[Fixed]] = {
    "civil": [
        *_fixed(
            (
                "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "Hội Liên hiệp Phụ nữ tỉnh", "Tỉnh đoàn",
                "Hội Nông dân tỉnh", "Hội Cựu chiến binh tỉnh", "Liên minh Hợp tác xã tỉnh",
                "Liên hiệp các Hội Khoa học và Kỹ thuật tỉnh", "Hội Chữ thập đỏ tỉnh",
                "Hội Văn học Nghệ thuật tỉnh", "Liên hiệp các Tổ chức hữu nghị tỉnh", "Hội Nhà báo tỉnh",
                "Hội Luật gia tỉnh",
            ),
            *AGENCY, (8, 45), (1976, 2005),
        ),
        *_fixed(
            (
                "Trường Chính trị tỉnh", "Thư viện tỉnh", "Bảo tàng tỉnh",
                "Trung tâm Văn hóa, Điện ảnh và Triển lãm tỉnh", "Nhà hát Ca múa nhạc dân tộc Đắk Lắk",
                "Trường Cao đẳng Kỹ thuật Đắk Lắk", "Trung tâm Khuyến nông tỉnh", "Vườn quốc gia Yok Đôn",
                "Vườn quốc gia Chư Yang Sin", "Ban Quản lý rừng đặc dụng Nam Ka", "Trung tâm Dịch vụ việc làm tỉnh",
                "Quỹ Đầu tư phát triển tỉnh", "Trung tâm Trợ giúp pháp lý nhà nước tỉnh",
                "Văn phòng Đăng ký đất đai tỉnh", "Trung tâm Phát triển quỹ đất tỉnh",
                "Trung tâm Quan trắc tài nguyên và môi trường tỉnh",
                "Trung tâm Huấn luyện và Thi đấu thể dục thể thao tỉnh", "Cơ sở Cai nghiện ma túy tỉnh",
                "Trung tâm Bảo trợ xã hội tỉnh", "Trung tâm Công tác xã hội tỉnh",
                "Trung tâm Giống cây trồng, vật nuôi và thủy sản tỉnh",
                "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng tỉnh",
                "Trung tâm Xúc tiến Đầu tư, Thương mại và Du lịch tỉnh",
                "Trung tâm Công nghệ thông tin và Truyền thông tỉnh",
                "Ban Quản lý dự án đầu tư xây dựng công trình giao thông tỉnh",
                "Ban Quản lý dự án đầu tư xây dựng công trình dân dụng và công nghiệp tỉnh",
                "Trung tâm Lưu trữ lịch sử tỉnh", "Trung tâm Kiểm định chất lượng công trình xây dựng tỉnh",
            ),
            *PUBLIC, (15, 160), (1978, 2012),
        ),
        Fixed("Trường Cao đẳng Phú Yên", *PUBLIC, (90, 160), (1980, 1995), TUY_HOA),
    ],
    "party": [
        *_fixed(
            (
                "Văn phòng Tỉnh ủy", "Ban Tổ chức Tỉnh ủy", "Ban Tuyên giáo và Dân vận Tỉnh ủy",
                "Ủy ban Kiểm tra Tỉnh ủy", "Ban Nội chính Tỉnh ủy", "Ban Chính sách, chiến lược Tỉnh ủy",
                "Đảng ủy các cơ quan Đảng tỉnh", "Đảng ủy Ủy ban nhân dân tỉnh",
                "Văn phòng Đoàn Đại biểu Quốc hội và Hội đồng nhân dân tỉnh",
            ),
            *AGENCY, (12, 70), (1976, 2008),
        ),
        *_fixed(
            (
                "Báo và Phát thanh, Truyền hình Đắk Lắk", "Ban Bảo vệ, chăm sóc sức khỏe cán bộ tỉnh",
                "Nhà khách Tỉnh ủy", "Trung tâm Hội nghị tỉnh",
            ),
            *PUBLIC, (15, 180), (1976, 2008),
        ),
    ],
    "committee": _fixed(
        (
            "Văn phòng Ủy ban nhân dân tỉnh", "Sở Tài chính", "Sở Xây dựng", "Sở Công Thương",
            "Sở Nông nghiệp và Môi trường", "Sở Nội vụ", "Sở Tư pháp", "Sở Khoa học và Công nghệ",
            "Sở Văn hóa, Thể thao và Du lịch", "Sở Dân tộc và Tôn giáo", "Sở Ngoại vụ", "Thanh tra tỉnh",
            "Ban Quản lý các Khu công nghiệp tỉnh", "Chi cục Kiểm lâm", "Chi cục Thủy lợi",
            "Chi cục Chăn nuôi và Thú y", "Chi cục Trồng trọt và Bảo vệ thực vật",
            "Chi cục Quản lý chất lượng nông lâm sản và thủy sản", "Chi cục Phát triển nông thôn",
            "Chi cục Biển và Hải đảo", "Chi cục Thủy sản", "Chi cục Quản lý đất đai", "Chi cục Bảo vệ môi trường",
            "Chi cục Văn thư - Lưu trữ", "Chi cục Tiêu chuẩn Đo lường Chất lượng", "Chi cục Dân số",
            "Chi cục An toàn vệ sinh thực phẩm", "Chi cục Giám định xây dựng", "Ban Thi đua - Khen thưởng",
            "Ban Tôn giáo", "Văn phòng Điều phối nông thôn mới tỉnh", "Ban Dân tộc",
        ),
        *AGENCY, (12, 120), (1976, 2010),
    ),
    "health_fixed": [
        Fixed("Bệnh viện Đa khoa vùng Tây Nguyên", *PUBLIC, (1200, 1650), (1976, 1980)),
        Fixed("Bệnh viện Đa khoa tỉnh Phú Yên", *PUBLIC, (700, 1000), (1976, 1980), TUY_HOA),
        Fixed("Bệnh viện Đa khoa Thành phố Buôn Ma Thuột", *PUBLIC, (250, 400), (1985, 2000)),
        Fixed("Bệnh viện Sản - Nhi tỉnh", *PUBLIC, (250, 420), (1990, 2010)),
        Fixed("Bệnh viện Đa khoa khu vực 333", *PUBLIC, (150, 260), (1980, 1995), 24184),
        Fixed("Bệnh viện Đa khoa khu vực Sông Cầu", *PUBLIC, (150, 250), (1980, 1995), 22051),
        *_fixed(
            (
                "Bệnh viện Mắt tỉnh", "Bệnh viện Y học cổ truyền tỉnh", "Bệnh viện Tâm thần tỉnh",
                "Bệnh viện Phổi tỉnh", "Bệnh viện Phục hồi chức năng tỉnh",
            ),
            *PUBLIC, (60, 200), (1980, 2005),
        ),
        Fixed("Trung tâm Kiểm soát bệnh tật tỉnh", *PUBLIC, (150, 260), (1978, 2000)),
        *_fixed(
            (
                "Trung tâm Pháp y tỉnh", "Trung tâm Giám định y khoa tỉnh",
                "Trung tâm Kiểm nghiệm thuốc, mỹ phẩm, thực phẩm tỉnh",
            ),
            *PUBLIC, (15, 45), (1985, 2010),
        ),
        Fixed("Trường Cao đẳng Y tế Đắk Lắk", *PUBLIC, (60, 110), (1976, 1990)),
        Fixed("Cơ quan Sở Y tế", *AGENCY, (40, 70), (1976, 1980)),
    ],
    "education_fixed": [
        Fixed("Trường THPT Chuyên Nguyễn Du", *PUBLIC, (90, 125), (1984, 1986)),
        Fixed("Trường THPT Chuyên Lương Văn Chánh", *PUBLIC, (90, 125), (1989, 1991), TUY_HOA),
        Fixed("Trường THPT Dân tộc nội trú Nơ Trang Lơng", *PUBLIC, (60, 90), (1990, 1995)),
        Fixed("Trường Cao đẳng Sư phạm Đắk Lắk", *PUBLIC, (80, 140), (1976, 1980)),
        Fixed("Cơ quan Sở Giáo dục và Đào tạo", *AGENCY, (50, 80), (1976, 1980)),
    ],
    "coffee": [
        *_fixed(
            [f"Công ty TNHH MTV Cà phê {n}" for n in ("15", "49", "52", "53", "715A", "715B", "715C", "716")]
            + [f"Công ty TNHH MTV Cà phê {n}" for n in ("719", "720", "721", "734", "737", "740", "741", "742")],
            *STATE, (150, 900), (1976, 1995),
        ),
        *_fixed(
            [f"Công ty Cà phê {n}" for n in ("Thắng Lợi", "Việt Thắng", "Ea Pốk", "Buôn Hồ", "Phước An")],
            *STATE, (150, 700), (1976, 1995),
        ),
    ],
    # In this order: the federation's own office first, then the large state enterprises.
    "direct": [
        Fixed("Cơ quan Liên đoàn Lao động tỉnh", *AGENCY, (40, 55), (1976, 1976)),
        Fixed("Công ty Điện lực Đắk Lắk", *STATE, (600, 800), (1976, 1980)),
        Fixed("Công ty Điện lực Phú Yên", *STATE, (400, 550), (1976, 1980), TUY_HOA),
        Fixed("Viễn thông Đắk Lắk", *STATE, (200, 300), (1995, 2008)),
        Fixed("Bưu điện tỉnh Đắk Lắk", *STATE, (250, 400), (1976, 1990)),
        Fixed("Công ty Cổ phần Cấp thoát nước Đắk Lắk", Kind.ENTERPRISE, Sector.NON_STATE_ENTERPRISE, (150, 250),
              (1976, 1990)),
    ],
}  # fmt: skip
ORDERED_POOLS = frozenset({"direct"})


# --- Planning (pure Python: no database) ----------------------------------------------------


@dataclass
class UnitSpec:
    """One union to create. `first_parent`/`moved_on`: where it stood before a reorganization."""

    code: str
    name: str
    level: str
    kind: str
    sector: str = ""
    parent: str | None = None
    first_parent: str | None = None
    moved_on: date | None = None
    worker_count: int | None = None
    tax_code: str = ""
    ward_code: int | None = None
    address: str = ""
    established_on: date | None = None
    closed_on: date | None = None

    @property
    def initial_parent(self) -> str | None:
        return self.first_parent if self.moved_on else self.parent


@dataclass
class Draft:
    name: str
    kind: str
    sector: str
    workers: int
    founded: tuple[int, int]
    ward: WardInfo
    address: str = ""


class _Planner:
    """Draws the grassroots units. Holds the random stream and what is already taken."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.names: set[str] = set()
        self.tax_codes: set[str] = set()
        self.pools = {}
        for key, entries in FIXED_POOLS.items():
            entries = list(entries)
            if key not in ORDERED_POOLS:
                rng.shuffle(entries)
            self.pools[key] = entries

    def between(self, lo: int, hi: int, mode: float | None = None) -> int:
        if mode is None:
            return self.rng.randint(lo, hi)
        return round(self.rng.triangular(lo, hi, mode))

    def lognormal(self, median: float, sigma: float, lo: int, hi: int) -> int:
        return max(lo, min(hi, round(self.rng.lognormvariate(math.log(median), sigma))))

    def claim(self, name: str, ward: WardInfo | None = None) -> str | None:
        """`name` if free, else `name, <ward>` if a ward is given and that is free, else None."""
        for candidate in (name, f"{name}, {ward.full}" if ward else None):
            if candidate and candidate not in self.names:
                self.names.add(candidate)
                return candidate
        return None

    def unique(self, make: Callable[[], str], ward: WardInfo | None, tries: int = 8) -> str | None:
        """A free name from `make`; after `tries`, one with the commune appended (if `ward`)."""
        for _ in range(tries):
            name = self.claim(make())
            if name:
                return name
        return self.claim(make(), ward)

    def tax_code(self, ward: WardInfo) -> str:
        # Two digits for the tax office (60 Đắk Lắk, 44 the former Phú Yên), seven, a check digit.
        prefix = "44" if ward.in_phu_yen else "60"
        weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
        while True:
            body = f"{prefix}{self.rng.randrange(1, 10**7):07d}"
            check = 10 - sum(w * int(d) for w, d in zip(weights, body, strict=True)) % 11
            code = f"{body}{check}"
            if check < 10 and code not in self.tax_codes:
                self.tax_codes.add(code)
                return code

    def address(self, ward: WardInfo) -> str:
        if ward.urban:
            return f"Số {self.rng.randint(1, 320)} {self.rng.choice(STREETS)}"
        if self.rng.random() < 0.3:
            return f"Buôn {self.rng.choice(VILLAGES)}"
        return f"Thôn {self.rng.randint(1, 15)}"

    def company(self, industries=INDUSTRIES, brands=BRANDS) -> str:
        form = self.rng.choices([f for f, _ in COMPANY_FORMS], weights=[w for _, w in COMPANY_FORMS])[0]
        return f"{form} {self.rng.choice(industries)} {self.rng.choice(brands)}"


def _school(p: _Planner, ward: WardInfo, prefix: str, names, local_share: float) -> str | None:
    # Named after its commune ("Trường Tiểu học Hòa Phú") or after a person or a flower; the
    # latter repeat across communes and then carry the commune's name.
    if p.rng.random() < local_share and (name := p.claim(f"{prefix} {ward.short}")):
        return name
    return p.unique(lambda: f"{prefix} {p.rng.choice(names)}", ward)


def _draft(p, ward, name, kind_sector, workers, founded, address=None) -> Draft | None:
    if name is None:
        return None
    kind, sector = kind_sector
    return Draft(name, kind, sector, workers, founded, ward, p.address(ward) if address is None else address)


def _r_kindergarten(p: _Planner, ward: WardInfo):
    name = _school(p, ward, "Trường Mầm non", KINDERGARTENS, 0.45)
    return _draft(p, ward, name, PUBLIC, p.between(15, 50, 28), (1978, 2015))


def _r_primary(p, ward):
    name = _school(p, ward, "Trường Tiểu học", PEOPLE, 0.45)
    return _draft(p, ward, name, PUBLIC, p.between(22, 70, 40), (1976, 2012))


def _r_secondary(p, ward):
    name = _school(p, ward, "Trường THCS", PEOPLE, 0.4)
    return _draft(p, ward, name, PUBLIC, p.between(25, 80, 48), (1978, 2012))


def _r_primary_secondary(p, ward):
    name = _school(p, ward, "Trường TH và THCS", PEOPLE, 0.3)
    return _draft(p, ward, name, PUBLIC, p.between(20, 55, 34), (1990, 2016))


def _r_commune_office(p, ward):
    return _draft(p, ward, p.claim(f"Văn phòng UBND {ward.full}"), AGENCY, p.between(15, 45), (1976, 2008))


def _r_commune_party(p, ward):
    return _draft(p, ward, p.claim(f"Cơ quan Đảng ủy {ward.full}"), AGENCY, p.between(8, 25), (1976, 2008))


def _r_health_station(p, ward):
    return _draft(p, ward, p.claim(f"Trạm Y tế {ward.full}"), PUBLIC, p.between(6, 15), (1980, 2005))


def _r_private_school(p, ward):
    def make():
        if p.rng.random() < 0.6:
            return f"Trường Mầm non tư thục {p.rng.choice(KINDERGARTENS)}"
        return f"Trường Tiểu học, THCS và THPT {p.rng.choice(BRANDS)}"

    name = p.unique(make, ward)
    return _draft(p, ward, name, (Kind.NON_PUBLIC_UNIT, Sector.NON_PUBLIC_SERVICE), p.between(12, 90, 25), (2000, 2023))


def _r_private_clinic(p, ward):
    def make():
        if p.rng.random() < 0.7:
            return f"Phòng khám Đa khoa {p.rng.choice(BRANDS)}"
        return f"Bệnh viện Đa khoa tư nhân {p.rng.choice(BRANDS)}"

    name = p.unique(make, ward)
    workers = p.between(60, 400, 120) if name and name.startswith("Bệnh viện") else p.between(10, 45)
    return _draft(p, ward, name, (Kind.NON_PUBLIC_UNIT, Sector.NON_PUBLIC_SERVICE), workers, (2005, 2023))


def _r_enterprise(p, ward, address=None, median=75, founded=(1995, 2023)):
    name = p.unique(p.company, ward)
    workers = p.lognormal(median, 1.2, 10, 4500)
    return _draft(p, ward, name, (Kind.ENTERPRISE, Sector.NON_STATE_ENTERPRISE), workers, founded, address)


def _r_state_enterprise(p, ward, address=None, founded=(1976, 2005)):
    def make():
        return p.rng.choice(
            (
                f"Công ty TNHH MTV Lâm nghiệp {ward.short}",
                f"Công ty TNHH MTV Khai thác công trình thủy lợi {ward.short}",
                f"Chi nhánh Ngân hàng Nông nghiệp và Phát triển Nông thôn {ward.short}",
                f"Bưu điện khu vực {ward.short}",
                f"Công ty Cổ phần {p.rng.choice(INDUSTRIES)} {p.rng.choice(BRANDS)}",
            )
        )

    name = p.unique(make, ward)
    return _draft(p, ward, name, STATE, p.between(40, 650, 150), founded, address)


def _r_fdi(p, ward, address=None, founded=(2005, 2023)):
    def make():
        brand = p.rng.choice(FOREIGN_BRANDS)
        return p.rng.choice(
            (f"Công ty TNHH {brand} Việt Nam", f"Công ty TNHH {brand}", f"Công ty TNHH {brand} Tây Nguyên")
        )

    name = p.unique(make, ward)
    workers = p.lognormal(400, 0.9, 40, 6000)
    return _draft(p, ward, name, (Kind.ENTERPRISE, Sector.FDI_ENTERPRISE), workers, founded, address)


def _r_cooperative(p, ward):
    def make():
        place = ward.short if p.rng.random() < 0.6 else p.rng.choice(BRANDS)
        return f"Hợp tác xã {p.rng.choice(COOPERATIVE_TRADES)} {place}"

    name = p.unique(make, ward)
    return _draft(p, ward, name, (Kind.COOPERATIVE, Sector.COOPERATIVE), p.between(7, 60, 15), (1997, 2023))


def _r_occupational(p, ward):
    trades = (*OCCUPATIONS, "Nghề cá") if ward.in_phu_yen else OCCUPATIONS
    name = p.unique(lambda: f"Nghiệp đoàn {p.rng.choice(trades)} {ward.full}", None, tries=4)
    kind_sector = (Kind.OCCUPATIONAL_UNION, Sector.OCCUPATIONAL)
    return _draft(p, ward, name, kind_sector, p.between(20, 180, 45), (2008, 2023))


def _r_high_school(p, ward):
    name = _school(p, ward, "Trường THPT", PEOPLE, 0.15)
    return _draft(p, ward, name, PUBLIC, p.between(60, 130, 88), (1976, 2012))


def _r_continuing_education(p, ward):
    name = p.claim(f"Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên {ward.short}")
    return _draft(p, ward, name, PUBLIC, p.between(20, 50), (1985, 2015))


def _r_boarding_school(p, ward):
    name = p.claim(f"Trường Phổ thông Dân tộc nội trú THCS và THPT {ward.short}")
    return _draft(p, ward, name, PUBLIC, p.between(40, 70), (1995, 2012))


def _r_health_centre(p, ward):
    name = p.claim(f"Trung tâm Y tế khu vực {ward.short}")
    return _draft(p, ward, name, PUBLIC, p.between(110, 360, 200), (1979, 2010))


def _zone(p: _Planner):
    zone, ward = p.rng.choice(ZONES)
    return WARDS[ward], f"Lô {p.rng.choice('ABCDEF')}{p.rng.randint(1, 40)}, {zone}"


def _r_zone_enterprise(p, _ward):
    ward, address = _zone(p)
    return _r_enterprise(p, ward, address, median=150, founded=(2006, 2023))


def _r_zone_fdi(p, _ward):
    ward, address = _zone(p)
    return _r_fdi(p, ward, address, founded=(2007, 2023))


def _r_zone_state(p, _ward):
    ward, address = _zone(p)
    return _r_state_enterprise(p, ward, address, founded=(2006, 2015))


def _pool_recipe(key: str):
    def recipe(p: _Planner, _ward):
        pool = p.pools[key]
        if not pool:
            return None
        entry = pool.pop(0)
        ward = WARDS[entry.ward] if entry.ward else p.rng.choice(CAPITAL)
        p.names.add(entry.name)
        workers = p.between(*entry.workers)
        return _draft(p, ward, entry.name, (entry.kind, entry.sector), workers, entry.founded)

    return recipe


RECIPES: dict[str, Callable[[_Planner, WardInfo], Draft | None]] = {
    "kindergarten": _r_kindergarten,
    "primary": _r_primary,
    "secondary": _r_secondary,
    "primary_secondary": _r_primary_secondary,
    "commune_office": _r_commune_office,
    "commune_party": _r_commune_party,
    "health_station": _r_health_station,
    "private_school": _r_private_school,
    "private_clinic": _r_private_clinic,
    "enterprise": _r_enterprise,
    "state_enterprise": _r_state_enterprise,
    "fdi": _r_fdi,
    "cooperative": _r_cooperative,
    "occupational": _r_occupational,
    "high_school": _r_high_school,
    "continuing_education": _r_continuing_education,
    "boarding_school": _r_boarding_school,
    "health_centre": _r_health_centre,
    "zone_enterprise": _r_zone_enterprise,
    "zone_fdi": _r_zone_fdi,
    "zone_state": _r_zone_state,
    **{key: _pool_recipe(key) for key in FIXED_POOLS},
}
FALLBACK_RECIPE = "enterprise"  # never runs dry


def _union_name(name: str) -> str:
    # An occupational union is named by itself ("Nghiệp đoàn ..."); every other one is the
    # union of its unit ("Công đoàn Trường ...").
    return name if name.startswith("Nghiệp đoàn") else f"Công đoàn {name}"


def _day_in(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def plan_tree(scale: Scale, rng: random.Random) -> list[UnitSpec]:
    """Every union of the demo federation, superiors first, in a deterministic order."""
    planner = _Planner(rng)
    specs = []
    for sup in scale.superiors:
        specs.append(
            UnitSpec(
                code=sup.code,
                name=sup.name,
                level=Level.SUPERIOR,
                kind=sup.kind,
                ward_code=sup.ward,
                address=planner.address(WARDS[sup.ward]),
                established_on=sup.established_on,
            )
        )
        planner.names.add(sup.name)
    remaps = {r.ward: r for r in scale.remaps}
    for parent_code, count in scale.grassroots.items():
        sup = SUPERIORS_BY_CODE.get(parent_code)
        mix = sup.mix if sup else DIRECT_MIX
        if sup and sup.wards:
            forced = [WARDS[r.ward] for r in scale.remaps if r.new == sup.code for _ in range(r.units)]
            # Only the forced units stand in a remapped commune, to keep the history to a handful.
            pool = [w for w in wards_in(sup.wards) if w.code not in remaps]
        else:
            forced, pool = [], list(WARDS.values())
        for i in range(count):
            ward = forced[i] if i < len(forced) else rng.choice(pool)
            draft = None
            for _ in range(10):
                recipe = rng.choices(list(mix), weights=list(mix.values()))[0]
                draft = RECIPES[recipe](planner, ward)
                if draft is not None:
                    break
            if draft is None:
                draft = RECIPES[FALLBACK_RECIPE](planner, ward)
            spec = UnitSpec(
                code=f"CS{len(specs) - len(scale.superiors) + 1:04d}",
                name=_union_name(draft.name),
                level=Level.GRASSROOTS,
                kind=draft.kind,
                sector=draft.sector,
                parent=parent_code or None,
                worker_count=draft.workers,
                tax_code=planner.tax_code(draft.ward) if draft.kind == Kind.ENTERPRISE else "",
                ward_code=draft.ward.code,
                address=draft.address,
                established_on=_day_in(rng, date(draft.founded[0], 1, 1), date(draft.founded[1], 12, 31)),
            )
            if draft.ward.code in remaps and sup and remaps[draft.ward.code].new == sup.code:
                spec.first_parent, spec.moved_on = remaps[draft.ward.code].old, MERGER_DATE
            elif sup and sup.grassroots_from:
                spec.first_parent, spec.moved_on = sup.grassroots_from, AGENCY_UNIONS_DATE
            specs.append(spec)
    _date_history(specs, scale, rng)
    return specs


def _date_history(specs: list[UnitSpec], scale: Scale, rng: random.Random) -> None:
    """Set who was established in 2024 and who closed, then keep every date consistent."""
    established = {s.code: s.established_on for s in specs if s.level == Level.SUPERIOR}
    grassroots = [s for s in specs if s.level == Level.GRASSROOTS]
    # Units that change position keep a long history: they are neither new nor closed.
    settled = [s for s in grassroots if not s.moved_on]
    young_kinds = {Kind.ENTERPRISE, Kind.COOPERATIVE, Kind.OCCUPATIONAL_UNION, Kind.NON_PUBLIC_UNIT}
    young = [s for s in settled if s.kind in young_kinds]
    big = [s for s in young if s.kind == Kind.ENTERPRISE and s.worker_count >= 25]
    small = [s for s in young if not (s.kind == Kind.ENTERPRISE and s.worker_count >= 25)]
    new = rng.sample(big, min(scale.new_in_2024_25plus, len(big)))
    new += rng.sample(small, min(scale.new_in_2024 - len(new), len(small)))
    for spec in new:
        spec.established_on = _day_in(rng, date(2024, 1, 1), LAST_ESTABLISHED)
    for spec in grassroots:
        floor = established.get(spec.initial_parent)
        if floor and spec.established_on <= floor:
            spec.established_on = floor + timedelta(days=rng.randint(30, 400))
        spec.established_on = min(spec.established_on, LAST_ESTABLISHED)
    new_codes = {s.code for s in new}
    closable = [s for s in settled if s.code not in new_codes and s.kind != Kind.AGENCY]
    for spec in rng.sample(closable, min(scale.closed, len(closable))):
        start = max(FIRST_CLOSED, spec.established_on + timedelta(days=365))
        spec.closed_on = _day_in(rng, start, LAST_ESTABLISHED)


# --- The member roll: who the members are (pure Python) --------------------------------------


def _table(text: str) -> tuple[list[str], list[float]]:
    """ "Nguyễn 380, Trần 110" -> (values, cumulative weights) for `_pick`; "-" stands for ""."""
    values, weights = [], []
    for item in text.split(", "):
        value, weight = item.rsplit(" ", 1)
        values.append("" if value == "-" else value)
        weights.append(float(weight))
    return values, list(itertools.accumulate(weights))


def _pick(rng: random.Random, table: tuple[list[str], list[float]]) -> str:
    values, cumulative = table
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1], 0, len(values) - 1)]


# Family names by their share of the Kinh population (Nguyễn about 38%).
KINH_FAMILY = _table(
    "Nguyễn 380, Trần 110, Lê 95, Phạm 70, Phan 45, Võ 34, Hoàng 32, Huỳnh 23, Vũ 22, Đặng 21, Bùi 20, "
    "Đỗ 14, Hồ 13, Ngô 13, Dương 10, Đinh 9, Trương 8, Đoàn 7, Lý 5, Lương 5, Mai 5, Hà 5, Cao 4, Lâm 4, "
    "Trịnh 4, Phùng 3, Lưu 3, Châu 3, Thái 3, Tô 2, Tạ 2, Chu 2, Vương 2, Văn 2, Kiều 1, La 1, Từ 1, Tăng 1, "
    "Triệu 1, Quách 1, Tôn 1, Hứa 1, Khúc 1"
)
# Middle names: "Văn" and "Thị" are less common among the young.
MALE_MIDDLE_OLD = _table(
    "Văn 40, Đình 5, Hữu 6, Đức 6, Minh 5, Ngọc 4, Thanh 4, Quốc 4, Công 4, Quang 4, Xuân 3, Tấn 3, Trọng 2, "
    "Anh 2, Duy 2, Trung 2, Bá 2, Tiến 2, Viết 2, Phước 2, Thành 2, Thế 2, Hải 1, Đăng 1, Như 1, Kim 1, Hồng 1, "
    "Khắc 1, Mạnh 1"
)
MALE_MIDDLE_YOUNG = _table(
    "Văn 15, Minh 9, Đức 7, Hoàng 5, Quốc 5, Anh 5, Quang 5, Gia 4, Thanh 4, Hữu 4, Ngọc 4, Duy 4, Tuấn 3, "
    "Công 3, Nhật 3, Thành 3, Đình 3, Bảo 3, Trung 2, Hải 2, Tấn 2, Xuân 2, Khánh 2, Thế 2, Trọng 2, Phước 1"
)
FEMALE_MIDDLE_OLD = _table(
    "Thị 55, Ngọc 6, Thanh 5, Thu 4, Hồng 3, Kim 3, Mỹ 3, Minh 2, Phương 2, Thùy 2, Hoài 2, Xuân 2, Bích 2, "
    "Lệ 1, Diệu 1, Tuyết 1, Cẩm 1, Hải 1"
)
FEMALE_MIDDLE_YOUNG = _table(
    "Thị 25, Ngọc 8, Thanh 5, Thu 5, Phương 5, Thùy 5, Minh 4, Mỹ 4, Bảo 4, Khánh 4, Hồng 3, Kim 3, Hoài 3, "
    "Quỳnh 3, Như 3, Thảo 3, Diệu 2, Hải 2, Yến 2, Gia 2, Cẩm 2, Huyền 2, Tường 1"
)
AFTER_THI = _table(  # "Trần Thị Thu Hà"
    "Thu 5, Mỹ 4, Thanh 4, Ngọc 4, Kim 3, Hồng 3, Thùy 3, Minh 2, Bích 2, Ánh 2, Phương 2, Hoài 2, Tuyết 1, "
    "Kiều 1, Diệu 1, Lệ 1, Cẩm 1"
)
MALE_GIVEN = _table(
    "Anh 3, Dũng 3, Hùng 3, Tuấn 3, Minh 3, Hải 2, Long 2, Nam 2, Sơn 2, Thắng 2, Cường 2, Hiếu 2, Huy 2, "
    "Hoàng 2, Thành 2, Trung 2, Phúc 1.5, Quang 1.5, Tùng 1.5, Vinh 1.5, Việt 1.5, Đức 1.5, Bình 1.5, Đạt 1.5, "
    "Tài 1, Tâm 1, Thịnh 1, Tiến 1, Toàn 1, Trí 1, Tú 1, Khánh 1, Khoa 1, Kiên 1, Lâm 1, Lộc 1, Luân 1, "
    "Nghĩa 1, Nhân 1, Phong 1, Phước 1, Quân 1, Sang 1, Tín 1, Thiện 1, Lợi 1, Tân 1, Chiến 1, Mạnh 1, Quý 1, "
    "Hưng 1, Duy 1, Hiệp 1, Hòa 1, Khôi 1, Bảo 1, Nhật 0.5, Trọng 0.5, Định 0.5, Hậu 0.5, Hiển 0.5, Vũ 0.5, "
    "Dương 0.5, Tường 0.5"
)
FEMALE_GIVEN = _table(
    "Hương 3, Linh 3, Trang 3, Thảo 3, Lan 2, Mai 2, Hà 2, Nga 2, Hằng 2, Huyền 2, Ngọc 2, Phương 2, Thủy 2, "
    "Hoa 2, Hiền 2, Anh 2, Thúy 1.5, Yến 1.5, Hồng 1.5, Hạnh 1.5, Dung 1.5, Loan 1.5, Nhung 1.5, Vân 1.5, "
    "Oanh 1, Quyên 1, Quỳnh 1, Tâm 1, Thanh 1, Thu 1, Trinh 1, Tuyết 1, Uyên 1, Vy 1, Ánh 1, Bích 1, Châu 1, "
    "Chi 1, Diễm 1, Duyên 1, Giang 1, Liên 1, My 1, Ngân 1, Nhi 1, Ly 1, Thơ 0.5, Lệ 0.5, Nguyệt 0.5, "
    "Nhàn 0.5, Sương 0.5, Hoài 0.5, Thắm 0.5, Xuân 0.5, Hậu 0.5, Đào 0.5, Kiều 0.5, Diệp 0.3, Hạ 0.3"
)
# Peoples of the North who settled in the Central Highlands name themselves like the Kinh, with
# their own family names.
NORTHERN_FAMILY = {
    "Tày": _table(
        "Nông 20, Hoàng 15, Lương 8, Lục 6, Vi 6, Hà 6, Bế 6, Nguyễn 6, Triệu 5, Ma 4, Đàm 4, Lành 3, Mã 3, "
        "Chu 3, Lý 3, Sầm 2"
    ),
    "Nùng": _table(
        "Hoàng 15, Nông 12, Vi 6, Lương 6, Lăng 5, Chu 5, Mã 5, Lục 5, Triệu 5, Lý 5, Nguyễn 5, Hứa 4, Sầm 3, La 3"
    ),
    "Mường": _table("Bùi 40, Đinh 25, Quách 10, Hà 10, Xa 5, Phạm 5, Nguyễn 5"),
    "Thái": _table("Lò 20, Lường 15, Vi 15, Hà 10, Quàng 8, Cầm 8, Lê 6, Sầm 6, Lộc 5"),
    "Dao": _table("Triệu 30, Bàn 25, Đặng 20, Lý 15, Chảo 10"),
    "Hoa": _table("Lâm 15, Trương 12, Lý 12, Quách 8, Hứa 8, Tăng 6, Diệp 6, Mã 6, Châu 6, Vương 6, Thái 5, Tạ 5"),
}
MONG_FAMILY = _table("Giàng 20, Sùng 15, Vàng 15, Thào 15, Lầu 8, Hầu 8, Mùa 8, Lý 6, Hạng 5")
MONG_MALE = _table("Páo 3, Chứ 3, Dình 2, Tủa 2, Sình 2, Mua 2, Dế 2, Chá 2, Pó 1, Lử 1, Sử 1, Nhè 1")
MONG_FEMALE = _table("Mai 3, Dế 2, Sua 2, Pà 2, Chi 2, Dợ 2, Ly 2, Máy 1, Say 1")
# Ê Đê and M'nông names: "Y" (men) or "H'" (women), the personal name, then the clan (matrilineal):
# "Y Bih Êban", "H'Hen Niê".
EDE_CLANS = _table(
    "Niê 20, Êban 12, Mlô 10, Ktla 6, Knul 5, Byă 5, Ayŭn 5, Adrơng 5, Buôn Yă 4, Hmok 4, Ksơr 4, Êya 3, "
    "Kbuôr 3, Hđơk 3, Niê Kdăm 3, Êñuôl 3, Kpă 3, Rcăm 2, Êmô 2, Bđăp 2, Hwing 2, Buôn Krông 2, Mlô Duôn Du 1, "
    "Alê 1"
)
MNONG_CLANS = _table("Liêng 30, Liêng Hót 10, Liêng Jang 10, Bon Jốc 10, Rơ Ông 5, Ka Nhơng 5, Đinh 5")
HIGHLAND_MALE = _table(
    "Bih 2, Jút 1, Ngông 1, Blô 2, Kông 2, Thuôn 1, Wai 1, Djô 1, Dhăm 1, Sơn 2, Bhin 1, Khuê 1, Thinh 1, "
    "Tlang 1, Huê 1, Brơm 1, Kuang 1, Lang 1, Siêng 1, Hiên 1, Mư 1, Bhiêr 1, Niêm 1, Phôn 1, Thuận 1, "
    "Hoàng 1, Kim 1, Ha 1, Tô 1, Jang 1, Đoan 1, Nam 1, Lâm 1, Mơ 1, Bun 1, Kha 1, Thông 1, Nguyên 1"
)
HIGHLAND_FEMALE = _table(
    "Hen 2, Bia 1, Ban 1, Nga 2, Loan 1, Hương 2, Yến 2, Wiên 1, Mai 1, Bhinh 1, Ngơm 1, Juen 1, Diêm 1, "
    "Blin 1, Êlin 1, Lim 1, Năm 1, Nhi 1, Hoa 1, Hồng 1, Xuân 1, Ly 1, Mi 1, Rin 1, Duen 1, Kim 1, Ngát 1, "
    "Nun 1, Hiền 1, Lan 1, Ruôn 1, Ni 1, Ngọc 1, Tuyết 1"
)
GIA_RAI_FAMILY = _table("Ksor 30, Siu 25, Rơ Mah 15, Rơ Châm 10, Kpă 10, Nay 8, Rah Lan 6")
GIA_RAI_MALE = _table("Phôn 2, Blơk 2, Thuyên 2, Đức 2, Chuyên 1, Kơ 1, Nhất 1, Hiếu 1, Lơi 1")
GIA_RAI_FEMALE = _table("H'Ploanh 1, H'Bươi 1, H'Yun 1, Hlen 2, Nga 2, Hương 2, Mai 2")
CHAM_FAMILY = _table("Nay 25, La O 20, Ka Sô 20, Rơ Ô 10, Lơ Mô 10, Kpă 5")  # the Chăm H'roi of Phú Yên

# Who works in a unit, by where it stands (ethnic groups as DOMAIN's 54, spelled as ETHNIC_GROUPS).
ETHNIC_RURAL = _table("Kinh 780, Ê Đê 120, Tày 25, Nùng 25, Mnông 20, Mường 8, Thái 6, Mông 6, Gia Rai 5, Hoa 3, Dao 2")
ETHNIC_URBAN = _table("Kinh 890, Ê Đê 55, Tày 15, Nùng 15, Hoa 6, Mường 6, Mnông 5, Thái 4, Gia Rai 2, Mông 2")
ETHNIC_PHU_YEN = _table("Kinh 955, Chăm 20, Ê Đê 12, Hoa 6, Tày 4, Nùng 3")
HIGHLAND = frozenset({"Ê Đê", "Mnông", "Gia Rai"})

RELIGION = {
    "Kinh": _table("- 560, Không 200, Phật giáo 120, Công giáo 85, Tin Lành 15, Cao Đài 12, Phật giáo Hòa Hảo 5"),
    "highland": _table("- 300, Không 200, Tin Lành 380, Công giáo 120"),
    "Hoa": _table("- 400, Không 200, Phật giáo 380, Công giáo 20"),
    "other": _table("- 550, Không 330, Tin Lành 80, Phật giáo 40"),
}

# Province codes of citizen IDs (where the birth was registered, as before July 2025).
ORIGIN = {
    "Kinh": _table(
        "066 720, 040 40, 038 35, 042 25, 052 25, 051 25, 049 25, 054 20, 034 15, 036 12, 001 10, 046 10, "
        "067 10, 030 8, 064 8, 079 6, 068 5, 056 5, 062 3, 037 3, 033 3, 035 2"
    ),
    "Kinh_phu_yen": _table("054 800, 066 80, 052 50, 056 40, 051 10, 079 10, 040 5, 038 5"),
    "Ê Đê": _table("066 950, 067 30, 054 20"),
    "Mnông": _table("066 600, 067 400"),
    "Gia Rai": _table("064 500, 066 500"),
    "Chăm": _table("054 950, 066 50"),
    "Hoa": _table("066 600, 079 200, 054 100, 052 100"),
    "northern": _table("066 550, 004 120, 020 120, 008 40, 002 40, 017 40, 014 30, 019 30, 006 30"),
}
PHONE_PREFIXES = _table(  # Viettel, VinaPhone, MobiFone, Vietnamobile, Gmobile
    "032 5, 033 5, 034 5, 035 5, 036 5, 037 5, 038 5, 039 5, 086 5, 096 6, 097 7, 098 7, 081 3, 082 3, 083 3, "
    "084 3, 085 3, 088 3, 091 5, 094 4, 070 2, 076 2, 077 2, 078 2, 079 2, 089 2, 090 4, 093 3, 052 1, 056 1, "
    "058 1, 092 1, 059 1, 099 1"
)
OTHER_FEDERATIONS = (
    "Liên đoàn Lao động tỉnh Gia Lai", "Liên đoàn Lao động tỉnh Lâm Đồng", "Liên đoàn Lao động tỉnh Khánh Hòa",
    "Liên đoàn Lao động tỉnh Đắk Nông", "Liên đoàn Lao động tỉnh Bình Dương", "Liên đoàn Lao động tỉnh Đồng Nai",
    "Liên đoàn Lao động Thành phố Hồ Chí Minh", "Liên đoàn Lao động tỉnh Bình Định",
)  # fmt: skip
OTHER_REASONS = (
    "Đi lao động ở nước ngoài", "Chuyển công tác đến đơn vị chưa có công đoàn", "Nghỉ việc riêng dài hạn",
    "Không tham gia sinh hoạt, tự nguyện xin ra",
)  # fmt: skip

BORN_FROM = date(1965, 1, 1)
BORN_TO = date(2006, 12, 31)
EARLIEST_JOIN = date(1985, 1, 1)  # the oldest, born in 1965, joined at 20 or later


@dataclass(frozen=True)
class Profile:
    """Who works in a kind of unit and how its roll moves. Rates are relative weights."""

    female: float  # share of women
    jobs: tuple[list[str], list[float]]
    ages: tuple[
        int, int, int, float
    ]  # age in 2024: lowest, highest and most common of the bulk; share spread evenly to 59
    join_age: tuple[int, int, int]  # age of those who join now: lowest, highest, most common
    tenure: float  # mean years on the roll of those who were members in 2024
    coverage: float  # members ÷ workers
    turnover: float  # departures a year per member
    hiring: float  # admissions a year per member
    party: float  # share of Party members
    public: bool  # a state body: people stay, and leave mostly to retire or for another post
    mail_domain: str = ""  # work e-mail addresses, if staff have them


def _state_body(female, jobs, *, mail_domain="", party=0.16, tenure=13.0) -> Profile:
    return Profile(
        female, _table(jobs), ages=(22, 50, 34, 0.6), join_age=(22, 38, 25), tenure=tenure, coverage=1.0,
        turnover=0.06, hiring=0.06, party=party, public=True, mail_domain=mail_domain,
    )  # fmt: skip


def _business(female, jobs, *, young=False, party=0.012, turnover=0.14, coverage=0.86, tenure=5.0) -> Profile:
    return Profile(
        female, _table(jobs), ages=(18, 42, 25, 0.2) if young else (18, 48, 29, 0.4),
        join_age=(18, 35, 21) if young else (18, 45, 24), tenure=tenure, coverage=coverage, turnover=turnover,
        hiring=turnover * 1.15, party=party, public=False,
    )  # fmt: skip


TEACHERS = (
    "Giáo viên 82, Hiệu trưởng 2, Phó Hiệu trưởng 4, Kế toán 3, Nhân viên thư viện 2, Văn thư 2, "
    "Nhân viên y tế trường học 2, Bảo vệ 3"
)
PROFILES = {
    "kindergarten": _state_body(
        0.93,
        "Giáo viên 75, Cấp dưỡng 10, Hiệu trưởng 2, Phó Hiệu trưởng 4, Kế toán 4, Bảo vệ 3, Nhân viên y tế 2",
        mail_domain="daklak.edu.vn", party=0.12,
    ),
    "school": _state_body(0.58, TEACHERS, mail_domain="daklak.edu.vn", party=0.17),
    "health": _state_body(
        0.58,
        "Bác sĩ 22, Điều dưỡng 38, Hộ sinh 6, Kỹ thuật viên 10, Dược sĩ 6, Nhân viên hành chính 10, Kế toán 4, "
        "Hộ lý 4",
        party=0.14, tenure=11,
    ),
    "agency": _state_body(
        0.45,
        "Chuyên viên 55, Chuyên viên chính 12, Phó Trưởng phòng 10, Trưởng phòng 6, Kế toán 5, Văn thư 5, "
        "Lái xe 4, Nhân viên phục vụ 3",
        mail_domain="daklak.gov.vn", party=0.38,
    ),
    "commune": _state_body(
        0.4,
        "Công chức Văn phòng - Thống kê 15, Công chức Tư pháp - Hộ tịch 12, Công chức Địa chính - Xây dựng 15, "
        "Công chức Văn hóa - Xã hội 15, Công chức Tài chính - Kế toán 12, Phó Chủ tịch UBND 6, Chủ tịch UBND 3, "
        "Chuyên viên 15, Văn thư 5",
        party=0.45,
    ),
    "public": _state_body(
        0.5, "Viên chức 60, Kỹ sư 8, Kế toán 6, Phó Giám đốc 4, Giám đốc 2, Nhân viên 15, Lái xe 3, Bảo vệ 2",
        party=0.16, tenure=11,
    ),
    "private_service": _business(
        0.7, "Giáo viên 40, Bác sĩ 10, Điều dưỡng 20, Nhân viên 20, Kế toán 5, Bảo vệ 5", party=0.02, tenure=4,
    ),
    "state": _business(
        0.38,
        "Công nhân 45, Kỹ sư 8, Kỹ thuật viên 8, Nhân viên kinh doanh 6, Kế toán 5, Nhân viên văn phòng 10, "
        "Tổ trưởng sản xuất 5, Lái xe 5, Bảo vệ 4, Quản đốc 2, Phó Giám đốc 1, Giám đốc 1",
        party=0.08, turnover=0.07, coverage=0.94, tenure=10,
    ),
    "agriculture": _business(
        0.45,
        "Công nhân nông nghiệp 65, Đội trưởng sản xuất 5, Kỹ thuật viên 6, Kế toán 4, Nhân viên văn phòng 8, "
        "Bảo vệ 6, Lái xe 4, Thủ kho 2",
        party=0.05, turnover=0.09, coverage=0.92, tenure=8,
    ),
    "garment": _business(
        0.76, "Công nhân may 78, Tổ trưởng sản xuất 6, Kỹ thuật viên 5, Nhân viên kiểm hàng 5, Nhân viên văn phòng 6",
        young=True, party=0.003, turnover=0.17, coverage=0.9, tenure=4,
    ),
    "heavy": _business(
        0.18,
        "Công nhân 50, Thợ điện 8, Thợ hàn 6, Lái xe 12, Kỹ sư 6, Kỹ thuật viên 6, Kế toán 3, "
        "Chỉ huy trưởng công trình 3, Bảo vệ 6",
    ),
    "enterprise": _business(
        0.42,
        "Công nhân 55, Kỹ thuật viên 7, Nhân viên kinh doanh 8, Kế toán 5, Nhân viên văn phòng 10, Thủ kho 2, "
        "Lái xe 4, Bảo vệ 4, Tổ trưởng sản xuất 4, Quản đốc 1",
    ),
    "fdi": _business(
        0.6,
        "Công nhân 68, Tổ trưởng sản xuất 6, Kỹ thuật viên 8, Phiên dịch 2, Nhân viên văn phòng 10, Kế toán 3, "
        "Bảo vệ 3",
        young=True, party=0.003, turnover=0.16, coverage=0.9, tenure=4,
    ),
    "cooperative": _business(
        0.45, "Thành viên hợp tác xã 70, Giám đốc hợp tác xã 5, Kế toán 8, Nhân viên 17",
        party=0.03, turnover=0.1, coverage=0.8, tenure=6,
    ),
}  # fmt: skip
OCCUPATION_JOBS = {
    "Xe ôm": ("Lái xe ôm", 0.05),
    "Lao động tự do": ("Lao động tự do", 0.4),
    "Thợ xây dựng": ("Thợ xây", 0.08),
    "Bốc xếp": ("Công nhân bốc xếp", 0.06),
    "Tiểu thương chợ": ("Tiểu thương", 0.8),
    "Thợ cắt tóc": ("Thợ cắt tóc", 0.5),
    "Nghề cá": ("Ngư dân", 0.05),
}
HEAVY_WORDS = (
    "Xây dựng",
    "Vận tải",
    "Khoáng sản",
    "Vật liệu xây dựng",
    "Bê tông",
    "Cơ khí",
    "Thủy điện",
    "Điện",
    "Xây lắp",
    "Môi trường",
)  # noqa: E501
AGRICULTURE_WORDS = (
    "Cà phê",
    "Cao su",
    "Hồ tiêu",
    "Nông sản",
    "Sầu riêng",
    "Ca cao",
    "Mắc ca",
    "Lâm nghiệp",
    "Tinh bột sắn",
    "Agro",
    "Bean",
    "Harvest",
    "Pepper",
    "Macadamia",
    "Cassava",
    "Cashew",
    "Starch",
)  # noqa: E501
GARMENT_WORDS = ("May mặc", "Textile", "Garment", "Footwear", "Fibre")
HEALTH_WORDS = ("Bệnh viện", "Y tế", "Phòng khám", "bệnh tật", "Pháp y", "Giám định y khoa", "Kiểm nghiệm thuốc")


def unit_profile(spec: UnitSpec) -> Profile:
    """The profile of a grassroots unit, from its kind, sector and name."""
    name = spec.name
    if spec.kind == Kind.OCCUPATIONAL_UNION:
        trade = next((t for t in OCCUPATION_JOBS if t in name), "Lao động tự do")
        job, female = OCCUPATION_JOBS[trade]
        return _business(female, f"{job} 1", turnover=0.12, coverage=0.85, tenure=6)
    if spec.kind == Kind.COOPERATIVE:
        return PROFILES["cooperative"]
    if "Mầm non" in name:
        return PROFILES["kindergarten"]
    if any(word in name for word in HEALTH_WORDS):
        return PROFILES["health"]
    if "Trường" in name or "Giáo dục" in name:
        return PROFILES["school"] if spec.kind == Kind.PUBLIC_SERVICE_UNIT else PROFILES["private_service"]
    if spec.kind == Kind.AGENCY:
        return PROFILES["commune" if ("UBND" in name or "Đảng ủy" in name) and " xã " in name else "agency"]
    if spec.kind == Kind.PUBLIC_SERVICE_UNIT:
        return PROFILES["public"]
    if spec.kind == Kind.NON_PUBLIC_UNIT:
        return PROFILES["private_service"]
    if any(word in name for word in GARMENT_WORDS):
        return PROFILES["garment"]
    if any(word in name for word in AGRICULTURE_WORDS):
        return PROFILES["agriculture"]
    if any(word in name for word in HEAVY_WORDS):
        return PROFILES["heavy"]
    if spec.sector == Sector.STATE_ENTERPRISE:
        return PROFILES["state"]
    if spec.sector == Sector.FDI_ENTERPRISE:
        return PROFILES["fdi"]
    return PROFILES["enterprise"]


@dataclass(eq=False)
class RollUnit:
    """A grassroots union as the roll planner sees it; `roll` is who is on it at the planning
    point (the start of the period being planned)."""

    code: str
    pk: int
    parent: str | None
    cap: int  # its workers: the roll never holds more
    established_on: date
    closed_on: date | None
    ward: WardInfo
    profile: Profile
    roll: list["Person"] = field(default_factory=list)

    @property
    def ethnic_mix(self):
        if self.ward.in_phu_yen:
            return ETHNIC_PHU_YEN
        return ETHNIC_URBAN if self.ward.urban else ETHNIC_RURAL


@dataclass(eq=False, slots=True)
class Person:
    """A member being planned; written as one `Member` row and its `Movement`s."""

    index: int
    unit: RollUnit
    full_name: str
    gender: str
    born: date
    citizen_id: str
    joined_on: date
    ethnicity: str
    religion: str = ""
    job_title: str = ""
    union_position: str = ""
    phone: str = ""
    email: str = ""
    member_code: str = ""
    address: str = ""
    is_party_member: bool = False
    party_introduced_on: date | None = None
    party_admitted_on: date | None = None
    status: str = MemberStatus.ACTIVE
    left_on: date | None = None
    # (date, kind, unit, reason, other unit, note), in date order
    events: list[tuple] = field(default_factory=list)


@dataclass(frozen=True)
class Transfer:
    person: Person
    from_unit: RollUnit
    to_unit: RollUnit
    on: date


@dataclass
class RollBook:
    """Everything the roll steps plan, written by `step_roll`."""

    units: list[RollUnit]
    people: list[Person] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    citizen_ids: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    member_codes: int = 0
    member_code_prefix: str = MAIN.member_code_prefix
    # What the other federations in the database already hold (citizen IDs of their members,
    # member codes), and the stream that re-draws an ID found among them.
    taken_citizen_ids: frozenset[str] = frozenset()
    taken_member_codes: frozenset[str] = frozenset()
    redraw: random.Random = field(default_factory=lambda: random.Random("redraw"))

    def next_member_code(self) -> str:
        while True:
            self.member_codes += 1
            code = f"{self.member_code_prefix}{self.member_codes:07d}"
            if code not in self.taken_member_codes:
                return code


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _workday(day: date, floor: date) -> date:
    """Saturday and Sunday move to the Friday before, unless that is before `floor`."""
    shifted = day - timedelta(days=max(0, day.weekday() - 4))
    return shifted if shifted >= floor else day


class _People:
    """Draws members for one step: names, birth dates, citizen IDs, contact details."""

    def __init__(self, rng: random.Random, book: RollBook):
        self.rng = rng
        self.book = book

    def make(self, unit: RollUnit, joined_on: date | None = None, *, member_on: date | None = None) -> Person:
        """Someone who joins `unit` on `joined_on`, or, given `member_on` instead, someone who was
        on its roll that day (their age and join date drawn as the unit's members' are)."""
        rng = self.rng
        profile = unit.profile
        gender = "female" if rng.random() < profile.female else "male"
        ethnicity = _pick(rng, unit.ethnic_mix)
        if joined_on is None:
            born = self._born_member_on(profile, member_on)
            joined_on = self._joined(unit, born, member_on)
        else:
            born = self._born_joining(profile, joined_on)
        full_name, given, family = _full_name(rng, ethnicity, gender, born.year, unit.ward.in_phu_yen)
        person = Person(
            index=len(self.book.people),
            unit=unit,
            full_name=full_name,
            gender=gender,
            born=born,
            citizen_id=self._citizen_id(ethnicity, gender, born, unit.ward.in_phu_yen),
            joined_on=joined_on,
            ethnicity=ethnicity,
            religion=_pick(
                rng, RELIGION.get(ethnicity, RELIGION["highland"] if ethnicity in HIGHLAND else RELIGION["other"])
            ),
            job_title=_pick(rng, profile.jobs),
        )
        if rng.random() < 0.62:
            person.phone = self._phone()
        if profile.mail_domain and rng.random() < 0.45:
            initials = "".join(word[0] for word in fold(full_name).split()[:-1])
            person.email = f"{_ascii(given)}{_ascii(initials)}@{profile.mail_domain}"
        elif rng.random() < 0.12:
            person.email = f"{_ascii(given)}{_ascii(family)}{born.year % 100:02d}{rng.randint(1, 99)}@gmail.com"
        if rng.random() < 0.35:
            person.member_code = self.book.next_member_code()
        if rng.random() < 0.55:
            person.address = self._address(unit.ward if rng.random() < 0.7 else rng.choice(WARD_LIST))
        person.events.append((joined_on, MovementKind.ADMITTED, unit, "", None, ""))
        self.book.people.append(person)
        return person

    def _born_member_on(self, profile: Profile, day: date) -> date:
        rng = self.rng
        low, high, mode, spread = profile.ages
        age = rng.uniform(low, 60) if rng.random() < spread else rng.triangular(low, high, mode)
        born = _years_before(day, int(age)) - timedelta(days=int(age % 1 * 365))
        return min(max(born, BORN_FROM), BORN_TO)

    def _joined(self, unit: RollUnit, born: date, day: date) -> date:
        """A join date before `day`, at 18 or older (a few at 15 to 17): recent ones are likelier,
        the more so where people move on."""
        rng = self.rng
        adult = _years_before(born, -15 if rng.random() < 0.01 else -18)
        first = max(unit.established_on, EARLIEST_JOIN, adult)
        if first >= day:
            first = max(unit.established_on, _years_before(born, -15))
        span = (day - first).days - 1
        years = rng.expovariate(1 / unit.profile.tenure)
        back = int(years * 365.25) if years * 365.25 < span else int(rng.random() * (span + 1))
        return _workday(day - timedelta(days=1 + back), first)

    def _born_joining(self, profile: Profile, joined: date) -> date:
        rng = self.rng
        low, high, mode = profile.join_age
        age = rng.uniform(16, 18) if rng.random() < 0.01 else rng.triangular(low, high, mode)
        born = joined - timedelta(days=int(age * 365.25) + int(rng.random() * 365))
        latest = min(BORN_TO, _years_before(joined, 15))
        if born < BORN_FROM:
            born = BORN_FROM + timedelta(days=rng.randint(0, min(1000, (latest - BORN_FROM).days)))
        elif born > latest:
            born = latest - timedelta(days=rng.randint(0, min(700, (latest - BORN_FROM).days)))
        return born

    def _citizen_id(self, ethnicity: str, gender: str, born: date, phu_yen: bool) -> str:
        rng = self.rng
        if ethnicity == "Kinh":
            origin = ORIGIN["Kinh_phu_yen" if phu_yen else "Kinh"]
        else:
            origin = ORIGIN.get(ethnicity, ORIGIN["northern"])
        head = f"{_pick(rng, origin)}{century_digit(gender, born.year)}{born.year % 100:02d}"
        book = self.book
        while True:
            cid = f"{head}{int(rng.random() * 1_000_000):06d}"
            if cid not in book.citizen_ids:
                break
        # Held by another federation's member: a new random part, drawn from a stream of its
        # own so that the rest of the roll comes out as it would without that federation.
        while cid in book.taken_citizen_ids or cid in book.citizen_ids:
            cid = f"{head}{int(book.redraw.random() * 1_000_000):06d}"
        book.citizen_ids.add(cid)
        return cid

    def _phone(self) -> str:
        while True:
            phone = f"{_pick(self.rng, PHONE_PREFIXES)}{int(self.rng.random() * 10_000_000):07d}"
            if phone not in self.book.phones:
                self.book.phones.add(phone)
                return phone

    def _address(self, ward: WardInfo) -> str:
        rng = self.rng
        if ward.urban:
            return f"Số {rng.randint(1, 320)} {rng.choice(STREETS)}, {ward.full}"
        if rng.random() < 0.3:
            return f"Buôn {rng.choice(VILLAGES)}, {ward.full}"
        return f"Thôn {rng.randint(1, 15)}, {ward.full}"


WARD_LIST = list(WARDS.values())


def _ascii(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isascii() and ch.isalnum())


def _full_name(rng: random.Random, ethnicity: str, gender: str, year: int, phu_yen: bool) -> tuple[str, str, str]:
    """(full name, given name, family name) as people of `ethnicity` write them."""
    female = gender == "female"
    if ethnicity in ("Ê Đê", "Mnông"):
        clan = _pick(rng, EDE_CLANS if ethnicity == "Ê Đê" else MNONG_CLANS)
        given = _pick(rng, HIGHLAND_FEMALE if female else HIGHLAND_MALE)
        return (f"H'{given} {clan}" if female else f"Y {given} {clan}"), given, clan
    if ethnicity == "Gia Rai":
        family = _pick(rng, GIA_RAI_FAMILY)
        given = _pick(rng, GIA_RAI_FEMALE if female else GIA_RAI_MALE)
        return f"{family} {given}", given, family
    if ethnicity == "Mông":
        family = _pick(rng, MONG_FAMILY)
        given = _pick(rng, MONG_FEMALE if female else MONG_MALE)
        return f"{family} {'Thị' if female else 'A'} {given}", given, family
    families = CHAM_FAMILY if ethnicity == "Chăm" else NORTHERN_FAMILY.get(ethnicity, KINH_FAMILY)
    family = _pick(rng, families)
    young = year >= 1990
    if female:
        middle = _pick(rng, FEMALE_MIDDLE_YOUNG if young else FEMALE_MIDDLE_OLD)
        if middle == "Thị" and rng.random() < 0.25:
            middle = f"Thị {_pick(rng, AFTER_THI)}"
        given = _pick(rng, FEMALE_GIVEN)
    else:
        middle = _pick(rng, MALE_MIDDLE_YOUNG if young else MALE_MIDDLE_OLD)
        given = _pick(rng, MALE_GIVEN)
    if middle.endswith(given):  # no "Thu Thu"
        given = _pick(rng, FEMALE_GIVEN if female else MALE_GIVEN)
    if middle.endswith(given):
        middle = "Thị" if female else "Văn"
    return f"{family} {middle} {given}", given, family


POSITIONS = (
    "Chủ tịch Công đoàn cơ sở",
    "Phó Chủ tịch Công đoàn cơ sở",
    "Ủy viên Ban Chấp hành",
    "Ủy viên Ủy ban Kiểm tra",
    "Tổ trưởng Công đoàn",
)


def _give_positions(rng: random.Random, members: list[Person]) -> None:
    """The union's officers: a chair, vice-chairs, executive and inspection committee members,
    group leaders, in proportion to its size."""
    size = len(members)
    if not size:
        return
    wanted = [
        1,
        (size >= 15) + (size >= 300),
        0 if size < 3 else 1 if size < 10 else 3 if size < 50 else 5 if size < 300 else 9,
        (size >= 30) + (size >= 150),
        size // 40 if size >= 60 else 0,
    ]
    chosen = rng.sample(members, min(size, sum(wanted)))
    for person, position in zip(
        chosen, (p for p, n in zip(POSITIONS, wanted, strict=True) for _ in range(n)), strict=False
    ):
        person.union_position = position


# --- The member roll: how it moves (pure Python) ---------------------------------------------


def _apportion(total: int, weights: list[float], caps: list[int]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainders), none above its cap."""
    result = [0] * len(weights)
    remaining = total
    open_ = [i for i, (w, c) in enumerate(zip(weights, caps, strict=True)) if w > 0 and c > 0]
    while remaining > 0 and open_:
        weight = sum(weights[i] for i in open_)
        shares = {i: remaining * weights[i] / weight for i in open_}
        full = [i for i in open_ if shares[i] >= caps[i] - result[i]]
        if full:
            for i in full:
                remaining -= caps[i] - result[i]
                result[i] = caps[i]
            open_ = [i for i in open_ if result[i] < caps[i]]
            continue
        floors = {i: int(shares[i]) for i in open_}
        for i in open_:
            result[i] += floors[i]
        extra = remaining - sum(floors.values())
        for i in sorted(open_, key=lambda i: (floors[i] - shares[i], i))[:extra]:
            result[i] += 1
        remaining = 0
    if remaining > 0:
        raise DemoError(f"The demo's units have no room for {remaining} more members.")
    return result


def _weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """k items without replacement, each drawn in proportion to its weight (Efraimidis-Spirakis)."""
    if k > len(items):
        raise DemoError(f"Cannot choose {k} of {len(items)}.")
    keys = [(rng.random() ** (1 / w), i) for i, w in enumerate(weights)]
    keys.sort(reverse=True)
    return [items[i] for _, i in sorted(keys[:k], key=lambda key: key[1])]


def _age(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(eq=False)
class _Action:
    """One planned change of the roll in a period; `flexible` ones may be re-dated."""

    kind: str  # a MovementKind, or "transfer"
    unit: RollUnit  # where it happens (the sending union of a transfer)
    on: date
    person: Person | None = None  # None: an admission, whose person is drawn once dated
    to_unit: RollUnit | None = None
    reason: str = ""
    note: str = ""
    flexible: bool = True


@dataclass
class _Flow:
    start: int
    left: int = 0
    admitted: int = 0
    fixed_in: int = 0  # transfers in and readmissions, whose dates are fixed

    def has_room(self, cap: int) -> bool:
        # Re-dating puts departures before admissions, so the roll's peak in the period is at
        # most the larger of these two.
        return self.start + self.fixed_in < cap and self.start - self.left + self.admitted + self.fixed_in < cap


class _PeriodPlanner:
    """Plans one period: departures, admissions, readmissions and transfers, with the period's
    exact totals, never more members in a union than its workers."""

    def __init__(self, book: RollBook, rng: random.Random, period: Period):
        self.book, self.rng, self.period = book, rng, period
        self.people = _People(rng, book)
        start, end = period.start, period.end
        self.units = [
            u for u in book.units if u.established_on <= end and (u.closed_on is None or u.closed_on >= start)
        ]
        self.closing = [u for u in self.units if u.closed_on is not None and u.closed_on <= end]
        self.new = [u for u in self.units if u.established_on >= start and u not in self.closing]
        self.settled = [u for u in self.units if u.established_on < start and u not in self.closing]
        self.flow = {u: _Flow(len(u.roll)) for u in self.units}
        self.actions: list[_Action] = []
        self.busy: set[int] = set()  # people with a change in this period already
        self.by_parent: dict[str | None, list[RollUnit]] = {}
        for unit in self.settled + self.new:
            self.by_parent.setdefault(unit.parent, []).append(unit)

    def day(self, start: date | None = None, end: date | None = None) -> date:
        start = max(start or self.period.start, self.period.start)
        end = min(end or self.period.end, self.period.end)
        return _workday(_day_in(self.rng, start, end), start)

    def plan(self) -> None:
        transfers = self.period.transfers - self.close_units()
        departures = [a for a in self.actions if a.kind == MovementKind.LEFT]
        self.depart(self.period.departed - len(departures))
        self.admit()
        self.readmit()
        self.transfer(max(0, transfers))
        self.redate()
        self.apply()

    def close_units(self) -> int:
        """Members of a union that closes leave when it does, or move to another union before."""
        moved = 0
        for unit in self.closing:
            members = list(unit.roll)
            self.rng.shuffle(members)
            for person in members:
                self.busy.add(person.index)
                can_move = unit.closed_on > self.period.start and moved < self.period.transfers
                if can_move and self.rng.random() < 0.25:
                    on = self.day(unit.closed_on - timedelta(days=120), unit.closed_on - timedelta(days=1))
                    if self.add_transfer(person, unit, on):
                        moved += 1
                        continue
                self.add(
                    _Action(
                        MovementKind.LEFT, unit, unit.closed_on, person, reason=LeaveReason.JOB_ENDED, flexible=False
                    )
                )
                self.flow[unit].left += 1
        return moved

    def add(self, action: _Action) -> None:
        self.actions.append(action)

    def depart(self, count: int) -> None:
        """`count` departures from the settled unions: deaths, moves to another province, and
        people leaving for the reasons of §3 (retiring most often in the state sector)."""
        rng, period = self.rng, self.period
        if count < period.deceased + period.out_of_province:
            raise DemoError("Fewer departures than deaths and moves out of the province.")
        units = self.settled
        weights = [len(u.roll) * u.profile.turnover * rng.uniform(0.8, 1.2) for u in units]
        counts = _apportion(count, weights, [len(u.roll) for u in units])
        leaving = []
        for unit, n in zip(units, counts, strict=True):
            if not n:
                continue
            people = unit.roll
            weights = [
                1
                + (10 if unit.profile.public else 3) * (_age(p.born, period.start) >= 54)
                + 2 * (p.joined_on.year >= period.start.year - 1)
                for p in people
            ]
            for person in _weighted_sample(rng, people, weights, n):
                self.busy.add(person.index)
                leaving.append(self.add_departure(unit, person))
        ages = [1 + max(0, _age(a.person.born, period.start) - 30) / 4 for a in leaving]
        for action in _weighted_sample(rng, leaving, ages, period.deceased):
            action.kind, action.reason = MovementKind.DECEASED, ""
        rest = [a for a in leaving if a.kind == MovementKind.LEFT]
        for action in rng.sample(rest, period.out_of_province):
            action.kind, action.reason = MovementKind.TRANSFERRED_OUT, ""
            action.note = f"Chuyển sinh hoạt đến {rng.choice(OTHER_FEDERATIONS)}"

    def add_departure(self, unit: RollUnit, person: Person) -> _Action:
        rng = self.rng
        on = self.day()
        age = _age(person.born, on)
        note = ""
        if age >= 55 and rng.random() < 0.85 or age >= 50 and unit.profile.public and rng.random() < 0.2:
            reason = LeaveReason.RETIRED
        else:
            roll = rng.random()
            if unit.profile.public:
                reason = (
                    LeaveReason.RESIGNED if roll < 0.5 else LeaveReason.JOB_ENDED if roll < 0.75 else
                    LeaveReason.EXPELLED if roll < 0.76 else LeaveReason.OTHER
                )  # fmt: skip
            else:
                reason = (
                    LeaveReason.JOB_ENDED if roll < 0.55 else LeaveReason.RESIGNED if roll < 0.88 else
                    LeaveReason.EXPELLED if roll < 0.9 else LeaveReason.OTHER
                )  # fmt: skip
            if reason == LeaveReason.OTHER:
                note = rng.choice(OTHER_REASONS)
        action = _Action(MovementKind.LEFT, unit, on, person, reason=reason, note=note)
        self.add(action)
        self.flow[unit].left += 1
        return action

    def admit(self) -> None:
        """New unions admit most of their workers; the rest of the period's admissions go to the
        settled unions, in proportion to their size and how often they hire."""
        rng, period = self.rng, self.period
        wanted = [min(max(1, round(u.cap * rng.uniform(0.5, 0.85))), u.cap - self.flow[u].fixed_in) for u in self.new]
        in_new = min(sum(wanted), period.admitted * 3 // 5)
        counts = dict(zip(self.new, _apportion(in_new, wanted, wanted), strict=True))
        units = self.settled
        weights = [(len(u.roll) + 1) * u.profile.hiring * rng.uniform(0.8, 1.2) for u in units]
        # Room for transfers and readmissions taken so far, and one place more in most unions.
        caps = [max(0, u.cap - len(u.roll) + self.flow[u].left - self.flow[u].fixed_in - (u.cap >= 20)) for u in units]
        counts |= dict(zip(units, _apportion(period.admitted - in_new, weights, caps), strict=True))
        for unit, n in counts.items():
            first = max(period.start, unit.established_on)
            for _ in range(n):
                self.add(_Action(MovementKind.ADMITTED, unit, self.day(first)))
            self.flow[unit].admitted += n

    def with_room(self, units: list[RollUnit], on: date, tries: int = 30) -> RollUnit | None:
        for _ in range(tries):
            unit = self.rng.choice(units)
            if unit.established_on < on and self.flow[unit].has_room(unit.cap):
                return unit
        return None

    def readmit(self) -> None:
        """Former members who come back: people who left in an earlier period of the demo, or
        (in its first period) people who left their union years before."""
        rng, period = self.rng, self.period
        former = [
            p
            for p in self.book.people
            if p.status == MemberStatus.LEFT
            and p.events[-1][3] in (LeaveReason.RESIGNED, LeaveReason.JOB_ENDED, LeaveReason.OTHER)
        ]
        old_units = [u for u in self.settled if u.established_on < period.start - timedelta(days=1100)]
        for _ in range(period.readmitted):
            if former:
                person = former.pop(rng.randrange(len(former)))
                on = self.day(person.left_on + timedelta(days=60))
                last = person.unit
                home = last in self.flow and last not in self.closing and self.flow[last].has_room(last.cap)
                unit = last if home else self.with_room(self.settled, on, tries=500)
                if unit is None:
                    raise DemoError("No union has room for a readmission.")
            else:
                on = self.day()
                unit = self.with_room(old_units, on, tries=500)
                if unit is None:
                    raise DemoError("No union has room for a readmission.")
                person = self.former_member(unit)
            self.busy.add(person.index)
            self.add(_Action(MovementKind.READMITTED, unit, on, person, flexible=False))
            self.flow[unit].fixed_in += 1

    def former_member(self, unit: RollUnit) -> Person:
        """Someone who joined `unit` years ago and left before the period."""
        rng, start = self.rng, self.period.start
        joined = _day_in(rng, max(unit.established_on, EARLIEST_JOIN), start - timedelta(days=800))
        person = self.people.make(unit, joined)
        left_on = _day_in(rng, joined + timedelta(days=365), start - timedelta(days=60))
        reason = rng.choice((LeaveReason.RESIGNED, LeaveReason.JOB_ENDED))
        person.events.append((left_on, MovementKind.LEFT, unit, reason, None, ""))
        person.status, person.left_on = MemberStatus.LEFT, left_on
        return person

    def add_transfer(self, person: Person, unit: RollUnit, on: date) -> bool:
        nearby = [u for u in self.by_parent.get(unit.parent, ()) if u is not unit]
        target = (nearby and self.with_room(nearby, on)) or self.with_room(
            [u for u in self.settled + self.new if u is not unit], on
        )
        if target is None:
            return False
        self.add(_Action("transfer", unit, on, person, to_unit=target, flexible=False))
        self.flow[target].fixed_in += 1
        return True

    def transfer(self, count: int) -> None:
        """Members moving between two unions of the federation (chuyển sinh hoạt): the sending
        union asks, the receiving one accepts; two out of three stay in the same district."""
        rng = self.rng
        senders = [u for u in self.settled if u.roll]
        if not senders:
            return
        weights = list(itertools.accumulate(len(u.roll) for u in senders))
        done = attempts = 0
        while done < count:
            attempts += 1
            if attempts > count * 50:
                raise DemoError("Not enough room in the unions for the demo's transfers.")
            unit = senders[bisect.bisect(weights, rng.random() * weights[-1], 0, len(senders) - 1)]
            person = rng.choice(unit.roll)
            if person.index in self.busy:
                continue
            if self.add_transfer(person, unit, self.day()):
                self.busy.add(person.index)
                done += 1

    def redate(self) -> None:
        """Where the drawn dates would put more members on a roll than the union has workers,
        let that union's departures come before its admissions (always enough: see _Flow)."""
        by_unit: dict[RollUnit, list[_Action]] = {u: [] for u in self.units}
        for action in self.actions:
            by_unit[action.unit].append(action)
            if action.to_unit is not None:
                by_unit[action.to_unit].append(action)
        for unit, actions in by_unit.items():
            if _peak(len(unit.roll), _changes(unit, actions)) <= unit.cap:
                continue
            own = [a for a in actions if a.unit is unit and a.flexible]
            dates = sorted(a.on for a in own)
            ordered = [a for a in own if a.kind != MovementKind.ADMITTED] + [
                a for a in own if a.kind == MovementKind.ADMITTED
            ]
            for action, on in zip(ordered, dates, strict=True):
                action.on = on
            if _peak(len(unit.roll), _changes(unit, actions)) > unit.cap:
                raise DemoError(f"Union {unit.code} would have more members than workers.")

    def apply(self) -> None:
        rng = self.rng
        new_members: dict[RollUnit, list[Person]] = {}
        for action in self.actions:
            unit, person, on = action.unit, action.person, action.on
            if action.kind == MovementKind.ADMITTED:
                person = self.people.make(unit, on)
                unit.roll.append(person)
                new_members.setdefault(unit, []).append(person)
            elif action.kind == "transfer":
                target = action.to_unit
                person.events.append((on, MovementKind.TRANSFERRED_OUT, unit, "", target, ""))
                person.events.append((on, MovementKind.TRANSFERRED_IN, target, "", unit, ""))
                unit.roll.remove(person)
                target.roll.append(person)
                person.unit = target
                self.book.transfers.append(Transfer(person, unit, target, on))
            elif action.kind == MovementKind.READMITTED:
                person.events.append((on, MovementKind.READMITTED, unit, "", None, ""))
                person.status, person.left_on, person.unit = MemberStatus.ACTIVE, None, unit
                unit.roll.append(person)
            else:
                person.events.append((on, action.kind, unit, action.reason, None, action.note))
                person.status = {
                    MovementKind.LEFT: MemberStatus.LEFT,
                    MovementKind.DECEASED: MemberStatus.DECEASED,
                    MovementKind.TRANSFERRED_OUT: MemberStatus.TRANSFERRED_OUT,
                }[action.kind]
                person.left_on = on
                unit.roll.remove(person)
        for unit in self.new:
            _give_positions(rng, new_members.get(unit, []))


def _changes(unit: RollUnit, actions: list[_Action]) -> list[tuple[date, int]]:
    return [(a.on, (-1 if a.unit is unit else 1) if a.kind == "transfer" else MOVEMENT_DELTA[a.kind]) for a in actions]


def _peak(start: int, changes: list[tuple[date, int]]) -> int:
    """The largest roll at the end of a day, from `start` and the (date, +1/-1) changes."""
    by_day: dict[date, int] = {}
    for on, delta in changes:
        by_day[on] = by_day.get(on, 0) + delta
    peak = count = start
    for on in sorted(by_day):
        count += by_day[on]
        peak = max(peak, count)
    return peak


# --- Steps (database) ---------------------------------------------------------------------


@dataclass
class Demo:
    """What the steps share. Steps add to it; later steps read what earlier ones made."""

    scale_name: str
    seed: int
    password: str | None
    which: DemoFederation = MAIN
    federation: Federation | None = None
    specs: list[UnitSpec] = field(default_factory=list)
    unions: dict[str, Union] = field(default_factory=dict)  # by code
    moved: int = 0
    accounts: list[User] = field(default_factory=list)
    roll: "RollBook | None" = None
    member_count: int = 0
    movement_count: int = 0
    welfare_counts: dict[str, int] = field(default_factory=dict)  # rows written by the welfare step
    report_counts: dict[str, int] = field(default_factory=dict)  # returns written by the reports step
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def scale(self) -> Scale:
        return SCALES[self.scale_name]

    def rng(self, step: str) -> random.Random:
        # A string seed is hashed with SHA-512: stable across runs and PYTHONHASHSEED.
        return random.Random(self.which.stream(self.seed, step))


def step_federation(demo: Demo) -> None:
    which = demo.which
    federation = Federation(code=which.code, name=which.name, province_code=which.province_code)
    federation.full_clean()
    federation.save()
    audit_log(actor=None, obj=federation, action=AuditLog.Action.CREATE, changes={"code": [None, which.code]})
    demo.federation = federation


def step_tree(demo: Demo) -> None:
    """All unions, each as it stood when established; the reorganizations are `step_history`."""
    demo.specs = plan_tree(demo.scale, demo.rng("tree"))
    superiors = [s for s in demo.specs if s.level == Level.SUPERIOR]
    grassroots = [s for s in demo.specs if s.level == Level.GRASSROOTS]
    # Superiors first: the database checks a grassroots union's parent exists and is active.
    for batch in (superiors, grassroots):
        _create_unions(demo, batch)


def _create_unions(demo: Demo, specs: list[UnitSpec]) -> None:
    federation = demo.federation
    blank = Union()
    rows, changes = [], []
    for spec in specs:
        parent = demo.unions[spec.initial_parent] if spec.initial_parent else None
        fields = {
            "code": spec.code,
            "name": spec.name,
            "level": spec.level,
            "kind": spec.kind,
            "sector": spec.sector,
            "tax_code": spec.tax_code,
            "worker_count": spec.worker_count,
            "ward_code": spec.ward_code,
            "address": spec.address,
            "established_on": spec.established_on,
        }
        union = Union(federation=federation, parent=parent, path="", **fields)
        if spec.closed_on:
            union.status, union.closed_on = Status.CLOSED, spec.closed_on
        # Field checks and Union.clean() (upper-case code, NFC name); uniqueness and the
        # cross-row rules are the database's constraints and triggers.
        union.full_clean(exclude=["path", "parent", "federation"], validate_unique=False, validate_constraints=False)
        union.search_text = Union.build_search_text(union.code, union.name)
        rows.append(union)
        created = diff_fields(blank, {**fields, "parent": parent})
        changes.append({name: [None, after] for name, (_, after) in created.items()})
    Union.objects.bulk_create(rows)
    if any(u.pk is None for u in rows):  # a backend that does not return ids from a bulk insert
        ids = dict(Union.objects.filter(federation=federation).values_list("code", "pk"))
        for union in rows:
            union.pk = ids[union.code]
    for union in rows:
        union.path = (union.parent.path if union.parent else federation.path) + path_segment(union.pk)
        demo.unions[union.code] = union
    Union.objects.bulk_update(rows, ["path"])
    UnionLink.objects.bulk_create(
        UnionLink(
            union=u,
            federation=federation,
            parent=u.parent,
            path=u.path,
            valid_from=u.established_on,
            valid_to=u.closed_on,  # as union_close leaves it
        )
        for u in rows
    )
    # The audit trail union_create and union_close would have written.
    content_type = ContentType.objects.get_for_model(Union, for_concrete_model=False)
    entries = []
    for union, change in zip(rows, changes, strict=True):
        entry = {"federation": federation, "content_type": content_type, "actor_name": "system"}
        entry |= {"object_id": str(union.pk), "object_repr": str(union)[:255]}
        entries.append(AuditLog(action=AuditLog.Action.CREATE, changes=change, **entry))
        if union.closed_on:
            closed = {"status": [Status.ACTIVE, Status.CLOSED], "closed_on": [None, union.closed_on.isoformat()]}
            entries.append(AuditLog(action=AuditLog.Action.CLOSE, changes=closed, **entry))
    AuditLog.objects.bulk_create(entries)


def step_history(demo: Demo) -> None:
    """The 2025 reorganizations, through the same service as the screens."""
    moves = sorted((s for s in demo.specs if s.moved_on), key=lambda s: (s.moved_on, s.code))
    for spec in moves:
        union = union_move(
            union=demo.unions[spec.code],
            new_parent=demo.unions[spec.parent] if spec.parent else None,
            effective_on=spec.moved_on,
            by=None,
        )
        demo.unions[spec.code] = union
    demo.moved = len(moves)


def step_accounts(demo: Demo) -> None:
    demo.accounts = ensure_accounts(federation=demo.federation, password=demo.password)


def step_members(demo: Demo) -> None:
    """Who was on the roll on 1 January 2024, since when: about as many members as workers in
    state bodies, fewer in enterprises; unions that close in 2024 had already shrunk."""
    rng = demo.rng("members")
    citizen_ids, member_codes = _taken(demo.federation)
    book = demo.roll = RollBook(
        units=_roll_units(demo),
        member_code_prefix=demo.which.member_code_prefix,
        taken_citizen_ids=citizen_ids,
        taken_member_codes=member_codes,
        redraw=demo.rng("citizen_ids"),
    )
    people = _People(rng, book)
    plan = demo.scale.roll
    units = [
        u for u in book.units if u.established_on < ROLL_START and (u.closed_on is None or u.closed_on >= ROLL_START)
    ]
    closing = [u for u in units if u.closed_on is not None and u.closed_on <= ROLL_YEAR_END]
    # Their members leave in the year: keep them to a third of the year's departures.
    wanted = [max(1, round(u.cap * rng.uniform(0.35, 0.6))) for u in closing]
    in_closing = min(sum(wanted), plan.year_2024.departed // 3)
    counts = dict(zip(closing, _apportion(in_closing, wanted, wanted), strict=True))
    others = [u for u in units if u not in counts]
    weights = [u.cap * u.profile.coverage * rng.uniform(0.9, 1.1) for u in others]
    opening = _apportion(plan.opening_2024 - in_closing, weights, [u.cap for u in others])
    counts |= dict(zip(others, opening, strict=True))
    for unit in units:
        members = [people.make(unit, member_on=ROLL_START) for _ in range(counts[unit])]
        _give_positions(rng, members)
        unit.roll.extend(members)


def _taken(federation: Federation) -> tuple[frozenset[str], frozenset[str]]:
    """(the citizen IDs, the member codes) of the other federations' members, in one query: the
    roll keeps clear of both, so that a later merger of the federations meets no conflict (a
    member code is unique across federations anyway)."""
    citizen_ids, member_codes = set(), set()
    for citizen_id, member_code in Member.objects.exclude(federation=federation).values_list(
        "citizen_id", "member_code"
    ):
        citizen_ids.add(citizen_id)
        if member_code:
            member_codes.add(member_code)
    return frozenset(citizen_ids), frozenset(member_codes)


def _roll_units(demo: Demo) -> list[RollUnit]:
    return [
        RollUnit(
            code=spec.code,
            pk=demo.unions[spec.code].pk,
            parent=spec.parent,
            cap=spec.worker_count,
            established_on=spec.established_on,
            closed_on=spec.closed_on,
            ward=WARDS[spec.ward_code],
            profile=unit_profile(spec),
        )
        for spec in demo.specs
        if spec.level == Level.GRASSROOTS
    ]


def step_movements_2024(demo: Demo) -> None:
    """2024 as the seed articles tell it: 10,177 admitted, net growth 3,287, and the departures,
    deaths, transfers and readmissions of a year."""
    _PeriodPlanner(demo.roll, demo.rng("movements_2024"), demo.scale.roll.year_2024).plan()


def step_movements_2025(demo: Demo) -> None:
    """The first half of 2025, up to ROLL_UNTIL, at the same pace."""
    _PeriodPlanner(demo.roll, demo.rng("movements_2025"), demo.scale.roll.h1_2025).plan()


def step_party(demo: Demo) -> None:
    """Party members of long standing, and the Party pipeline of 2024 and 2025: outstanding members
    introduced to the Party (1,648 in 2024), some of them admitted (621 in 2024)."""
    rng = demo.rng("party")
    plan = demo.scale.roll
    people = demo.roll.people
    for person in people:
        age = _age(person.born, ROLL_START)
        rate = person.unit.profile.party * (0.25 if age < 25 else 0.7 if age < 30 else 1.25 if age >= 40 else 1.0)
        if rng.random() < rate * (0.5 if person.joined_on >= ROLL_START else 1):
            person.is_party_member = True
            # Some rolls record when the union introduced them, most only carry the flag.
            if person.joined_on < date(2021, 1, 1) and rng.random() < 0.3:
                person.party_introduced_on = _day_in(rng, person.joined_on + timedelta(days=365), date(2022, 12, 31))
                person.party_admitted_on = person.party_introduced_on + timedelta(days=rng.randint(120, 360))

    def candidates(joined_by: date, day: date) -> list[Person]:
        return [
            p
            for p in people
            if p.status == MemberStatus.ACTIVE
            and not p.is_party_member
            and p.party_introduced_on is None
            and p.joined_on <= joined_by
            and 20 <= _age(p.born, day) <= 45
        ]

    def drive(person: Person) -> float:
        # State bodies introduce the most; the young are the ones introduced.
        return (3 if person.unit.profile.public else 1) * (1.5 if _age(person.born, ROLL_START) < 35 else 1)

    pool = candidates(date(2024, 8, 31), date(2024, 7, 1))
    introduced = _weighted_sample(rng, pool, [drive(p) for p in pool], plan.party_introduced_2024)
    admitted = set(rng.sample(range(len(introduced)), plan.party_admitted_2024))
    for i, person in enumerate(introduced):
        first = max(ROLL_START, person.joined_on + timedelta(days=60))
        if i in admitted:  # introduced early enough to be admitted within the year
            person.party_introduced_on = _day_in(rng, first, date(2024, 10, 31))
            person.party_admitted_on = _day_in(rng, person.party_introduced_on + timedelta(days=45), ROLL_YEAR_END)
            person.is_party_member = True
        else:
            person.party_introduced_on = _day_in(rng, first, ROLL_YEAR_END)
    waiting = [p for p in introduced if p.party_admitted_on is None]
    start_2025 = plan.h1_2025.start
    for person in rng.sample(waiting, plan.party_admitted_2025):
        first = max(start_2025, person.party_introduced_on + timedelta(days=45))
        person.party_admitted_on = _day_in(rng, first, ROLL_UNTIL)
        person.is_party_member = True
    pool = candidates(ROLL_UNTIL - timedelta(days=61), ROLL_UNTIL)
    for person in _weighted_sample(rng, pool, [drive(p) for p in pool], plan.party_introduced_2025):
        person.party_introduced_on = _day_in(rng, max(start_2025, person.joined_on + timedelta(days=60)), ROLL_UNTIL)


MEMBER_COLUMNS = (
    "federation_id", "union_id", "full_name", "gender", "date_of_birth", "citizen_id", "joined_on", "ethnicity",
    "religion", "job_title", "union_position", "is_party_member", "phone", "email", "member_code", "address",
    "status", "left_on", "party_introduced_on", "party_admitted_on", "search_text", "sort_name",
)  # fmt: skip
MOVEMENT_COLUMNS = ("member_id", "union_id", "kind", "delta", "date", "reason", "other_union_id", "note")
TRANSFER_COLUMNS = (
    "member_id", "from_union_id", "to_union_id", "effective_on", "status", "requested_at", "decided_at",
)  # fmt: skip


def step_roll(demo: Demo) -> None:
    """Write the planned roll: members, their movements, the accepted transfer requests, with the
    derived columns the models' save() would set (search text, sort key, delta)."""
    book = demo.roll
    federation_id = demo.federation.pk
    names: dict[str, tuple[str, str]] = {}

    def member_row(p: Person) -> tuple:
        derived = names.get(p.full_name)
        if derived is None:
            derived = names[p.full_name] = Member.derived_names(p.full_name)
        return (
            federation_id, p.unit.pk, p.full_name, p.gender, p.born, p.citizen_id, p.joined_on, p.ethnicity,
            p.religion, p.job_title, p.union_position, p.is_party_member, p.phone, p.email, p.member_code,
            p.address, p.status, p.left_on, p.party_introduced_on, p.party_admitted_on, *derived,
        )  # fmt: skip

    insert_rows(Member, MEMBER_COLUMNS, map(member_row, book.people))
    ids = dict(Member.objects.filter(federation_id=federation_id).values_list("citizen_id", "pk"))
    movements = (
        (ids[p.citizen_id], unit.pk, kind, MOVEMENT_DELTA[kind], on, reason, other.pk if other else None, note)
        for p in book.people
        for on, kind, unit, reason, other, note in p.events
    )
    demo.movement_count = insert_rows(Movement, MOVEMENT_COLUMNS, movements)
    zone = timezone.get_default_timezone()
    transfers = (
        (
            ids[t.person.citizen_id],
            t.from_unit.pk,
            t.to_unit.pk,
            t.on,
            TransferStatus.ACCEPTED,
            # asked a few days before it took effect, accepted on the day
            datetime.combine(t.on - timedelta(days=3 + t.person.index % 12), clock(9), tzinfo=zone),
            datetime.combine(t.on, clock(10), tzinfo=zone),
        )
        for t in book.transfers
    )
    insert_rows(TransferRequest, TRANSFER_COLUMNS, transfers)
    demo.member_count = len(ids)


def step_welfare(demo: Demo) -> None:
    """The welfare year (welfare/demo.py): occasions, activities and their named beneficiaries,
    Union Shelters, the social fund."""
    from welfare.demo import step_welfare as welfare_year  # welfare imports this module

    welfare_year(demo)


def step_reports(demo: Demo) -> None:
    """The 2024 targets and quarterly returns (reports/demo.py)."""
    from reports.demo import step_reports as report_year  # reports imports this module

    report_year(demo)


def insert_rows(model, columns: tuple[str, ...], rows, *, chunk: int = 20_000) -> int:
    """Insert `rows` (tuples of values for the fields whose attnames are `columns`) into `model`'s
    table, in the current transaction; the other columns get their defaults (now, for auto_now
    ones). Returns the number of rows.

    No model instances and no ORM: at 130,000 rows `bulk_create` spends most of its time building
    SQL (on SQLite, 999 parameters a statement: 35 members). PostgreSQL gets COPY, SQLite (and any
    other database) one `executemany` per chunk. Nothing here checks a row: the caller gives
    clean values, and the database's constraints still check every one.
    """
    meta = model._meta
    fields = {f.attname: f for f in meta.concrete_fields}
    rest = [f for f in meta.concrete_fields if not f.primary_key and f.attname not in columns]
    now = timezone.now()
    defaults = [
        now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default() for f in rest
    ]
    kinds = [fields[c].get_internal_type() for c in columns]
    quote = connection.ops.quote_name
    names = ", ".join([*(quote(fields[c].column) for c in columns), *(quote(f.column) for f in rest)])
    table = quote(meta.db_table)
    count = 0
    with connection.cursor() as cursor:
        copy = connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy_expert")  # psycopg2
        converter = _copy_converter if copy else _sql_converter
        convert = [(i, fn) for i, fn in enumerate(map(converter, kinds)) if fn is not None]
        tail = [(converter(f.get_internal_type()) or _same)(v) for f, v in zip(rest, defaults, strict=True)]
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * (len(columns) + len(rest)))})"
        for batch in _batched(rows, chunk):
            count += len(batch)
            converted = []
            for row in batch:
                row = list(row)
                for i, fn in convert:
                    row[i] = fn(row[i])
                row += tail
                converted.append(row)
            if copy:
                text = "".join(["\t".join(row) + "\n" for row in converted])
                cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", io.StringIO(text))
            else:
                cursor.executemany(sql, converted)
    return count


def _batched(rows, size: int):
    rows = iter(rows)
    while batch := list(itertools.islice(rows, size)):
        yield batch


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _copy_converter(kind: str) -> Callable:
    """A value as PostgreSQL's COPY text format writes it."""
    if kind in ("DateField", "DateTimeField"):
        return lambda v: _NULL if v is None else v.isoformat()
    if kind == "BooleanField":
        return lambda v: _NULL if v is None else "t" if v else "f"
    if kind in ("CharField", "TextField", "EmailField"):
        return _copy_text
    return lambda v: _NULL if v is None else str(v)


def _copy_text(value) -> str:
    if value is None:
        return _NULL
    # Backslash, tab, newline and return are the only characters COPY needs escaped.
    return value.translate(_COPY_ESCAPES) if "\\" in value or not value.isprintable() else value


def _sql_converter(kind: str) -> Callable | None:
    """A value as a query parameter (dates as text: sqlite3's date adapters are deprecated in
    Python 3.12); None where the value goes as it is."""
    if kind == "DateField":
        return _isoformat
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    return None


def _isoformat(value):
    return None if value is None else value.isoformat()


def _same(value):
    return value


STEPS: tuple[tuple[str, Callable[[Demo], None]], ...] = (
    ("federation", step_federation),
    ("tree", step_tree),
    ("history", step_history),
    ("accounts", step_accounts),
    ("members", step_members),
    ("movements_2024", step_movements_2024),
    ("movements_2025", step_movements_2025),
    ("party", step_party),
    ("roll", step_roll),
    ("welfare", step_welfare),
    ("reports", step_reports),
)


# The steps of the member roll, and those that need it, left out by `load_demo(members=False)`.
ROLL_STEPS = frozenset({"members", "movements_2024", "movements_2025", "party", "roll", "welfare", "reports"})
# The steps left out for a federation without demo accounts (`DemoFederation.accounts`).
ACCOUNT_STEPS = frozenset({"accounts"})


def load_demo(
    *, scale: str, seed: int = 1, password: str | None = None, members: bool = True, which: DemoFederation = MAIN
) -> Demo:
    """Create the demo federation `which` (by default the main one) and everything in it
    (without `members`: the tree and the accounts only, e.g. for an import benchmark). Raises
    DemoError if it exists. A federation is the same for a seed whatever else is loaded, but
    for the citizen IDs and member codes other federations' members already hold (drawn again)."""
    if scale not in SCALES:
        raise DemoError(f"Unknown scale {scale!r}: choose one of {', '.join(SCALES)}.")
    demo = Demo(scale_name=scale, seed=seed, password=password, which=which)
    with transaction.atomic():
        if demo_federation(which) is not None:
            raise DemoError(gettext("The demo federation %(code)s is already loaded.") % {"code": which.code})
        skipped = (set() if members else ROLL_STEPS) | (set() if which.accounts else ACCOUNT_STEPS)
        for name, step in STEPS:
            if name in skipped:
                continue
            started = time.perf_counter()
            step(demo)
            demo.timings[name] = time.perf_counter() - started
        records_changed.send(sender=Federation)
    return demo


# --- Accounts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    full_name: str


DEMO_ACCOUNTS = (
    DemoAccount("demo_admin", Role.FEDERATION_ADMIN, "Quản trị hệ thống (demo)"),
    DemoAccount("demo_staff", Role.FEDERATION_STAFF, "Cán bộ Ban Tổ chức (demo)"),
    DemoAccount("demo_leader", Role.LEADER, "Thường trực Liên đoàn Lao động tỉnh (demo)"),
    DemoAccount("demo_officer", Role.SUPERIOR_OFFICER, "Cán bộ Liên đoàn Lao động phường Buôn Ma Thuột (demo)"),
    DemoAccount("demo_chair", Role.GRASSROOTS_CHAIR, "Chủ tịch công đoàn cơ sở (demo)"),
)


def demo_federation(which: DemoFederation = MAIN) -> Federation | None:
    """The loaded demo federation `which` (by default the main one), if any."""
    return Federation.objects.filter(code=which.code).first()


def demo_units(federation: Federation) -> tuple[Union, Union]:
    """(the officer's district federation, the chair's grassroots union below it)."""
    officer_union = Union.objects.get(federation=federation, code=OFFICER_UNION_CODE)
    chair_union = (
        Union.objects.filter(parent=officer_union, level=Level.GRASSROOTS, status=Status.ACTIVE)
        .order_by("code")
        .first()
    )
    return officer_union, chair_union


def missing_accounts() -> list[str]:
    usernames = [a.username for a in DEMO_ACCOUNTS]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    return [u for u in usernames if u not in existing]


@transaction.atomic
def ensure_accounts(*, federation: Federation, password: str | None, reset: bool = True) -> list[User]:
    """Create the demo accounts that are missing, with `password`; with `reset`, also give it to
    the existing ones."""
    officer_union, chair_union = demo_units(federation)
    return open_accounts(
        DEMO_ACCOUNTS,
        federation=federation,
        units={Role.SUPERIOR_OFFICER: officer_union, Role.GRASSROOTS_CHAIR: chair_union},
        password=password,
        reset=reset,
        ours=lambda user: user.federation_id == federation.pk,
        where="the demo federation",
    )


def open_accounts(accounts, *, federation, units, password, reset=True, ours, where: str) -> list[User]:
    """Create the `accounts` (DemoAccount) that are missing in `federation` (an account above the
    federations in none), a union role in its `units[role]`, with `password`; with `reset`, also
    give it to the existing ones. An existing account of that username must be `ours` (loaded
    with the data set `where`), never someone else's."""
    # One hash for all of them: hashing is deliberately slow (about half a second), and the
    # accounts share the password anyway.
    encoded = make_password(password) if password else None
    users = []
    for account in accounts:
        user = User.objects.filter(username=account.username).first()
        if user is not None and not ours(user):
            raise DemoError(f"The username {account.username} belongs to an account outside {where}.")
        created = user is None
        if created:
            if encoded is None:
                raise DemoError(f"A password is needed to create {account.username}.")
            user = user_create(
                username=account.username,
                role=account.role,
                federation=None if account.role in NATIONAL_ROLES else federation,
                union=units.get(account.role),
                full_name=account.full_name,
            )
        if encoded is not None and (created or reset):
            user.password = encoded
            user.save(update_fields=["password"])
        users.append(user)
    return users


def tree_counts(federation: Federation) -> dict[str, int]:
    unions = Union.objects.filter(federation=federation)
    grassroots = unions.filter(level=Level.GRASSROOTS)
    return {
        "superior": unions.filter(level=Level.SUPERIOR).count(),
        "grassroots": grassroots.count(),
        "active": grassroots.filter(status=Status.ACTIVE).count(),
        "closed": grassroots.filter(status=Status.CLOSED).count(),
    }


def active_members(federation: Federation) -> int:
    return Member.objects.filter(federation=federation, status=MemberStatus.ACTIVE).count()


def roll_figures(federation: Federation) -> dict:
    """The demo roll's headline figures, as the seed articles give them (three queries)."""
    from members.selectors import roll_counts

    year = roll_counts(path=federation.path, start=ROLL_START, end=ROLL_YEAR_END)
    members = Member.objects.filter(federation=federation)
    party = members.aggregate(
        introduced=Count("pk", filter=Q(party_introduced_on__range=(ROLL_START, ROLL_YEAR_END))),
        admitted=Count("pk", filter=Q(party_admitted_on__range=(ROLL_START, ROLL_YEAR_END))),
    )
    return {"active": active_members(federation), "year": year, **party}


def template_people(federation: Federation, count: int, *, seed: int = 1) -> list[Person]:
    """`count` people drawn as the demo draws its members, in the federation's active grassroots
    unions in proportion to their workers (never more than a union's workers), all joined before
    ROLL_UNTIL: the rows of a valid roll of the whole federation (bench/import_roll.py)."""
    rng = random.Random(f"{seed}:template")
    units = []
    for union in Union.objects.filter(federation=federation, level=Level.GRASSROOTS, status=Status.ACTIVE).order_by(
        "code"
    ):
        spec = UnitSpec(code=union.code, name=union.name, level=union.level, kind=union.kind, sector=union.sector)
        units.append(
            RollUnit(
                code=union.code,
                pk=union.pk,
                parent=None,
                cap=union.worker_count or 0,
                established_on=union.established_on or date(2000, 1, 1),
                closed_on=None,
                ward=WARDS.get(union.ward_code, WARD_LIST[0]),
                profile=unit_profile(spec),
            )
        )
    book = RollBook(units=units)
    people = _People(rng, book)
    counts = _apportion(count, [u.cap * u.profile.coverage for u in units], [u.cap for u in units])
    for unit, n in zip(units, counts, strict=True):
        for _ in range(n):
            person = people.make(unit, member_on=ROLL_UNTIL)
            person.is_party_member = rng.random() < unit.profile.party
    return book.people
