"""Accept, Decline and Maybe pressed in a mail program become answers, through a real IMAP
server (Dovecot, tests/imap.py) and the worker's task.

The replies in tests/fixtures/itip/ are shaped as Outlook, Gmail and Apple Calendar write
them, all for rosa and the Tuesday group's session at START, whose UID they carry.
"""
# The server's fixtures come from tests/imap.py and are named as test arguments:
# ruff: noqa: F811

import datetime as dt
import logging
import re
import threading

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import Client

from sessions_app.models import Booking, CalendarReply, Notification, Participation, Session
from sessions_app.services.participation import participation_answer, participation_book
from sessions_app.services.replies import calendar_reply_record, replies_fetch
from sessions_app.services.sessions import (
    open_session_create,
    session_cancel,
    session_plan,
    session_reschedule,
)
from sessions_app.tasks.notifications import dispatch_notifications
from sessions_app.tasks.replies import fetch_replies

from .helpers import START
from .imap import FIXTURES, dovecot, reply_mailbox  # noqa: F401 - fixtures

# Half an hour after rosa's calendar replied (the fixtures' DTSTAMPs are 10:15 to 10:17).
READ_AT = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
UID = "c3a7e0f2-8d41-4b6e-9f25-7e1d0b9a4c68"
STAMPS = {"accepted": dt.datetime(2026, 3, 2, 10, 15, tzinfo=dt.UTC),
          "declined": dt.datetime(2026, 3, 2, 10, 16, tzinfo=dt.UTC),
          "tentative": dt.datetime(2026, 3, 2, 10, 17, tzinfo=dt.UTC)}
ANSWERS = {"accepted": "yes", "declined": "no", "tentative": "maybe"}
CLIENTS = ["outlook", "gmail", "apple"]

pytestmark = [pytest.mark.now(READ_AT), pytest.mark.usefixtures("celery_eager")]


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://intervision.hospital.example"


@pytest.fixture
def invited(site, clock, group, rosa, ruben, cora):
    """The session rosa's calendar answers: the fixtures carry its UID."""
    session = session_plan(group=group, start=START, by=cora)
    Session.objects.filter(pk=session.pk).update(uid=UID)
    session.refresh_from_db()
    return session


def rosas(session):
    return Participation.objects.get(session=session, resident__user__email="rosa@hospital.example")


def fetch():
    """What a beat run does: the worker's task reads the mailbox."""
    return fetch_replies.delay().get()


def reason_requests():
    return Notification.objects.filter(kind=Notification.Kind.REASON_REQUEST)


@pytest.mark.parametrize("partstat", ["accepted", "declined", "tentative"])
@pytest.mark.parametrize("client", CLIENTS)
def test_a_reply_from_a_mail_program_records_the_answer_once(client, partstat, invited, reply_mailbox):
    reply_mailbox.deliver(f"{client}-{partstat}")

    assert fetch() == "1 read, 0 handled before, 1 recorded"

    answer = rosas(invited)
    assert (answer.rsvp, answer.absence_reason) == (ANSWERS[partstat], "")
    assert answer.answered_at == STAMPS[partstat]  # when she pressed the button
    [row] = CalendarReply.objects.all()
    assert (row.outcome, row.answer, row.participation) == ("recorded", ANSWERS[partstat], answer)
    assert reason_requests().count() == (1 if partstat == "declined" else 0)
    [flags] = reply_mailbox.flags()
    assert "\\Seen" in flags and "IntervisionRead" in flags

    assert fetch() == "0 read, 0 handled before"
    assert CalendarReply.objects.count() == 1
    assert rosas(invited).answered_at == STAMPS[partstat]


def test_a_decline_asks_for_the_reason_with_a_one_click_link(invited, reply_mailbox, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    reply_mailbox.deliver("outlook-declined")
    fetch()
    mail.outbox.clear()

    dispatch_notifications.delay()

    [message] = [m for m in mail.outbox if m.extra_headers.get("X-Intervision-Notification")
                 == str(reason_requests().get().pk)]
    assert message.to == ["rosa@hospital.example"]
    assert message.subject == "Why can you not come on Tuesday 17 March?"
    after = message.body.split("Give the reason: ")[1]
    link = re.search(r"https://intervision\.hospital\.example(/\S+)", after)
    page = Client().get(link.group(1))
    assert page.status_code == 200
    Client().post(link.group(1), {"reason": "clinical_duty"})
    answer = rosas(invited)
    assert (answer.rsvp, answer.absence_reason) == ("no", "clinical_duty")


def test_the_reason_is_not_asked_again_once_given(invited, reply_mailbox):
    reply_mailbox.deliver("gmail-declined")
    fetch()
    participation_answer(session=invited, resident=rosas(invited).resident, answer="no", reason="leave")

    dispatch_notifications.delay()

    assert reason_requests().get().last_error == "reason given"


def test_gmails_inline_and_attached_copies_are_one_reply(invited, reply_mailbox):
    reply_mailbox.deliver("gmail-accepted")
    fetch()
    [row] = CalendarReply.objects.all()
    assert row.detail == ""  # not "1 more ignored"


def test_the_same_message_delivered_twice_records_one_answer(invited, reply_mailbox):
    reply_mailbox.deliver("gmail-declined")
    reply_mailbox.deliver("gmail-declined")

    assert fetch() == "2 read, 1 handled before, 1 recorded"

    assert CalendarReply.objects.count() == 1
    assert reason_requests().count() == 1
    assert all("IntervisionRead" in flags for flags in reply_mailbox.flags())


def test_a_message_recorded_by_a_fetch_that_died_before_marking_it_is_not_recorded_again(
        invited, reply_mailbox):
    reply_mailbox.deliver("apple-tentative")
    # The earlier worker recorded the message and died before it could mark it in the mailbox.
    calendar_reply_record(raw=(FIXTURES / "apple-tentative.eml").read_bytes())
    participation_answer(session=invited, resident=rosas(invited).resident, answer="yes")

    assert fetch() == "1 read, 1 handled before"

    assert rosas(invited).rsvp == "yes"  # the later answer on the web stands
    assert "IntervisionRead" in reply_mailbox.flags()[0]


def test_an_attendee_who_is_not_the_sender_changes_nothing(invited, reply_mailbox, caplog):
    reply_mailbox.deliver("gmail-forged-declined")  # from otto, in rosa's name

    with caplog.at_level(logging.WARNING, logger="sessions_app.services.replies"):
        fetch()

    assert rosas(invited).rsvp == ""
    assert CalendarReply.objects.get().outcome == "forged"
    assert "forged ATTENDEE rosa@hospital.example is not the sender otto@hospital.example" in caplog.text
    assert "IntervisionRead" in reply_mailbox.flags()[0]


def test_a_reply_to_the_time_before_a_move_changes_nothing(invited, reply_mailbox, cora, caplog):
    session_reschedule(session=invited, start=START + dt.timedelta(days=1),
                       end=invited.end + dt.timedelta(days=1), location=invited.location, by=cora)
    reply_mailbox.deliver("outlook-accepted")  # SEQUENCE:0, the invitation is at 1 now

    with caplog.at_level(logging.WARNING, logger="sessions_app.services.replies"):
        fetch()

    assert rosas(invited).rsvp == ""
    assert CalendarReply.objects.get().detail == "SEQUENCE 0, the invitation is at 1"
    assert "stale" in caplog.text


def test_a_reply_for_a_cancelled_session_changes_nothing(invited, reply_mailbox, cora):
    session_cancel(session=invited, by=cora)
    reply_mailbox.deliver("apple-accepted")

    fetch()

    assert rosas(invited).rsvp == ""
    assert CalendarReply.objects.get().outcome == "cancelled"


def test_a_reply_for_an_unknown_event_changes_nothing(site, clock, group, rosa, cora, reply_mailbox):
    session = session_plan(group=group, start=START, by=cora)  # its own UID, not the fixtures'
    reply_mailbox.deliver("outlook-accepted")

    fetch()

    assert rosas(session).rsvp == ""
    assert CalendarReply.objects.get().outcome == "unknown_session"


def test_a_reply_for_another_site_changes_nothing(invited, reply_mailbox, settings):
    settings.SITE_URL = "https://elsewhere.example"  # the UID's host is not this site's
    reply_mailbox.deliver("gmail-accepted")

    fetch()

    assert rosas(invited).rsvp == ""
    assert CalendarReply.objects.get().outcome == "unknown_session"


def test_an_answer_given_on_the_web_after_the_reply_stands(invited, reply_mailbox, clock):
    participation_answer(session=invited, resident=rosas(invited).resident, answer="no", reason="illness")
    reply_mailbox.deliver("outlook-accepted")  # pressed at 10:15, before the web answer at 10:30

    fetch()

    answer = rosas(invited)
    assert (answer.rsvp, answer.absence_reason) == ("no", "illness")
    assert CalendarReply.objects.get().outcome == "superseded"


def test_a_decline_keeps_the_reason_given_before(invited, reply_mailbox, clock):
    clock.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))
    participation_answer(session=invited, resident=rosas(invited).resident, answer="no", reason="leave")
    clock.move_to(READ_AT)
    reply_mailbox.deliver("gmail-declined")

    fetch()

    assert rosas(invited).absence_reason == "leave"
    assert CalendarReply.objects.get().outcome == "unchanged"
    assert not reason_requests().exists()


def test_three_replies_in_one_fetch_leave_the_latest(invited, reply_mailbox):
    for name in ["apple-tentative", "outlook-accepted", "gmail-declined"]:  # out of order
        reply_mailbox.deliver(name)

    fetch()

    answer = rosas(invited)
    assert (answer.rsvp, answer.answered_at) == ("maybe", STAMPS["tentative"])


def test_an_answer_the_service_refuses_changes_nothing(invited, reply_mailbox, clock):
    reply_mailbox.deliver("outlook-accepted")
    clock.move_to(START + dt.timedelta(minutes=5))  # read once the session has started

    fetch()

    assert rosas(invited).rsvp == ""
    row = CalendarReply.objects.get()
    assert (row.outcome, row.detail) == (
        "refused", "This session has started; answers can no longer be changed.")


def test_a_decline_for_an_open_session_gives_the_seat_up(site, clock, rosa, ivan, reply_mailbox):
    session = open_session_create(intervisor=ivan.intervisor, start=START, end=START + dt.timedelta(hours=1),
                                  capacity=4, location="Room 4.12", by=None)
    Session.objects.filter(pk=session.pk).update(uid=UID)
    participation_book(session=session, resident=rosa.resident)
    reply_mailbox.deliver("apple-accepted")
    reply_mailbox.deliver("apple-declined")

    fetch()

    assert rosas(session).booking == Booking.CANCELLED
    assert list(CalendarReply.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "unchanged", "recorded"]


def test_a_message_without_a_calendar_reply_is_marked_and_left(invited, reply_mailbox):
    reply_mailbox.deliver("outlook-out-of-office")

    assert fetch() == "1 read, 0 handled before, 1 not_a_reply"
    assert "IntervisionRead" in reply_mailbox.flags()[0]


def test_a_calendar_part_that_cannot_be_read_is_no_reply(invited):
    raw = (FIXTURES / "gmail-accepted.eml").read_bytes()
    raw = raw.replace(b"BEGIN:VEVENT", b"BEGIN:VEVENT\r\nDTSTAMP:soon")
    # and invite.ics, its base64 no longer decoded, is no calendar at all
    raw = raw.replace(b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: 7bit")

    row = calendar_reply_record(raw=raw)

    assert row.outcome == "not_a_reply"
    assert rosas(invited).rsvp == ""


def test_without_a_reply_mailbox_the_task_reads_nothing(settings):
    settings.REPLY_MAILBOX_URL = ""
    assert fetch() == "0 read, 0 handled before"


def test_a_mailbox_that_refuses_the_log_in_is_tried_again_next_time(invited, reply_mailbox, settings):
    settings.REPLY_MAILBOX_URL = reply_mailbox.url.replace("reply-mailbox-secret", "wrong")
    reply_mailbox.deliver("outlook-accepted")

    assert fetch().startswith("mailbox not read: ")

    settings.REPLY_MAILBOX_URL = reply_mailbox.url
    assert fetch() == "1 read, 0 handled before, 1 recorded"


def test_the_command_reads_the_mailbox_now(invited, reply_mailbox, capsys):
    reply_mailbox.deliver("outlook-tentative")
    call_command("fetch_replies")
    assert capsys.readouterr().out == "Reply mailbox: 1 read, 0 handled before, 1 recorded.\n"
    assert rosas(invited).rsvp == "maybe"


def test_the_command_says_when_there_is_no_mailbox(settings):
    settings.REPLY_MAILBOX_URL = ""
    with pytest.raises(CommandError, match="REPLY_MAILBOX_URL is not set"):
        call_command("fetch_replies")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent workers: PostgreSQL, as in CI")
def test_two_workers_reading_at_once_record_each_reply_once(invited, reply_mailbox):
    for name in ["outlook-accepted", "gmail-declined", "apple-tentative", "gmail-declined"]:
        reply_mailbox.deliver(name)
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=30)
            reports.append(replies_fetch())
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert CalendarReply.objects.count() == 3
    assert sum(sum(r.outcomes.values()) for r in reports) == 3
    assert rosas(invited).rsvp == "maybe"  # the latest of the three, whoever read it
    assert all("IntervisionRead" in flags for flags in reply_mailbox.flags())
