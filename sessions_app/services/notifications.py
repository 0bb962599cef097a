"""The outbox: what must be told to whom, written in the same transaction as the change.

Rows are unique per (kind, recipient, scope), so recording the same event twice is harmless.
Reminders are written ahead with the time they fall due; their scope carries the session's
``sequence``, so moving a session cancels the pending reminders for the old time and writes new
ones. A dispatcher (beat, every few minutes) claims due rows with a conditional update and
sends them; see ``tasks.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from residents.models import User

from ..models import Notification, NotificationKind, Participation, Session

Kind = NotificationKind

REMINDER_OFFSETS = {
    Kind.REMINDER_7D: dt.timedelta(days=7),
    Kind.NUDGE_3D: dt.timedelta(days=3),
    Kind.REMINDER_24H: dt.timedelta(hours=24),
}
ATTENDANCE_PROMPT_DELAY = dt.timedelta(hours=1)


def session_scope(session: Session) -> str:
    """Scope of messages about a session as it stands now (changes with every move)."""
    return f"session:{session.pk}:seq:{session.sequence}"


def enqueue(
    kind: str, recipients: Iterable[User], session: Session | None, scope: str, due_at: dt.datetime
) -> None:
    """Write outbox rows; a row that exists already (same kind, recipient, scope) is kept."""
    rows = [
        Notification(kind=kind, recipient=user, session=session, scope=scope, due_at=due_at)
        for user in recipients
    ]
    # The unique constraint decides what is a duplicate; a second call adds nothing.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


def _residents_of(session: Session) -> list[User]:
    participations = Participation.objects.filter(session=session).select_related("resident__user")
    return [p.resident.user for p in participations if p.resident.user.is_active]


def _leaders_of(session: Session) -> list[User]:
    leaders = [session.intervisor.user]
    if session.group_id and session.group.co_intervisor_id:
        leaders.append(session.group.co_intervisor.user)
    return leaders


def _schedule_reminders(session: Session) -> None:
    now = timezone.now()
    scope = session_scope(session)
    residents = _residents_of(session)
    for kind, offset in REMINDER_OFFSETS.items():
        due = session.start - offset
        if due > now:
            enqueue(kind, residents, session, scope, due)
    enqueue(Kind.ATTENDANCE_PROMPT, _leaders_of(session), session, scope,
             session.end + ATTENDANCE_PROMPT_DELAY)


def _cancel_pending(session: Session, *, keep_scope: str | None = None) -> None:
    pending = Notification.objects.filter(session=session, status=Notification.Status.PENDING)
    if keep_scope is not None:
        pending = pending.exclude(scope=keep_scope)
    pending.update(status=Notification.Status.CANCELLED)


@transaction.atomic
def notify_session_scheduled(*, session: Session) -> None:
    """A session became scheduled: ask its residents to answer and plan the reminders."""
    if session.kind == Session.Kind.GROUP:
        enqueue(Kind.RSVP_REQUEST, _residents_of(session), session, session_scope(session),
                 timezone.now())
    _schedule_reminders(session)


@transaction.atomic
def notify_session_changed(*, session: Session) -> None:
    """A session moved or changed place: tell everyone affected and re-plan the reminders.

    The caller has already raised ``session.sequence``."""
    scope = session_scope(session)
    _cancel_pending(session, keep_scope=scope)
    enqueue(Kind.SESSION_CHANGED, _residents_of(session) + _leaders_of(session), session, scope,
             timezone.now())
    if session.status == Session.Status.SCHEDULED:
        _schedule_reminders(session)


@transaction.atomic
def notify_session_cancelled(*, session: Session) -> None:
    """A session was cancelled: nothing pending about it is sent; everyone is told."""
    _cancel_pending(session)
    enqueue(Kind.SESSION_CANCELLED, _residents_of(session) + _leaders_of(session), session,
             f"session:{session.pk}:cancelled", timezone.now())


@transaction.atomic
def notify_waitlist_promoted(*, participation: Participation) -> None:
    """A resident moved from the waitlist to a seat."""
    session = participation.session
    enqueue(Kind.WAITLIST_PROMOTED, [participation.resident.user], session,
             f"session:{session.pk}:promoted", timezone.now())
    _schedule_reminders(session)
