"""End to end through a real SMTP server on 127.0.0.1 (aiosmtpd): the dispatcher sends an RSVP
request over SMTP, and what arrived is parsed back with the ``email`` package and ``icalendar``.
The same server answers 4xx and 5xx to show how the outbox treats each."""

import datetime as dt
import email
import email.policy
import socket

import icalendar
import pytest
import time_machine
from aiosmtpd.controller import Controller

from residents.models import User
from sessions_app.models import Notification
from sessions_app.services.notifications import Kind
from sessions_app.services.sessions import session_plan
from sessions_app.tasks.notifications import dispatch_notifications

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
START = dt.datetime(2026, 3, 17, 15, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.usefixtures("celery_eager")


class Mailbox:
    """aiosmtpd handler: keeps what it accepts; refuses the recipients it is told to."""

    def __init__(self):
        self.received = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings, request):
    mailbox = Mailbox()
    # Servers that take internationalised addresses announce SMTPUTF8 (RFC 6531); a test
    # marked ``ascii_only_server`` gets one that does not.
    utf8 = request.node.get_closest_marker("ascii_only_server") is None
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port(), enable_SMTPUTF8=utf8)
    controller.start()
    settings.EMAIL_BACKEND = "intervision.mail.EmailBackend"  # production's
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = "Intervision <intervision@hospital.example>"
    yield mailbox
    controller.stop()


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW) as traveller:  # ticking: the server's event loop runs on
        yield traveller


@pytest.fixture
def session(group, rosa, cora):
    return session_plan(group=group, start=START, by=cora)


def _arrived(mailbox, address):
    [envelope] = [e for e in mailbox.received if e.rcpt_tos == [address]]
    return envelope, email.message_from_bytes(envelope.original_content, policy=email.policy.default)


def _parts(message):
    """text/plain, text/html and the calendar attachment of a received message."""
    assert message.get_content_type() == "multipart/mixed"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    [attachment] = list(message.iter_attachments())
    return plain, html, attachment


def test_an_rsvp_request_arrives_over_smtp_with_headers_both_parts_and_the_invitation(
    smtp_server, session, rosa
):
    dispatch_notifications.apply()
    envelope, message = _arrived(smtp_server, rosa.email)
    assert envelope.mail_from == "intervision@hospital.example"

    assert message["From"] == "Intervision <intervision@hospital.example>"
    assert message["To"] == rosa.email
    assert message["Subject"] == "Intervision Tuesday group on Tuesday 17 March: will you be there?"
    assert message["Date"].endswith("-0000")  # RFC 5322: UTC, the sender's offset not told
    sent_at = message["Date"].datetime.replace(tzinfo=dt.UTC)
    assert abs(sent_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    row = Notification.objects.get(kind=Kind.RSVP_REQUEST, recipient=rosa)
    # One Message-ID per outbox row, the same on every attempt (see the test below).
    assert message["Message-ID"] == f"<intervision.notification.{row.pk}@hospital.example>"
    assert message["Auto-Submitted"] == "auto-generated"

    plain, html, attachment = _parts(message)
    assert plain.get_content_type() == "text/plain"
    assert "Tuesday 17 March 2026, 16:00–17:30 (CET)" in plain.get_content()
    assert html.get_content_type() == "text/html"
    assert "<strong>Tuesday 17 March 2026</strong>" in html.get_content()
    assert plain.get_content().count("/answer/") == 3

    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_filename() == "invite.ics"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert event["UID"] == f"{session.uid}@localhost"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == START
    assert str(event["ATTENDEE"]) == f"mailto:{rosa.email}"

    row = Notification.objects.get(kind=Kind.RSVP_REQUEST, recipient=rosa)
    assert (row.status, row.attempts) == ("sent", 1)


def test_a_row_sent_again_after_a_lost_acknowledgement_carries_the_same_message_id(
        smtp_server, session, rosa, _clock):
    # A worker that died after the server's "250 OK" but before recording it leaves the row
    # to be sent again: the second copy is recognisably the same message.
    dispatch_notifications.apply()
    row = Notification.objects.get(kind=Kind.RSVP_REQUEST, recipient=rosa)
    Notification.objects.filter(pk=row.pk).update(status="pending", claimed_at=None, sent_at=None)
    dispatch_notifications.apply()
    copies = [e for e in smtp_server.received if e.rcpt_tos == [rosa.email]]
    assert len(copies) == 2
    ids = {email.message_from_bytes(e.original_content, policy=email.policy.default)["Message-ID"]
           for e in copies}
    assert ids == {f"<intervision.notification.{row.pk}@hospital.example>"}


def test_a_dutch_resident_receives_dutch_in_both_parts(smtp_server, session, rosa):
    User.objects.filter(pk=rosa.pk).update(language="nl")
    dispatch_notifications.apply()
    _envelope, message = _arrived(smtp_server, rosa.email)
    assert message["Subject"] == "Intervisie Tuesday group op dinsdag 17 maart: ben je erbij?"
    plain, html, _attachment = _parts(message)
    assert "Antwoord met één klik" in plain.get_content()
    assert "dinsdag 17 maart 2026, 16:00–17:30 uur" in plain.get_content()
    assert "Nee, ik kan niet</a>" in html.get_content()


def test_a_4xx_from_the_server_is_tried_again_later(smtp_server, session, rosa, _clock):
    smtp_server.refuse[rosa.email] = "450 4.2.1 Mailbox busy, try later"
    dispatch_notifications.apply()
    row = Notification.objects.get(kind=Kind.RSVP_REQUEST, recipient=rosa)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "450" in row.last_error

    del smtp_server.refuse[rosa.email]
    _clock.shift(dt.timedelta(minutes=3))
    dispatch_notifications.apply()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
    assert len([e for e in smtp_server.received if e.rcpt_tos == [rosa.email]]) == 1


def test_a_5xx_from_the_server_fails_the_message_at_once(smtp_server, session, rosa, _clock):
    smtp_server.refuse[rosa.email] = "550 5.1.1 No such user"
    dispatch_notifications.apply()
    row = Notification.objects.get(kind=Kind.RSVP_REQUEST, recipient=rosa)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "550" in row.last_error
    _clock.shift(dt.timedelta(hours=3))
    dispatch_notifications.apply()
    assert Notification.objects.get(pk=row.pk).status == "failed"


def test_a_server_that_is_down_is_tried_again_later(settings, session, rosa):
    settings.EMAIL_BACKEND = "intervision.mail.EmailBackend"  # production's
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nobody listens
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    dispatch_notifications.apply()
    row = Notification.objects.get(kind=Kind.RSVP_REQUEST, recipient=rosa)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in row.last_error


# --- internationalised addresses (RFC 6531) ------------------------------------------------------

def test_an_address_with_a_non_ascii_local_part_is_sent_in_utf8_as_smtputf8_asks(smtp_server, session, rosa):
    User.objects.filter(pk=rosa.pk).update(email="r011.özdemir@hospital.example", first_name="Rüya")
    dispatch_notifications.apply()
    [envelope] = [e for e in smtp_server.received if e.rcpt_tos == ["r011.özdemir@hospital.example"]]
    assert "SMTPUTF8" in envelope.mail_options
    head = envelope.original_content.split(b"\r\n\r\n", 1)[0].decode("utf-8")
    assert "\r\nTo: r011.özdemir@hospital.example\r\n" in head
    assert "=?utf-8?" not in head.split("Subject:")[0]  # no encoded word in an address
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    plain, _html, attachment = _parts(message)
    assert "Rüya" in plain.get_content()
    assert "mailto:r011.özdemir@hospital.example" in attachment.get_content()
    assert Notification.objects.get(kind=Kind.RSVP_REQUEST, recipient=rosa).status == "sent"


def test_ascii_addresses_go_out_as_they_always_did(smtp_server, session, rosa):
    dispatch_notifications.apply()
    assert smtp_server.received
    assert all("SMTPUTF8" not in e.mail_options for e in smtp_server.received)


@pytest.mark.ascii_only_server
def test_a_server_without_smtputf8_fails_the_message_at_once_with_the_reason(smtp_server, session, rosa):
    User.objects.filter(pk=rosa.pk).update(email="r011.özdemir@hospital.example")
    dispatch_notifications.apply()
    row = Notification.objects.get(kind=Kind.RSVP_REQUEST, recipient=rosa)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "does not accept internationalised addresses (SMTPUTF8)" in row.last_error
    assert [e.rcpt_tos for e in smtp_server.received if "özdemir" in str(e.rcpt_tos)] == []
    assert smtp_server.received  # the others' mail still goes out
