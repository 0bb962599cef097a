"""Planning sessions and moving them through their status flow.

proposed → scheduled → held, and cancelled from proposed or scheduled. Every change writes a
``SessionStatusChange`` and tells the people affected through the outbox, in one transaction.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from residents.models import User

from ..models import IntervisionGroup, Membership, Participation, Session, SessionStatusChange
from . import notifications

ALLOWED = {
    Session.Status.PROPOSED: {Session.Status.SCHEDULED, Session.Status.CANCELLED},
    Session.Status.SCHEDULED: {Session.Status.HELD, Session.Status.CANCELLED},
    Session.Status.HELD: set(),
    Session.Status.CANCELLED: set(),
}


def _record(session: Session, *, old: str, new: str, by: User | None, note: str = "") -> None:
    SessionStatusChange.objects.create(
        session=session, from_status=old, to_status=new, changed_by=by, note=note
    )


def _add_group_members(session: Session) -> None:
    day = session.start.date()
    residents = Membership.objects.filter(group=session.group).on(day).values_list("resident", flat=True)
    Participation.objects.bulk_create(
        [Participation(session=session, resident_id=r) for r in residents], ignore_conflicts=True
    )


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
    """Plan one session of ``group``; its current members are invited."""
    if start.tzinfo is None:
        raise ValueError("session times must be timezone-aware")
    end = end or start + dt.timedelta(minutes=group.default_duration_minutes)
    if end <= start:
        raise ValidationError({"end": _("A session must end after it starts.")})
    if not group.is_active:
        raise ValidationError(_("%(group)s is no longer active.") % {"group": group})
    if status not in (Session.Status.PROPOSED, Session.Status.SCHEDULED):
        raise ValidationError(_("A new session is proposed or scheduled."))
    session = Session.objects.create(
        kind=Session.Kind.GROUP, group=group, intervisor=group.intervisor, start=start, end=end,
        location=group.location if location is None else location, video_url=video_url,
        status=status, created_by=by,
    )
    _record(session, old="", new=status, by=by)
    _add_group_members(session)
    if status == Session.Status.SCHEDULED:
        notifications.notify_session_scheduled(session=session)
    return session


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
    if status == Session.Status.CANCELLED:
        session.sequence += 1  # calendars must see the cancellation
    session.save(update_fields=["status", "sequence", "updated_at"])
    _record(session, old=old, new=status, by=by, note=note)
    if status == Session.Status.SCHEDULED:
        notifications.notify_session_scheduled(session=session)
    elif status == Session.Status.CANCELLED:
        notifications.notify_session_cancelled(session=session)
    return session
