"""Failed mail is visible: a message that cannot be rendered fails at once with the real reason
(never put back to crash again); coordinators see failed and late messages on their home page
and on the Mail page, and send one again with a confirmed POST; ``/healthz`` says how long the
oldest due message has waited."""

import datetime as dt
import smtplib
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from sessions_app.models import Notification
from sessions_app.services.notifications import Kind, notification_send, notifications_reclaim_stuck
from sessions_app.tasks.notifications import dispatch_notifications

from . import test_dispatcher
from .helpers import START, login

smtp_fails = test_dispatcher.smtp_fails  # the SMTP server refuses what the test queues

pytestmark = pytest.mark.usefixtures("clock", "celery_eager")


@pytest.fixture
def broken_template(settings, tmp_path):
    """The RSVP request's text template as a bug would leave it: naming a page that does not
    exist. Found before the project's templates, so only this kind is broken."""
    (tmp_path / "emails").mkdir()
    (tmp_path / "emails" / "rsvp_request.txt").write_text("{% url 'no_such_page' %}")
    settings.TEMPLATES = [settings.TEMPLATES[0] | {"DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]


def _request_to(session, user):
    return Notification.objects.get(kind=Kind.RSVP_REQUEST, session=session, recipient=user)


def _reminder_to(session, user):
    return Notification.objects.get(kind=Kind.REMINDER_24H, session=session, recipient=user)


def test_a_crash_while_rendering_fails_the_row_at_once_with_the_reason(
        broken_template, planned, rosa, cora, clock):
    row = _request_to(planned, rosa)
    assert notification_send(notification_id=row.pk).startswith("failed")
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error.startswith("could not render the message: NoReverseMatch")
    # Never put back to crash again: a later sweep and dispatch leave it failed.
    clock.shift(dt.timedelta(hours=1))
    notifications_reclaim_stuck()
    dispatch_notifications.apply()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 1)
    # The coordinator sees it, with the reason.
    page = login(cora).get(reverse("mail_list")).content.decode()
    assert "Rosa Resident" in page and "could not render the message: NoReverseMatch" in page


def test_a_crash_in_a_kinds_check_fails_the_row_at_once_too(cora, clock):
    # A digest whose scope no longer names a night (as a bug would write it).
    row = Notification.objects.create(kind=Kind.SUGGESTIONS_DIGEST, recipient=cora,
                                      scope="night:yesterday", due_at=dt.datetime.now(dt.UTC))
    assert notification_send(notification_id=row.pk).startswith("failed")
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error.startswith("could not check the message: ValueError")


def test_the_mail_page_lists_failed_and_late_messages_with_their_reasons(
        planned, rosa, ruben, cora, smtp_fails, clock):
    Notification.objects.exclude(kind=Kind.REMINDER_24H).update(status="sent")  # all went well
    clock.move_to(START - dt.timedelta(hours=23))
    smtp_fails.append(smtplib.SMTPRecipientsRefused({rosa.email: (550, b"no such user")}))
    notification_send(notification_id=_reminder_to(planned, rosa).pk)
    smtp_fails.append(smtplib.SMTPServerDisconnected("connection lost"))
    notification_send(notification_id=_reminder_to(planned, ruben).pk)

    response = login(cora).get(reverse("mail_list"))
    page = response.content.decode()
    assert response.context["counts"].failed == 1 and response.context["counts"].delayed == 1
    rows = list(response.context["page"].object_list)
    assert [(n.recipient, n.status) for n in rows] == [(rosa, "failed"), (ruben, "pending")]
    assert "SMTPRecipientsRefused" in page and "SMTPServerDisconnected: connection lost" in page
    assert page.count(">Retry<") == 2


def test_messages_that_went_out_or_are_not_late_are_not_listed(planned, cora):
    dispatch_notifications.apply()  # the invitations go out
    response = login(cora).get(reverse("mail_list"))
    assert list(response.context["page"].object_list) == []
    assert "No message failed or is late." in response.content.decode()


def test_a_message_due_for_a_while_and_not_sent_is_late(planned, rosa, cora, clock):
    clock.shift(dt.timedelta(minutes=14))  # no worker ran: the invitations wait
    assert not login(cora).get(reverse("mail_list")).context["counts"]
    clock.shift(dt.timedelta(minutes=2))
    assert login(cora).get(reverse("mail_list")).context["counts"].delayed == 3  # rosa, ruben, ivan


def test_the_mail_page_costs_the_same_queries_however_many_messages(
        planned, rosa, ruben, cora, clock, django_assert_num_queries):
    Notification.objects.update(status="failed", last_error="SMTPDataError: rejected")
    client = login(cora)
    client.get(reverse("mail_list"))
    # session, user, the counts, the page's count, the rows with recipient, session and group
    with django_assert_num_queries(5):
        client.get(reverse("mail_list"))


def test_the_coordinators_home_counts_failed_and_late_mail_and_links_to_the_mail_page(
        planned, rosa, cora, clock):
    home = login(cora).get(reverse("home")).content.decode()
    assert "nothing failed or late" in home
    _request_to(planned, rosa).__class__.objects.filter(recipient=rosa).update(
        status="failed", last_error="SMTPDataError: rejected")
    clock.shift(dt.timedelta(minutes=20))  # ruben's and ivan's invitations are now late
    home = login(cora).get(reverse("home")).content.decode()
    failed = Notification.objects.filter(status="failed").count()
    assert f"{failed} e-mails failed, 2 delayed." in home
    assert reverse("mail_list") in home


def test_retry_asks_first_then_sends_the_message_again(planned, rosa, cora, smtp_fails, clock):
    Notification.objects.exclude(kind=Kind.REMINDER_24H).update(status="sent")
    clock.move_to(START - dt.timedelta(hours=23))
    row = _reminder_to(planned, rosa)
    smtp_fails.append(smtplib.SMTPDataError(554, b"rejected as spam"))
    notification_send(notification_id=row.pk)
    client = login(cora)
    url = reverse("mail_retry", kwargs={"pk": row.pk})

    confirm = client.get(url)
    assert "Send this message again?" in confirm.content.decode()
    row.refresh_from_db()
    assert row.status == "failed"  # asking changes nothing

    response = client.post(url, follow=True)
    assert "is queued again" in response.content.decode()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.due_at) == ("pending", 0, START - dt.timedelta(hours=23))
    mail.outbox.clear()
    notification_send(notification_id=row.pk)
    row.refresh_from_db()
    assert row.status == "sent"
    assert [m.to for m in mail.outbox] == [[rosa.email]]


def test_retrying_a_message_sent_meanwhile_does_nothing(planned, rosa, cora):
    dispatch_notifications.apply()
    row = _request_to(planned, rosa)
    response = login(cora).post(reverse("mail_retry", kwargs={"pk": row.pk}), follow=True)
    assert "sent or cancelled meanwhile" in response.content.decode()
    row.refresh_from_db()
    assert row.status == "sent"


@pytest.mark.parametrize("persona", ["rosa", "ivan", "adam"])
def test_the_mail_page_is_for_coordinators_only(personas, planned, persona):
    row = _request_to(planned, personas["rosa"])
    client = login(personas[persona])
    assert client.get(reverse("mail_list")).status_code == 403
    assert client.get(reverse("mail_retry", kwargs={"pk": row.pk})).status_code == 403
    Notification.objects.filter(pk=row.pk).update(status="failed")
    assert client.post(reverse("mail_retry", kwargs={"pk": row.pk})).status_code == 403
    row.refresh_from_db()
    assert row.status == "failed"


def test_the_mail_page_sends_someone_logged_out_to_log_in(planned, rosa):
    row = _request_to(planned, rosa)
    for response in [Client().get(reverse("mail_list")),
                     Client().post(reverse("mail_retry", kwargs={"pk": row.pk}))]:
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("login")
    row.refresh_from_db()
    assert row.status == "pending"


def test_retrying_a_message_that_does_not_exist_is_404(as_cora, db):
    assert as_cora.post(reverse("mail_retry", kwargs={"pk": 999999})).status_code == 404


def test_healthz_reports_how_long_the_oldest_due_message_has_waited(client, planned, clock):
    assert client.get(reverse("healthz")).json()["oldest_due_message_seconds"] == 0
    clock.shift(dt.timedelta(minutes=7))
    assert client.get(reverse("healthz")).json()["oldest_due_message_seconds"] == 7 * 60
    dispatch_notifications.apply()
    assert client.get(reverse("healthz")).json()["oldest_due_message_seconds"] is None
