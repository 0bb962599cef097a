"""Each role's home page says what to do next: a resident answers from it in one tap, an
intervisor reaches attendance and notes of the sessions that just took place, a coordinator
sees what needs attention. Each in a fixed number of queries."""

import datetime as dt

import pytest
from django.urls import reverse

from residents.models import RosterImport
from sessions_app.models import Participation, Rsvp, SessionClash
from sessions_app.services.participation import (
    AttendanceEntry,
    attendance_record,
    participation_answer,
    participation_book,
)
from sessions_app.services.sessions import open_session_create, session_plan

from .factories import MembershipFactory, ResidentFactory
from .helpers import NOW, START, login

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def two_sessions(group, rosa, ruben, cora):
    return [session_plan(group=group, start=START + dt.timedelta(weeks=6 * i), by=cora) for i in range(2)]


@pytest.fixture
def yesterdays(group, rosa, ruben, cora):
    return session_plan(group=group, start=NOW - dt.timedelta(days=1), by=cora)


# --- the resident ----------------------------------------------------------------------------

def test_the_resident_sees_how_many_sessions_wait_for_their_answer(rosa, two_sessions):
    response = login(rosa).get(reverse("home"))
    assert [p.session for p in response.context["home"].waiting] == two_sessions
    assert "2 sessions need your answer" in response.content.decode()


def test_one_tap_on_the_home_page_answers_and_comes_back_home(rosa, two_sessions):
    client = login(rosa)
    first = two_sessions[0]
    response = client.post(reverse("session_rsvp", args=[first.pk]),
                           {"answer": "yes", "next": reverse("home")})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert Participation.objects.get(session=first, resident__user=rosa).rsvp == Rsvp.YES
    page = client.get(reverse("home"))
    assert [p.session for p in page.context["home"].waiting] == [two_sessions[1]]
    assert page.context["home"].next.session == first
    assert "Your answer is recorded: yes." in page.content.decode()


def test_no_with_a_reason_is_one_form_on_the_card(rosa, two_sessions):
    client = login(rosa)
    client.post(reverse("session_rsvp", args=[two_sessions[1].pk]),
                {"answer": "no", "reason": "leave", "next": reverse("home")})
    row = Participation.objects.get(session=two_sessions[1], resident__user=rosa)
    assert (row.rsvp, row.absence_reason) == (Rsvp.NO, "leave")


def test_a_no_without_reason_from_the_home_page_asks_for_the_reason(rosa, two_sessions):
    response = login(rosa).post(reverse("session_rsvp", args=[two_sessions[0].pk]),
                                {"answer": "no", "next": reverse("home")})
    assert response.status_code == 400
    assert "Tell us why you cannot come." in response.content.decode()


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/", "home", "0"])
def test_an_answer_never_sends_the_resident_to_another_site(rosa, two_sessions, elsewhere):
    response = login(rosa).post(reverse("session_rsvp", args=[two_sessions[0].pk]),
                                {"answer": "yes", "next": elsewhere})
    assert response["Location"] == reverse("session_rsvp", args=[two_sessions[0].pk])


def test_the_one_tap_answer_is_refused_to_others(ivan, otto, two_sessions):
    url = reverse("session_rsvp", args=[two_sessions[0].pk])
    assert login(otto).post(url, {"answer": "yes", "next": "/"}).status_code == 404
    assert login(ivan).post(url, {"answer": "yes", "next": "/"}).status_code == 403
    from django.test import Client
    assert Client().post(url, {"answer": "yes", "next": "/"}).status_code == 302  # to log-in
    assert not Participation.objects.filter(session=two_sessions[0]).exclude(rsvp="").exists()


def test_the_resident_is_offered_open_sessions_with_a_free_seat(rosa, ruben, iris, cora):
    offered = open_session_create(intervisor=iris.intervisor, start=START, end=START + dt.timedelta(hours=2),
                                  capacity=4, location="Room 1", by=cora)
    full = open_session_create(intervisor=iris.intervisor, start=START + dt.timedelta(days=1),
                               end=START + dt.timedelta(days=1, hours=2), capacity=1, location="Room 1",
                               by=cora)
    participation_book(session=full, resident=ruben.resident)
    home = login(rosa).get(reverse("home")).context["home"]
    assert home.open_sessions == [offered]


def test_a_session_with_a_seat_of_ones_own_is_not_offered_again(rosa, iris, cora):
    booked = open_session_create(intervisor=iris.intervisor, start=START, end=START + dt.timedelta(hours=2),
                                 capacity=4, location="Room 1", by=cora)
    participation_book(session=booked, resident=rosa.resident)
    home = login(rosa).get(reverse("home")).context["home"]
    assert home.open_sessions == [] and home.next.session == booked


def test_the_resident_home_needs_the_same_queries_however_many_sessions(
        rosa, group, cora, iris, django_assert_num_queries):
    client = login(rosa)
    session_plan(group=group, start=START, by=cora)
    open_session_create(intervisor=iris.intervisor, start=START + dt.timedelta(hours=3),
                        end=START + dt.timedelta(hours=5), capacity=4, location="Room 1", by=cora)
    client.get(reverse("home"))
    # log-in session, user, resident; group cards with members (2), their next sessions;
    # the resident's sessions to come with how they fit the roster; the open sessions with
    # theirs (2) and how they fit; the evaluations to give
    with django_assert_num_queries(QUERIES_RESIDENT) as first:
        client.get(reverse("home"))
    for i in range(1, 6):
        session_plan(group=group, start=START + dt.timedelta(weeks=i), by=cora)
        open_session_create(intervisor=iris.intervisor, start=START + dt.timedelta(days=i, hours=2),
                            end=START + dt.timedelta(days=i, hours=4), capacity=4, location="Room 1", by=cora)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(reverse("home"))
    assert len(response.context["home"].waiting) == 6


QUERIES_RESIDENT = 14


# --- the intervisor --------------------------------------------------------------------------

def test_the_intervisor_reaches_attendance_of_yesterdays_session_from_home(ivan, yesterdays):
    response = login(ivan).get(reverse("home"))
    (recent,) = response.context["home"].recent
    assert recent == yesterdays and recent.attendance_open and not recent.has_my_note
    page = response.content.decode()
    assert reverse("session_attendance", args=[yesterdays.pk]) in page
    assert reverse("session_notes", args=[yesterdays.pk]) in page
    assert "Record attendance" in page and "Write a note" in page


def test_once_recorded_the_home_page_says_so(ivan, yesterdays):
    attendance_record(session=yesterdays, by=ivan, entries=[
        AttendanceEntry(p.pk, "present", False) for p in yesterdays.participations.all()])
    page = login(ivan).get(reverse("home")).content.decode()
    assert "Attendance recorded" in page and "Record attendance" not in page


def test_the_intervisor_sees_the_answers_so_far(ivan, rosa, two_sessions):
    participation_answer(session=two_sessions[0], resident=rosa.resident, answer="yes")
    response = login(ivan).get(reverse("home"))
    first = response.context["home"].upcoming[0]
    assert (first.n_yes, first.n_none) == (1, 1)
    assert "1 yes · 0 maybe · 0 no · 1 not answered" in response.content.decode()


def test_another_intervisors_sessions_are_not_on_the_home_page(iris, yesterdays, two_sessions):
    home = login(iris).get(reverse("home")).context["home"]
    assert home.recent == [] and home.upcoming == []


def test_the_intervisor_home_needs_the_same_queries_however_many_sessions(
        ivan, group, cora, yesterdays, django_assert_num_queries):
    client = login(ivan)
    # log-in session, user; group cards with members (2), their next sessions; recent sessions
    # with what is open; upcoming sessions with their answers counted
    with django_assert_num_queries(7):
        client.get(reverse("home"))
    for i in range(1, 6):
        session_plan(group=group, start=NOW - dt.timedelta(days=i + 1), by=cora)
        session_plan(group=group, start=START + dt.timedelta(weeks=i), by=cora)
        MembershipFactory(group=group, resident=ResidentFactory())
    with django_assert_num_queries(7):
        response = client.get(reverse("home"))
    assert len(response.context["home"].recent) == 6


# --- the coordinator -------------------------------------------------------------------------

def test_the_coordinator_sees_sessions_with_few_answers(as_cora, group, rosa, ruben, cora):
    soon = session_plan(group=group, start=NOW + dt.timedelta(days=5), by=cora)
    response = as_cora.get(reverse("home"))
    assert [row.session for row in response.context["attention"].few_answers] == [soon]
    assert reverse("session_answers", args=[soon.pk]) in response.content.decode()


def test_the_coordinator_sees_groups_behind_their_cadence(as_cora, group, rosa):
    response = as_cora.get(reverse("home"))
    assert response.context["attention"].behind == [group]
    assert reverse("group_suggestions", args=[group.pk]) in response.content.decode()


def test_a_group_with_its_next_session_planned_is_not_behind(as_cora, group, rosa, cora):
    session_plan(group=group, start=NOW + dt.timedelta(weeks=2), by=cora)
    assert as_cora.get(reverse("home")).context["attention"].behind == []


def test_the_coordinator_sees_clashes_and_imports_waiting(as_cora, cora, planned):
    SessionClash.objects.create(session=planned, detected_at=NOW, member_count=2)
    upload = RosterImport.objects.create(created_by=cora, filename="march.csv", file_format="csv",
                                         source="HiX", status=RosterImport.Status.CHECKED)
    response = as_cora.get(reverse("home"))
    attention = response.context["attention"]
    assert [c.session for c in attention.clashes] == [planned]
    assert attention.imports_waiting == [upload]
    page = response.content.decode()
    assert "the rosters rule out 2 members" in page
    assert reverse("roster_import_detail", args=[upload.pk]) in page


def test_with_nothing_to_do_the_coordinator_is_told_so(as_cora):
    page = as_cora.get(reverse("home")).content.decode()
    assert "Nothing needs your attention" in page


def test_the_coordinator_home_needs_the_same_queries_however_big_the_programme(
        as_cora, cora, group, other_group, planned, django_assert_num_queries):
    session_plan(group=group, start=NOW + dt.timedelta(days=7), by=cora)
    # log-in session, user; programme counts (6); mail problems (2); attention: few answers (2),
    # clashes, groups behind their cadence (2), imports waiting
    with django_assert_num_queries(QUERIES_COORDINATOR) as first:
        as_cora.get(reverse("home"))
    for i in range(4):
        MembershipFactory(group=other_group, resident=ResidentFactory())
        session = session_plan(group=group, start=NOW + dt.timedelta(days=i + 1), by=cora)
        SessionClash.objects.create(session=session, detected_at=NOW, member_count=1)
    with django_assert_num_queries(len(first.captured_queries)):
        as_cora.get(reverse("home"))


QUERIES_COORDINATOR = 15


def test_the_without_a_group_card_opens_those_residents(as_cora, rosa, anna):
    page = as_cora.get(reverse("home")).content.decode()
    assert reverse("resident_list") + "?show=without_group" in page
    response = as_cora.get(reverse("resident_list"), {"show": "without_group"})
    assert [r.user for r in response.context["page"].object_list] == [anna.user]
