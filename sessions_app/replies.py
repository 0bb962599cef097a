"""Calendar replies in e-mail: what an Accept, Decline or Maybe from a mail program says.

Pressing a button on an invitation makes the mail program send an iTIP REPLY (RFC 5546) to the
ORGANIZER: a ``text/calendar`` part whose VCALENDAR has ``METHOD:REPLY`` and one VEVENT with the
invitation's UID and SEQUENCE and one ATTENDEE whose ``PARTSTAT`` is ACCEPTED, DECLINED or
TENTATIVE, sometimes with a comment (not kept: the reason is asked on the answer page). The
programs put it in different places:

- Outlook / Exchange: inline, as the last part of ``multipart/alternative``
  (``text/calendar; method=REPLY``), often base64, no attachment;
- Gmail: inline in ``multipart/alternative`` and the same again as an attached ``invite.ics``
  (``application/ics``) inside ``multipart/mixed``;
- Apple Calendar (macOS, iOS, iCloud): a ``text/calendar; method=REPLY`` part beside a short
  text part, in ``multipart/mixed`` or ``multipart/alternative``, usually quoted-printable.

``read_message`` finds every such part wherever it is, parses it with icalendar, and returns the
replies once each (Gmail's two copies are one reply). Nothing here touches the database;
``services/replies.py`` decides what a reply changes.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses

PARTSTATS = ("ACCEPTED", "DECLINED", "TENTATIVE")
CALENDAR_TYPES = ("text/calendar", "application/ics", "text/x-vcalendar")


@dataclass(frozen=True)
class Reply:
    """One attendee's answer to one event, as the REPLY states it."""

    uid: str
    sequence: int
    partstat: str  # upper case: ACCEPTED, DECLINED, TENTATIVE, or what else the program wrote
    attendee: str  # the address, lower case, without "mailto:"
    stamp: dt.datetime | None  # DTSTAMP, when the reply was made


@dataclass(frozen=True)
class ReadMessage:
    key: str  # SHA-256 of the Message-ID, or of the whole message when it has none
    message_id: str
    sender: str  # the From address, lower case
    replies: tuple[Reply, ...]


def address_of(value: str) -> str:
    """``mailto:Rosa@Example.org`` or ``Rosa@Example.org`` → ``rosa@example.org``."""
    value = str(value).strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:"):]
    return value.strip().lower()


def message_key(raw: bytes, message_id: str) -> str:
    basis = message_id.strip().encode("utf-8", "replace") if message_id.strip() else raw
    return hashlib.sha256(basis).hexdigest()


def _is_calendar(part: EmailMessage) -> bool:
    if part.get_content_type() in CALENDAR_TYPES:
        return True
    filename = (part.get_filename() or "").lower()
    return filename.endswith(".ics")


def _calendar_text(part: EmailMessage) -> bytes | None:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else None


def _stamp(component) -> dt.datetime | None:
    value = component.get("DTSTAMP")
    if value is None:
        return None
    moment = value.dt
    if not isinstance(moment, dt.datetime):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _attendees(event) -> list:
    value = event.get("ATTENDEE")
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _replies_in(text: bytes, sender: str, content_method: str) -> list[Reply]:
    from icalendar import Calendar

    try:
        calendars = Calendar.from_ical(text, multiple=True)
    except Exception:  # noqa: BLE001 - anyone can mail the mailbox; what icalendar cannot read is no reply
        return []
    found = []
    for calendar in calendars:
        method = str(calendar.get("METHOD") or content_method or "").upper()
        if method != "REPLY":
            continue
        for event in calendar.walk("VEVENT"):
            uid = str(event.get("UID") or "").strip()
            attendees = _attendees(event)
            if not uid or not attendees:
                continue
            # A reply names the attendee who answers; should a program name more, the one
            # that sent it is the one answering.
            chosen = next((a for a in attendees if address_of(a) == sender), attendees[0])
            try:
                sequence = int(event.get("SEQUENCE") or 0)
                stamp = _stamp(event)
            except (ValueError, TypeError, AttributeError):
                continue  # not a SEQUENCE or DTSTAMP a calendar program writes
            found.append(Reply(
                uid=uid, sequence=sequence,
                partstat=str(chosen.params.get("PARTSTAT", "")).upper(),
                attendee=address_of(chosen), stamp=stamp,
            ))
    return found


def read_message(raw: bytes) -> ReadMessage:
    """The calendar replies in one e-mail as it came from the mailbox, each once."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = str(message.get("Message-ID") or "").strip()
    senders = getaddresses([str(message.get("From") or "")])
    sender = senders[0][1].lower() if senders and senders[0][1] else ""
    replies: list[Reply] = []
    for part in message.walk():
        if part.is_multipart() or not _is_calendar(part):
            continue
        text = _calendar_text(part)
        if not text:
            continue
        for reply in _replies_in(text, sender, str(part.get_param("method") or "")):
            if reply not in replies:
                replies.append(reply)
    return ReadMessage(key=message_key(raw, message_id), message_id=message_id, sender=sender,
                       replies=tuple(replies))
