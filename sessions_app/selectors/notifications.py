"""Reads for the outbox: what is due, a row with everything its e-mail needs, the sessions
the weekly low-answer digest reports, and the messages that failed or are late (the Mail page,
the coordinator's home, ``/healthz``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q, QuerySet

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


# A pending message this long past its time is late: the dispatcher runs every two minutes,
# so one is late only when no worker or beat runs, or after a temporary failure.
DELAYED_AFTER = dt.timedelta(minutes=15)
# Failed messages older than this are history (their session is long past), not a to-do.
FAILED_SHOWN_FOR = dt.timedelta(days=30)


def _failed(now: dt.datetime) -> Q:
    return Q(status=Notification.Status.FAILED, due_at__gte=now - FAILED_SHOWN_FOR)


def _delayed(now: dt.datetime) -> Q:
    """Waiting for another attempt after a temporary failure, or due and not sent for a
    while, or held by a worker for a while (it may have died; the dispatcher puts it back)."""
    late = now - DELAYED_AFTER
    pending = Q(status=Notification.Status.PENDING) & (Q(attempts__gt=0) | Q(due_at__lt=late))
    return pending | Q(status=Notification.Status.SENDING, claimed_at__lt=late)


@dataclass(frozen=True)
class MailProblems:
    failed: int
    delayed: int

    def __bool__(self) -> bool:
        return bool(self.failed or self.delayed)


def mail_problem_counts(now: dt.datetime) -> MailProblems:
    """How many messages failed (in the last 30 days) and how many are late. One query."""
    counts = Notification.objects.aggregate(
        failed=Count("pk", filter=_failed(now)), delayed=Count("pk", filter=_delayed(now)),
    )
    return MailProblems(failed=counts["failed"], delayed=counts["delayed"])


def mail_problems(now: dt.datetime) -> QuerySet[Notification]:
    """Failed and late messages with their recipient and session, failed first, then oldest
    first. One query."""
    return (
        Notification.objects.filter(_failed(now) | _delayed(now))
        .select_related("recipient", "session__group")
        .order_by("status", "due_at", "pk")  # "failed" before "pending" and "sending"
    )


def oldest_due_age(now: dt.datetime) -> dt.timedelta | None:
    """How long the oldest message that is due has waited, or None when none is due (what
    ``/healthz`` reports: a growing age means no worker is sending)."""
    oldest = Notification.objects.filter(
        status=Notification.Status.PENDING, due_at__lte=now
    ).aggregate(oldest=Min("due_at"))["oldest"]
    return None if oldest is None else now - oldest


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
