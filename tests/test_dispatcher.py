"""The dispatcher and the send task: each message is claimed before it is sent, so repeated
runs and duplicate deliveries send it once; stale messages are not sent; only temporary SMTP
failures are tried again, later."""

import datetime as dt
import smtplib
from collections import Counter

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions_app.models import Notification, Session
from sessions_app.services import notifications
from sessions_app.services.notifications import MAX_ATTEMPTS, Kind, notification_send
from sessions_app.services.participation import participation_book, participation_cancel_booking
from sessions_app.services.sessions import (
    open_session_create,
    session_plan,
    session_reschedule,
    session_set_status,
)
from sessions_app.tasks.notifications import dispatch_notifications, send_notification

from .factories import ResidentFactory
from .helpers import NOW, START

pytestmark = pytest.mark.usefixtures("clock", "celery_eager")


class FailingBackend(LocmemBackend):
    """The SMTP server's side of the story: raises the queued errors one send at a time, then
    delivers to ``mail.outbox`` like the test backend."""

    errors: list[BaseException] = []

    def send_messages(self, messages):
        if FailingBackend.errors:
            raise FailingBackend.errors.pop(0)
        return super().send_messages(messages)


@pytest.fixture
def smtp_fails(settings):
    settings.EMAIL_BACKEND = "tests.test_dispatcher.FailingBackend"
    FailingBackend.errors = []
    yield FailingBackend.errors
    FailingBackend.errors = []


def _sent_keys():
    """(kind, session, recipient) of every e-mail that left, read back through its outbox row."""
    ids = [int(m.extra_headers["X-Intervision-Notification"]) for m in mail.outbox]
    rows = Notification.objects.in_bulk(ids)
    return Counter((rows[i].kind, rows[i].session_id, rows[i].recipient_id) for i in ids)


def _reminder(session, user):
    return Notification.objects.get(kind=Kind.REMINDER_24H, session=session, recipient=user)


# --- Exactly once -------------------------------------------------------------------------------

def test_three_runs_and_duplicate_deliveries_send_each_message_once(
    planned, other_group, otto, cora, clock
):
    session_plan(group=other_group, start=START + dt.timedelta(days=1), by=cora)
    clock.move_to(START + dt.timedelta(days=2))  # everything of both sessions is due
    for _ in range(3):
        dispatch_notifications.apply()
    everything = list(Notification.objects.values_list("pk", flat=True))
    for pk in everything:  # the broker delivers every task a second time
        send_notification.apply(args=[pk])

    sent = _sent_keys()
    assert sent, "nothing was sent"
    assert set(sent.values()) == {1}
    assert len(mail.outbox) == Notification.objects.filter(status="sent").count()
    assert not Notification.objects.filter(status__in=["pending", "sending"]).exists()


def test_a_task_finds_nothing_to_claim_in_a_row_another_worker_is_sending(planned, rosa, clock):
    clock.move_to(START - dt.timedelta(hours=23))
    row = _reminder(planned, rosa)
    Notification.objects.filter(pk=row.pk).update(status="sending", claimed_at=NOW)
    assert notification_send(notification_id=row.pk) == "not claimed"
    assert mail.outbox == []


def test_a_task_that_arrives_before_its_row_is_due_sends_nothing(planned, rosa):
    row = _reminder(planned, rosa)
    assert send_notification.apply(args=[row.pk]).get() == "not claimed"
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)


def test_a_handed_out_row_is_handed_out_again_only_when_its_task_was_lost(planned, clock):
    Notification.objects.update(due_at=NOW)
    first = notifications.notifications_hand_out()
    assert len(first) == Notification.objects.count()
    assert notifications.notifications_hand_out() == []
    clock.shift(dt.timedelta(minutes=11))
    assert sorted(notifications.notifications_hand_out()) == sorted(first)


def test_a_row_left_sending_by_a_dead_worker_is_sent_after_the_timeout(planned, rosa, clock):
    clock.move_to(START - dt.timedelta(hours=23))
    crashed = _reminder(planned, rosa)
    Notification.objects.filter(pk=crashed.pk).update(status="sending", claimed_at=dt.datetime.now(dt.UTC),
                                                        attempts=1)
    clock.shift(dt.timedelta(minutes=14))
    dispatch_notifications.apply()
    assert Notification.objects.get(pk=crashed.pk).status == "sending"
    clock.shift(dt.timedelta(minutes=2))
    dispatch_notifications.apply()
    crashed.refresh_from_db()
    assert (crashed.status, crashed.attempts) == ("sent", 2)


# --- Stale messages -------------------------------------------------------------------------------

def test_a_cancelled_session_sends_only_its_cancellation(planned, rosa, ruben, ivan, cora, clock):
    session_set_status(session=planned, status=Session.Status.CANCELLED, by=cora)
    clock.move_to(START + dt.timedelta(days=1))
    dispatch_notifications.apply()
    kinds = Counter(kind for kind, _session, _user in _sent_keys())
    assert kinds == {Kind.SESSION_CANCELLED: 3}  # rosa, ruben and ivan
    assert sorted(m.to[0] for m in mail.outbox) == sorted([rosa.email, ruben.email, ivan.email])
    assert not Notification.objects.exclude(kind=Kind.SESSION_CANCELLED).exclude(status="cancelled").exists()


def test_a_moved_session_sends_its_reminders_at_the_new_time_only(planned, rosa, ruben, cora, clock):
    new_start = START + dt.timedelta(days=2)
    session_reschedule(session=planned, start=new_start, end=new_start + dt.timedelta(minutes=90),
                       location=planned.location, by=cora)

    clock.move_to(START - dt.timedelta(hours=24))  # the old reminder time
    dispatch_notifications.apply()
    assert Kind.REMINDER_24H not in {kind for kind, _s, _u in _sent_keys()}

    mail.outbox.clear()
    clock.move_to(new_start - dt.timedelta(hours=24))
    dispatch_notifications.apply()
    reminders = Notification.objects.filter(kind=Kind.REMINDER_24H, status="sent")
    assert {r.scope for r in reminders} == {f"session:{planned.pk}:seq:1"}
    assert sorted(m.to[0] for m in mail.outbox if m.subject.startswith("Tomorrow")) == [
        rosa.email, ruben.email
    ]
    assert set(
        Notification.objects.filter(scope=f"session:{planned.pk}:seq:0", kind=Kind.REMINDER_24H)
        .values_list("status", flat=True)
    ) == {"cancelled"}


def test_a_seat_from_the_waitlist_is_still_told_when_the_session_moves_before_the_e_mail_left(
    ivan, cora, clock
):
    first, second = ResidentFactory(), ResidentFactory()
    session = open_session_create(
        intervisor=ivan.intervisor, start=START, end=START + dt.timedelta(minutes=90), capacity=1,
        by=cora, title="Make-up session", location="Room 2",
    )
    participation_book(session=session, resident=first)
    participation_book(session=session, resident=second)
    participation_cancel_booking(session=session, resident=first)
    moved = START + dt.timedelta(hours=2)
    session_reschedule(session=session, start=moved, end=moved + dt.timedelta(minutes=90),
                       location="Room 2", by=cora)
    dispatch_notifications.apply()
    kinds = {kind for kind, _s, user in _sent_keys() if user == second.user_id}
    assert kinds == {Kind.WAITLIST_PROMOTED, Kind.SESSION_CHANGED}
    [seat] = [m for m in mail.outbox if m.subject.startswith("You have a seat")]
    assert "Tuesday 17 March 2026, 18:00–19:30" in seat.body  # as it stands when sent


# --- Failures ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("error", [
    smtplib.SMTPServerDisconnected("gone"),
    smtplib.SMTPConnectError(421, b"busy"),
    smtplib.SMTPResponseException(451, b"try again later"),
    smtplib.SMTPRecipientsRefused({"rosa@hospital.example": (450, b"mailbox busy")}),
    TimeoutError("timed out"),  # socket.timeout
    ConnectionRefusedError("refused"),
], ids=lambda e: type(e).__name__)
def test_a_temporary_failure_is_tried_again_later(planned, rosa, smtp_fails, error, clock):
    at = START - dt.timedelta(hours=23)
    clock.move_to(at)
    row = _reminder(planned, rosa)
    smtp_fails.append(error)
    assert notification_send(notification_id=row.pk).startswith("retry")
    row.refresh_from_db()
    assert (row.status, row.attempts, row.due_at) == ("pending", 1, at + dt.timedelta(minutes=2))
    assert type(error).__name__ in row.last_error

    dispatch_notifications.apply()
    assert _reminder(planned, rosa).status == "pending"  # not yet
    clock.shift(dt.timedelta(minutes=2))
    dispatch_notifications.apply()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")


@pytest.mark.parametrize("error", [
    smtplib.SMTPResponseException(550, b"no such user"),
    smtplib.SMTPRecipientsRefused({"rosa@hospital.example": (550, b"no such user")}),
    smtplib.SMTPDataError(554, b"rejected as spam"),
    smtplib.SMTPAuthenticationError(535, b"bad credentials"),
], ids=lambda e: type(e).__name__)
def test_a_permanent_failure_fails_at_once(planned, rosa, smtp_fails, error, clock):
    clock.move_to(START - dt.timedelta(hours=23))
    row = _reminder(planned, rosa)
    smtp_fails.append(error)
    assert notification_send(notification_id=row.pk).startswith("failed")
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 1)
    assert type(error).__name__ in row.last_error
    clock.shift(dt.timedelta(hours=3))
    dispatch_notifications.apply()
    assert _reminder(planned, rosa).status == "failed"
    assert rosa.email not in [m.to[0] for m in mail.outbox if m.subject.startswith("Tomorrow")]


def test_temporary_failures_back_off_and_give_up_after_the_last_attempt(planned, rosa, smtp_fails, clock):
    clock.move_to(START - dt.timedelta(hours=23))
    row = _reminder(planned, rosa)
    smtp_fails.extend(smtplib.SMTPServerDisconnected("gone") for _ in range(MAX_ATTEMPTS))
    waits = []
    for _attempt in range(MAX_ATTEMPTS - 1):
        before = dt.datetime.now(dt.UTC)
        notification_send(notification_id=row.pk)
        row.refresh_from_db()
        assert row.status == "pending"
        waits.append(row.due_at - before)
        clock.move_to(row.due_at)
    assert waits == [dt.timedelta(minutes=m) for m in (2, 4, 8, 16, 32)]
    assert notification_send(notification_id=row.pk).startswith("failed")
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert "SMTPServerDisconnected" in row.last_error


# --- Cost -------------------------------------------------------------------------------------------

def test_sending_one_reminder_costs_four_queries(planned, ruben, clock, django_assert_num_queries):
    clock.move_to(START - dt.timedelta(hours=23))
    row = _reminder(planned, ruben)
    # 1. claim: UPDATE … SET status = 'sending' WHERE id = … AND status = 'pending' AND due_at <= now
    # 2. the row with recipient, session, group, intervisor and co-intervisor (one SELECT)
    # 3. the recipient's participation (answer and seat)
    # 4. record: UPDATE … SET status = 'sent' WHERE id = … AND status = 'sending' AND claimed_at = …
    with django_assert_num_queries(4):
        assert notification_send(notification_id=row.pk) == "sent"
    assert mail.outbox[-1].to == [ruben.email]


def test_handing_out_costs_two_queries_however_many_rows_are_due(planned):
    Notification.objects.update(due_at=NOW)
    due = Notification.objects.count()
    with CaptureQueriesContext(connection) as many:
        handed = notifications.notifications_hand_out()
    assert len(handed) == due > 5
    Notification.objects.filter(pk=handed[0]).update(claimed_at=None)
    with CaptureQueriesContext(connection) as one:
        assert notifications.notifications_hand_out() == [handed[0]]

    def real(captured):  # the savepoints of the atomic block aside
        return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]

    # SELECT id … WHERE status = 'pending' AND due_at <= now … FOR UPDATE SKIP LOCKED LIMIT 500;
    # UPDATE … SET claimed_at = now WHERE id IN (…)
    assert len(real(many)) == len(real(one)) == 2
