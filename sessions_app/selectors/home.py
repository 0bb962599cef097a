"""What each role's home page says to do next, each in a fixed number of queries whatever
the size of the programme (tests/test_homes.py counts them).

- a resident: the sessions waiting for their answer, their next session with their own answer,
  open sessions that fit their roster, and the evaluations still to fill in;
- an intervisor: the sessions of today and the last fortnight, with attendance or a note still
  to record, and the sessions to come with the answers so far;
- a coordinator: what needs attention (sessions with few answers, roster clashes, groups behind
  their cadence, roster imports waiting for confirmation); failed e-mails come from
  ``notifications.mail_problem_counts``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from residents.models import RosterImport, User

from ..models import (
    Attendance,
    Booking,
    IntervisionGroup,
    Membership,
    Participation,
    Rsvp,
    Session,
    SessionClash,
    SessionNote,
)
from . import availability as suggestions
from . import groups as group_selectors
from .evaluations import evaluations_open_for
from .notifications import LowRsvpSession, low_rsvp_sessions
from .participation import open_sessions_for
from .sessions import attach_next_sessions

# How far back an intervisor's home looks for sessions whose attendance or note is still open.
RECENT_DAYS = 14
# How many upcoming sessions an intervisor's home lists with their answers.
UPCOMING_LIMIT = 5
# How many open sessions a resident's home offers.
OPEN_LIMIT = 3


@dataclass
class ResidentHome:
    waiting: list[Participation]  # group sessions to come without an answer, soonest first
    next: Participation | None  # the next session the resident has answered or booked
    open_sessions: list[Session]  # open sessions with a free seat that fit their roster
    evaluations: list[Session]  # attended sessions whose evaluation is still open
    groups: list = field(default_factory=list)  # group cards with their next sessions


def resident_home(user: User, now: dt.datetime) -> ResidentHome:
    """Eleven queries: the group cards and their sessions (three), the resident's sessions to
    come (one) with their roster fit (two), the open sessions with theirs (two more and two
    for the fit) and the evaluations (one)."""
    today = timezone.localdate(now)
    resident = user.resident
    cards = group_selectors.group_cards_for(user, today)
    attach_next_sessions([card.group for card in cards], now=now)
    rows = list(
        Participation.objects.filter(
            Q(session__kind=Session.Kind.GROUP)
            | Q(session__kind=Session.Kind.OPEN, booking__in=[Booking.BOOKED, Booking.WAITLISTED]),
            resident=resident, session__status=Session.Status.SCHEDULED, session__start__gt=now,
        ).select_related("session__group").order_by("session__start", "session__pk")
    )
    fits = suggestions.own_fit(resident.pk, [(p.session.start, p.session.end) for p in rows])
    for p, fit in zip(rows, fits, strict=True):
        p.fit = fit
    waiting = [p for p in rows if p.session.kind == Session.Kind.GROUP and p.rsvp == Rsvp.NONE]
    # the next session they come to: a group session answered yes or maybe, or a seat booked
    answered = [p for p in rows if p.session.kind == Session.Kind.OPEN or p.rsvp in (Rsvp.YES, Rsvp.MAYBE)]
    offered = [
        s for s in open_sessions_for(resident, now)
        if s.mine is None and s.free_seats > 0 and s.fit is not None and s.fit.state != "unavailable"
    ]
    return ResidentHome(
        waiting=waiting, next=answered[0] if answered else None,
        open_sessions=offered[:OPEN_LIMIT], evaluations=evaluations_open_for(resident, now),
        groups=cards,
    )


@dataclass
class IntervisorHome:
    recent: list[Session]  # today's and recent sessions: ``attendance_open``, ``has_my_note``
    upcoming: list[Session]  # with ``n_yes``, ``n_maybe``, ``n_no``, ``n_none``
    groups: list = field(default_factory=list)


def intervisor_home(user: User, now: dt.datetime) -> IntervisorHome:
    """Five queries: the group cards and their sessions (three), the recent sessions with
    whether attendance and the person's own note are still open (one), the sessions to come
    with their answers counted (one)."""
    today = timezone.localdate(now)
    cards = group_selectors.group_cards_for(user, today)
    attach_next_sessions([card.group for card in cards], now=now)
    zone = timezone.get_current_timezone()
    end_of_today = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    led = Session.objects.led_by(user).exclude(status__in=[Session.Status.CANCELLED,
                                                            Session.Status.PROPOSED])
    recent = list(
        led.filter(start__lt=end_of_today, start__gte=now - dt.timedelta(days=RECENT_DAYS))
        .select_related("group")
        .annotate(
            attendance_open=Exists(Participation.objects.filter(
                session=OuterRef("pk"), attendance=Attendance.UNKNOWN,
            ).exclude(booking__in=[Booking.CANCELLED, Booking.WAITLISTED])),
            has_my_note=Exists(SessionNote.objects.filter(session=OuterRef("pk"), author=user)),
        )
        .order_by("-start")
    )
    upcoming = list(
        led.filter(start__gte=end_of_today, status=Session.Status.SCHEDULED)
        .select_related("group")
        .annotate(
            n_yes=Count("participations", filter=Q(participations__rsvp=Rsvp.YES)),
            n_maybe=Count("participations", filter=Q(participations__rsvp=Rsvp.MAYBE)),
            n_no=Count("participations", filter=Q(participations__rsvp=Rsvp.NO)),
            n_none=Count("participations", filter=Q(participations__rsvp=Rsvp.NONE)),
        )
        .order_by("start")[:UPCOMING_LIMIT]
    )
    for s in recent:
        s.is_today = timezone.localdate(s.start) == today
        s.has_started = s.start <= now
    return IntervisorHome(recent=recent, upcoming=upcoming, groups=cards)


@dataclass
class Attention:
    few_answers: list[LowRsvpSession]
    clashes: list[SessionClash]
    behind: list  # active groups with no session planned within their cadence
    imports_waiting: list[RosterImport]

    def __bool__(self) -> bool:
        return bool(self.few_answers or self.clashes or self.behind or self.imports_waiting)


def _behind_cadence(now: dt.datetime) -> list[IntervisionGroup]:
    """Active groups with members today and no session planned within their cadence from now
    (``suggestions.groups_needing_a_session``, without the groups nobody is in yet). Two
    queries."""
    today = timezone.localdate(now)
    members = Membership.objects.on(today).filter(group=OuterRef("pk"))
    groups = list(IntervisionGroup.objects.active().filter(Exists(members)).order_by("name"))
    planned: dict[int, list[dt.datetime]] = {g.pk: [] for g in groups}
    for group_id, begin in Session.objects.filter(
            group__in=groups, status__in=[Session.Status.SCHEDULED, Session.Status.PROPOSED],
            start__gte=now).values_list("group_id", "start"):
        planned[group_id].append(begin)
    return [
        g for g in groups
        if not any(b <= now + dt.timedelta(weeks=g.cadence_weeks) for b in planned[g.pk])
    ]


def coordinator_attention(now: dt.datetime) -> Attention:
    """Six queries: sessions with few answers (two), open roster clashes (one), groups behind
    their cadence (two), roster imports waiting for confirmation (one)."""
    clashes = list(
        SessionClash.objects.filter(cleared_at__isnull=True, session__start__gte=now,
                                    session__status__in=[Session.Status.SCHEDULED,
                                                         Session.Status.PROPOSED])
        .select_related("session__group").order_by("session__start")
    )
    behind = _behind_cadence(now)
    return Attention(
        few_answers=low_rsvp_sessions(now=now),
        clashes=clashes,
        behind=behind,
        imports_waiting=list(RosterImport.objects.filter(status=RosterImport.Status.CHECKED)
                             .order_by("-created_at")),
    )
