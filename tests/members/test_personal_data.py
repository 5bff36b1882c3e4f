"""Field-level protection (PRODUCT.md §1): a member's citizen ID (in full), birth date, phone,
ethnicity, religion and Party membership reach only the roles that keep rolls. Every surface
where a member shows (pages, API, exports, search) is rendered for the leader, who must not see
them, and for the chair of the member's union, who does (so each row can fail)."""

import datetime
import io
import json

import openpyxl
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation

from members import services as member_services
from members.models import Member
from welfare import services as welfare_services

from ..conftest import add_members, client_for

ROLL_HEADER = "Họ và tên,Giới tính,Ngày sinh,Số CCCD,Ngày vào Công đoàn"
CITIZEN_ID = "066090001234"
PHONE = "0905123456"
ETHNICITY = "Xơ Đăng"
RELIGION = "Cao Đài"
PARTY_DAY = datetime.date(2021, 3, 4)
# Every form a value can take on a page, in JSON or in a workbook cell.
SECRETS = {
    "citizen ID": [CITIZEN_ID],
    "birth date": ["17/05/1990", "1990-05-17", "17-05-1990"],
    "phone": [PHONE],
    "ethnicity": [ETHNICITY],
    "religion": [RELIGION],
    "Party": ["04/03/2021", "2021-03-04", "is_party_member", "party_introduced_on", "Party member"],
}


@pytest.fixture
def c(cast):
    add_members(cast)
    m = cast.m_a
    Member.objects.filter(pk=m.pk).update(
        phone=PHONE, ethnicity=ETHNICITY, religion=RELIGION, is_party_member=True, party_introduced_on=PARTY_DAY
    )
    day = datetime.date(2025, 1, 20)
    cast.act_a = welfare_services.activity_create(
        federation=cast.fed, union=cast.a, program="tet_care", title="Quà Tết CĐCS", held_on=day, person_times=10,
        amount_union_funds=3_000_000, by=cast.chair_a,
    )  # fmt: skip
    welfare_services.beneficiaries_add(activity=cast.act_a, rows=[(m, 300_000, "")], by=cast.chair_a)
    cast.shelter_a = welfare_services.shelter_create(
        federation=cast.fed, union=cast.d1, member=m, total_cost=90_000_000, approved_on=datetime.date(2025, 1, 5),
        amount_union_funds=50_000_000, by=cast.officer,
    )  # fmt: skip
    cast.fund_a = welfare_services.fund_create(
        federation=cast.fed, union=cast.a, name="Quỹ tương trợ CĐCS A", kind="support", by=cast.chair_a
    )
    welfare_services.fund_contribute(fund=cast.fund_a, amount=1_000_000, on=day, by=cast.chair_a)
    welfare_services.fund_pay(fund=cast.fund_a, amount=200_000, on=day, member=m, by=cast.chair_a)
    # A roll file of A with the member's row and an error (joined before birth): the file, its
    # errors and the workbook that marks them carry the row's personal data.
    row = f"Nguyễn Văn An,Nam,17/05/1990,{CITIZEN_ID},01/01/1980,{PHONE}"
    batch = member_services.member_import_create(
        file=ContentFile(f"{ROLL_HEADER},Số điện thoại\r\n{row}\r\n".encode(), name="roll.csv"),
        filename="roll.csv", federation=cast.fed, scope_path=cast.a.path, union=cast.a, dry_run=True,
        by=cast.chair_a,
    )  # fmt: skip
    cast.imp_bad = member_services.member_import_run(batch_id=batch.pk)
    return cast


def _body(response) -> str:
    """What the response carries, as text: a page or JSON as is, a workbook cell by cell."""
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        content = b"".join(response.streaming_content) if response.streaming else response.content
        book = openpyxl.load_workbook(io.BytesIO(content))
        cells = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                for value in row:
                    if isinstance(value, datetime.datetime | datetime.date):
                        cells.append(value.strftime("%d/%m/%Y"))
                    elif value is not None:
                        cells.append(str(value))
        return "\n".join(cells)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8-sig")
    if response.get("Content-Type", "").startswith("application/json"):
        text += json.dumps(json.loads(content or b"null"), ensure_ascii=False)
    return text


def u(name, *attrs, query=""):
    """The URL of `name` for the cast's objects `attrs`, with a query (text, or made from the cast)."""

    def url(c):
        return reverse(name, args=[getattr(c, a).pk for a in attrs]) + (query(c) if callable(query) else query)

    return url


# (surface, url, the fields the chair sees there). The leader sees none of SECRETS anywhere.
SURFACES = [
    ("member list", u("members:list"), {"citizen ID", "birth date", "Party"}),
    ("member list, name search", u("members:list", query="?q=nguyen+van"), {"citizen ID", "birth date", "Party"}),
    ("member list, all statuses", u("members:list", query="?status="), {"citizen ID", "birth date"}),
    ("member list, Party filter", u("members:list", query="?party=member"), {"citizen ID", "Party"}),
    ("member list of the union", u("members:list", query=lambda c: f"?union={c.a.pk}"), {"citizen ID"}),
    ("member page", u("members:detail", "m_a"), set(SECRETS)),
    ("roll export (.xlsx)", u("members:export"), {"citizen ID", "birth date", "phone", "ethnicity", "religion"}),
    ("roll export (.csv)", u("members:export", query="?format=csv"), {"citizen ID", "birth date", "phone"}),
    ("API member list", u("member-list"), set(SECRETS)),
    ("API member list, name search", u("member-list", query="?q=nguyen"), set(SECRETS)),
    ("API member list, Party filter", u("member-list", query="?is_party_member=true"), set(SECRETS)),
    ("API member", u("member-detail", "m_a"), set(SECRETS)),
    ("API movements", u("movement-list"), set()),
    ("welfare activity page", u("welfare:activity_detail", "act_a"), {"citizen ID"}),
    ("API activity beneficiaries", u("activity-beneficiaries", "act_a"), {"citizen ID"}),
    ("API activity export", u("activity-export"), set()),
    ("shelters page", u("welfare:shelters"), set()),
    ("shelter page", u("welfare:shelter_detail", "shelter_a"), set()),
    ("API shelters", u("shelter-list"), {"citizen ID"}),
    ("API shelter", u("shelter-detail", "shelter_a"), {"citizen ID"}),
    ("API shelter export", u("shelter-export"), set()),
    ("fund page", u("welfare:fund_detail", "fund_a"), set()),
    ("API fund entries", u("fund-entries", "fund_a"), set()),
    ("roll import page", u("members:import_detail", "imp_bad"), set()),
    ("roll import errors workbook", u("members:import_errors", "imp_bad"), {"citizen ID", "birth date", "phone"}),
    ("API roll imports", u("memberimport-list"), set()),
    ("API roll import", u("memberimport-detail", "imp_bad"), set()),
    ("admin site: members", u("admin:members_member_changelist"), set()),
]


def _get(client, url):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the Party's label is looked for in English
    with translation.override("en"):
        return client.get(url)


@pytest.mark.parametrize(("surface", "url", "shown"), SURFACES, ids=[s[0] for s in SURFACES])
def test_leader_sees_no_personal_data(c, surface, url, shown):
    client = client_for(c.leader)
    response = _get(client, url(c))
    assert response.status_code in (200, 302, 403), response.status_code
    body = _body(response)
    found = {field: v for field, values in SECRETS.items() for v in values if v in body}
    assert found == {}, surface
    if response.status_code == 200 and "citizen ID" in shown:
        assert "0660******34" in body  # masked, not missing


@pytest.mark.parametrize(
    ("surface", "url", "shown"), [s for s in SURFACES if s[2]], ids=[s[0] for s in SURFACES if s[2]]
)
def test_chair_sees_the_personal_data_of_its_roll(c, surface, url, shown):
    client = client_for(c.chair_a)
    response = _get(client, url(c))
    assert response.status_code == 200
    body = _body(response)
    for field in shown:
        assert any(v in body for v in SECRETS[field]), field


def test_leader_refused_roll_export_and_import_error_workbook(c):
    client = client_for(c.leader)
    assert client.get(reverse("members:export")).status_code == 403
    assert client.get(reverse("members:export") + "?format=csv").status_code == 403


def test_leader_cannot_filter_by_party_membership(c):
    """A filter on a hidden field would tell what the list hides: it is not applied."""
    api = client_for(c.leader)
    everyone = api.get(reverse("member-list")).json()["count"]
    assert api.get(reverse("member-list") + "?is_party_member=false").json()["count"] == everyone == 2
    chair = client_for(c.chair_a).get(reverse("member-list") + "?is_party_member=false").json()
    assert chair["count"] == 0  # the chair's only member (m_a) is in the Party


# --- citizen IDs stay out of addresses: looked up by POST ----------------------------------------


def test_citizen_id_in_the_search_address_is_refused(c):
    with translation.override("en"):
        for who in (c.chair_a, c.leader):
            response = client_for(who).get(reverse("members:list"), {"q": CITIZEN_ID})
            assert "q" in response.context["form"].errors
            assert response.context["page"].paginator.count == 1 if who == c.chair_a else 2  # not applied
        refused = client_for(c.chair_a).get(reverse("members:list"), {"q": CITIZEN_ID})
    assert "Tìm theo số CCCD" in refused.context["form"].errors["q"][0]


def test_find_by_citizen_id_form_opens_the_members_page(c):
    client = client_for(c.chair_a)
    page = client.get(reverse("members:list")).content.decode()
    assert f'action="{reverse("members:lookup")}"' in page and 'method="post"' in page

    response = client.post(reverse("members:lookup"), {"citizen_id": "066 090 001 234"})
    assert response.status_code == 302 and response.url == c.m_a.get_absolute_url()
    assert CITIZEN_ID not in response.url


@pytest.mark.parametrize("who", ["chair_a", "officer"])
def test_find_by_citizen_id_outside_the_scope_finds_nothing(c, who):
    client = client_for(getattr(c, who))
    response = client.post(reverse("members:lookup"), {"citizen_id": c.m_b.citizen_id}, follow=True)
    assert response.redirect_chain == [(reverse("members:list"), 302)]
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["Không có đoàn viên nào có số CCCD này trong phạm vi của bạn."]
    assert "Trần Thị Bình" not in response.content.decode()


def test_find_by_citizen_id_refused_to_the_leader_and_on_get(c):
    assert client_for(c.leader).post(reverse("members:lookup"), {"citizen_id": CITIZEN_ID}).status_code == 403
    assert reverse("members:lookup") not in client_for(c.leader).get(reverse("members:list")).content.decode()
    assert client_for(c.chair_a).get(reverse("members:lookup")).status_code == 405


def test_api_lookup_by_citizen_id(c):
    api = client_for(c.chair_a)
    url = reverse("member-lookup")
    found = api.post(url, {"citizen_id": CITIZEN_ID}, content_type="application/json")
    assert found.status_code == 200 and found.json()["id"] == c.m_a.pk and found.json()["phone"] == PHONE
    assert api.post(url, {"citizen_id": c.m_b.citizen_id}, content_type="application/json").status_code == 404
    bad = api.post(url, {"citizen_id": "12ab"}, content_type="application/json")
    assert bad.status_code == 400 and "citizen_id" in bad.json()
    assert (
        client_for(c.leader).post(url, {"citizen_id": CITIZEN_ID}, content_type="application/json").status_code == 403
    )
    # The former GET filter is gone: it no longer narrows the list.
    admin = client_for(c.admin)
    assert admin.get(reverse("member-list") + f"?citizen_id={c.m_b.citizen_id}").json()["count"] == 2
    schema = api.get(reverse("schema") + "?format=json").json()
    assert "/api/v1/members/lookup/" in schema["paths"]
    assert {"200", "400", "404"} <= set(schema["paths"]["/api/v1/members/lookup/"]["post"]["responses"])
