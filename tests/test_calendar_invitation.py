"""Invitations attached to e-mails: METHOD:REQUEST with an attendee who can accept, and
METHOD:CANCEL with the same UID and a higher SEQUENCE."""

import datetime as dt

import pytest
from icalendar import Calendar

from sessions_app.calendar import invitation_ics
from sessions_app.models import Session
from sessions_app.services.sessions import session_set_status

from .helpers import NOW

pytestmark = pytest.mark.usefixtures("clock")


def _event(ics: bytes):
    calendar = Calendar.from_ical(ics)
    events = calendar.events
    assert len(events) == 1
    return calendar, events[0]


def test_a_request_invites_the_recipient_to_answer(planned, rosa, settings):
    settings.DEFAULT_FROM_EMAIL = "Intervision <planning@hospital.example>"
    settings.SITE_URL = "https://intervision.hospital.example"
    calendar, event = _event(invitation_ics(session=planned, recipient=rosa, method="REQUEST"))

    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert str(event["UID"]) == f"{planned.uid}@intervision.hospital.example"
    assert str(event["ORGANIZER"]) == "mailto:planning@hospital.example"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:rosa@hospital.example"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["RSVP"] == "FALSE"  # no reply mailbox configured
    assert event["STATUS"] == "CONFIRMED"
    assert event["SEQUENCE"] == 0
    assert event["DTSTAMP"].dt == NOW
    start = event["DTSTART"]
    assert start.params["TZID"] == "Europe/Amsterdam"
    assert start.dt.replace(tzinfo=None) == dt.datetime(2026, 3, 17, 16, 0)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Amsterdam"]


def test_a_cancellation_keeps_the_uid_and_raises_the_sequence(planned, rosa, cora):
    _cal, request = _event(invitation_ics(session=planned, recipient=rosa, method="REQUEST"))
    cancelled = session_set_status(session=planned, status=Session.Status.CANCELLED, by=cora)
    calendar, cancel = _event(invitation_ics(session=cancelled, recipient=rosa, method="CANCEL"))

    assert calendar["METHOD"] == "CANCEL"
    assert cancel["UID"] == request["UID"]
    assert cancel["SEQUENCE"] > request["SEQUENCE"]
    assert cancel["STATUS"] == "CANCELLED"
    assert "RSVP" not in cancel["ATTENDEE"].params


def test_an_invitation_names_no_other_resident(planned, rosa, ruben):
    ics = invitation_ics(session=planned, recipient=rosa, method="REQUEST").decode()
    assert "Ruben" not in ics
    assert "ruben@" not in ics


def test_it_refuses_an_unknown_method(planned, rosa):
    with pytest.raises(ValueError, match="PUBLISH"):
        invitation_ics(session=planned, recipient=rosa, method="PUBLISH")


def test_without_a_reply_mailbox_it_asks_for_no_reply_and_points_to_the_answer_page(planned, rosa,
                                                                                    settings):
    settings.SITE_URL = "https://intervision.hospital.example"
    settings.REPLY_MAILBOX_URL = ""
    _cal, event = _event(invitation_ics(session=planned, recipient=rosa, method="REQUEST"))
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"
    assert (f"https://intervision.hospital.example/sessions/{planned.pk}/rsvp/"
            in event["DESCRIPTION"])


def test_with_a_reply_mailbox_it_asks_for_a_reply(planned, rosa, settings):
    settings.REPLY_MAILBOX_URL = "imaps://replies:secret@mail.hospital.example/INBOX"
    _cal, event = _event(invitation_ics(session=planned, recipient=rosa, method="REQUEST"))
    assert event["ATTENDEE"].params["RSVP"] == "TRUE"
    assert "/rsvp/" not in event["DESCRIPTION"]


def test_with_a_reply_mailbox_the_organizer_is_that_mailbox(planned, rosa, settings):
    settings.REPLY_MAILBOX_URL = "imaps://intervision%40hospital.example:secret@mail.hospital.example/INBOX"
    settings.REPLY_ADDRESS = ""
    _cal, event = _event(invitation_ics(session=planned, recipient=rosa, method="REQUEST"))
    assert str(event["ORGANIZER"]) == "mailto:intervision@hospital.example"
    settings.REPLY_ADDRESS = "answers@hospital.example"
    _cal, event = _event(invitation_ics(session=planned, recipient=rosa, method="REQUEST"))
    assert str(event["ORGANIZER"]) == "mailto:answers@hospital.example"


def test_a_long_description_is_folded_and_reads_back_whole(planned, rosa):
    planned.location = "Room 4.12, " + "; ".join(["wing C — the long corridor past the cafeteria"] * 4)
    ics = invitation_ics(session=planned, recipient=rosa, method="REQUEST")
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    _cal, event = _event(ics)
    assert event["LOCATION"] == planned.location
