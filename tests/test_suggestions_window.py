"""Suggestions for a chosen window of dates (from–to, both included) next to the weeks ahead,
with clear errors for a window that cannot be; and, when no time reaches the minimum share of
the group, the best times available anyway, marked as below it, with who cannot come."""

import datetime as dt

import pytest
from django.urls import reverse

from residents.models import RosterEntry
from sessions_app.selectors import availability as suggestions
from tests.factories import MembershipFactory, ResidentFactory
from tests.helpers import AMS, roster_covers

pytestmark = pytest.mark.usefixtures("clock")  # Monday 2 March 2026


def at(month, day, hour=0):
    return dt.datetime(2026, month, day, hour, tzinfo=AMS)


@pytest.fixture
def world(group, rosa, ruben):
    """Four members; Rosa and Ruben are on leave all of April, so in April no time reaches
    three of four."""
    for name in ("Mila", "Noor"):
        MembershipFactory(group=group, resident=ResidentFactory(user__first_name=name, user__last_name="Lid"))
    for person in (rosa, ruben):
        RosterEntry.objects.create(resident=person.resident, start=at(4, 1), end=at(5, 1), kind="leave")
    # Every member's roster was imported for the year: known, free where no entry says not.
    roster_covers(*(m.resident for m in group.memberships.all()), first=dt.date(2026, 1, 1),
                  last=dt.date(2026, 12, 31))
    return group


def _page(client, group, **params):
    return client.get(reverse("group_suggestions", args=[group.pk]), params)


def test_suggestions_stay_inside_the_chosen_window(as_cora, world):
    response = _page(as_cora, world, date_from="2026-03-09", date_to="2026-03-13")
    found = response.context["result"].suggestions
    assert found and all(at(3, 9) <= s.start and s.end <= at(3, 14) for s in found)
    assert "Times from Mon 9 Mar 2026 to Fri 13 Mar 2026." in response.content.decode()


def test_without_a_window_it_is_the_weeks_ahead_from_tomorrow(as_cora, world):
    response = _page(as_cora, world, weeks=1)
    found = response.context["result"].suggestions
    assert found and all(at(3, 3) <= s.start and s.end <= at(3, 10) for s in found)
    assert "Times from Tue 3 Mar 2026 to Mon 9 Mar 2026." in response.content.decode()


def test_a_window_far_ahead_is_allowed_up_to_13_months(as_cora, world):
    response = _page(as_cora, world, date_from="2027-03-01", date_to="2027-03-05")
    assert all(s.start >= at(3, 1).replace(year=2027) for s in response.context["result"].suggestions)
    assert not response.context["period_form"].errors


@pytest.mark.parametrize(("first", "last", "error"), [
    ("2026-03-13", "2026-03-09", "The period must end after it starts."),
    ("2026-03-02", "2026-03-09", "The period must start after today (2026-03-02)."),
    ("2026-03-03", "2027-04-04", "The period can be at most 13 months long."),
    ("2026-03-03", "", "Give both dates, or neither."),
    ("9-3-2026", "2026-03-13", "Enter a valid date."),
])
def test_a_window_that_cannot_be_is_explained_and_the_weeks_ahead_shown(as_cora, world, first, last, error):
    response = _page(as_cora, world, weeks=2, date_from=first, date_to=last)
    page = response.content.decode()
    assert error in page and "Shown instead: the next 2 weeks." in page
    assert all(s.start < at(3, 17) for s in response.context["result"].suggestions)


def test_when_no_time_reaches_the_minimum_the_best_time_is_shown_below_it(as_cora, world):
    response = _page(as_cora, world, date_from="2026-04-06", date_to="2026-04-10")
    result = response.context["result"]
    assert result.below_minimum and result.suggestions
    assert all(s.attending == 2 for s in result.suggestions)
    page = response.content.decode()
    assert "No time reaches the minimum of 3 of 4 members." in page
    assert "Rosa Resident (leave); Ruben Resident (leave)" in page
    assert "Plan this session" in page


def test_the_selector_reports_below_the_minimum_only_when_asked(world):
    strict = suggestions.suggest_for_group(world, start=at(4, 6), end=at(4, 11))
    assert strict.suggestions == [] and not strict.below_minimum
    anyway = suggestions.suggest_for_group(world, start=at(4, 6), end=at(4, 11), below_minimum=1)
    assert anyway.below_minimum and len(anyway.suggestions) == 1


def test_a_time_reaching_the_minimum_is_not_marked_below_it(as_cora, world):
    response = _page(as_cora, world, date_from="2026-03-09", date_to="2026-03-13")
    assert not response.context["result"].below_minimum
    assert "No time reaches the minimum" not in response.content.decode()


def test_planning_a_time_below_the_minimum_asks_to_check_who_cannot_come_first(as_cora, world):
    best = _page(as_cora, world, date_from="2026-04-06", date_to="2026-04-10").context["rows"][0]
    assert best["form"].initial["below_minimum"] is True
    response = as_cora.post(reverse("group_suggestion_plan", args=[world.pk]),
                            {"start": best["start"].isoformat(), "end": best["end"].isoformat(),
                             "below_minimum": "True"}, follow=True)
    page = response.content.decode()
    assert "Fewer members than the minimum can come at this time" in page
    assert response.redirect_chain[0][0].startswith(reverse("session_plan", args=[world.pk]))
    assert not world.sessions.exists()
