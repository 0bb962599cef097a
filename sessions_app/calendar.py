"""Sessions as iCalendar (RFC 5545): the personal feed and the invitations attached to e-mails.

Every event is built by ``session_event`` so the feed and the invitations agree: the UID is
``<session.uid>@<site host>`` and never changes, SEQUENCE is ``session.sequence`` (raised by the
services on every change a calendar must see), DTSTART/DTEND carry the programme's TZID and the
calendar holds the matching VTIMEZONE, so a session at 16:00 stays at 16:00 on every device.

What never goes into a calendar: note text, evaluations, and the names of residents (a feed is
reachable by anyone who has its address; an invitation names only its own recipient).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from email.utils import parseaddr
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from residents.fields import one_line
from residents.models import User, new_calendar_token
from residents.timezones import programme_tz_name, programme_zone

from .models import Session

if TYPE_CHECKING:
    from icalendar import Calendar, Event

PRODID = "-//Intervision//Intervision sessions//EN"
METHODS = ("REQUEST", "CANCEL")
# Calendar apps ask again after this long; subscribers see a move within the hour.
REFRESH = dt.timedelta(hours=1)

STATUS = {
    Session.Status.PROPOSED: "TENTATIVE",
    Session.Status.SCHEDULED: "CONFIRMED",
    Session.Status.HELD: "CONFIRMED",
    Session.Status.CANCELLED: "CANCELLED",
}


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def event_uid(session: Session) -> str:
    return f"{session.uid}@{site_host()}"


def session_summary(session: Session) -> str:
    if session.title:
        return session.title
    if session.group_id:
        return _("Intervision: %(group)s") % {"group": session.group.name}
    return _("Open intervision session")


def session_page_url(session: Session) -> str:
    try:
        return settings.SITE_URL + reverse("session_detail", args=[session.pk])
    except NoReverseMatch:
        return settings.SITE_URL + "/"


def session_event(session: Session, *, stamp: dt.datetime) -> Event:
    from icalendar import Event

    """One VEVENT for ``session`` (needs ``group`` and ``intervisor__user`` loaded)."""
    zone = programme_zone()
    event = Event()
    event.add("uid", event_uid(session))
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("last-modified", session.updated_at.astimezone(dt.UTC))
    event.add("sequence", session.sequence)
    event.add("dtstart", session.start.astimezone(zone))
    event.add("dtend", session.end.astimezone(zone))
    # one_line: names saved before line breaks were refused must not break the calendar.
    event.add("summary", one_line(session_summary(session)))
    event.add("status", STATUS[session.status])
    if session.location:
        event.add("location", one_line(session.location))
    elif session.video_url:
        event.add("location", session.video_url)
    lines = []
    if session.status == Session.Status.PROPOSED:
        lines.append(_("Proposed: the time is not final yet."))
    lines.append(_("Led by %(name)s.") % {"name": one_line(session.intervisor.user.get_full_name())})
    if session.video_url:
        event.add("url", session.video_url)
        lines.append(_("Video link: %(url)s") % {"url": session.video_url})
    lines.append(_("Details and your answer: %(url)s") % {"url": session_page_url(session)})
    event.add("description", "\n".join(lines))
    return event


def _calendar(*, name: str, method: str | None = None) -> Calendar:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    calendar.add("x-wr-calname", one_line(name))
    calendar.add("x-wr-timezone", programme_tz_name())
    return calendar


def _add_timezones(calendar: Calendar, sessions: list[Session]) -> None:
    """The VTIMEZONE for the programme zone, covering the years the sessions fall in."""
    if not sessions:
        return
    zone = programme_zone()
    first = min(s.start for s in sessions).astimezone(zone).date()
    last = max(s.end for s in sessions).astimezone(zone).date()
    calendar.add_missing_timezones(
        first_date=dt.date(first.year, 1, 1), last_date=dt.date(last.year + 1, 1, 1)
    )


def feed_ics(*, sessions: Iterable[Session], name: str, now: dt.datetime | None = None) -> bytes:
    """A subscription feed (no METHOD): the sessions as they stand now, cancelled ones included
    as STATUS:CANCELLED so calendars that have them remove or strike them."""
    stamp = now or timezone.now()
    sessions = list(sessions)
    calendar = _calendar(name=name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    for session in sessions:
        calendar.add_component(session_event(session, stamp=stamp))
    _add_timezones(calendar, sessions)
    return calendar.to_ical()


def invitation_ics(*, session: Session, recipient: User, method: str) -> bytes:
    from icalendar import vCalAddress, vText

    """An invitation (``REQUEST``) or cancellation (``CANCEL``) for one recipient (RFC 5546),
    so mail programs show Accept / Decline buttons or remove the event.

    The organizer is the programme's sending address; the only attendee is the recipient. A
    cancellation carries the same UID and the SEQUENCE the cancelling service raised.
    """
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"unknown iTIP method {method!r}; use one of {METHODS}")
    stamp = timezone.now()
    calendar = _calendar(name=session_summary(session), method=method)
    event = session_event(session, stamp=stamp)
    if method == "CANCEL":
        event["status"] = vText("CANCELLED")

    display, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["CN"] = vText(one_line(display or address))
    event.add("organizer", organizer)

    attendee = vCalAddress(f"mailto:{recipient.email}")
    attendee.params["CN"] = vText(one_line(recipient.get_full_name() or recipient.email))
    attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
    attendee.params["CUTYPE"] = vText("INDIVIDUAL")
    if method == "REQUEST":
        attendee.params["PARTSTAT"] = vText("NEEDS-ACTION")
        attendee.params["RSVP"] = vText("TRUE")
    event.add("attendee", attendee)

    calendar.add_component(event)
    _add_timezones(calendar, [session])
    return calendar.to_ical()


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
