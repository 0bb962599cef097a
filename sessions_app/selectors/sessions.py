"""Reads about sessions: the coordinator's list, the next sessions of groups, and what goes
into a person's calendar feed. Who may open a session is ``sessions_app.access``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from residents.models import User

from ..models import Booking, IntervisionGroup, Participation, Rsvp, Session, SessionStatusChange

# The feed carries sessions from this long ago onwards: recent ones stay in calendars, and the
# feed does not grow for ever.
FEED_PAST = dt.timedelta(days=180)


def _with_names(sessions: QuerySet[Session]) -> QuerySet[Session]:
    return sessions.select_related("group__co_intervisor", "intervisor__user", "series")


def session_list(
    *, upcoming: bool, now: dt.datetime, group: IntervisionGroup | None = None
) -> QuerySet[Session]:
    """The coordinator's list: upcoming soonest first, or past latest first, with counts of
    invited, yes and booked residents (one query)."""
    sessions = _with_names(Session.objects.all()).annotate(
        invited=Count("participations", distinct=True),
        yes=Count("participations", filter=Q(participations__rsvp=Rsvp.YES), distinct=True),
        booked=Count("participations", filter=Q(participations__booking=Booking.BOOKED),
                     distinct=True),
    )
    if group is not None:
        sessions = sessions.filter(group=group)
    if upcoming:
        return sessions.filter(end__gt=now).order_by("start", "pk")
    return sessions.filter(end__lte=now).order_by("-start", "-pk")


def next_sessions_by_group(
    groups: Iterable[IntervisionGroup], *, now: dt.datetime, per_group: int = 3
) -> dict[int, list[Session]]:
    """Group id → its next ``per_group`` sessions (cancelled ones included, shown as such),
    in one query."""
    ids = [g.pk for g in groups]
    found: dict[int, list[Session]] = {pk: [] for pk in ids}
    if not ids:
        return found
    for session in Session.objects.filter(group_id__in=ids, end__gt=now).order_by("start", "pk"):
        bucket = found[session.group_id]
        if len(bucket) < per_group:
            bucket.append(session)
    return found


def attach_next_sessions(groups: Iterable[IntervisionGroup], *, now: dt.datetime,
                         per_group: int = 3) -> None:
    """Set ``group.next_sessions`` for the group cards and the group page."""
    groups = list(groups)
    found = next_sessions_by_group(groups, now=now, per_group=per_group)
    for group in groups:
        group.next_sessions = found[group.pk]


def status_history(session: Session) -> QuerySet[SessionStatusChange]:
    return session.status_changes.select_related("changed_by").order_by("changed_at", "pk")


def feed_owner(token: str) -> User | None:
    """The active person a calendar feed token belongs to, if any."""
    return User.objects.filter(calendar_token=token, is_active=True).first()


def feed_sessions(user: User, *, now: dt.datetime) -> QuerySet[Session]:
    """What a person's calendar feed carries (one query):

    - a resident: the sessions of their group they are invited to and the open sessions they
      hold a seat in (not the ones they only wait for: a calendar entry would promise a seat);
    - an intervisor: the sessions they lead;
    - a coordinator: every session of the programme, to see the whole planning at a glance;
    - anyone else: nothing.

    Cancelled sessions stay in, marked cancelled, so calendars that have them remove them.
    """
    sessions = _with_names(Session.objects.filter(end__gte=now - FEED_PAST)).order_by("start", "pk")
    if user.is_coordinator:
        return sessions
    if user.is_intervisor:
        return sessions.led_by(user)
    if user.is_resident:
        taking_part = Participation.objects.filter(resident__user=user).filter(
            Q(session__kind=Session.Kind.GROUP) | Q(booking=Booking.BOOKED)
        ).values("session")
        return sessions.filter(pk__in=taking_part)
    return sessions.none()
