"""What the rosters cover: a member without a roster for a session's day is "no roster", not
free, on the suggestions page; the coverage page shows per resident what their roster covers
and flags the gaps inside the planning horizon."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from sessions_app.selectors import availability as suggestions
from tests.factories import ResidentFactory
from tests.helpers import AMS, login, roster_covers

SUNDAY = dt.datetime(2026, 3, 1, 12, 0, tzinfo=AMS)  # suggestions start Monday 2 March

pytestmark = [pytest.mark.now(SUNDAY), pytest.mark.usefixtures("clock")]


@pytest.fixture
def tuesday_group(group, rosa, ruben):
    """rosa's roster is known all spring; ruben's stops after Sunday 15 March."""
    group.candidate_windows = [{"weekdays": [1], "start": "16:00", "end": "18:00"}]
    group.save()
    roster_covers(rosa.resident, first=dt.date(2026, 3, 1), last=dt.date(2026, 6, 30))
    roster_covers(ruben.resident, first=dt.date(2026, 3, 1), last=dt.date(2026, 3, 15))
    return group


def test_a_member_whose_roster_ends_before_the_slot_is_unknown_not_free(tuesday_group, rosa, ruben):
    result = suggestions.suggest_for_group(tuesday_group, weeks=4, limit=10)
    by_day = {s.start.astimezone(AMS).date(): s for s in result.suggestions}
    early = by_day[dt.date(2026, 3, 3)]
    assert (early.attending, early.unknown) == (2, ())
    # After 15 March ruben has no roster: one of two is free, below the 75% a group needs.
    assert not [day for day in by_day if day > dt.date(2026, 3, 15)]
    late = suggestions.suggest_for_group(tuesday_group, weeks=4, limit=10, start=dt.datetime(
        2026, 3, 16, tzinfo=AMS)).plan
    assert late.request.member_known[[m.pk for m in late.members].index(ruben.resident.pk)] == ()


def test_the_suggestions_page_counts_free_busy_and_no_roster_and_says_whose_roster_stops(
        as_cora, group, rosa, ruben, otto):
    from tests.factories import MembershipFactory

    third = ResidentFactory(user__first_name="Tess", user__last_name="Third")
    MembershipFactory(group=group, resident=third)
    fourth = ResidentFactory(user__first_name="Finn", user__last_name="Fourth")
    MembershipFactory(group=group, resident=fourth)
    roster_covers(rosa.resident, third, fourth, first=dt.date(2026, 3, 1), last=dt.date(2026, 6, 30))
    roster_covers(ruben.resident, first=dt.date(2026, 3, 1), last=dt.date(2026, 3, 2))
    page = as_cora.get(reverse("group_suggestions", args=[group.pk]), {"weeks": 2}).content.decode()
    assert "1 member has no roster after 2 Mar" in page
    # Monday 2 March: all four free; from Tuesday ruben has no roster: three free, one unknown.
    assert "free 4 / busy 0 / no roster 0" in page and "free 3 / busy 0 / no roster 1" in page
    assert 'data-unknown="1"' in page
    unknown_line = page[page.index('class="small mb-0 unknown"'):]
    assert "Ruben Resident" in unknown_line[:200]
    grid = page[page.index('id="availability-grid"'):]
    assert 'title="no roster">?' in grid


def coverage_url(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("roster_coverage") + (f"?{query}" if query else "")


def test_the_coverage_page_shows_each_residents_period_and_flags_gaps_in_the_horizon(
        as_cora, rosa, ruben, anna):
    roster_covers(rosa.resident, first=dt.date(2026, 1, 1), last=dt.date(2026, 6, 30))
    roster_covers(ruben.resident, first=dt.date(2026, 3, 1), last=dt.date(2026, 3, 10))
    roster_covers(ruben.resident, first=dt.date(2026, 3, 21), last=dt.date(2026, 4, 30))
    page = as_cora.get(coverage_url(weeks=8)).content.decode()
    assert "2 residents have no roster for part of 2026-03-02 – 2026-04-26." in page
    assert "2026-01-01 – 2026-06-30" in page  # rosa: covered, no flag
    assert "2026-03-11 – 2026-03-20" in page  # ruben's gap
    anna_row = page[page.index("Anna"):]
    assert "no roster" in anna_row[:600]  # anna has none at all


def test_the_coverage_page_takes_a_fixed_number_of_queries(as_cora, rosa, django_assert_num_queries):
    for _ in range(3):
        roster_covers(ResidentFactory(), first=dt.date(2026, 3, 1), last=dt.date(2026, 3, 31))
    as_cora.get(coverage_url())  # warm the session
    # session, user, residents with their users, their coverage
    with django_assert_num_queries(4):
        as_cora.get(coverage_url())
    for _ in range(5):
        ResidentFactory()
    with django_assert_num_queries(4):
        assert as_cora.get(coverage_url()).status_code == 200


def test_the_coverage_page_refuses_a_horizon_out_of_range(as_cora):
    assert as_cora.get(coverage_url(weeks=0)).status_code == 400
    assert as_cora.get(coverage_url(weeks="many")).status_code == 400


def test_the_coverage_page_is_for_coordinators_only(rosa, ivan, db):
    anonymous = Client().get(coverage_url())
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    assert login(rosa).get(coverage_url()).status_code == 403
    assert login(ivan).get(coverage_url()).status_code == 403


def test_the_coverage_page_is_linked_from_the_roster_import_and_the_resident_list(as_cora):
    for page in ("roster_import", "resident_list"):
        assert reverse("roster_coverage") in as_cora.get(reverse(page)).content.decode()
