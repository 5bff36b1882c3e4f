"""The dashboards' cached figures: served while the records stand, recomputed once a write
commits — through model saves, and through the bulk paths that announce themselves."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports.achievement import unit_report
from reports.models import Indicator, Issuer, Target
from tests.factories import member
from unions.services import union_move

D = datetime.date


@pytest.fixture
def cached(settings, cast):
    settings.REPORTS_CACHE_SECONDS = 600
    cache.clear()
    Target.objects.create(federation=cast.fed, indicator=Indicator.objects.get(code="members_admitted"), year=2024,
                          value=2, issuer=Issuer.VGCL)  # fmt: skip
    return cast


def admitted(cast, **kwargs):
    return unit_report(federation=cast.fed, year=2024, **kwargs).row("members_admitted").actual


def test_a_second_read_runs_no_figure_queries(cached):
    admitted(cached)
    with CaptureQueriesContext(connection) as ctx:
        admitted(cached)
    # only the indicators and the targets: the figures come from the cache
    assert len(ctx.captured_queries) == 2


def test_a_committed_save_is_seen_at_once(cached, django_capture_on_commit_callbacks):
    assert admitted(cached) == 0
    with django_capture_on_commit_callbacks(execute=True):
        member(cached.a, joined_on=D(2024, 3, 1))
    assert admitted(cached) == 1


def test_an_uncommitted_write_leaves_the_cached_figures(cached):
    assert admitted(cached) == 0
    member(cached.a, joined_on=D(2024, 3, 1))  # the test's transaction never commits
    assert admitted(cached) == 0


def test_a_bulk_move_is_seen_in_the_structure_of_today(cached, django_capture_on_commit_callbacks):
    from reports.achievement import tree_report

    with django_capture_on_commit_callbacks(execute=True):
        member(cached.a, joined_on=D(2024, 3, 1))
    before = {
        c.code: r.row("members_admitted").actual for c, r in tree_report(federation=cached.fed, year=2024).children
    }
    assert before["H01"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        union_move(union=cached.a, new_parent=cached.d2, effective_on=D(2025, 1, 1), by=None)
    after = {
        c.code: r.row("members_admitted").actual for c, r in tree_report(federation=cached.fed, year=2024).children
    }
    assert after["H01"] == 0 and after["H02"] == 1


def test_warming_puts_the_leaderships_figures_in_the_cache(cached):
    from reports.tasks import warm_dashboards

    # every federation, and each one's direct-superior unions (the cast's: H01, H02 and N01)
    assert warm_dashboards() >= 1 + 3
    with CaptureQueriesContext(connection) as ctx:
        unit_report(federation=cached.fed, year=2024)
    assert len(ctx.captured_queries) == 2


def test_the_write_hooks_survive_garbage_collection(cached, django_capture_on_commit_callbacks):
    import gc

    gc.collect()
    assert admitted(cached) == 0
    with django_capture_on_commit_callbacks(execute=True):
        member(cached.a, joined_on=D(2024, 3, 1))
    assert admitted(cached) == 1


def test_the_dashboards_composition_and_completeness_are_cached_until_a_write(
    cached, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from tests.conftest import client_for

    client = client_for(cached.leader)
    url = reverse("reports:dashboard") + "?year=2024"
    first = client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        second = client.get(url)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "members_member" not in sql and "reports_quarterlyreturn" not in sql  # neither read again
    assert second.context["composition"].total.members == first.context["composition"].total.members
    assert second.context["standing"].total == first.context["standing"].total
    with django_capture_on_commit_callbacks(execute=True):
        member(cached.a, joined_on=D(2024, 3, 1))
    third = client.get(url)
    assert third.context["composition"].total.members == first.context["composition"].total.members + 1


def _composition_total(response) -> str:
    """The members figure of the composition table's total row, as the page shows it."""
    html = response.content.decode()
    row = html[html.index('data-composition="total"') :]
    return row.split('<td class="text-end num">', 1)[1].split("</td>", 1)[0]


def test_the_dashboards_tables_are_rendered_once_until_a_write(cached, django_capture_on_commit_callbacks):
    """The ranking and composition tables are kept rendered with the figures: a second read
    serves the same tables, a committed write shows in the next page, and another language or
    another day renders them anew."""
    from django.urls import reverse

    from tests.conftest import client_for

    client = client_for(cached.leader)
    url = reverse("reports:dashboard") + "?year=2024"
    first = client.get(url)
    shown = int(_composition_total(first))
    assert shown == first.context["composition"].total.members
    second = client.get(url)
    assert second.context["tables_key"] == first.context["tables_key"]
    assert _composition_total(second) == str(shown)
    with django_capture_on_commit_callbacks(execute=True):
        member(cached.a, joined_on=D(2024, 3, 1))
    third = client.get(url)
    assert third.context["tables_key"] != first.context["tables_key"]
    assert _composition_total(third) == str(shown + 1)
    # The tables' text follows the reader's language: the key does too.
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url)
    assert english.context["tables_key"] != third.context["tables_key"]
    assert "Member composition" in english.content.decode() and _composition_total(english) == str(shown + 1)


def test_the_member_lists_roll_counts_are_cached_until_a_write(cached, django_capture_on_commit_callbacks):
    """The roll counts above the member list (a federation's is a sum over all its movements)
    are kept with the figures: not summed again on the next page, and a committed admission
    shows at once."""
    import re

    from django.urls import reverse

    from tests.conftest import client_for

    def closing(response) -> int:
        return int(re.search(r'data-count="closing">([\d.,]+)<', response.content.decode()).group(1).replace(".", ""))

    client = client_for(cached.leader)
    url = reverse("members:list")
    first = client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        second = client.get(url)
    assert closing(second) == closing(first)
    assert not any("members_movement" in q["sql"] for q in ctx.captured_queries)
    with django_capture_on_commit_callbacks(execute=True):
        member(cached.a, joined_on=timezone.localdate())
    assert closing(client.get(url)) == closing(first) + 1
