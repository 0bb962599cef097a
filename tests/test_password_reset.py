""""Forgot your password?": the page records the request and answers at once, the same for
every address; a worker looks the account up and the link goes out through the outbox like any
other e-mail. Requests are limited per address and per client, so the page can neither flood
someone's mailbox nor be used to mail many people."""

import datetime as dt
import re
import smtplib

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from residents.models import PasswordResetRequest
from residents.services.password_reset_delivery import password_resets_sweep
from sessions_app.models import Notification
from sessions_app.services.notifications import notification_send, notify_password_reset

from . import test_dispatcher
from .factories import UserFactory

smtp_fails = test_dispatcher.smtp_fails  # the SMTP server refuses what the test queues

pytestmark = pytest.mark.usefixtures("clock")


def test_twelve_requests_for_one_address_send_at_most_three_mails(rosa, ask_password_reset, clock):
    for number in range(12):
        response = ask_password_reset(Client(), rosa.email, REMOTE_ADDR=f"10.0.0.{number}")
        assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert [m.to for m in mail.outbox] == [[rosa.email]] * 3
    assert Notification.objects.filter(kind="password_reset", recipient=rosa, status="sent").count() == 3
    # An hour later the address may ask again.
    clock.shift(dt.timedelta(hours=1, minutes=1))
    ask_password_reset(Client(), rosa.email)
    assert len(mail.outbox) == 4


def test_the_address_is_counted_however_it_is_written(rosa, ask_password_reset):
    for written in ["rosa@hospital.example", "ROSA@hospital.example", " Rosa@Hospital.Example ",
                    "rosa@HOSPITAL.EXAMPLE", "rOsa@hospital.example"]:
        ask_password_reset(Client(), written)
    assert len(mail.outbox) == 3


def test_one_client_cannot_ask_for_more_than_twenty_addresses_an_hour(db, ask_password_reset):
    people = UserFactory.create_batch(25)
    for person in people:
        assert ask_password_reset(Client(), person.email, REMOTE_ADDR="10.6.6.6").status_code == 302
    assert len(mail.outbox) == 20
    # Someone else is not held up by it.
    ask_password_reset(Client(), people[-1].email, REMOTE_ADDR="10.7.7.7")
    assert mail.outbox[-1].to == [people[-1].email] and len(mail.outbox) == 21


def test_the_page_does_the_same_work_for_a_known_and_an_unknown_address(rosa):
    def queries_for(email):
        with CaptureQueriesContext(connection) as queries:
            response = Client().post(reverse("password_reset"), {"email": email})
        assert response.status_code == 302
        # The statements without their values: the same shape, whoever the address names.
        return [re.sub(r'"s\w+_x\d+"', "a savepoint", q["sql"].split(" WHERE ")[0].split(" VALUES ")[0])
                for q in queries]

    assert queries_for(rosa.email) == queries_for("nobody@hospital.example")
    assert mail.outbox == []  # nothing is sent from the request itself


def test_the_link_goes_out_through_the_outbox_in_the_recipients_language(rosa, ask_password_reset):
    rosa.language = "nl"
    rosa.save()
    ask_password_reset(Client(), rosa.email)
    row = Notification.objects.get(kind="password_reset", recipient=rosa)
    assert row.status == "sent" and row.session is None
    [message] = mail.outbox
    assert message.subject == "Stel je Intervision-wachtwoord opnieuw in"
    assert message.extra_headers["X-Intervision-Notification"] == str(row.pk)
    assert "/accounts/reset/" in message.body


def test_the_outbox_holds_the_limit_even_when_requests_come_at_once(rosa):
    # Requests that all passed the page's count before any was recorded: the outbox counts
    # the messages themselves with the account's row locked.
    written = [notify_password_reset(user=rosa, request_id=number) for number in range(5)]
    assert sum(row is not None for row in written) == 3


def test_a_request_whose_task_was_lost_is_handed_on_by_the_sweep(
        rosa, celery_eager, clock, django_capture_on_commit_callbacks):
    # The request's task never reached a worker (the broker was away): on_commit never ran.
    Client().post(reverse("password_reset"), {"email": rosa.email})
    request = PasswordResetRequest.objects.get()
    assert request.accepted and request.handled_at is None
    assert password_resets_sweep() == 0  # too fresh: its task may still be on its way
    clock.shift(dt.timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert password_resets_sweep() == 1
    assert [m.to for m in mail.outbox] == [[rosa.email]]
    assert password_resets_sweep() == 0  # handed on once


def test_requests_are_forgotten_after_a_day(rosa, clock):
    Client().post(reverse("password_reset"), {"email": "someone.else@hospital.example"})
    clock.shift(dt.timedelta(days=1, minutes=1))
    password_resets_sweep()
    assert not PasswordResetRequest.objects.exists()


def test_a_link_that_could_not_go_out_within_the_hour_is_not_sent_late(
        rosa, ask_password_reset, smtp_fails, clock):
    smtp_fails.append(smtplib.SMTPServerDisconnected("gone"))
    ask_password_reset(Client(), rosa.email)
    row = Notification.objects.get(kind="password_reset", recipient=rosa)
    assert row.status == "pending"  # to be tried again later …
    clock.shift(dt.timedelta(hours=2))
    # … but not this late: the person has given up or asked again.
    assert notification_send(notification_id=row.pk) == "skipped: too late: asked for more than an hour ago"
    assert mail.outbox == []


def test_the_reset_page_refuses_put_and_answers_an_invalid_address_on_the_page(db):
    assert Client().put(reverse("password_reset")).status_code == 405
    response = Client().post(reverse("password_reset"), {"email": "not an address"})
    assert response.status_code == 200
    assert not PasswordResetRequest.objects.exists()
