"""What each role sees on the screens, in a real browser (PRODUCT.md §1, §2, §8).

The assertions read what is on the screen: unit names, numbers, Django's own Vietnamese (the
login labels), structure (which nodes, which page, the status code). Our own strings wait for
the Vietnamese catalogue (locale/vi/LC_MESSAGES/django.po): their expected Vietnamese is listed
in EXPECTED_VI and checked by `test_our_texts_read_in_vietnamese`.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import add_members
from tests.factories import UnionFactory

from .conftest import PHONE, log_in

pytestmark = pytest.mark.browser


# (screen, who is logged in, path from the cast, CSS selector, Vietnamese the user should read there).
# Wording follows DOMAIN.md's glossary; adjust here if the catalogue settles on other words.
EXPECTED_VI = [
    ("login", None, lambda c: "/accounts/login/", "main h1", "Đăng nhập"),
    ("login", None, lambda c: "/accounts/login/", "main p", "Hệ thống quản lý"),
    ("tree", "admin", lambda c: "/units/", "#mainnav", "Cây tổ chức"),
    ("tree", "admin", lambda c: "/units/", "#mainnav", "Đăng xuất"),
    ("tree", "admin", lambda c: "/units/", ".figures", "Công đoàn cơ sở"),
    ("tree", "admin", lambda c: "/units/", ".figures", "Công đoàn cấp trên trực tiếp cơ sở"),
    ("tree", "admin", lambda c: "/units/", ".tree-filter", "Tìm theo mã hoặc tên"),
    ("tree", "admin", lambda c: "/units/", "#tree", "CĐCS"),
    ("tree", "admin", lambda c: "/units/", "#tree", "người lao động"),
    ("detail", "admin", lambda c: f"/units/{c.d1.pk}/", "main", "Thông tin đơn vị"),
    ("detail", "admin", lambda c: f"/units/{c.d1.pk}/", "main", "Lịch sử thay đổi"),
    ("detail", "admin", lambda c: f"/units/{c.d1.pk}/", "main", "Sửa"),
    ("form", "admin", lambda c: "/units/new/", "main h1", "Thêm đơn vị"),
    ("form", "admin", lambda c: "/units/new/", "main form", "Lưu"),
    ("not found", "officer", lambda c: f"/units/{c.b.pk}/", "main h1", "Không tìm thấy"),
    ("not found", "officer", lambda c: f"/units/{c.b.pk}/", "main", "Về trang chủ"),
    ("footer", None, lambda c: "/accounts/login/", "footer", "Hệ thống quản lý"),
    ("members", "chair_a", lambda c: "/members/", "main h1", "Đoàn viên"),
    ("members", "chair_a", lambda c: "/members/", ".roll-counts", "Biến động đoàn viên"),
    ("members", "chair_a", lambda c: "/members/", ".page-actions", "Kết nạp đoàn viên"),
    ("members", "chair_a", lambda c: "/members/transfers/", "main h1", "Chuyển sinh hoạt"),
]


def tree_node(page, name):
    """The tree node (row and its children) whose own link reads `name`."""
    return page.locator(".tree-node").filter(
        has=page.locator(":scope > .tree-row").get_by_role("link", name=name, exact=True)
    )


def test_login_page_is_vietnamese_although_the_browser_asks_for_english(page, live_cast, shoot):
    page.goto("/")

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_label("Tên đăng nhập")).to_be_visible()
    expect(page.get_by_label("Mật khẩu")).to_be_visible()
    shoot(page, "login")


def test_wrong_password_is_refused_in_vietnamese(page, live_cast, shoot):
    page.goto("/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("admin")
    page.get_by_label("Mật khẩu").fill("not the password")
    page.locator("main form").get_by_role("button").click()

    expect(page.get_by_role("alert")).to_contain_text("mật khẩu chính xác")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    shoot(page, "login-error")


def test_federation_admin_sees_the_whole_tree(page, live_cast, shoot):
    c = live_cast
    log_in(page, "admin")

    expect(page).to_have_url(re.compile(r"/units/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(c.fed.name)
    tree = page.locator("#tree")
    for union in (c.d1, c.d2, c.edu, c.g0):
        expect(tree.get_by_role("link", name=union.name, exact=True)).to_be_visible()
    expect(tree.get_by_role("link", name=c.x1.name)).to_have_count(0)  # another federation
    expect(tree.get_by_role("link", name=c.a.name)).to_have_count(0)  # below a district: not loaded yet
    # Workers of the federation's grassroots unions: 40 + 260 + 500 + 120 + 900, grouped Vietnamese-style.
    expect(page.locator(".figures")).to_contain_text("1.820")
    shoot(page, "tree-admin")


def test_district_officer_sees_only_its_own_subtree(page, live_cast, shoot):
    c = live_cast
    log_in(page, "officer")

    tree = page.locator("#tree")
    expect(tree.locator(".tree-root > .tree-row")).to_contain_text(c.d1.name)
    expect(tree.get_by_role("link", name=c.a.name, exact=True)).to_be_visible()
    expect(tree.get_by_role("link", name=c.a2.name, exact=True)).to_be_visible()
    for other in (c.d2, c.b, c.edu, c.e1, c.g0):
        expect(page.get_by_text(other.name)).to_have_count(0)
    expect(page.locator(".figures")).to_have_count(0)  # federation-wide figures are not its business
    shoot(page, "tree-officer")


def test_grassroots_chair_lands_on_its_union(page, live_cast, shoot):
    c = live_cast
    log_in(page, "chair_a")

    expect(page).to_have_url(re.compile(rf"/units/{c.a.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(c.a.name)
    expect(page.locator(".data-list")).to_contain_text("40")
    expect(page.locator(".page-actions")).to_have_count(0)  # nothing to edit or add
    # Its direct superior is named but not linked: that page would answer 404 to a chair.
    expect(page.locator(".data-list").get_by_text(c.d1.name)).to_be_visible()
    expect(page.get_by_role("link", name=c.d1.name)).to_have_count(0)
    shoot(page, "detail-chair")


def test_expanding_a_district_loads_its_grassroots_unions_and_collapsing_hides_them(page, live_cast, shoot):
    c = live_cast
    log_in(page, "admin")
    district = tree_node(page, c.d1.name)
    toggle = district.locator(":scope > .tree-row [data-tree-toggle]")
    children = district.locator(":scope > .tree-children")

    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(children).to_be_hidden()
    toggle.click()

    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(children.get_by_role("link", name=c.a.name, exact=True)).to_be_visible()
    expect(children.get_by_role("link", name=c.a2.name, exact=True)).to_be_visible()
    expect(children).not_to_contain_text(c.b.name)  # D2's union stays with D2
    expect(tree_node(page, c.a.name)).to_contain_text("40")
    shoot(page, "tree-expanded")

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(children).to_be_hidden()


def test_search_ignores_diacritics(page, live_cast, shoot):
    c = live_cast
    log_in(page, "admin")

    page.get_by_role("searchbox").fill("truong tieu hoc")
    page.get_by_role("searchbox").press("Enter")

    expect(page).to_have_url(re.compile(r"[?&]q=truong\+tieu\+hoc"))
    results = page.locator("#results")
    expect(results.locator(":scope > .tree-node")).to_have_count(1)
    expect(results.get_by_role("link", name=c.a.name, exact=True)).to_be_visible()
    expect(results).to_contain_text(c.d1.name)  # where it sits
    expect(results).not_to_contain_text(c.e1.name)  # "Trường THPT": a school, but no "tiểu học"
    shoot(page, "search")


def test_unit_detail_pages_group_thousands_with_a_dot(page, live_cast, shoot):
    c = live_cast
    big = UnionFactory(parent=c.d2, code="B2", name="Công đoàn Công ty TNHH Cao su Ea Kar", worker_count=1234)
    log_in(page, "admin")

    page.locator("#tree").get_by_role("link", name=c.d2.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(c.d2.name)
    expect(page.locator(".data-list")).to_contain_text("1.734")  # 500 + 1,234 workers in the subtree
    expect(tree_node(page, big.name)).to_contain_text("1.234")
    shoot(page, "detail-superior")

    page.get_by_role("link", name=big.name, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/units/{big.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(big.name)
    data = page.locator(".data-list")
    expect(data).to_contain_text("1.234")
    expect(data).not_to_contain_text("1,234")
    expect(data.get_by_role("link", name=c.d2.name)).to_be_visible()
    expect(page.locator(".history")).to_contain_text("Hệ thống")  # created by the factory, no user
    shoot(page, "detail-grassroots")


def test_an_empty_new_unit_form_marks_every_missing_field(page, live_cast, shoot):
    log_in(page, "admin")
    page.locator("main a[href^='/units/new/']").click()
    expect(page).to_have_url(re.compile(r"/units/new/"))
    shoot(page, "form-new")

    page.locator("main form button[type=submit]").click()

    invalid = page.locator("main form [aria-invalid=true]")
    expect(invalid).to_have_count(4)  # code, name, level, kind
    expect(page.locator("#form-errors")).to_be_focused()
    expect(page.get_by_text("Trường này là bắt buộc.")).to_have_count(4)  # Django's own Vietnamese
    # Each message is tied to its field for screen readers.
    described = invalid.first.get_attribute("aria-describedby")
    expect(page.locator(f"#{described.split()[-1]}")).to_contain_text("Trường này là bắt buộc.")
    shoot(page, "form-errors")


def test_officer_opening_a_unit_of_another_district_gets_not_found(page, live_cast, shoot):
    c = live_cast
    log_in(page, "officer")

    response = page.goto(f"/units/{c.b.pk}/")

    assert response.status == 404
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(c.b.name)
    expect(page.locator("main").get_by_role("link").last).to_have_attribute("href", "/")
    shoot(page, "not-found")


def test_phone_width_tree_fits_and_navigation_folds_into_the_toggler(new_page, live_cast, shoot):
    c = live_cast
    page = new_page(viewport=PHONE)
    log_in(page, "admin")

    expect(page.locator("#tree")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    expect(page.locator("#mainnav")).to_be_hidden()
    shoot(page, "phone-tree")

    toggler.click()
    expect(page.locator("#mainnav")).to_be_visible()
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))  # transition over
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#mainnav").get_by_role("link", name=re.compile("."))).not_to_have_count(0)
    shoot(page, "phone-navigation")
    toggler.click()
    expect(page.locator("#mainnav")).to_be_hidden()

    # Expanded, the longest names still wrap inside the screen.
    tree_node(page, c.d1.name).locator(":scope > .tree-row [data-tree-toggle]").click()
    expect(page.get_by_role("link", name=c.a.name, exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "phone-tree-expanded")

    page.goto(f"/units/{c.a2.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(c.a2.name)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "phone-detail")


def test_switching_to_english_shows_english_labels(page, live_cast, shoot):
    log_in(page, "admin")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator(".figures")).to_contain_text("1.820")

    page.locator("footer").get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/units/$"))  # stays on the same page
    expect(page.locator("footer").get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Log out")).to_be_attached()
    expect(page.locator(".tree-filter").get_by_role("button", name="Search", exact=True)).to_be_visible()
    expect(page.get_by_text("Search by code or name")).to_be_visible()
    expect(page.locator(".figures")).to_contain_text("Grassroots unions")
    expect(page.locator(".figures")).to_contain_text("1,820")  # English grouping
    shoot(page, "tree-english")

    page.reload()  # the choice is remembered
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.parametrize(
    ("screen", "username", "path", "selector", "text"),
    EXPECTED_VI,
    ids=[f"{screen}:{text}" for screen, _user, _path, _selector, text in EXPECTED_VI],
)
def test_our_texts_read_in_vietnamese(page, live_cast, screen, username, path, selector, text):
    if username:
        log_in(page, username)
    page.goto(path(live_cast))
    expect(page.locator(selector).first).to_contain_text(text)


def test_chair_admits_a_member_on_a_phone(new_page, live_cast, shoot):
    page = new_page(viewport=PHONE)
    log_in(page, "chair_a")
    page.goto("/members/")
    expect(page.locator(".roll-counts")).to_contain_text("Cuối kỳ")
    page.locator(".page-actions").get_by_role("link", name="Kết nạp đoàn viên").click()

    expect(page).to_have_url(re.compile(r"/members/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kết nạp đoàn viên")
    page.get_by_label("Họ và tên").fill("Lê Thị Thu")
    page.get_by_label("Giới tính").select_option("female")
    page.get_by_label("Ngày sinh").fill("03/04/1992")
    page.get_by_label("Số CCCD").fill("066 092 009 999")  # digit 4 says a man: refused on that field
    page.get_by_label("Dân tộc").select_option("Kinh")
    page.get_by_label("Ngày vào Công đoàn").fill("01/02/2020")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "phone-member-admit")
    page.locator("main form button[type=submit]").click()

    citizen_id = page.get_by_label("Số CCCD")
    expect(citizen_id).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{citizen_id.get_attribute('aria-describedby').split()[-1]}")).to_have_text(
        "Số CCCD không khớp với giới tính hoặc năm sinh."
    )
    expect(page.get_by_label("Họ và tên")).to_have_value("Lê Thị Thu")  # nothing typed is lost
    shoot(page, "phone-member-admit-error")
    citizen_id.fill("066192009999")
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/members/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lê Thị Thu")
    expect(page.get_by_role("alert")).to_contain_text("Đã kết nạp Lê Thị Thu")
    expect(page.locator(".movements")).to_contain_text("01/02/2020 · Kết nạp")
    expect(page.locator(".member-data").first).to_contain_text("066192009999")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "phone-member-detail")

    page.goto("/members/")
    expect(page.locator(".member-table")).to_be_hidden()  # a phone gets cards, not a wide table
    expect(page.locator(".member-cards")).to_contain_text("Lê Thị Thu")
    expect(page.locator(".roll-counts [data-count=closing]")).to_have_text("1")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "phone-member-list")


def test_leader_sees_masked_citizen_ids_and_no_birth_dates(page, live_cast, shoot):
    c = add_members(live_cast)
    log_in(page, "leader")
    page.locator("#mainnav").get_by_role("link", name="Đoàn viên").click()

    expect(page).to_have_url(re.compile(r"/members/$"))
    table = page.locator(".member-table")
    expect(table).to_contain_text(c.m_a.full_name)
    expect(table).to_contain_text("0660******34")
    expect(table).to_contain_text("0661******21")
    main = page.locator("main")
    for hidden in (c.m_a.citizen_id, c.m_b.citizen_id, "17/05/1990", "Ngày sinh"):
        expect(main).not_to_contain_text(hidden)
    expect(page.locator(".page-actions")).to_have_count(0)  # read-only: no admitting, no transfers
    shoot(page, "members-leader")

    table.get_by_role("link", name=c.m_a.full_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(c.m_a.full_name)
    expect(page.locator(".member-data").first).to_contain_text("0660******34")
    expect(main).not_to_contain_text(c.m_a.citizen_id)
    expect(main).not_to_contain_text("17/05/1990")
    expect(page.get_by_role("link", name="Sửa")).to_have_count(0)
    shoot(page, "member-leader")


def test_chair_records_tet_gifts_on_a_phone_and_sees_them_in_the_welfare_totals(new_page, live_cast, shoot):
    page = new_page(viewport=PHONE)
    log_in(page, "chair_a")
    page.locator(".navbar-toggler").click()
    page.locator("#mainnav").get_by_role("link", name="Chăm lo đời sống").click()
    expect(page).to_have_url(re.compile(r"/welfare/$"))
    page.get_by_role("link", name="Ghi nhận hoạt động").first.click()

    expect(page).to_have_url(re.compile(r"/welfare/activities/new/"))
    form = page.locator("main form")
    form.locator("[name=program]").select_option("tet_care")
    form.locator("[name=title]").fill("Quà Tết cho đoàn viên khó khăn")
    form.locator("[name=held_on]").fill("20/01/2025")
    form.locator("[name=person_times]").fill("25")
    form.locator("[name=amount_union_funds]").fill("1.500.000")
    form.locator("[name=amount_sponsors]").fill("-2.000.000")  # a negative amount is refused on its field
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "phone-welfare-activity-new")
    form.locator("button[type=submit]").click()

    sponsors = page.locator("main form [name=amount_sponsors]")
    expect(sponsors).to_have_attribute("aria-invalid", "true")
    expect(page.locator("main form [name=title]")).to_have_value("Quà Tết cho đoàn viên khó khăn")
    sponsors.fill("2.000.000")
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/welfare/activities/\d+/$"))
    expect(page.get_by_role("alert")).to_contain_text("Đã ghi nhận hoạt động “Quà Tết cho đoàn viên khó khăn”")
    expect(page.locator("main")).to_contain_text("3.500.000")
    expect(page.locator("main")).to_contain_text("20/01/2025")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "phone-welfare-activity")

    page.goto("/welfare/?start=01/01/2025&end=31/12/2025")
    expect(page.locator("[data-figure=person_times]")).to_have_text("25")
    expect(page.locator("[data-figure=amount]")).to_have_text("3.500.000")
    expect(page.locator("main")).to_contain_text("Chăm lo Tết")
    expect(page.locator("#welfare-chart")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "phone-welfare-overview")


@pytest.mark.browser
def test_chair_submits_the_quarterly_return_on_a_phone_the_district_approves_the_federation_locks(
    new_page, live_cast, shoot
):
    from django.urls import reverse

    from reports.models import QuarterlyReturn

    chair = new_page(viewport=PHONE)
    log_in(chair, "chair_a")
    chair.goto(reverse("reports:return_open") + "?year=2025&quarter=4")
    chair.locator("main form[action$='/open/'] button[type=submit]").click()
    expect(chair).to_have_url(re.compile(r"/reports/returns/\d+/$"))
    form = chair.locator("main form[action$='/save/']")
    form.locator("[name=workers_total]").fill("40")
    form.locator("[name=workers_female]").fill("45")  # more women than workers: refused on its field
    form.locator("button[formaction$='/submit/']").click()
    expect(chair.locator("main form [name=workers_female]")).to_have_attribute("aria-invalid", "true")
    chair.locator("main form [name=workers_female]").fill("28")
    chair.locator("main form button[formaction$='/submit/']").click()
    expect(chair.locator("main")).to_contain_text("Đã gửi")
    assert chair.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(chair, "phone-return-submitted")
    ret = QuarterlyReturn.objects.get(union=live_cast.a, year=2025, quarter=4)
    assert (ret.status, ret.workers_total, ret.workers_female) == ("submitted", 40, 28)

    officer = new_page()
    log_in(officer, "officer")
    officer.goto(ret.get_absolute_url())
    officer.locator("main form[action$='/approve/'] button[type=submit]").click()
    expect(officer.locator("main")).to_contain_text("Đã duyệt")
    shoot(officer, "return-approved")

    admin = new_page()
    log_in(admin, "admin")
    admin.goto(ret.get_absolute_url())
    admin.locator("main form[action$='/lock/'] button[type=submit]").click()
    expect(admin.locator("main")).to_contain_text("Đã khóa")
    ret.refresh_from_db()
    assert ret.status == "locked"


def test_admin_dissolves_a_district_into_another_previews_then_applies(new_page, live_cast, shoot):
    from unions.models import Lineage, Status, Union

    c = live_cast
    page = new_page(viewport=PHONE)
    log_in(page, "admin")
    page.goto("/units/reorganizations/new/")
    page.get_by_label("Số quyết định").fill("45-QĐ/LĐLĐ")
    page.get_by_label("Ngày quyết định").fill("20/06/2025")
    page.get_by_label("Hiệu lực từ").fill("01/07/2025")
    page.get_by_label("Lý do").fill("Kết thúc hoạt động Liên đoàn Lao động cấp huyện")
    page.get_by_label("Thao tác").select_option("dissolve")
    expect(page.get_by_label("Tên mới")).to_be_hidden()  # only the fields a dissolution needs
    page.get_by_label("Đơn vị", exact=True).select_option(c.d1.code)
    page.get_by_label("Đơn vị tiếp nhận").select_option(c.d2.code)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "phone-reorganization-form")
    page.locator("main form").get_by_role("button", name="Xem trước").click()

    # The preview: nothing written yet, what would move, the totals before and after.
    expect(page).to_have_url(re.compile(r"/units/reorganizations/\d+/$"))
    expect(page.locator("main")).to_contain_text(c.a.name)
    expect(page.locator("main")).to_contain_text(c.a2.name)
    assert Union.objects.get(pk=c.d1.pk).status == Status.ACTIVE
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "phone-reorganization-preview")
    page.get_by_label("Tôi đã kiểm tra bản xem trước: áp dụng phương án sắp xếp tổ chức này.").check()
    page.get_by_role("button", name="Áp dụng sắp xếp tổ chức").click()

    expect(page.get_by_role("alert")).to_contain_text("Đã áp dụng sắp xếp tổ chức.")
    d1 = Union.objects.get(pk=c.d1.pk)
    assert d1.status == Status.CLOSED and d1.closed_on.isoformat() == "2025-07-01"
    assert set(Union.objects.get(pk=c.d2.pk).children.values_list("code", flat=True)) >= {"A", "A2", "B"}
    assert Lineage.objects.get(union=d1).successor_id == c.d2.pk
    shoot(page, "phone-reorganization-applied")

    # The closed district's page tells where its units went.
    page.goto(f"/units/{c.d1.pk}/")
    expect(page.locator("main")).to_contain_text(c.d2.name)
    expect(page.locator("main")).to_contain_text("45-QĐ/LĐLĐ")
    shoot(page, "phone-reorganization-lineage")


def test_the_admins_menu_fits_a_laptop_screen(page, live_cast, shoot):
    log_in(page, "admin")
    page.goto("/units/reorganizations/")
    expect(page.locator("#mainnav").get_by_role("link", name="Quản trị")).to_be_visible()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    shoot(page, "desktop-reorganizations")


def test_the_api_docs_run_under_the_content_security_policy(page, live_cast, shoot):
    log_in(page, "admin")
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info")).to_be_visible()
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/reorganizations/")
    shoot(page, "api-docs")
