"""Reads for RSVPs, bookings and attendance: what the answer, booking, attendance and
statement pages show. Who may open a session is ``sessions_app.access``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from residents.models import Resident

from ..models import AbsenceReason, Attendance, Booking, Participation, Rsvp, Session
from . import availability as suggestions


@dataclass
class Answers:
    session: Session
    yes: list[Participation] = field(default_factory=list)
    maybe: list[Participation] = field(default_factory=list)
    no: list[Participation] = field(default_factory=list)
    unanswered: list[Participation] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.yes) + len(self.maybe) + len(self.no) + len(self.unanswered)


def session_answers(session: Session) -> Answers:
    """Who answered what for one session, with the reasons for "no" counted (one query)."""
    rows = Participation.objects.filter(session=session).select_related("resident__user").order_by(
        "resident__user__last_name", "resident__user__first_name"
    )
    if session.kind == Session.Kind.OPEN:
        rows = rows.filter(booking=Booking.BOOKED)
    answers = Answers(session=session)
    for p in rows:
        {Rsvp.YES: answers.yes, Rsvp.MAYBE: answers.maybe, Rsvp.NO: answers.no}.get(
            p.rsvp, answers.unanswered
        ).append(p)
    for p in answers.no:
        label = AbsenceReason(p.absence_reason).label if p.absence_reason else "—"
        answers.reasons[label] = answers.reasons.get(label, 0) + 1
    return answers


def open_sessions_for(resident: Resident, now: dt.datetime) -> list[Session]:
    """Scheduled open sessions still to come, with their seat counts (``booked_seats``,
    ``waiting``), the resident's own participation (``mine``, or None) and how each fits the
    resident's roster (``fit``, see ``suggestions.own_fit``). Four queries."""
    mine = Participation.objects.filter(
        resident=resident, booking__in=[Booking.BOOKED, Booking.WAITLISTED]
    )
    sessions = list(
        Session.objects.filter(kind=Session.Kind.OPEN, status=Session.Status.SCHEDULED, start__gt=now)
        .select_related("intervisor__user")
        .annotate(
            booked_seats=Count("participations", filter=Q(participations__booking=Booking.BOOKED)),
            waiting=Count("participations", filter=Q(participations__booking=Booking.WAITLISTED)),
        )
        .prefetch_related(Prefetch("participations", queryset=mine, to_attr="my_rows"))
        .order_by("start")
    )
    fits = suggestions.own_fit(resident.pk, [(s.start, s.end) for s in sessions])
    for s, fit in zip(sessions, fits, strict=True):
        s.mine = s.my_rows[0] if s.my_rows else None
        s.free_seats = max(s.capacity - s.booked_seats, 0)
        s.fit = fit  # how the session fits the resident's own roster
    return sessions


def open_session_for(resident: Resident, session_pk: int, now: dt.datetime) -> Session | None:
    for s in open_sessions_for(resident, now):
        if s.pk == session_pk:
            return s
    return None


def upcoming_answers_for(resident: Resident, now: dt.datetime) -> list[Participation]:
    """The resident's sessions still to come: their group's, to answer, and the open sessions
    they hold a seat or a waitlist place in; each with how it fits the resident's roster
    (``fit``, see ``suggestions.own_fit``)."""
    rows = list(
        Participation.objects.filter(
            Q(session__kind=Session.Kind.GROUP)
            | Q(session__kind=Session.Kind.OPEN, booking__in=[Booking.BOOKED, Booking.WAITLISTED]),
            resident=resident, session__status=Session.Status.SCHEDULED, session__start__gt=now,
        ).select_related("session__group").order_by("session__start")
    )
    fits = suggestions.own_fit(resident.pk, [(p.session.start, p.session.end) for p in rows])
    for p, fit in zip(rows, fits, strict=True):
        p.fit = fit
    return rows


def attendance_rows(session: Session) -> list[Participation]:
    rows = Participation.objects.filter(session=session).select_related(
        "resident__user", "attendance_recorded_by"
    )
    if session.kind == Session.Kind.OPEN:
        rows = rows.filter(booking=Booking.BOOKED)
    return list(rows.order_by("resident__user__last_name", "resident__user__first_name"))


@dataclass
class Statement:
    resident: Resident
    start: dt.date
    end: dt.date
    rows: list[Participation]
    generated_at: dt.datetime

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def total_minutes(self) -> int:
        return sum(int((p.session.end - p.session.start).total_seconds()) // 60 for p in self.rows)

    @property
    def groups(self) -> list[str]:
        names = []
        for p in self.rows:
            name = str(p.session.group) if p.session.group_id else str(p.session)
            if name not in names:
                names.append(name)
        return names


def attendance_statement(resident: Resident, start: dt.date, end: dt.date) -> Statement:
    """Sessions the resident attended between ``start`` and ``end`` (local dates, inclusive).

    Only what a portfolio needs: date, time, group or open session, length, "left early". No
    notes, no other participants."""
    zone = timezone.get_current_timezone()
    low = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = list(
        Participation.objects.filter(
            resident=resident, attendance=Attendance.PRESENT, session__start__gte=low,
            session__start__lt=high,
        )
        .exclude(session__status=Session.Status.CANCELLED)
        .select_related("session__group")
        .order_by("session__start")
    )
    return Statement(resident=resident, start=start, end=end, rows=rows, generated_at=timezone.now())
