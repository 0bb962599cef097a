"""Planning sessions, series of sessions, moving and cancelling them, and their status flow.

proposed → scheduled → held, and cancelled from proposed or scheduled. Every status change
writes a ``SessionStatusChange``; every change a calendar must see (time, place, video link,
title, tentative → confirmed, cancelled) raises ``session.sequence`` (iCalendar SEQUENCE) and
tells the people affected through the outbox, in the same transaction.

Times. A session is planned as a local date and time in the programme's zone
(``settings.TIME_ZONE``) and stored in UTC. A series is expanded in local time: every date gets
the same wall-clock time, so a session at 16:00 stays at 16:00 when the clocks change (its UTC
time moves by an hour instead).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from residents.models import Intervisor, Programme, User
from residents.selectors.rules import holiday_names
from residents.timezones import programme_zone

from ..models import (
    Booking,
    IntervisionGroup,
    Membership,
    Participation,
    Session,
    SessionSeries,
    SessionStatusChange,
)
from ..selectors import availability as suggestions
from . import notifications, waitlist

ALLOWED = {
    Session.Status.PROPOSED: {Session.Status.SCHEDULED, Session.Status.CANCELLED},
    Session.Status.SCHEDULED: {Session.Status.HELD, Session.Status.CANCELLED},
    Session.Status.HELD: set(),
    Session.Status.CANCELLED: set(),
}
# Sessions that can still be moved, cancelled or edited.
CHANGEABLE = (Session.Status.PROPOSED, Session.Status.SCHEDULED)
NEW_STATUSES = (Session.Status.PROPOSED, Session.Status.SCHEDULED)
MAX_SERIES = 52
MIN_MINUTES, MAX_MINUTES = 30, 480


# --- Local time -----------------------------------------------------------------------------------

def local_datetime(day: dt.date, at: dt.time, zone: ZoneInfo | None = None) -> dt.datetime:
    """``day`` at wall-clock time ``at`` in the programme's zone, as an aware datetime.

    Refuses a time that does not exist that day (skipped when the clocks go forward). A time
    that happens twice (when the clocks go back) is taken the first time."""
    zone = zone or programme_zone()
    naive = dt.datetime.combine(day, at.replace(tzinfo=None))
    aware = naive.replace(tzinfo=zone, fold=0)
    if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise ValidationError(
            {"start_time": _("%(time)s does not exist on %(day)s: the clocks go forward then.")
             % {"time": at.strftime("%H:%M"), "day": formats.date_format(day, "DATE_FORMAT")}}
        )
    return aware


def _check_times(start: dt.datetime, end: dt.datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("session times must be timezone-aware")
    if end <= start:
        raise ValidationError({"duration_minutes": _("A session must end after it starts.")})
    if end - start > dt.timedelta(minutes=MAX_MINUTES):
        raise ValidationError({"duration_minutes": _("A session lasts at most 8 hours.")})


# --- Planning -------------------------------------------------------------------------------------

def _record(session: Session, *, old: str, new: str, by: User | None, note: str = "") -> None:
    SessionStatusChange.objects.create(
        session=session, from_status=old, to_status=new, changed_by=by, note=note
    )


def _add_group_members(session: Session) -> None:
    day = timezone.localtime(session.start, programme_zone()).date()
    residents = Membership.objects.filter(group=session.group).on(day).values_list("resident", flat=True)
    Participation.objects.bulk_create(
        [Participation(session=session, resident_id=r) for r in residents], ignore_conflicts=True
    )


def _plan_group_session(
    *, group: IntervisionGroup, start: dt.datetime, end: dt.datetime | None, location: str | None,
    video_url: str, status: str, by: User | None, series: SessionSeries | None = None,
) -> Session:
    end = end or start + dt.timedelta(minutes=group.default_duration_minutes)
    _check_times(start, end)
    if not group.is_active:
        raise ValidationError(_("%(group)s is no longer active.") % {"group": group})
    if status not in NEW_STATUSES:
        raise ValidationError(_("A new session is proposed or scheduled."))
    session = Session.objects.create(
        kind=Session.Kind.GROUP, group=group, series=series, intervisor=group.intervisor,
        start=start, end=end, location=group.location if location is None else location,
        video_url=video_url, status=status, created_by=by,
    )
    _record(session, old="", new=status, by=by)
    _add_group_members(session)
    if status == Session.Status.SCHEDULED:
        notifications.notify_session_scheduled(session=session)
    return session


@transaction.atomic
def session_plan(
    *,
    group: IntervisionGroup,
    start: dt.datetime,
    end: dt.datetime | None = None,
    location: str | None = None,
    video_url: str = "",
    status: str = Session.Status.SCHEDULED,
    by: User | None,
) -> Session:
    """Plan one session of ``group``; its current members are invited. Without ``end`` the
    group's usual length is used, without ``location`` the group's room."""
    return _plan_group_session(group=group, start=start, end=end, location=location,
                               video_url=video_url, status=status, by=by)


@transaction.atomic
def open_session_create(
    *,
    intervisor: Intervisor,
    start: dt.datetime,
    end: dt.datetime,
    capacity: int,
    location: str = "",
    video_url: str = "",
    title: str = "",
    status: str = Session.Status.SCHEDULED,
    by: User | None,
) -> Session:
    """An open (make-up or drop-in) session with ``capacity`` seats that residents book."""
    _check_times(start, end)
    if capacity is None or capacity < 1:
        raise ValidationError({"capacity": _("An open session needs at least one seat.")})
    if not intervisor.user.is_active:
        raise ValidationError({"intervisor": _("This intervisor is no longer active.")})
    if status not in NEW_STATUSES:
        raise ValidationError(_("A new session is proposed or scheduled."))
    if not (location or video_url):
        raise ValidationError({"location": _("Say where it takes place: a room or a video link.")})
    session = Session.objects.create(
        kind=Session.Kind.OPEN, intervisor=intervisor, start=start, end=end, capacity=capacity,
        location=location, video_url=video_url, title=title, status=status, created_by=by,
    )
    _record(session, old="", new=status, by=by)
    if status == Session.Status.SCHEDULED:
        notifications.notify_session_scheduled(session=session)
    return session


# --- Series ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SeriesDate:
    """One date of a series as the preview shows it."""

    day: dt.date
    start: dt.datetime  # aware, in the programme's zone
    end: dt.datetime
    holiday: str = ""  # the public holiday's name, if any
    clashes: tuple[Session, ...] = ()  # other sessions of the group that day
    in_past: bool = False
    # Who cannot come by the rosters known now (``series_preview(with_rosters=True)``).
    roster: suggestions.Clash | None = None

    @property
    def skipped_by_default(self) -> bool:
        return bool(self.holiday or self.clashes or self.in_past or (self.roster and self.roster.is_clash))


def series_days(*, weekday: int, first_date: dt.date, cadence_weeks: int, count: int) -> list[dt.date]:
    """The dates of a series: the first ``weekday`` on or after ``first_date``, then every
    ``cadence_weeks`` weeks (counted in calendar days, so never shifted by a clock change)."""
    first = first_date + dt.timedelta(days=(weekday - first_date.weekday()) % 7)
    return [first + dt.timedelta(weeks=cadence_weeks * i) for i in range(count)]


def _check_series(*, weekday: int, cadence_weeks: int, count: int, duration_minutes: int) -> None:
    errors = {}
    if not 0 <= weekday <= 6:
        errors["weekday"] = _("Choose a weekday.")
    if not 1 <= cadence_weeks <= 26:
        errors["cadence_weeks"] = _("Choose between 1 and 26 weeks.")
    if not 1 <= count <= MAX_SERIES:
        errors["count"] = _("A series has 1 to %(n)s sessions.") % {"n": MAX_SERIES}
    if not MIN_MINUTES <= duration_minutes <= MAX_MINUTES:
        errors["duration_minutes"] = _("Choose between 30 and 480 minutes.")
    if errors:
        raise ValidationError(errors)


def series_preview(
    *, group: IntervisionGroup, weekday: int, local_start: dt.time, duration_minutes: int,
    cadence_weeks: int, first_date: dt.date, count: int, now: dt.datetime | None = None,
    with_rosters: bool = False,
) -> list[SeriesDate]:
    """Every date the series would have, each with what speaks against it: a public holiday
    of the programme's country, another session of the group that day, a date in the past,
    and (``with_rosters``) who cannot come by the rosters known now and whether the
    intervisor can. Nothing is left out here; the coordinator decides which dates to keep."""
    _check_series(weekday=weekday, cadence_weeks=cadence_weeks, count=count,
                  duration_minutes=duration_minutes)
    now = now or timezone.now()
    zone = programme_zone()
    days = series_days(weekday=weekday, first_date=first_date, cadence_weeks=cadence_weeks, count=count)
    closed = holiday_names(Programme.get(), {d.year for d in days})
    existing: dict[dt.date, list[Session]] = {}
    window = Session.objects.filter(
        group=group, start__gte=local_datetime(days[0], dt.time(0), zone),
        start__lt=local_datetime(days[-1] + dt.timedelta(days=1), dt.time(0), zone),
    ).exclude(status=Session.Status.CANCELLED)
    for session in window:
        existing.setdefault(timezone.localtime(session.start, zone).date(), []).append(session)
    preview = []
    for day in days:
        start = local_datetime(day, local_start, zone)
        preview.append(SeriesDate(
            day=day, start=start, end=start + dt.timedelta(minutes=duration_minutes),
            holiday=str(closed.get(day, "")), clashes=tuple(existing.get(day, ())),
            in_past=start <= now,
        ))
    if with_rosters:
        checked = suggestions.proposed_clashes(group, [(item.start, item.end) for item in preview])
        preview = [dataclasses.replace(item, roster=clash)
                   for item, clash in zip(preview, checked, strict=True)]
    return preview


@transaction.atomic
def series_plan(
    *,
    group: IntervisionGroup,
    weekday: int,
    local_start: dt.time,
    duration_minutes: int,
    cadence_weeks: int,
    first_date: dt.date,
    count: int,
    skip: Iterable[dt.date] = (),
    location: str | None = None,
    video_url: str = "",
    status: str = Session.Status.SCHEDULED,
    by: User | None,
    now: dt.datetime | None = None,
) -> SessionSeries:
    """Plan a series from the group's rhythm: ``count`` dates, ``cadence_weeks`` apart, at the
    same local time. Dates in ``skip`` (chosen by the coordinator in the preview) are not
    planned; every other date is, or nothing is."""
    now = now or timezone.now()
    # Serialise series planning per group, so two coordinators cannot double a series.
    IntervisionGroup.objects.select_for_update().filter(pk=group.pk).first()
    preview = series_preview(
        group=group, weekday=weekday, local_start=local_start, duration_minutes=duration_minutes,
        cadence_weeks=cadence_weeks, first_date=first_date, count=count, now=now,
    )
    skip = set(skip)
    unknown = skip - {d.day for d in preview}
    if unknown:
        raise ValidationError(_("%(day)s is not a date of this series.") % {"day": min(unknown)})
    kept = [d for d in preview if d.day not in skip]
    if not kept:
        raise ValidationError(_("Every date is left out; there is nothing to plan."))
    past = [d for d in kept if d.in_past]
    if past:
        raise ValidationError(
            {"first_date": _("%(day)s has passed; leave it out or start later.") % {"day": past[0].day}}
        )
    series = SessionSeries.objects.create(
        group=group, weekday=weekday, local_start=local_start, duration_minutes=duration_minutes,
        cadence_weeks=cadence_weeks, first_date=preview[0].day, count=len(kept), created_by=by,
    )
    for item in kept:
        _plan_group_session(group=group, start=item.start, end=item.end, location=location,
                            video_url=video_url, status=status, by=by, series=series)
    return series


# --- Changing and cancelling ----------------------------------------------------------------------

def _lock(session: Session) -> Session:
    return Session.objects.select_for_update(of=("self",)).select_related(
        "group", "intervisor__user"
    ).get(pk=session.pk)


def _refuse_unless_changeable(session: Session) -> None:
    if session.status not in CHANGEABLE:
        raise ValidationError(
            _("A %(status)s session cannot be changed.")
            % {"status": Session.Status(session.status).label.lower()}
        )


@transaction.atomic
def session_reschedule(
    *,
    session: Session,
    start: dt.datetime,
    end: dt.datetime,
    location: str,
    video_url: str = "",
    capacity: int | None = None,
    by: User | None,
    now: dt.datetime | None = None,
) -> Session:
    """Move a session or change where it takes place; for an open session also its seats.

    A change calendars must see raises the SEQUENCE and tells everyone taking part; changing
    only the seats tells only those who get a seat from the waitlist."""
    now = now or timezone.now()
    session = _lock(session)
    _refuse_unless_changeable(session)
    _check_times(start, end)
    moved = (start, end) != (session.start, session.end)
    if moved and start <= now:
        raise ValidationError({"date": _("A session can only be moved to a time still to come.")})
    if session.kind == Session.Kind.OPEN and capacity is not None:
        booked = Participation.objects.filter(session=session, booking=Booking.BOOKED).count()
        if capacity < max(booked, 1):
            raise ValidationError({"capacity": _(
                "%(n)s seats are booked; the session cannot have fewer seats."
            ) % {"n": booked}})
    seen = (session.start, session.end, session.location, session.video_url)
    before = notifications.session_facts(start=session.start, end=session.end,
                                         location=session.location, video_url=session.video_url)
    session.start, session.end, session.location, session.video_url = start, end, location, video_url
    more_seats = False
    if session.kind == Session.Kind.OPEN and capacity is not None:
        more_seats = capacity > session.capacity
        session.capacity = capacity
    changed = seen != (session.start, session.end, session.location, session.video_url)
    if changed:
        session.sequence += 1  # the row is locked: no one else raises it meanwhile
    session.save(update_fields=["start", "end", "location", "video_url", "capacity", "sequence",
                                "updated_at"])
    if changed:
        notifications.notify_session_changed(session=session, before=before)
    if more_seats:
        waitlist.waitlist_promote(session)
    return session


def series_following(session: Session) -> list[Session]:
    """``session`` and the later sessions of its series that can still be changed."""
    if session.series_id is None:
        return [session]
    return list(
        Session.objects.filter(series_id=session.series_id, start__gte=session.start,
                               status__in=CHANGEABLE).order_by("start")
    )


@transaction.atomic
def series_reschedule(
    *,
    session: Session,
    start: dt.datetime,
    end: dt.datetime,
    location: str,
    video_url: str = "",
    by: User | None,
    now: dt.datetime | None = None,
) -> list[Session]:
    """Move ``session`` and the rest of its series the same way, in local time: each later
    session moves by the same number of days, to the new wall-clock time and length, so
    "from Tuesday 16:00 to Thursday 15:00" holds for every one, whatever the clocks do."""
    _check_times(start, end)
    return [
        session_reschedule(session=other, start=other_start, end=other_end, location=location,
                           video_url=video_url, by=by, now=now)
        for other, other_start, other_end in series_targets(session, start=start, end=end)
    ]


def series_targets(session: Session, *, start: dt.datetime, end: dt.datetime,
                   ) -> list[tuple[Session, dt.datetime, dt.datetime]]:
    """Where ``series_reschedule`` would put ``session`` and each later one of its series:
    (session, new start, new end), nothing saved."""
    zone = programme_zone()
    anchor_day = timezone.localtime(session.start, zone).date()
    new_local = timezone.localtime(start, zone)
    shift = new_local.date() - anchor_day
    length = end - start
    targets = []
    for other in series_following(session):
        day = timezone.localtime(other.start, zone).date() + shift
        other_start = local_datetime(day, new_local.time(), zone)
        targets.append((other, other_start, other_start + length))
    return targets


@transaction.atomic
def session_set_status(*, session: Session, status: str, by: User | None, note: str = "") -> Session:
    """Move a session along its status flow; refuse a step the flow does not allow."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    old = session.status
    if status not in ALLOWED[old]:
        raise ValidationError(
            _("A %(old)s session cannot become %(new)s.")
            % {"old": Session.Status(old).label.lower(), "new": Session.Status(status).label.lower()}
        )
    session.status = status
    # Calendars show a proposed session as tentative and a cancelled one as cancelled; both
    # steps change what they show. "Held" does not.
    if status in (Session.Status.SCHEDULED, Session.Status.CANCELLED):
        session.sequence += 1
    session.save(update_fields=["status", "sequence", "updated_at"])
    _record(session, old=old, new=status, by=by, note=note)
    if status == Session.Status.SCHEDULED:
        notifications.notify_session_scheduled(session=session)
    elif status == Session.Status.CANCELLED:
        notifications.notify_session_cancelled(session=session)
    return session


@transaction.atomic
def session_cancel(
    *, session: Session, by: User | None, note: str = "", following: bool = False
) -> list[Session]:
    """Cancel a session, or with ``following`` also the later sessions of its series. The
    sessions stay, marked cancelled; everyone taking part is told."""
    _refuse_unless_changeable(session)
    targets = series_following(session) if following else [session]
    return [session_set_status(session=s, status=Session.Status.CANCELLED, by=by, note=note)
            for s in targets]


__all__ = [
    "local_datetime",
    "open_session_create",
    "series_days",
    "series_plan",
    "series_preview",
    "series_reschedule",
    "session_cancel",
    "session_plan",
    "session_reschedule",
    "session_set_status",
]
