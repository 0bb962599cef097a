"""RSVPs, bookings of open sessions with their waitlist, and attendance.

Locking order, everywhere in this module: the session row first, then the resident row. The
session lock serialises everything that counts seats or reads the session's status (so a
cancellation and an answer cannot interleave); the resident lock serialises one resident's
bookings and answers across sessions, so two simultaneous bookings cannot both pass the
overlap check. Both are taken with ``of=("self",)``.

Outbox rows are written in the same transaction as the change, through ``notifications``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from residents.models import Resident, User

from ..access import may_record_attendance
from ..models import (
    AbsenceReason,
    Attendance,
    Booking,
    Membership,
    Participation,
    Rsvp,
    Session,
)
from . import notifications, waitlist
from .sessions import session_set_status

ANSWERS = (Rsvp.YES, Rsvp.NO, Rsvp.MAYBE)
RECORDABLE = (Attendance.PRESENT, Attendance.ABSENT, Attendance.EXCUSED)

# --- helpers ------------------------------------------------------------------------------------

def _lock_session(session: Session) -> Session:
    return Session.objects.select_for_update(of=("self",)).select_related("group").get(pk=session.pk)


def _lock_resident(resident: Resident) -> Resident:
    return Resident.objects.select_for_update(of=("self",)).select_related("user").get(pk=resident.pk)


def _when(session: Session) -> str:
    return formats.date_format(timezone.localtime(session.start), "DATETIME_FORMAT")


def _refuse_unless_open_for_answers(session: Session, now: dt.datetime) -> None:
    if session.status == Session.Status.CANCELLED:
        raise ValidationError(_("This session was cancelled."), code="cancelled")
    if session.start <= now or session.status == Session.Status.HELD:
        raise ValidationError(
            _("This session has started; answers can no longer be changed."), code="started"
        )
    if session.status != Session.Status.SCHEDULED:
        raise ValidationError(
            _("This session is not scheduled yet; you can answer once it is."), code="not_scheduled"
        )


def clashes_for(*, resident: Resident, start: dt.datetime, end: dt.datetime,
                exclude_session: Session | None = None) -> list[Session]:
    """Scheduled sessions overlapping [start, end) that the resident has committed to: a group
    session they said yes or maybe to, or an open session they booked or wait for (a waitlist
    place can turn into a seat without asking them again, so it counts as a commitment)."""
    committed = Q(session__kind=Session.Kind.GROUP, rsvp__in=[Rsvp.YES, Rsvp.MAYBE]) | Q(
        session__kind=Session.Kind.OPEN, booking__in=[Booking.BOOKED, Booking.WAITLISTED]
    )
    rows = Participation.objects.filter(
        committed, resident=resident, session__status=Session.Status.SCHEDULED,
        session__start__lt=end, session__end__gt=start,
    )
    if exclude_session is not None:
        rows = rows.exclude(session=exclude_session)
    return [p.session for p in rows.select_related("session", "session__group").order_by("session__start")]


def _refuse_clash(*, resident: Resident, session: Session) -> None:
    clashes = clashes_for(resident=resident, start=session.start, end=session.end, exclude_session=session)
    if clashes:
        other = clashes[0]
        raise ValidationError(
            _("This overlaps with %(session)s on %(when)s, which you are already going to.")
            % {"session": other, "when": _when(other)},
            code="clash",
        )


# --- RSVPs --------------------------------------------------------------------------------------

@transaction.atomic
def participation_answer(
    *, session: Session, resident: Resident, answer: str, reason: str = "", now: dt.datetime | None = None,
    reason_by_mail: bool = False, answered_at: dt.datetime | None = None,
) -> Participation:
    """Record a resident's yes / no / maybe for a session of their group.

    Only scheduled sessions that have not started can be answered; a "no" needs a reason and
    the other answers carry none. A member who joined after the session was planned gets their
    participation row here.

    ``reason_by_mail``: the answer came from a calendar app's Decline button, which cannot say
    why. A "no" without a reason is then recorded as such, and the resident is sent a mail
    with a one-click link to give the reason (``notifications.notify_reason_request``).
    A "no" that repeats a "no" keeps the reason given before.
    ``answered_at``: when the resident answered, if before ``now`` (a reply read later), so
    that the latest of their answers is the one that counts: one made before the answer
    recorded is refused (code ``superseded``).
    """
    now = now or timezone.now()
    session = _lock_session(session)
    if session.kind != Session.Kind.GROUP:
        raise ValidationError(
            _("Open sessions are booked, not answered; cancel the booking if you cannot come."),
            code="open_session",
        )
    _refuse_unless_open_for_answers(session, now)
    if answer not in ANSWERS:
        raise ValidationError({"answer": _("Choose yes, no or maybe.")})
    if answer == Rsvp.NO:
        if reason not in AbsenceReason.values or not (reason or reason_by_mail):
            raise ValidationError({"reason": _("Tell us why you cannot come.")})
    else:
        reason = ""
    resident = _lock_resident(resident)
    participation = Participation.objects.filter(session=session, resident=resident).first()
    if participation is None:
        is_member = Membership.objects.filter(group=session.group_id, resident=resident).on(
            timezone.localdate(session.start)
        ).exists()
        if not is_member:
            raise ValidationError(_("You are not a member of this group."), code="not_member")
        participation = Participation(session=session, resident=resident)
    if answered_at is None:
        answered_at = now
    else:
        answered_at = min(answered_at, now)
        if participation.answered_at and answered_at < participation.answered_at:
            raise ValidationError(_("A later answer has been recorded since."), code="superseded")
    if answer in (Rsvp.YES, Rsvp.MAYBE):
        _refuse_clash(resident=resident, session=session)
    if reason_by_mail and answer == participation.rsvp == Rsvp.NO:
        reason = participation.absence_reason
    participation.rsvp = answer
    participation.absence_reason = reason
    participation.answered_at = answered_at
    participation.save()
    participation.session = session
    if answer == Rsvp.NO and not reason and reason_by_mail:
        notifications.notify_reason_request(participation=participation)
    return participation


# --- Booking open sessions ----------------------------------------------------------------------

def _refuse_unless_bookable(session: Session, now: dt.datetime) -> None:
    if session.kind != Session.Kind.OPEN:
        raise ValidationError(_("Only open sessions can be booked."), code="not_open")
    if session.status == Session.Status.CANCELLED:
        raise ValidationError(_("This session was cancelled."), code="cancelled")
    if session.status != Session.Status.SCHEDULED or session.start <= now:
        raise ValidationError(_("This session can no longer be booked."), code="closed")


@transaction.atomic
def participation_book(
    *, session: Session, resident: Resident, now: dt.datetime | None = None
) -> Participation:
    """Book a seat in an open session, or a place on its waitlist when it is full.

    The session row is locked while the seats are counted, so with any number of simultaneous
    requests for the last seat exactly one gets it and the others queue up in the order their
    turn came. Booking again while booked or waiting changes nothing.
    """
    session = _lock_session(session)
    # Taken under the lock: ``booked_at`` orders the requests as they got their turn.
    now = now or timezone.now()
    _refuse_unless_bookable(session, now)
    resident = _lock_resident(resident)
    if not resident.user.is_active:
        raise ValidationError(_("This account is no longer active."), code="inactive")
    participation = Participation.objects.filter(session=session, resident=resident).first()
    if participation is not None and participation.booking in (Booking.BOOKED, Booking.WAITLISTED):
        participation.session = session
        return participation
    _refuse_clash(resident=resident, session=session)
    participation = participation or Participation(session=session, resident=resident)
    if participation.booking == Booking.CANCELLED:
        # Back after giving the seat up: the new invitation must outrank the cancellation.
        participation.calendar_sequence += 1
    participation.booked_at = now
    if waitlist.booked_count(session) < session.capacity:
        participation.booking = Booking.BOOKED
        participation.waitlist_position = None
    else:
        last = Participation.objects.filter(session=session, booking=Booking.WAITLISTED).aggregate(
            last=Max("waitlist_position")
        )["last"]
        participation.booking = Booking.WAITLISTED
        participation.waitlist_position = (last or 0) + 1
    participation.save()
    participation.session = session
    if participation.booking == Booking.BOOKED:
        # Plans this resident's reminders (and the intervisor's attendance prompt); rows that
        # exist already are kept, so this adds only what the new seat needs.
        notifications.notify_session_scheduled(session=session)
        notifications.notify_seat_booked(participation=participation)
    return participation


@transaction.atomic
def participation_cancel_booking(
    *, session: Session, resident: Resident, now: dt.datetime | None = None
) -> Participation | None:
    """Give up a seat or a waitlist place. A freed seat goes to the first on the waitlist, who
    is told; the places behind move up. Returns the promoted participation, if any."""
    now = now or timezone.now()
    session = _lock_session(session)
    if session.kind != Session.Kind.OPEN:
        raise ValidationError(_("Only open sessions are booked."), code="not_open")
    if session.start <= now or session.status != Session.Status.SCHEDULED:
        raise ValidationError(_("This session can no longer be changed."), code="closed")
    participation = (
        Participation.objects.select_for_update(of=("self",))
        .filter(session=session, resident=resident).first()
    )
    if participation is None or participation.booking not in (Booking.BOOKED, Booking.WAITLISTED):
        raise ValidationError(_("You have no booking for this session."), code="not_booked")
    had_seat = participation.booking == Booking.BOOKED
    participation.booking = Booking.CANCELLED
    participation.waitlist_position = None
    if had_seat:
        # The cancellation sent to their calendar must outrank the invitation they had.
        participation.calendar_sequence += 1
    participation.save(update_fields=["booking", "waitlist_position", "calendar_sequence",
                                      "updated_at"])
    participation.session = session
    if had_seat:
        notifications.notify_seat_given_up(participation=participation)
    promoted = None
    if had_seat and waitlist.booked_count(session) < session.capacity:
        promoted = (
            Participation.objects.select_for_update(of=("self",))
            .filter(session=session, booking=Booking.WAITLISTED)
            .select_related("resident__user")
            .order_by("waitlist_position")
            .first()
        )
        if promoted is not None:
            promoted.booking = Booking.BOOKED
            promoted.waitlist_position = None
            promoted.save(update_fields=["booking", "waitlist_position", "updated_at"])
            promoted.session = session
            notifications.notify_waitlist_promoted(participation=promoted)
    waitlist.waitlist_renumber(session)
    return promoted


# --- Attendance ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AttendanceEntry:
    participation_id: int
    attendance: str
    left_early: bool = False


def expected_participations(session: Session):
    """Who attendance is recorded for: every member invited to a group session; the booked
    residents of an open session (not those still waiting or who cancelled)."""
    rows = Participation.objects.filter(session=session)
    if session.kind == Session.Kind.OPEN:
        rows = rows.filter(booking=Booking.BOOKED)
    return rows


def attendance_prefill(participation: Participation) -> str:
    """What the attendance form suggests, from what the resident told us beforehand.

    - yes or maybe, or a seat booked in an open session → present;
    - no, with any reason → excused: they said so in advance, which is what "excused" means
      here; the reason itself (clinical duty, …) stays on the RSVP and feeds the climate view;
    - no answer → absent.
    The intervisor corrects what did not go as announced.
    """
    if participation.attendance:
        return participation.attendance
    if participation.rsvp in (Rsvp.YES, Rsvp.MAYBE) or participation.booking == Booking.BOOKED:
        return Attendance.PRESENT
    if participation.rsvp == Rsvp.NO:
        return Attendance.EXCUSED
    return Attendance.ABSENT


@transaction.atomic
def attendance_record(
    *, session: Session, entries: Iterable[AttendanceEntry], by: User, now: dt.datetime | None = None
) -> list[Participation]:
    """Record attendance for everyone expected at the session, all at once.

    Allowed from the session's start, for the session's intervisor or co-intervisor; every
    expected participant needs an entry. A session still ``scheduled`` becomes ``held``.
    Recording again corrects the earlier record. Returns the participations as recorded.
    """
    now = now or timezone.now()
    session = _lock_session(session)
    if not may_record_attendance(by, session):
        raise ValidationError(_("Only the session's intervisors record attendance."), code="not_leader")
    if session.status not in (Session.Status.SCHEDULED, Session.Status.HELD):
        raise ValidationError(_("Attendance is recorded only for sessions that took place."),
                              code="not_held")
    if session.start > now:
        raise ValidationError(_("Attendance can be recorded once the session has started."),
                              code="not_started")
    rows = {p.pk: p for p in expected_participations(session).select_for_update(of=("self",))}
    given = {}
    for entry in entries:
        if entry.participation_id not in rows:
            raise ValidationError(_("Someone in the list is not part of this session."), code="stranger")
        if entry.attendance not in RECORDABLE:
            raise ValidationError(_("Choose present, absent or excused for everyone."), code="choice")
        if entry.left_early and entry.attendance != Attendance.PRESENT:
            raise ValidationError(_("Only someone present can have left early."), code="left_early")
        given[entry.participation_id] = entry
    if set(given) != set(rows):
        raise ValidationError(_("Record attendance for everyone in the list."), code="incomplete")
    for pk, entry in given.items():
        row = rows[pk]
        row.attendance = entry.attendance
        row.left_early = entry.left_early
        row.attendance_recorded_by = by
        row.attendance_recorded_at = now
    Participation.objects.bulk_update(
        rows.values(), ["attendance", "left_early", "attendance_recorded_by", "attendance_recorded_at"]
    )
    if session.status == Session.Status.SCHEDULED:
        session_set_status(session=session, status=Session.Status.HELD, by=by,
                           note="attendance recorded")
    # Those present are invited to the anonymous evaluation; recording again (a correction)
    # invites only those not invited yet.
    from .evaluations import evaluation_invite_present

    evaluation_invite_present(session=session)
    return sorted(rows.values(), key=lambda p: p.pk)
