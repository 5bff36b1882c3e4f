"""The main navigation: each role sees its items, and the page's own item is marked."""

import pytest
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def active_items(response) -> list[str]:
    return [str(item["label"]) for item in response.context["nav_items"] if item["active"]]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("reports:dashboard", "Kết quả thực hiện chỉ tiêu"),
        ("reports:targets", "Chỉ tiêu"),
        ("reports:returns", "Báo cáo quý"),
        ("reports:completeness", "Báo cáo quý"),  # under returns/, not the dashboard's /reports/
        ("reports:quarters", "Báo cáo quý"),
    ],
)
def test_the_pages_own_item_is_the_one_marked(cast, name, expected):
    response = client_for(cast.admin).get(reverse(name))
    assert response.status_code == 200
    assert active_items(response) == [expected]


def test_read_only_roles_see_the_reports_but_a_chair_no_administration(cast):
    labels = [str(i["label"]) for i in client_for(cast.chair_a).get(reverse("reports:returns")).context["nav_items"]]
    assert "Báo cáo quý" in labels and "Quản trị" not in labels
