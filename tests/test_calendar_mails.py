"""Every change reaches people's calendars, and every mail tells the whole story: a booked
seat and a seat from the waitlist come with an invitation (REQUEST), a seat given up with a
cancellation (CANCEL) of the same UID and a higher SEQUENCE; a change shows the old and the new
time and place; a cancellation names the group's next session; open sessions are named as open
sessions; every message says its language and carries the calendar part inline and attached."""

import datetime as dt
import email
import email.policy

import icalendar
import pytest
from django.core import mail

from residents.models import User
from sessions_app.models import Notification, Session
from sessions_app.services.notifications import Kind
from sessions_app.services.participation import participation_book, participation_cancel_booking
from sessions_app.services.sessions import (
    open_session_create,
    session_plan,
    session_reschedule,
    session_set_status,
)
from sessions_app.tasks.notifications import dispatch_notifications

from .factories import ResidentFactory
from .helpers import START

SIX_WEEKS_LATER = START + dt.timedelta(weeks=6, hours=-1)  # 28 April, 16:00 in summer time

pytestmark = pytest.mark.usefixtures("clock", "celery_eager")


def _messages(kind, user):
    """The e-mails of ``kind`` that ``user`` got in the dispatches so far, oldest first."""
    ids = {str(pk) for pk in Notification.objects.filter(kind=kind, recipient=user)
           .order_by("pk").values_list("pk", flat=True)}
    return [m for m in mail.outbox if m.extra_headers["X-Intervision-Notification"] in ids]


def _message(kind, user):
    [message] = _messages(kind, user)
    return message


def _sent():
    dispatch_notifications.apply()


def _html(message):
    [html] = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return html


def _event(message, method):
    """The VEVENT of the attached invite.ics, after checking it says ``method``."""
    [part] = [a for a in message.attachments if not isinstance(a, tuple)]
    assert (part.get_content_type(), part.get_param("method"), part.get_filename()) == (
        "text/calendar", method, "invite.ics")
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    assert calendar["METHOD"] == method
    [event] = calendar.walk("VEVENT")
    return event


@pytest.fixture
def makeup(ivan, cora):
    """An open make-up session with one seat, led by ivan, at START."""
    return open_session_create(intervisor=ivan.intervisor, start=START, end=START + dt.timedelta(minutes=90),
                               capacity=1, location="Room 2", by=cora)


# --- Booking, the waitlist and giving up a seat --------------------------------------------------

def test_booking_a_seat_sends_an_invitation(makeup, rosa):
    participation_book(session=makeup, resident=rosa.resident)
    _sent()
    message = _message(Kind.SEAT_BOOKED, rosa)
    assert message.subject == "Your seat: the open intervision session on Tuesday 17 March"
    assert "You have booked a seat in the open intervision session." in message.body
    assert "Where:  Room 2" in message.body
    assert "/answer/" not in message.body  # a seat is booked, not answered
    event = _event(message, "REQUEST")
    assert str(event["UID"]).startswith(str(makeup.uid))
    assert event["STATUS"] == "CONFIRMED"
    assert "Give up your seat here" in str(event["DESCRIPTION"])


def test_a_place_on_the_waitlist_sends_nothing_until_it_becomes_a_seat(makeup, rosa, ruben):
    participation_book(session=makeup, resident=rosa.resident)
    participation_book(session=makeup, resident=ruben.resident)  # waitlisted
    _sent()
    assert _messages(Kind.SEAT_BOOKED, ruben) == []
    participation_cancel_booking(session=makeup, resident=rosa.resident)
    _sent()
    promoted = _message(Kind.WAITLIST_PROMOTED, ruben)
    assert ("you were first on the waitlist for the open intervision session." in promoted.body)
    assert _event(promoted, "REQUEST")["STATUS"] == "CONFIRMED"


def test_giving_up_a_seat_cancels_the_same_event_with_a_higher_sequence(makeup, rosa, clock):
    participation_book(session=makeup, resident=rosa.resident)
    _sent()
    booked = _event(_message(Kind.SEAT_BOOKED, rosa), "REQUEST")
    clock.shift(dt.timedelta(hours=1))
    participation_cancel_booking(session=makeup, resident=rosa.resident)
    _sent()
    message = _message(Kind.SEAT_GIVEN_UP, rosa)
    assert message.subject == "Seat given up: the open intervision session on Tuesday 17 March"
    assert "You have given up your seat in the open intervision session" in message.body
    assert "http://localhost:8000/sessions/open/" in message.body
    cancel = _event(message, "CANCEL")
    assert cancel["UID"] == booked["UID"]
    assert cancel["SEQUENCE"] > booked["SEQUENCE"]
    assert cancel["STATUS"] == "CANCELLED"


def test_booking_again_after_giving_up_invites_again_with_a_higher_sequence_still(makeup, rosa):
    participation_book(session=makeup, resident=rosa.resident)
    participation_cancel_booking(session=makeup, resident=rosa.resident)
    participation_book(session=makeup, resident=rosa.resident)
    _sent()
    # The first invitation and the cancellation were overtaken before they left: only the
    # seat as it is now is told.
    [again] = _messages(Kind.SEAT_BOOKED, rosa)
    assert _messages(Kind.SEAT_GIVEN_UP, rosa) == []
    assert _event(again, "REQUEST")["SEQUENCE"] == 2


def test_each_message_about_a_seat_is_sent_in_order_with_rising_sequences(makeup, rosa):
    participation_book(session=makeup, resident=rosa.resident)
    _sent()
    participation_cancel_booking(session=makeup, resident=rosa.resident)
    _sent()
    participation_book(session=makeup, resident=rosa.resident)
    _sent()
    first, again = _messages(Kind.SEAT_BOOKED, rosa)
    sequences = [_event(first, "REQUEST")["SEQUENCE"],
                 _event(_message(Kind.SEAT_GIVEN_UP, rosa), "CANCEL")["SEQUENCE"],
                 _event(again, "REQUEST")["SEQUENCE"]]
    assert sequences == sorted(set(sequences))


def test_a_waitlist_place_given_up_sends_no_cancellation(makeup, rosa, ruben):
    participation_book(session=makeup, resident=rosa.resident)
    participation_book(session=makeup, resident=ruben.resident)  # waitlisted, never invited
    participation_cancel_booking(session=makeup, resident=ruben.resident)
    _sent()
    assert _messages(Kind.SEAT_GIVEN_UP, ruben) == []


def test_the_intervisor_of_an_open_session_is_not_told_they_lead_a_group_called_open(makeup, ivan):
    _sent()
    message = _message(Kind.SESSION_SCHEDULED, ivan)
    assert message.subject == "Planned: you lead the open intervision session on Tuesday 17 March at 16:00"
    assert "The open intervision session has been planned, and you lead it." in message.body
    assert "intervision open intervision" not in message.subject + message.body
    assert "Residents can book a seat until it starts" in message.body


def test_a_titled_open_session_is_named_by_its_title(ivan, cora, rosa):
    titled = open_session_create(intervisor=ivan.intervisor, start=START,
                                 end=START + dt.timedelta(minutes=90), capacity=4, location="Room 2",
                                 title="Make-up for March", by=cora)
    participation_book(session=titled, resident=rosa.resident)
    _sent()
    assert _message(Kind.SEAT_BOOKED, rosa).subject == (
        "Your seat: the open intervision session “Make-up for March” on Tuesday 17 March")


def test_the_feed_and_the_cancellation_agree_on_the_sequence(makeup, rosa):
    from django.test import Client
    from django.urls import reverse

    participation_book(session=makeup, resident=rosa.resident)
    participation_cancel_booking(session=makeup, resident=rosa.resident)
    _sent()
    cancel = _event(_message(Kind.SEAT_GIVEN_UP, rosa), "CANCEL")
    feed = icalendar.Calendar.from_ical(
        Client().get(reverse("calendar_feed", kwargs={"token": rosa.calendar_token})).content)
    [in_feed] = feed.events
    assert (in_feed["UID"], in_feed["SEQUENCE"], in_feed["STATUS"]) == (
        cancel["UID"], cancel["SEQUENCE"], "CANCELLED")


def test_reminders_and_the_attendance_prompt_of_an_open_session_read_right(makeup, rosa, ivan, clock):
    participation_book(session=makeup, resident=rosa.resident)
    clock.move_to(START - dt.timedelta(hours=24))
    _sent()
    reminder = _message(Kind.REMINDER_24H, rosa)
    assert reminder.subject == "Tomorrow: the open intervision session at 16:00"
    assert "A reminder: the open intervision session is tomorrow." in reminder.body
    assert "You have booked a seat." in reminder.body
    assert "please give up your seat so the next person on the waitlist gets it" in reminder.body
    clock.move_to(makeup.end + dt.timedelta(hours=2))
    _sent()
    prompt = _message(Kind.ATTENDANCE_PROMPT, ivan)
    assert prompt.subject == "Please record attendance: the open intervision session, 17 March"
    assert "The open intervision session on Tuesday 17 March has ended." in prompt.body
    assert "filled in from the bookings" in prompt.body


def test_a_moved_open_session_is_named_as_one(makeup, rosa, cora):
    participation_book(session=makeup, resident=rosa.resident)
    moved = START + dt.timedelta(days=1)
    session_reschedule(session=makeup, start=moved, end=moved + dt.timedelta(minutes=90),
                       location="Room 2", by=cora)
    _sent()
    message = _message(Kind.SESSION_CHANGED, rosa)
    assert message.subject == "Changed: the open intervision session is now on Wednesday 18 March at 16:00"
    assert "The open intervision session has changed." in message.body
    assert "Time:  Tuesday 17 March 2026, 16:00–17:30 → Wednesday 18 March 2026, 16:00–17:30" in message.body


# --- Changes and cancellations -----------------------------------------------------------------

def test_a_change_shows_the_old_and_the_new_time_and_place(planned, rosa, ivan, cora, clock):
    moved = START + dt.timedelta(days=1, hours=1)
    session_reschedule(session=planned, start=moved, end=moved + dt.timedelta(minutes=90),
                       location="Room 5", by=cora)
    _sent()
    message = _message(Kind.SESSION_CHANGED, rosa)
    assert "The intervision session of Tuesday group has changed." in message.body
    assert ("Time:  Tuesday 17 March 2026, 16:00–17:30 → Wednesday 18 March 2026, 17:00–18:30"
            in message.body)
    assert "Place: Room 4.12 → Room 5" in message.body
    assert "This is how it stands now:" in message.body
    html = _html(message)
    assert ("<s>Tuesday 17 March 2026, 16:00–17:30</s> → "
            "<strong>Wednesday 18 March 2026, 17:00–18:30</strong>") in html
    assert "<s>Room 4.12</s> → <strong>Room 5</strong>" in html
    assert "Time:" in _message(Kind.SESSION_CHANGED, ivan).body  # the leaders too


def test_a_change_of_time_only_does_not_mention_the_place(planned, rosa, cora):
    moved = START + dt.timedelta(hours=1)
    session_reschedule(session=planned, start=moved, end=moved + dt.timedelta(minutes=90),
                       location=planned.location, by=cora)
    _sent()
    body = _message(Kind.SESSION_CHANGED, rosa).body
    assert "Time:  Tuesday 17 March 2026, 16:00–17:30 → Tuesday 17 March 2026, 17:00–18:30" in body
    assert "Place:" not in body


def test_two_changes_before_the_first_is_sent_show_what_was_last_told(planned, rosa, cora, clock):
    session_reschedule(session=planned, start=START, end=START + dt.timedelta(minutes=90),
                       location="Room 5", by=cora)
    session_reschedule(session=planned, start=START, end=START + dt.timedelta(minutes=90),
                       location="Room 6", by=cora)
    _sent()
    [message] = _messages(Kind.SESSION_CHANGED, rosa)
    assert "Place: Room 4.12 → Room 6" in message.body


def test_a_cancellation_names_the_groups_next_planned_session(planned, group, rosa, cora):
    later = session_plan(group=group, start=SIX_WEEKS_LATER, by=cora)
    session_plan(group=group, start=START + dt.timedelta(weeks=12), by=cora)
    session_set_status(session=planned, status=Session.Status.CANCELLED, by=cora)
    _sent()
    message = _message(Kind.SESSION_CANCELLED, rosa)
    assert ("The next session of Tuesday group is planned on Tuesday 28 April 2026, 16:00–17:30."
            in message.body)
    assert f"http://localhost:8000/sessions/{later.pk}/" in message.body
    assert "You will hear from us" not in message.body
    assert "The next session of Tuesday group is planned on" in _html(message)


def test_a_cancellation_without_a_next_session_promises_to_tell(planned, group, rosa, cora):
    cancelled_too = session_plan(group=group, start=START + dt.timedelta(weeks=6), by=cora)
    session_set_status(session=cancelled_too, status=Session.Status.CANCELLED, by=cora)
    session_set_status(session=planned, status=Session.Status.CANCELLED, by=cora)
    _sent()
    [message, _later] = _messages(Kind.SESSION_CANCELLED, rosa)
    assert "You will hear from us when the next session is planned." in message.body
    assert "The next session of" not in message.body


def test_a_cancelled_open_session_is_named_as_one(makeup, rosa, cora):
    participation_book(session=makeup, resident=rosa.resident)
    session_set_status(session=makeup, status=Session.Status.CANCELLED, by=cora)
    _sent()
    message = _message(Kind.SESSION_CANCELLED, rosa)
    assert message.subject == "Cancelled: the open intervision session on Tuesday 17 March"
    assert message.body.count(
        "The open intervision session on Tuesday 17 March 2026 at 16:00 has been cancelled.") == 1
    assert "next session" not in message.body


# --- What every message carries ------------------------------------------------------------------

def test_every_message_says_its_language(planned, rosa, ruben):
    User.objects.filter(pk=ruben.pk).update(language="nl")
    _sent()
    assert _message(Kind.RSVP_REQUEST, rosa).extra_headers["Content-Language"] == "en"
    raw = _message(Kind.RSVP_REQUEST, ruben).message()
    assert raw["Content-Language"] == "nl"


def test_the_calendar_part_is_inline_in_the_alternative_and_attached(planned, rosa):
    _sent()
    raw = email.message_from_bytes(_message(Kind.RSVP_REQUEST, rosa).message().as_bytes(),
                                   policy=email.policy.default)
    assert raw.get_content_type() == "multipart/mixed"
    alternative, attachment = raw.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in alternative.get_payload()]
    assert kinds == ["text/plain", "text/html", "text/calendar"]  # the richest last
    inline = alternative.get_payload()[2]
    assert inline.get_param("method") == "REQUEST"
    assert inline.get_content_disposition() is None
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "invite.ics"
    assert inline.get_content().splitlines() == attachment.get_content().splitlines()


def test_invitations_ask_for_no_reply_and_point_to_the_answer_page(planned, rosa):
    _sent()
    event = _event(_message(Kind.RSVP_REQUEST, rosa), "REQUEST")
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"
    assert f"/sessions/{planned.pk}/rsvp/" in str(event["DESCRIPTION"])


# --- In Dutch ----------------------------------------------------------------------------------

def _dutch(*users):
    User.objects.filter(pk__in=[u.pk for u in users]).update(language="nl")


def test_the_seat_mails_in_dutch(makeup, rosa, clock):
    _dutch(rosa)
    participation_book(session=makeup, resident=rosa.resident)
    _sent()
    booked = _message(Kind.SEAT_BOOKED, rosa)
    assert booked.subject == "Je plek: de open intervisiebijeenkomst op dinsdag 17 maart"
    assert "Je hebt een plek geboekt in de open intervisiebijeenkomst." in booked.body
    assert booked.extra_headers["Content-Language"] == "nl"
    clock.shift(dt.timedelta(hours=1))
    participation_cancel_booking(session=makeup, resident=rosa.resident)
    _sent()
    given_up = _message(Kind.SEAT_GIVEN_UP, rosa)
    assert given_up.subject == "Plek vrijgegeven: de open intervisiebijeenkomst op dinsdag 17 maart"
    assert "Je hebt je plek in de open intervisiebijeenkomst op dinsdag 17 maart 2026" in given_up.body


def test_the_open_session_mail_to_a_dutch_intervisor(makeup, ivan):
    _dutch(ivan)
    _sent()
    message = _message(Kind.SESSION_SCHEDULED, ivan)
    assert message.subject == (
        "Gepland: je leidt de open intervisiebijeenkomst op dinsdag 17 maart om 16:00 uur")
    assert "intervisie open intervisiebijeenkomst" not in message.subject + message.body
    assert "De open intervisiebijeenkomst is gepland, en jij leidt die." in message.body


def test_the_change_and_cancel_mails_in_dutch(planned, group, rosa, cora):
    _dutch(rosa)
    moved = START + dt.timedelta(days=1, hours=1)
    session_reschedule(session=planned, start=moved, end=moved + dt.timedelta(minutes=90),
                       location="Room 5", by=cora)
    session_plan(group=group, start=SIX_WEEKS_LATER, by=cora)
    _sent()
    changed = _message(Kind.SESSION_CHANGED, rosa)
    assert "De intervisiebijeenkomst van Tuesday group is gewijzigd." in changed.body
    assert "Plaats: Room 4.12 → Room 5" in changed.body
    assert "dinsdag 17 maart 2026, 16:00–17:30 uur → woensdag 18 maart 2026, 17:00–18:30 uur" in changed.body
    session_set_status(session=planned, status=Session.Status.CANCELLED, by=cora)
    _sent()
    cancelled = _message(Kind.SESSION_CANCELLED, rosa)
    assert ("De volgende bijeenkomst van Tuesday group is gepland op dinsdag 28 april 2026, "
            "16:00–17:30 uur." in cancelled.body)


def test_a_dutch_residents_feed_and_invitation_agree(planned, rosa):
    """The same UID reads the same in the invitation and in the feed: both in Dutch."""
    from django.test import Client
    from django.urls import reverse

    _dutch(rosa)
    _sent()
    invited = _event(_message(Kind.RSVP_REQUEST, rosa), "REQUEST")
    feed = icalendar.Calendar.from_ical(
        Client().get(reverse("calendar_feed", kwargs={"token": rosa.calendar_token}),
                     HTTP_ACCEPT_LANGUAGE="en").content)
    [in_feed] = feed.events
    assert in_feed["UID"] == invited["UID"]
    assert in_feed["SUMMARY"] == invited["SUMMARY"] == "Intervisie: Tuesday group"


def test_nobody_else_is_named_in_seat_mails(makeup, rosa, ruben):
    participation_book(session=makeup, resident=rosa.resident)
    participation_book(session=makeup, resident=ruben.resident)
    participation_cancel_booking(session=makeup, resident=rosa.resident)
    _sent()
    for kind, user in ((Kind.SEAT_BOOKED, rosa), (Kind.SEAT_GIVEN_UP, rosa),
                       (Kind.WAITLIST_PROMOTED, ruben)):
        for message in _messages(kind, user):
            other = "Ruben" if user == rosa else "Rosa"
            assert other not in message.subject + message.body + _html(message)


def test_a_late_resident_from_the_factory_gets_english_by_default(makeup):
    resident = ResidentFactory()
    participation_book(session=makeup, resident=resident)
    _sent()
    assert _message(Kind.SEAT_BOOKED, resident.user).extra_headers["Content-Language"] == "en"
