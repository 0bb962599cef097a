"""Reads about sessions: the coordinator's list, the next sessions of groups, and what goes
into a person's calendar feed. Who may open a session is ``sessions_app.access``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, FilteredRelation, Max, Q, QuerySet, Sum

from residents.models import User

from ..calendar import EventFacts, FeedState
from ..models import Booking, IntervisionGroup, Rsvp, Session, SessionStatusChange

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
    """The active person a calendar feed token belongs to, if any (with their resident row,
    which their feed is selected by)."""
    # get(), not first(): the token is unique, and first() would add an ORDER BY. Only what
    # the feed reads: a 304 is mostly these two queries.
    try:
        return (User.objects.select_related("resident")
                .only("id", "role", "language", "resident__id")
                .get(calendar_token=token, is_active=True))
    except User.DoesNotExist:
        return None


def _feed_resident(user: User):
    """The resident row a feed is selected by (``feed_owner`` loads it with the user)."""
    return getattr(user, "resident", None) if user.is_resident else None


def _feed_queryset(user: User, *, now: dt.datetime) -> QuerySet[Session]:
    """The sessions of a person's feed, unordered and without names (see ``feed_sessions``)."""
    sessions = Session.objects.filter(end__gte=now - FEED_PAST)
    if user.is_coordinator:
        return sessions
    if user.is_intervisor:
        return sessions.led_by(user)
    if _feed_resident(user) is not None:
        # Their own participation rides along (one join): a seat given up stays in the feed as
        # cancelled, with its own sequence and change time.
        return sessions.annotate(
            own=FilteredRelation("participations",
                                 condition=Q(participations__resident_id=_feed_resident(user).pk)),
        ).filter(
            Q(own__isnull=False)
            & (Q(kind=Session.Kind.GROUP) | Q(own__booking=Booking.BOOKED)
               # A seat given up raised the participation's own sequence; a waitlist place
               # given up did not, and never was in their calendar.
               | Q(own__booking=Booking.CANCELLED, own__calendar_sequence__gt=0))
        )
    return sessions.none()


# The columns of an event, in the order of EventFacts' fields up to ``leader``.
_EVENT_COLUMNS = ("pk", "uid", "start", "end", "title", "group__name", "status", "location",
                  "video_url", "sequence", "updated_at")


def feed_events(user: User, *, now: dt.datetime) -> list[EventFacts]:
    """What a person's calendar feed carries, in one query of the columns the events show:

    - a resident: the sessions of their group they are invited to, the open sessions they hold
      a seat in (not the ones they only wait for: a calendar entry would promise a seat), and
      the open sessions they gave up, which their calendar must see cancelled; each with their
      own booking, calendar sequence and change time;
    - an intervisor: the sessions they lead;
    - a coordinator: every session of the programme, to see the whole planning at a glance;
    - anyone else: nothing.

    Cancelled sessions stay in, marked cancelled, so calendars that have them remove them.
    Plain rows, not model instances: a coordinator's year is 600 events or more.
    """
    sessions = _feed_queryset(user, now=now).order_by("start", "pk")
    own = ()
    if _feed_resident(user) is not None:
        own = ("own__booking", "own__calendar_sequence", "own__updated_at")
    rows = sessions.values_list(*_EVENT_COLUMNS, "intervisor__user__first_name",
                                "intervisor__user__last_name", *own)
    n = len(_EVENT_COLUMNS)
    return [
        # The leader's name as User.get_full_name writes it.
        EventFacts(*row[:n], f"{row[n]} {row[n + 1]}".strip(), *row[n + 2:])
        for row in rows
    ]


def feed_state(user: User, *, now: dt.datetime) -> FeedState:
    """How many events ``user``'s feed holds and their latest change, in one aggregate query:
    what the feed's ETag and Last-Modified are made of, so an unchanged feed is answered
    without loading it."""
    sessions = _feed_queryset(user, now=now)
    # The sum of the sequences moves with every change a calendar must see even when two
    # changes fall within one tick of the clock.
    latest = {"n": Count("pk"), "session": Max("updated_at"), "sequences": Sum("sequence")}
    if _feed_resident(user) is not None:
        latest |= {"own_change": Max("own__updated_at"), "own_sequences": Sum("own__calendar_sequence")}
    found = sessions.aggregate(**latest)
    changes = [t for t in (found["session"], found.get("own_change")) if t is not None]
    return FeedState(count=found["n"], last_change=max(changes) if changes else None,
                     sequences=(found["sequences"] or 0) + (found.get("own_sequences") or 0))
