"""Residents and intervisors see their group's next sessions on their home page; the group page
lists them too, cancelled ones marked as such."""

import datetime as dt

import pytest
from django.urls import reverse

from sessions_app.models import Session
from sessions_app.services.sessions import session_plan, session_set_status

from .helpers import NOW, START, login

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def four_sessions(group, cora):
    session_plan(group=group, start=NOW - dt.timedelta(days=3), by=cora)  # past: not shown
    return [session_plan(group=group, start=START + dt.timedelta(weeks=6 * i), by=cora) for i in range(4)]


def _shown(response) -> list[int]:
    (card,) = response.context["groups"]
    return [s.pk for s in card.group.next_sessions]


@pytest.mark.parametrize("persona", ["rosa", "ivan"])
def test_the_home_page_shows_the_next_three_sessions_of_the_group(personas, four_sessions, persona):
    response = login(personas[persona]).get(reverse("home"))
    assert _shown(response) == [s.pk for s in four_sessions[:3]]
    # the group's card, after what waits for an answer
    card = response.content.decode().split('id="groups-heading"')[1]
    for session in four_sessions[:3]:
        assert reverse("session_detail", args=[session.pk]) in card
    assert reverse("session_detail", args=[four_sessions[3].pk]) not in card


def test_a_group_without_sessions_says_so(rosa):
    page = login(rosa).get(reverse("home")).content.decode()
    assert "No sessions planned yet." in page


def test_the_home_page_shows_only_the_residents_own_group(four_sessions, other_group, otto, cora):
    other = session_plan(group=other_group, start=START, by=cora)
    assert _shown(login(otto).get(reverse("home"))) == [other.pk]


def test_the_group_page_marks_a_cancelled_session(as_cora, four_sessions, cora, group):
    session_set_status(session=four_sessions[0], status=Session.Status.CANCELLED, by=cora)
    page = as_cora.get(reverse("group_detail", args=[group.pk])).content.decode()
    assert 'data-status="cancelled"' in page
    assert reverse("session_plan", args=[group.pk]) in page
    assert reverse("series_plan", args=[group.pk]) in page


def test_residents_get_no_planning_buttons_on_the_group_page(rosa, four_sessions, group):
    page = login(rosa).get(reverse("group_detail", args=[group.pk])).content.decode()
    assert reverse("session_detail", args=[four_sessions[0].pk]) in page
    assert reverse("session_plan", args=[group.pk]) not in page
