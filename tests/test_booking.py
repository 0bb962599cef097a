"""Residents book seats in open sessions; a full session has a waitlist that moves up in order."""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from sessions_app.models import Notification, Participation, Session
from sessions_app.services.participation import (
    participation_answer,
    participation_book,
    participation_cancel_booking,
)
from sessions_app.services.sessions import session_plan, session_set_status

from .factories import ResidentFactory
from .helpers import login

MAKE_UP = dt.datetime(2026, 3, 19, 14, 0, tzinfo=dt.UTC)  # the open session: Thursday 15:00 in Amsterdam

pytestmark = pytest.mark.usefixtures("clock")


def open_session(intervisor, *, capacity=1, start=MAKE_UP, minutes=90, title="Make-up session"):
    return Session.objects.create(
        kind=Session.Kind.OPEN, intervisor=intervisor, capacity=capacity, title=title,
        start=start, end=start + dt.timedelta(minutes=minutes), location="Room 1.01",
    )


@pytest.fixture
def makeup(iris):
    return open_session(iris.intervisor, capacity=1)


def _state(session):
    rows = Participation.objects.filter(session=session).exclude(booking="").order_by("pk")
    return [(p.resident.user.first_name, p.booking, p.waitlist_position) for p in rows]


def test_the_first_gets_the_seat_and_the_next_ones_queue(makeup, rosa, ruben, otto):
    assert participation_book(session=makeup, resident=rosa.resident).booking == "booked"
    second = participation_book(session=makeup, resident=ruben.resident)
    third = participation_book(session=makeup, resident=otto.resident)
    assert (second.booking, second.waitlist_position) == ("waitlisted", 1)
    assert (third.booking, third.waitlist_position) == ("waitlisted", 2)


def test_booking_again_changes_nothing(makeup, rosa, ruben):
    participation_book(session=makeup, resident=rosa.resident)
    participation_book(session=makeup, resident=ruben.resident)
    again = participation_book(session=makeup, resident=ruben.resident)
    assert (again.booking, again.waitlist_position) == ("waitlisted", 1)
    assert Participation.objects.filter(session=makeup).count() == 2


def test_a_freed_seat_goes_to_the_first_on_the_waitlist_who_is_told(makeup, rosa, ruben, otto):
    for user in (rosa, ruben, otto):
        participation_book(session=makeup, resident=user.resident)
    promoted = participation_cancel_booking(session=makeup, resident=rosa.resident)
    assert promoted.resident.user == ruben
    assert _state(makeup) == [
        ("Rosa", "cancelled", None), ("Ruben", "booked", None), ("Otto", "waitlisted", 1),
    ]
    told = Notification.objects.filter(kind="waitlist_promoted", session=makeup)
    assert list(told.values_list("recipient__first_name", flat=True)) == ["Ruben"]


def test_leaving_the_waitlist_closes_the_gap(iris):
    session = open_session(iris.intervisor, capacity=1)
    people = [ResidentFactory(user__first_name=name) for name in ("Ann", "Bob", "Cas", "Dee", "Eve")]
    for resident in people:
        participation_book(session=session, resident=resident)
    participation_cancel_booking(session=session, resident=people[2])
    assert _state(session) == [
        ("Ann", "booked", None), ("Bob", "waitlisted", 1), ("Cas", "cancelled", None),
        ("Dee", "waitlisted", 2), ("Eve", "waitlisted", 3),
    ]
    assert not Notification.objects.filter(kind="waitlist_promoted").exists()


def test_someone_who_cancelled_and_books_again_joins_the_end_of_the_queue(makeup, rosa, ruben, otto):
    for user in (rosa, ruben, otto):
        participation_book(session=makeup, resident=user.resident)
    participation_cancel_booking(session=makeup, resident=ruben.resident)
    again = participation_book(session=makeup, resident=ruben.resident)
    assert (again.booking, again.waitlist_position) == ("waitlisted", 2)


def test_only_scheduled_open_sessions_to_come_can_be_booked(makeup, group, rosa, cora):
    group_session = session_plan(group=group, start=MAKE_UP, by=cora)
    with pytest.raises(ValidationError, match="Only open sessions"):
        participation_book(session=group_session, resident=rosa.resident)
    with time_machine.travel(MAKE_UP, tick=False), pytest.raises(ValidationError,
                                                                 match="no longer be booked"):
        participation_book(session=makeup, resident=rosa.resident)
    session_set_status(session=makeup, status=Session.Status.CANCELLED, by=cora)
    with pytest.raises(ValidationError, match="was cancelled"):
        participation_book(session=makeup, resident=rosa.resident)
    assert not Participation.objects.filter(session=makeup).exists()


def test_a_booking_cannot_overlap_a_group_session_the_resident_comes_to(iris, group, rosa, cora):
    group_session = session_plan(group=group, start=MAKE_UP - dt.timedelta(minutes=60), by=cora)
    overlapping = open_session(iris.intervisor)
    participation_answer(session=group_session, resident=rosa.resident, answer="maybe")
    with pytest.raises(ValidationError, match=r"overlaps with Tuesday group on Thu 19 Mar 2026"):
        participation_book(session=overlapping, resident=rosa.resident)
    participation_answer(session=group_session, resident=rosa.resident, answer="no", reason="personal")
    assert participation_book(session=overlapping, resident=rosa.resident).booking == "booked"


def test_a_booking_cannot_overlap_another_booked_or_awaited_open_session(iris, ivan, rosa, ruben):
    first = open_session(iris.intervisor, capacity=1, title="Drop-in A")
    second = open_session(ivan.intervisor, start=MAKE_UP + dt.timedelta(minutes=89), title="Drop-in B")
    participation_book(session=first, resident=ruben.resident)
    participation_book(session=first, resident=rosa.resident)  # waitlisted
    with pytest.raises(ValidationError, match="overlaps with Drop-in A"):
        participation_book(session=second, resident=rosa.resident)
    participation_cancel_booking(session=first, resident=rosa.resident)
    assert participation_book(session=second, resident=rosa.resident).booking == "booked"


def test_back_to_back_sessions_do_not_clash(iris, rosa):
    first = open_session(iris.intervisor, title="Early")
    later = open_session(iris.intervisor, start=MAKE_UP + dt.timedelta(minutes=90), title="Late")
    participation_book(session=first, resident=rosa.resident)
    assert participation_book(session=later, resident=rosa.resident).booking == "booked"


def test_a_booking_plans_the_residents_reminders(makeup, rosa):
    participation_book(session=makeup, resident=rosa.resident)
    kinds = set(Notification.objects.filter(recipient=rosa, session=makeup).values_list("kind", flat=True))
    assert {"reminder_7d", "reminder_24h"} <= kinds


def test_a_waitlist_place_plans_no_reminders_for_the_waiting(makeup, rosa, ruben):
    participation_book(session=makeup, resident=rosa.resident)
    participation_book(session=makeup, resident=ruben.resident)
    assert not Notification.objects.filter(recipient=ruben, session=makeup).exists()


# --- nothing leaves a booking that rolls back ---------------------------------------------------

class Boom(Exception):
    pass


def test_a_booking_that_rolls_back_enqueues_nothing(makeup, rosa, ruben, django_capture_on_commit_callbacks):
    participation_book(session=makeup, resident=rosa.resident)
    participation_book(session=makeup, resident=ruben.resident)
    before = Notification.objects.count()
    with (
        mock.patch("celery.app.task.Task.apply_async") as apply_async,
        mock.patch("celery.Celery.send_task") as send_task,
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        # Rosa gives up her seat, Ruben is promoted and told, then something later fails.
        participation_cancel_booking(session=makeup, resident=rosa.resident)
        assert Notification.objects.filter(kind="waitlist_promoted").count() == 1
        raise Boom
    assert callbacks == []
    assert not apply_async.called and not send_task.called
    assert Notification.objects.count() == before
    assert _state(makeup) == [("Rosa", "booked", None), ("Ruben", "waitlisted", 1)]


# --- the pages ----------------------------------------------------------------------------------

def test_the_open_sessions_page_shows_free_seats_and_my_place(makeup, iris, rosa, ruben, otto):
    open_session(iris.intervisor, capacity=4, start=MAKE_UP + dt.timedelta(days=7), title="Drop-in")
    participation_book(session=makeup, resident=rosa.resident)
    participation_book(session=makeup, resident=ruben.resident)
    body = login(ruben).get(reverse("open_sessions")).content.decode()
    assert "On the waitlist at position 1" in body
    assert "Free seats: 0 of 1 · waiting: 1" in body and "Free seats: 4 of 4" in body
    assert "Join the waitlist" not in body and "Book a seat" in body
    assert "Join the waitlist" in login(otto).get(reverse("open_sessions")).content.decode()


def test_the_open_sessions_page_needs_the_same_queries_for_many_sessions(
    iris, rosa, ruben, django_assert_num_queries
):
    from residents.models import Programme

    Programme.get()
    client = login(rosa)
    open_session(iris.intervisor, capacity=2)
    # log-in session, user, resident, open sessions with seat counts, rosa's own rows (prefetch),
    # the programme's rules and rosa's roster over those sessions
    with django_assert_num_queries(7):
        client.get(reverse("open_sessions"))
    for day in range(1, 8):
        s = open_session(iris.intervisor, capacity=2, start=MAKE_UP + dt.timedelta(days=day))
        participation_book(session=s, resident=ruben.resident)
        participation_book(session=s, resident=rosa.resident)
    with django_assert_num_queries(7):
        response = client.get(reverse("open_sessions"))
    assert response.content.decode().count("You have a seat") == 7


def test_a_full_page_booking_redirects_with_the_outcome(makeup, rosa, ruben):
    url = reverse("session_book", kwargs={"pk": makeup.pk})
    response = login(rosa).post(url, follow=True)
    assert response.redirect_chain[-1] == (reverse("open_sessions"), 302)
    assert "You have a seat in Make-up session." in response.content.decode()
    response = login(ruben).post(url, follow=True)
    assert "Full — you are on the waitlist at position 1." in response.content.decode()


def test_a_partial_booking_that_lands_on_the_waitlist_answers_409_with_the_position(makeup, rosa, ruben):
    url = reverse("session_book", kwargs={"pk": makeup.pk})
    seat = login(rosa).post(url, HTTP_HX_REQUEST="true")
    assert seat.status_code == 200
    assert seat.content.decode().lstrip().startswith('<li class="list-group-item open-session"')
    full = login(ruben).post(url, HTTP_HX_REQUEST="true")
    assert full.status_code == 409
    body = full.content.decode()
    assert "Full — you are on the waitlist at position 1." in body and "<html" not in body


def test_a_partial_booking_that_clashes_answers_409_naming_the_clash(makeup, iris, rosa):
    participation_book(session=open_session(iris.intervisor, title="Earlier drop-in",
                                            start=MAKE_UP - dt.timedelta(minutes=30)), resident=rosa.resident)
    response = login(rosa).post(reverse("session_book", kwargs={"pk": makeup.pk}), HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert "overlaps with Earlier drop-in" in response.content.decode()
    assert not Participation.objects.filter(session=makeup).exists()


def test_cancelling_asks_first_then_frees_the_seat(makeup, rosa, ruben):
    participation_book(session=makeup, resident=rosa.resident)
    participation_book(session=makeup, resident=ruben.resident)
    client = login(rosa)
    url = reverse("session_book_cancel", kwargs={"pk": makeup.pk})
    page = client.get(url)
    assert "Give up your seat in Make-up session?" in page.content.decode()
    assert _state(makeup)[0] == ("Rosa", "booked", None)
    response = client.post(url, follow=True)
    assert "Your booking for Make-up session is cancelled." in response.content.decode()
    assert _state(makeup) == [("Rosa", "cancelled", None), ("Ruben", "booked", None)]
    assert client.get(url).status_code == 404  # nothing left to cancel


def test_booking_is_post_only_and_for_residents(makeup, rosa, ivan, cora):
    url = reverse("session_book", kwargs={"pk": makeup.pk})
    assert login(rosa).get(url).status_code == 405
    assert login(ivan).post(url).status_code == 403
    assert login(cora).post(url).status_code == 403
    assert login(rosa).post(reverse("session_book", kwargs={"pk": 999999})).status_code == 404
    assert not Participation.objects.filter(session=makeup).exists()


def test_a_group_session_cannot_be_booked_through_the_page(group, rosa, cora, otto):
    group_session = session_plan(group=group, start=MAKE_UP, by=cora)
    assert login(otto).post(reverse("session_book", kwargs={"pk": group_session.pk})).status_code == 404


def test_each_open_session_says_how_it_fits_my_roster(makeup, iris, rosa):
    from residents.models import RosterEntry

    drop_in = open_session(iris.intervisor, capacity=4, start=MAKE_UP + dt.timedelta(days=7), title="Drop-in")
    late = open_session(iris.intervisor, capacity=4, start=MAKE_UP + dt.timedelta(days=14), title="Late one")
    # A night ending the morning of the make-up session: resting until 22:00. Day work during
    # the drop-in, which gives way. Nothing during the late one.
    morning = MAKE_UP.replace(hour=7)
    RosterEntry.objects.create(resident=rosa.resident, start=morning - dt.timedelta(hours=10), end=morning,
                               kind="night")
    RosterEntry.objects.create(resident=rosa.resident, start=drop_in.start - dt.timedelta(hours=6),
                               end=drop_in.end + dt.timedelta(hours=1), kind="day")
    body = login(rosa).get(reverse("open_sessions")).content.decode()
    rows = {title: body.split(title, 1)[1].split("</li>", 1)[0]
            for title in ("Make-up session", "Drop-in", "Late one")}
    assert "Your roster: rest after nights" in rows["Make-up session"]
    assert "Fits your roster once you are released from day duty" in rows["Drop-in"]
    assert "Fits your roster" in rows["Late one"] and "Your roster:" not in rows["Late one"]
    assert late.pk


def test_my_sessions_say_when_my_roster_is_in_the_way(group, rosa, cora):
    from residents.models import RosterEntry

    session = session_plan(group=group, start=MAKE_UP, by=cora)
    RosterEntry.objects.create(resident=rosa.resident, start=MAKE_UP - dt.timedelta(days=1),
                               end=MAKE_UP + dt.timedelta(days=2), kind="leave")
    body = login(rosa).get(reverse("my_sessions")).content.decode()
    assert "Your roster: leave" in body
    assert session.pk
