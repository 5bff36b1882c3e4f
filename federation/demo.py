"""Demo data: a provincial federation shaped like Đắk Lắk's, with the seed articles' figures.

`load_demo()` runs the steps of `STEPS` in one transaction. A step is one function taking the
shared `Demo` context; each step draws from its own `random.Random`, seeded from the demo seed
and the step's name, so adding a step later (members, welfare, targets) does not change what
the earlier steps produce for the same seed.

The tree is written with `bulk_create`, keeping every invariant `unions.services.union_create`
keeps (materialized path, search text, cleaned code and name, one open `UnionLink` from the
establishment date, an audit entry); reorganizations go through `unions.services.union_move`.
"""

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from vietnam_provinces import Ward

from unions.models import Kind, Level, Sector, Status, Union, UnionLink
from unions.services import union_move

from .models import AuditLog, Federation, Role, User, path_segment
from .services import audit_log, diff_fields, user_create
from .text import clean_text

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


@dataclass(frozen=True)
class Scale:
    grassroots: dict[str, int]  # superior code (DIRECT: none) -> grassroots units under it today
    closed: int  # how many of them closed before 2025
    new_in_2024: int  # established in 2024 (article 004: 93 ...
    new_in_2024_25plus: int  # ... of which 10 in enterprises with 25 or more workers)
    remaps: tuple[Remap, ...]

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


# --- Steps (database) ---------------------------------------------------------------------


@dataclass
class Demo:
    """What the steps share. Steps add to it; later steps read what earlier ones made."""

    scale_name: str
    seed: int
    password: str | None
    federation: Federation | None = None
    specs: list[UnitSpec] = field(default_factory=list)
    unions: dict[str, Union] = field(default_factory=dict)  # by code
    moved: int = 0
    accounts: list[User] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def scale(self) -> Scale:
        return SCALES[self.scale_name]

    def rng(self, step: str) -> random.Random:
        # A string seed is hashed with SHA-512: stable across runs and PYTHONHASHSEED.
        return random.Random(f"{self.seed}:{step}")


def step_federation(demo: Demo) -> None:
    federation = Federation(code=FEDERATION_CODE, name=FEDERATION_NAME, province_code=PROVINCE_CODE)
    federation.full_clean()
    federation.save()
    audit_log(actor=None, obj=federation, action=AuditLog.Action.CREATE, changes={"code": [None, FEDERATION_CODE]})
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


STEPS: tuple[tuple[str, Callable[[Demo], None]], ...] = (
    ("federation", step_federation),
    ("tree", step_tree),
    ("history", step_history),
    ("accounts", step_accounts),
)


def load_demo(*, scale: str, seed: int = 1, password: str) -> Demo:
    """Create the demo federation and everything in it. Raises DemoError if it exists."""
    if scale not in SCALES:
        raise DemoError(f"Unknown scale {scale!r}: choose one of {', '.join(SCALES)}.")
    demo = Demo(scale_name=scale, seed=seed, password=password)
    with transaction.atomic():
        if demo_federation() is not None:
            raise DemoError(f"The demo federation {FEDERATION_CODE} is already loaded.")
        for name, step in STEPS:
            started = time.perf_counter()
            step(demo)
            demo.timings[name] = time.perf_counter() - started
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


def demo_federation() -> Federation | None:
    return Federation.objects.filter(code=FEDERATION_CODE).first()


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
    # One hash for the five accounts: hashing is deliberately slow (about half a second), and
    # the accounts share the password anyway.
    encoded = make_password(password) if password else None
    officer_union, chair_union = demo_units(federation)
    units = {Role.SUPERIOR_OFFICER: officer_union, Role.GRASSROOTS_CHAIR: chair_union}
    users = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        if user is not None and user.federation_id != federation.pk:
            raise DemoError(f"The username {account.username} belongs to an account outside the demo federation.")
        created = user is None
        if created:
            if encoded is None:
                raise DemoError(f"A password is needed to create {account.username}.")
            user = user_create(
                username=account.username,
                role=account.role,
                federation=federation,
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
