"""Seats and the waitlist of an open session: counting booked seats, keeping the waitlist's
order without gaps, and promoting waiting residents when seats free up. Used by both
``participation`` (booking, giving up a seat) and ``sessions`` (more seats after an edit).
Callers hold the session's row lock."""

from __future__ import annotations

from django.db.models import F

from ..models import Booking, Participation, Session
from . import notifications

# Far above any real waitlist: renumbering moves rows up by this first, so the partial unique
# index on (session, waitlist_position) never sees two rows on one number mid-statement.
_RENUMBER_OFFSET = 1_000_000


def booked_count(session: Session) -> int:
    return Participation.objects.filter(session=session, booking=Booking.BOOKED).count()


def waitlist_renumber(session: Session) -> None:
    """Close the gaps in the waitlist, keeping the order (two statements, no transient clash)."""
    waiting = Participation.objects.filter(session=session, booking=Booking.WAITLISTED)
    waiting.update(waitlist_position=F("waitlist_position") + _RENUMBER_OFFSET)
    for number, pk in enumerate(waiting.order_by("waitlist_position").values_list("pk", flat=True), 1):
        Participation.objects.filter(pk=pk).update(waitlist_position=number)


def waitlist_promote(session: Session) -> None:
    """Seats added to an open session go to the waitlist, in its order; each is told."""
    free = session.capacity - booked_count(session)
    if free <= 0:
        return
    promoted = list(
        Participation.objects.select_for_update(of=("self",))
        .filter(session=session, booking=Booking.WAITLISTED)
        .select_related("resident__user").order_by("waitlist_position")[:free]
    )
    for participation in promoted:
        participation.booking = Booking.BOOKED
        participation.waitlist_position = None
        participation.save(update_fields=["booking", "waitlist_position", "updated_at"])
        participation.session = session
        notifications.notify_waitlist_promoted(participation=participation)
    if promoted:
        waitlist_renumber(session)
