"""Sessions as iCalendar (RFC 5545): the personal feed and the invitations attached to e-mails.

Every event is written by ``_event_lines`` so the feed and the invitations agree: the UID is
``<session.uid>@<site host>`` and never changes, SEQUENCE is ``session.sequence`` (raised by the
services on every change a calendar must see) plus, for a resident, their participation's own
``calendar_sequence`` (raised when their seat in an open session goes or comes back),
DTSTART/DTEND carry the programme's TZID and the calendar holds the matching VTIMEZONE, so a
session at 16:00 stays at 16:00 on every device.

A feed is the same bytes on every fetch until something in it changes: DTSTAMP and
LAST-MODIFIED are the event's own last change, not the time of the fetch, and the feed's ETag
(``feed_etag``) is computed from one aggregate query, so an unchanged feed is answered 304
without being written. The lines are written here rather than through the icalendar package,
which takes a few hundred microseconds per event (a coordinator's year is 600 of them);
icalendar only writes the VTIMEZONE, once per zone and span of years. The tests read every
feed and invitation back with icalendar.

What never goes into a calendar: note text, evaluations, and the names of residents (a feed is
reachable by anyone who has its address; an invitation names only its own recipient).
"""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime as dt
import functools
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from residents.fields import one_line
from residents.models import User, new_calendar_token
from residents.timezones import programme_tz_name, programme_zone

from .models import Booking, Participation, Session

PRODID = "-//Intervision//Intervision sessions//EN"
METHODS = ("REQUEST", "CANCEL")
# Calendar apps ask again after this long (an RFC 5545 duration, as REFRESH-INTERVAL and
# X-PUBLISHED-TTL want it); subscribers see a move within the hour.
REFRESH_TEXT = "PT1H"
# Part of every feed's ETag: raise it when what a feed looks like changes (a new property, a
# reworded description), so calendars fetch the new form instead of keeping the old.
FEED_FORMAT = "2"

STATUS = {
    Session.Status.PROPOSED: "TENTATIVE",
    Session.Status.SCHEDULED: "CONFIRMED",
    Session.Status.HELD: "CONFIRMED",
    Session.Status.CANCELLED: "CANCELLED",
}


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def session_summary(session: Session) -> str:
    if session.title:
        return session.title
    if session.group_id:
        return _("Intervision: %(group)s") % {"group": session.group.name}
    return _("Open intervision session")


def _url(name: str, args: list) -> str:
    try:
        return settings.SITE_URL + reverse(name, args=args)
    except NoReverseMatch:
        return settings.SITE_URL + "/"


def replies_are_read() -> bool:
    """Whether the ORGANIZER's mailbox is read, so the Accept / Decline buttons of mail
    programs reach the app. Without it, invitations ask for no reply and point to the answer
    page instead."""
    return bool(getattr(settings, "REPLY_MAILBOX_URL", ""))


def reply_address() -> str:
    """The address invitations name as ORGANIZER while replies are read, where mail programs
    send the Accept / Decline: ``REPLY_ADDRESS``, or else the mailbox's user name, which is
    then an address."""
    if settings.REPLY_ADDRESS:
        return settings.REPLY_ADDRESS
    user = unquote(urlsplit(settings.REPLY_MAILBOX_URL).username or "")
    # settings.py refuses a user name that is no address unless REPLY_ADDRESS is set.
    return user if "@" in user else parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def session_for_uid(uid: str) -> Session | None:
    """The session an event's UID (``<session.uid>@<site host>``) names, or None for a UID
    this site did not write."""
    value, _at, host = uid.strip().rpartition("@")
    if not value or host.lower() != site_host().lower():
        return None
    try:
        session_uid = uuid.UUID(value)
    except ValueError:
        return None
    return Session.objects.select_related("group").filter(uid=session_uid).first()


# --- Writing RFC 5545 ---------------------------------------------------------------------------

def _text(value: str) -> str:
    """A TEXT value escaped (RFC 5545 3.3.11)."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _param(value: str) -> str:
    """A parameter value, quoted when it holds a character that ends one (3.2)."""
    value = value.replace('"', "'")
    return f'"{value}"' if any(c in value for c in ":;,") else value


def _fold(line: str) -> str:
    """One content line with its CRLF, folded at 75 octets without splitting a character
    (3.1). Most lines are short and ASCII, and pass through untouched."""
    if line.isascii():
        if len(line) <= 75:
            return line + "\r\n"
        pieces = [line[:75]] + [" " + line[i:i + 74] for i in range(75, len(line), 74)]
        return "\r\n".join(pieces) + "\r\n"
    pieces, piece, size = [], "", 0
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > 75:
            pieces.append(piece)
            piece, size = " ", 1
        piece += char
        size += octets
    pieces.append(piece)
    return "\r\n".join(pieces) + "\r\n"


def _fold_all(lines: Iterable[str]) -> str:
    return "".join(_fold(line) for line in lines)


def _utc(moment: dt.datetime) -> str:
    m = moment if moment.tzinfo is dt.UTC else moment.astimezone(dt.UTC)
    return f"{m.year:04d}{m.month:02d}{m.day:02d}T{m.hour:02d}{m.minute:02d}{m.second:02d}Z"


def _local(moment: dt.datetime, zone) -> str:
    m = moment.astimezone(zone)
    return f"{m.year:04d}{m.month:02d}{m.day:02d}T{m.hour:02d}{m.minute:02d}{m.second:02d}"


@functools.lru_cache(maxsize=32)
def _vtimezone(tz_name: str, first_year: int, last_year: int) -> str:
    """The VTIMEZONE of ``tz_name`` covering the given years (the same for every fetch)."""
    from icalendar import Timezone

    return Timezone.from_tzid(tz_name, first_date=dt.date(first_year, 1, 1),
                              last_date=dt.date(last_year + 1, 1, 1)).to_ical().decode("utf-8")


def _timezone_block(events: list[EventFacts]) -> str:
    if not events:
        return ""
    zone = programme_zone()
    first = min(e.start for e in events).astimezone(zone).year
    last = max(e.end for e in events).astimezone(zone).year
    return _vtimezone(programme_tz_name(), first, last)


def _calendar_head(*, name: str, method: str | None = None, feed: bool = False) -> list[str]:
    lines = ["BEGIN:VCALENDAR", f"PRODID:{_text(PRODID)}", "VERSION:2.0", "CALSCALE:GREGORIAN"]
    if method:
        lines.append(f"METHOD:{method}")
    lines += [f"X-WR-CALNAME:{_text(one_line(name))}", f"X-WR-TIMEZONE:{programme_tz_name()}"]
    if feed:
        lines += [f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH_TEXT}", f"X-PUBLISHED-TTL:{REFRESH_TEXT}"]
    return lines


class EventFacts(NamedTuple):
    """What one VEVENT is written from. An invitation builds it from a loaded session
    (``EventFacts.of``); a feed gets it from ``selectors.sessions.feed_events``, which loads
    these columns alone, with the resident's own booking, sequence and change time."""

    pk: int
    uid: uuid.UUID
    start: dt.datetime
    end: dt.datetime
    title: str
    group_name: str | None
    status: str
    location: str
    video_url: str
    sequence: int
    updated_at: dt.datetime
    leader: str
    own_booking: str | None = None
    own_calendar_sequence: int | None = None
    own_updated_at: dt.datetime | None = None

    @classmethod
    def of(cls, session: Session) -> EventFacts:
        """Needs ``group`` and ``intervisor__user`` loaded."""
        return cls(
            pk=session.pk, uid=session.uid, start=session.start, end=session.end, title=session.title,
            group_name=session.group.name if session.group_id else None, status=session.status,
            location=session.location, video_url=session.video_url,
            leader=session.intervisor.user.get_full_name(), sequence=session.sequence,
            updated_at=session.updated_at,
        )

    @property
    def changed_at(self) -> dt.datetime:
        """The event's last change as its owner's feed shows it: the session's, or their own
        participation's when that is later (a seat given up)."""
        own = self.own_updated_at
        return max(self.updated_at, own) if own else self.updated_at


_PK_MARK = 987654321  # stands in for a session's id in an address reversed once per calendar


@dataclass(frozen=True)
class _Words:
    """What every event of one calendar shares, looked up once per calendar rather than per
    event (in the active language): the translated phrases, the session page's address, the
    zone and the host."""

    group_summary: str
    open_summary: str
    proposed: str
    led_by: str
    video: str
    details: str
    page_url: str  # with _PK_MARK for the session's id
    zone: object
    tzid: str
    host: str

    @classmethod
    def now(cls) -> _Words:
        return cls(
            group_summary=_("Intervision: %(group)s"), open_summary=_("Open intervision session"),
            proposed=_("Proposed: the time is not final yet."), led_by=_("Led by %(name)s."),
            video=_("Video link: %(url)s"), details=_("Details and your answer: %(url)s"),
            page_url=_url("session_detail", [_PK_MARK]), zone=programme_zone(), tzid=programme_tz_name(),
            host=site_host(),
        )

    def summary(self, event: EventFacts) -> str:
        if event.title:
            return event.title
        if event.group_name is not None:
            return self.group_summary % {"group": event.group_name}
        return self.open_summary


def _event_lines(
    event: EventFacts, words: _Words, *, stamp: dt.datetime, last_modified: dt.datetime,
    sequence: int, status: str, extra_description: Iterable[str] = (),
) -> list[str]:
    """The properties of one VEVENT, without BEGIN/END, so an invitation can add its organizer
    and attendee. Names go through ``one_line``: one saved before line breaks were refused must
    not break the calendar."""
    stamp_text = _utc(stamp)
    lines = [
        f"UID:{_text(f'{event.uid}@{words.host}')}",
        f"DTSTAMP:{stamp_text}",
        f"LAST-MODIFIED:{stamp_text if last_modified == stamp else _utc(last_modified)}",
        f"SEQUENCE:{sequence}",
        f"DTSTART;TZID={words.tzid}:{_local(event.start, words.zone)}",
        f"DTEND;TZID={words.tzid}:{_local(event.end, words.zone)}",
        f"SUMMARY:{_text(one_line(words.summary(event)))}",
        f"STATUS:{status}",
    ]
    if event.location:
        lines.append(f"LOCATION:{_text(one_line(event.location))}")
    elif event.video_url:
        lines.append(f"LOCATION:{_text(event.video_url)}")
    description = []
    if event.status == Session.Status.PROPOSED:
        description.append(words.proposed)
    description.append(words.led_by % {"name": one_line(event.leader)})
    if event.video_url:
        lines.append(f"URL:{event.video_url}")
        description.append(words.video % {"url": event.video_url})
    description += list(extra_description)
    page = words.page_url.replace(str(_PK_MARK), str(event.pk))
    description.append(words.details % {"url": page})
    lines.append(f"DESCRIPTION:{_text(chr(10).join(description))}")
    return lines


# --- Feeds --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FeedState:
    """What a feed's validators are made of: how many events it holds and the latest change
    among them (``selectors.sessions.feed_state``, one query)."""

    count: int
    last_change: dt.datetime | None
    sequences: int = 0


def feed_language(user: User) -> str:
    """A feed speaks its owner's language, as their invitations do; calendar apps send no
    Accept-Language worth following."""
    return user.language if user.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def feed_etag(user: User, state: FeedState) -> str:
    """A strong validator: the same for byte-identical feeds, different when an event, the
    set of events, the owner's language or role, or the feed's form changes."""
    parts = [FEED_FORMAT, site_host(), str(user.pk), user.role, feed_language(user), str(state.count),
             str(state.sequences), state.last_change.isoformat() if state.last_change else "-"]
    return hashlib.sha256(":".join(parts).encode()).hexdigest()[:32]


def feed_last_modified(state: FeedState) -> int | None:
    """The Last-Modified time as a Unix timestamp (HTTP dates have whole seconds)."""
    if state.last_change is None:
        return None
    return stdlib_calendar.timegm(state.last_change.astimezone(dt.UTC).utctimetuple())


def feed_ics(*, events: Iterable[EventFacts], name: str) -> bytes:
    """A subscription feed (no METHOD): the sessions as they stand now, cancelled ones included
    as STATUS:CANCELLED so calendars that have them remove or strike them. DTSTAMP and
    LAST-MODIFIED are each event's own last change, so the same events give the same bytes.

    A resident's events carry their own booking, calendar sequence and change time
    (``selectors.sessions.feed_events``): a seat they gave up stays in as CANCELLED."""
    events = list(events)
    words = _Words.now()
    out = [_fold_all(_calendar_head(name=name, feed=True)), _timezone_block(events)]
    for event in events:
        changed = event.changed_at
        status = "CANCELLED" if event.own_booking == Booking.CANCELLED else STATUS[event.status]
        sequence = event.sequence + (event.own_calendar_sequence or 0)
        out.append("BEGIN:VEVENT\r\n")
        out.append(_fold_all(_event_lines(event, words, stamp=changed, last_modified=changed,
                                          sequence=sequence, status=status)))
        out.append("END:VEVENT\r\n")
    out.append("END:VCALENDAR\r\n")
    return "".join(out).encode("utf-8")


# --- Invitations --------------------------------------------------------------------------------

def _answer_pointer(session: Session, recipient: User) -> list[str]:
    """Where a resident answers when the calendar's own buttons reach nobody."""
    if not recipient.is_resident:
        return []
    if session.kind == Session.Kind.OPEN:
        return [_("Cannot come after all? Give up your seat here: %(url)s")
                % {"url": _url("session_book_cancel", [session.pk])}]
    return [_("Please answer on this page, not with your calendar's buttons: %(url)s")
            % {"url": _url("session_rsvp", [session.pk])}]


def invitation_ics(
    *, session: Session, recipient: User, method: str, participation: Participation | None = None,
) -> bytes:
    """An invitation (``REQUEST``) or cancellation (``CANCEL``) for one recipient (RFC 5546),
    so mail programs show the event or remove it.

    The organizer is the programme's sending address, or the reply mailbox's while it is read
    (``reply_address``); the only attendee is the recipient. A cancellation carries the same
    UID and the SEQUENCE the cancelling service raised (the session's, or the participation's
    own when only this resident's seat went). Unless the
    organizer's mailbox is read (``REPLY_MAILBOX_URL``), the invitation asks for no reply
    (RSVP=FALSE) and its description points to the answer page.
    """
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"unknown iTIP method {method!r}; use one of {METHODS}")
    own_sequence = participation.calendar_sequence if participation is not None else 0
    rsvp = replies_are_read()
    status = "CANCELLED" if method == "CANCEL" else STATUS[session.status]
    pointer = [] if rsvp or method == "CANCEL" else _answer_pointer(session, recipient)
    lines = _calendar_head(name=session_summary(session), method=method)
    facts = EventFacts.of(session)
    event = _event_lines(facts, _Words.now(), stamp=timezone.now(), last_modified=session.updated_at,
                         sequence=session.sequence + own_sequence, status=status,
                         extra_description=pointer)

    display, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if rsvp:
        address = reply_address()  # where the calendar's Accept / Decline is sent
    event.append(f"ORGANIZER;CN={_param(one_line(display or address))}:mailto:{address}")
    attendee = [f"CN={_param(one_line(recipient.get_full_name() or recipient.email))}",
                "ROLE=REQ-PARTICIPANT", "CUTYPE=INDIVIDUAL"]
    if method == "REQUEST":
        attendee += ["PARTSTAT=NEEDS-ACTION", f"RSVP={'TRUE' if rsvp else 'FALSE'}"]
    event.append(f"ATTENDEE;{';'.join(attendee)}:mailto:{recipient.email}")

    out = [_fold_all(lines), _timezone_block([facts]), "BEGIN:VEVENT\r\n", _fold_all(event),
           "END:VEVENT\r\nEND:VCALENDAR\r\n"]
    return "".join(out).encode("utf-8")


# --- The personal feed's address ------------------------------------------------------------------

def feed_urls(user: User) -> dict[str, str]:
    """The feed's address for calendar apps: as a web link (``https`` on a real site) and as
    ``webcal:``, which phones and desktop calendars open as a subscription."""
    web = settings.SITE_URL + reverse("calendar_feed", kwargs={"token": user.calendar_token})
    return {"web": web, "webcal": "webcal://" + web.split("://", 1)[1]}


@transaction.atomic
def calendar_token_reset(*, user: User) -> User:
    """Give ``user`` a new secret feed address; the old one answers 404 from now on."""
    user.calendar_token = new_calendar_token()  # secrets.token_urlsafe(32)
    user.save(update_fields=["calendar_token"])
    return user
