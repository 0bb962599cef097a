"""What the e-mails say: both parts, the recipient's language, times in the programme's zone,
one-click answer links that work, the calendar attachment, and nobody else's name."""

import datetime as dt
from urllib.parse import urlsplit

import icalendar
import pytest
import time_machine
from django.core import mail
from django.urls import resolve

from residents.models import User
from sessions_app.answer_links import answer_link_verify
from sessions_app.models import Notification, Participation, Session
from sessions_app.services.notifications import Kind, notify_session_changed
from sessions_app.services.participation import participation_book, participation_cancel_booking
from sessions_app.services.sessions import session_plan, session_set_status
from sessions_app.tasks.notifications import dispatch_notifications

from .factories import ResidentFactory

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
START = dt.datetime(2026, 3, 17, 15, 0, tzinfo=dt.UTC)  # Tuesday 16:00 CET
SUMMER = dt.datetime(2026, 6, 16, 14, 0, tzinfo=dt.UTC)  # Tuesday 16:00 CEST

pytestmark = pytest.mark.usefixtures("celery_eager")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def session(group, rosa, ruben, cora):
    return session_plan(group=group, start=START, by=cora)


def _message(kind, user):
    """The e-mail of ``kind`` that ``user`` got in the dispatches so far."""
    rows = Notification.objects.filter(kind=kind, recipient=user)
    ids = {str(pk) for pk in rows.values_list("pk", flat=True)}
    [message] = [m for m in mail.outbox if m.extra_headers["X-Intervision-Notification"] in ids]
    return message


def _html(message):
    [html] = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return html


def _calendar(message, method):
    [part] = [a for a in message.attachments if not isinstance(a, tuple)]
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == method
    assert part.get_content_charset() == "utf-8"
    assert part.get_filename() == "invite.ics"
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


def _links(text):
    return [word for word in text.split() if "/answer/" in word]


def test_an_rsvp_request_in_english_has_both_parts_the_links_and_an_invitation(session, rosa, ivan):
    dispatch_notifications.apply()
    message = _message(Kind.RSVP_REQUEST, rosa)
    assert message.to == [rosa.email]
    assert message.subject == "Intervision Tuesday group on Tuesday 17 March: will you be there?"
    assert "Hello Rosa," in message.body
    assert "When:   Tuesday 17 March 2026, 16:00–17:30 (CET)" in message.body
    assert "Where:  Room 4.12" in message.body
    assert "Led by: Ivan Intervisor" in message.body
    html = _html(message)
    assert "<strong>Tuesday 17 March 2026</strong>, 16:00–17:30" in html

    links = _links(message.body)
    assert len(links) == 3
    for link, answer in zip(links, ("yes", "no", "maybe"), strict=True):
        assert link.replace("&", "&amp;") in html
        match = resolve(urlsplit(link).path)
        assert match.url_name == "answer_link"
        found = answer_link_verify(**match.kwargs)
        assert (found.participation.resident.user, found.participation.session, found.answer) == (
            rosa, session, answer)

    calendar = _calendar(message, "REQUEST")
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]).startswith(str(session.uid))
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == START


def test_the_intervisor_gets_an_invitation_without_answer_links_when_a_session_is_planned(session, ivan):
    dispatch_notifications.apply()
    message = _message(Kind.SESSION_SCHEDULED, ivan)
    assert message.to == [ivan.email]
    assert message.subject == "Planned: you lead intervision Tuesday group on Tuesday 17 March at 16:00"
    assert "Hello Ivan," in message.body
    assert "When:   Tuesday 17 March 2026, 16:00–17:30 (CET)" in message.body
    assert "have been asked whether they can come" in message.body
    assert f"http://localhost:8000/sessions/{session.pk}/" in message.body
    assert "you lead it" in _html(message)
    assert _links(message.body) == []
    [event] = _calendar(message, "REQUEST").walk("VEVENT")
    assert str(event["UID"]).startswith(str(session.uid))
    assert (event["SEQUENCE"], event.decoded("DTSTART")) == (0, START)


def test_a_dutch_intervisor_is_invited_in_dutch(session, ivan):
    User.objects.filter(pk=ivan.pk).update(language="nl")
    dispatch_notifications.apply()
    message = _message(Kind.SESSION_SCHEDULED, ivan)
    assert message.subject == "Gepland: je leidt intervisie Tuesday group op dinsdag 17 maart om 16:00 uur"
    assert "Beste Ivan," in message.body
    assert "De aios van de groep zijn gevraagd" in message.body
    assert "De aios van de groep zijn gevraagd" in _html(message)


def test_a_dutch_resident_gets_dutch(session, rosa):
    User.objects.filter(pk=rosa.pk).update(language="nl")
    dispatch_notifications.apply()
    message = _message(Kind.RSVP_REQUEST, rosa)
    assert message.subject == "Intervisie Tuesday group op dinsdag 17 maart: ben je erbij?"
    assert "Beste Rosa," in message.body
    assert "Wanneer:     dinsdag 17 maart 2026, 16:00–17:30 uur (CET)" in message.body
    assert "Ja, ik kom:" in message.body
    assert "Ja, ik kom</a>" in _html(message)
    assert 'lang="nl"' in _html(message)
    for english in ("Hello", "When", "Answer with one click", "Tuesday 17"):
        assert english not in message.body
    [event] = _calendar(message, "REQUEST").walk("VEVENT")
    assert event["SUMMARY"] == "Intervisie: Tuesday group"


def test_times_are_shown_in_the_programme_zone_in_summer_too(group, rosa, cora):
    session_plan(group=group, start=SUMMER, by=cora)
    dispatch_notifications.apply()
    assert "Tuesday 16 June 2026, 16:00–17:30 (CEST)" in _message(Kind.RSVP_REQUEST, rosa).body


def test_a_video_session_shows_its_link(group, rosa, cora):
    session_plan(group=group, start=START, location="", video_url="https://video.example/room-7", by=cora)
    dispatch_notifications.apply()
    message = _message(Kind.RSVP_REQUEST, rosa)
    assert "Video:  https://video.example/room-7" in message.body
    assert "Where:" not in message.body
    assert 'href="https://video.example/room-7"' in _html(message)


def test_a_title_is_escaped_in_html_and_left_alone_in_text(group, rosa, cora):
    session = session_plan(group=group, start=START, by=cora)
    Session.objects.filter(pk=session.pk).update(title="Q&A <b>night</b>")
    dispatch_notifications.apply()
    message = _message(Kind.RSVP_REQUEST, rosa)
    assert "Q&A <b>night</b>" in message.subject
    assert "Q&A <b>night</b>" in message.body
    assert "Q&amp;A &lt;b&gt;night&lt;/b&gt;" in _html(message)


def test_a_reminder_names_nobody_but_the_recipient_and_the_leader(session, rosa, ruben, _frozen):
    _frozen.move_to(START - dt.timedelta(hours=24))
    dispatch_notifications.apply()
    for kind in (Kind.RSVP_REQUEST, Kind.REMINDER_24H):
        message = _message(kind, rosa)
        for text in (message.subject, message.body, _html(message)):
            assert "Ruben" not in text
    reminder = _message(Kind.REMINDER_24H, rosa)
    assert reminder.subject == "Tomorrow: intervision Tuesday group at 16:00"
    assert "You have not answered yet." in reminder.body
    assert len(_links(reminder.body)) == 3
    assert not reminder.attachments


def test_a_change_carries_the_new_time_a_new_sequence_and_links_for_residents_only(session, rosa, ivan):
    Participation.objects.filter(session=session, resident=rosa.resident).update(rsvp="yes")
    moved = START + dt.timedelta(days=1, hours=1)
    session.start, session.end, session.sequence = moved, moved + dt.timedelta(minutes=90), 1
    session.save()
    notify_session_changed(session=session)
    dispatch_notifications.apply()

    to_rosa = _message(Kind.SESSION_CHANGED, rosa)
    assert to_rosa.subject == "Changed: intervision Tuesday group is now on Wednesday 18 March at 17:00"
    assert "Your earlier answer still stands" in to_rosa.body
    assert len(_links(to_rosa.body)) == 3
    [event] = _calendar(to_rosa, "REQUEST").walk("VEVENT")
    assert (event["SEQUENCE"], event.decoded("DTSTART")) == (1, moved)

    to_ivan = _message(Kind.SESSION_CHANGED, ivan)
    assert _links(to_ivan.body) == []
    _calendar(to_ivan, "REQUEST")


def test_a_cancellation_carries_a_calendar_cancel_with_the_raised_sequence(session, rosa, cora):
    session_set_status(session=session, status=Session.Status.CANCELLED, by=cora)
    dispatch_notifications.apply()
    message = _message(Kind.SESSION_CANCELLED, rosa)
    assert message.subject == "Cancelled: intervision Tuesday group on Tuesday 17 March"
    assert _links(message.body) == []
    calendar = _calendar(message, "CANCEL")
    [event] = calendar.walk("VEVENT")
    assert (calendar["METHOD"], event["STATUS"], event["SEQUENCE"]) == ("CANCEL", "CANCELLED", 1)


def test_the_attendance_prompt_links_to_the_attendance_page(session, ivan, _frozen):
    User.objects.filter(pk=ivan.pk).update(language="nl")
    _frozen.move_to(session.end + dt.timedelta(hours=1))
    dispatch_notifications.apply()
    message = _message(Kind.ATTENDANCE_PROMPT, ivan)
    assert message.subject == "Wil je de aanwezigheid invullen? Tuesday group, 17 maart"
    assert f"http://localhost:8000/sessions/{session.pk}/attendance/" in message.body
    assert not message.attachments


def test_a_seat_from_the_waitlist_comes_with_an_invitation_and_without_answer_links(ivan, cora):
    first, second = ResidentFactory(), ResidentFactory()
    session = Session.objects.create(
        kind=Session.Kind.OPEN, intervisor=ivan.intervisor, capacity=1, start=START,
        end=START + dt.timedelta(minutes=90), location="Room 2",
    )
    participation_book(session=session, resident=first)
    participation_book(session=session, resident=second)
    participation_cancel_booking(session=session, resident=first)
    dispatch_notifications.apply()
    message = _message(Kind.WAITLIST_PROMOTED, second.user)
    assert message.subject == "You have a seat: open intervision session on Tuesday 17 March"
    assert _links(message.body) == []
    _calendar(message, "REQUEST")
