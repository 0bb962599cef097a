"""Reads for the outbox: what is due, a row with everything its e-mail needs, and the
sessions the weekly low-answer digest reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from residents.models import User

from ..models import Booking, Notification, Participation, Rsvp, Session

# A row handed to a worker whose task never claimed it (a lost broker message) is handed out
# again after this long; the claim makes a late duplicate harmless.
REQUEUE_AFTER = dt.timedelta(minutes=10)


def due_notifications(now: dt.datetime) -> QuerySet[Notification]:
    """Pending rows whose time has come and that no worker was handed recently, oldest first."""
    return (
        Notification.objects.filter(status=Notification.Status.PENDING, due_at__lte=now)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - REQUEUE_AFTER))
        .order_by("due_at", "pk")
    )


def notification_for_sending(pk: int) -> Notification:
    """One row with its recipient and session (group, leaders) loaded in one query."""
    return Notification.objects.select_related(
        "recipient", "session", "session__group", "session__intervisor__user",
        "session__group__co_intervisor__user",
    ).get(pk=pk)


def participation_of(*, session: Session, user: User) -> Participation | None:
    # At most one row (unique per session and resident); get() spares first()'s ORDER BY.
    try:
        return Participation.objects.get(session=session, resident__user=user)
    except Participation.DoesNotExist:
        return None


def next_planned_session(session: Session, *, now: dt.datetime) -> Session | None:
    """The next scheduled session of ``session``'s group after it (and after ``now``), for
    the message that cancels it; none for an open session."""
    if session.group_id is None:
        return None
    return (
        Session.objects.filter(group_id=session.group_id, status=Session.Status.SCHEDULED,
                               start__gt=max(session.start, now))
        .exclude(pk=session.pk).order_by("start", "pk").first()
    )


@dataclass
class LowRsvpSession:
    session: Session
    expected: int
    yes: int
    maybe: int
    no: int
    unanswered: int
    # Names the coordinator needs to chase; they see every answer on the site anyway.
    unanswered_names: list[str] = field(default_factory=list)


def low_rsvp_sessions(*, now: dt.datetime, days: int = 14) -> list[LowRsvpSession]:
    """Scheduled group sessions in the next ``days`` days where fewer members said yes than the
    group's minimum size, or more than a third have not answered. Two queries."""
    sessions = (
        Session.objects.filter(
            kind=Session.Kind.GROUP, status=Session.Status.SCHEDULED,
            start__gte=now, start__lt=now + dt.timedelta(days=days),
        )
        .select_related("group")
        .annotate(
            n_expected=Count("participations"),
            n_yes=Count("participations", filter=Q(participations__rsvp=Rsvp.YES)),
            n_maybe=Count("participations", filter=Q(participations__rsvp=Rsvp.MAYBE)),
            n_no=Count("participations", filter=Q(participations__rsvp=Rsvp.NO)),
            n_none=Count("participations", filter=Q(participations__rsvp=Rsvp.NONE)),
        )
        .order_by("start", "pk")
    )
    low = [
        s for s in sessions
        if s.n_yes < s.group.min_size or 3 * s.n_none > s.n_expected
    ]
    if not low:
        return []
    names: dict[int, list[str]] = {s.pk: [] for s in low}
    unanswered = (
        Participation.objects.filter(session__in=low, rsvp=Rsvp.NONE)
        .exclude(booking=Booking.CANCELLED)
        .select_related("resident__user")
        .order_by("resident__user__last_name", "resident__user__first_name")
    )
    for p in unanswered:
        names[p.session_id].append(p.resident.user.get_full_name())
    return [
        LowRsvpSession(
            session=s, expected=s.n_expected, yes=s.n_yes, maybe=s.n_maybe, no=s.n_no,
            unanswered=s.n_none, unanswered_names=names[s.pk],
        )
        for s in low
    ]
