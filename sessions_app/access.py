"""Who may see and change sessions, groups, memberships, participations, confidential notes,
composition runs and the evaluation report: the one place that answers it.

Every view of this app loads these objects through a helper here (``session_for``,
``group_for``, …) or through a model's ``visible_to`` queryset, and the helpers answer alike:

- 404 for an object outside the person's reach, exactly as for an id that does not exist, so
  ids reveal nothing;
- 403 (``PermissionDenied``) for an object the person may see but not change, when the view
  asks for ``write=True``.

Which rows a person may see is written once per model, as a queryset method in
``sessions_app.models`` (``Session.objects.visible_to`` and the others); the ``may_*``
functions answer for one loaded object without a query, and where a rule exists in both forms
(leading a session, keeping its notes) the tests hold the two together.

Services ask the ``may_*`` functions for their own gate; this module imports no services, no
selectors and no views, and the people side's rules come from ``residents.access``.

Open sessions, settled: there used to be two answers to "may a resident open this open
session" — the session page's (every open session) and the participation pages' (only those
they take part in). The session page is the one residents reach an open session through (to
book it), and its tests rely on it; the participation pages never showed an open session to a
resident at all (the answer page is for group sessions, the answers and attendance pages for
coordinators and leaders). The one rule now is the session page's, made stricter: a resident
sees an open session once it is offered (any status but proposed) and any session they take
part in. A proposed open session is not in the residents' list and cannot be booked, so it
stays out of their reach until the coordinator confirms it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from residents.access import get_visible, is_coordinator, refuse_unless, signed_in
from residents.models import User

from .models import (
    Booking,
    CompositionRun,
    Evaluation,
    IntervisionGroup,
    Membership,
    Notification,
    Participation,
    Session,
    SessionNote,
    YearPlanRun,
)

# What session pages show next to a session: its group's leaders, its own intervisor, its
# series. One query for the session and all of them.
SESSION_RELATED = ("group__intervisor__user", "group__co_intervisor__user", "intervisor__user", "series")


# --- Sessions -----------------------------------------------------------------------------------

def may_change_session(user: User, session: Session) -> bool:
    """Planning, moving, cancelling and the status flow are the coordinator's."""
    return is_coordinator(user)


def session_for(user: User, pk: int, *, write: bool = False, kind: str | None = None) -> Session:
    """A session ``user`` may see (``Session.objects.visible_to``), or 404. ``kind`` narrows
    it to group or open sessions (404 for the other kind: the answer page is for group
    sessions, booking for open ones). ``write=True``: 403 unless ``may_change_session``."""
    sessions = Session.objects.visible_to(user).select_related(*SESSION_RELATED)
    if kind is not None:
        sessions = sessions.filter(kind=kind)
    session = get_visible(sessions, pk)
    if write:
        refuse_unless(may_change_session(user, session))
    return session


def leads(user: User, session: Session) -> bool:
    """Whether ``user`` leads ``session``: its intervisor, or the co-intervisor of its group.
    The same rule as ``Session.objects.led_by``, for one loaded session."""
    if not signed_in(user) or not user.is_intervisor:
        return False
    leaders = {session.intervisor.user_id}
    if session.group_id and session.group.co_intervisor_id:
        leaders.add(session.group.co_intervisor.user_id)
    return user.pk in leaders


def may_record_attendance(user: User, session: Session) -> bool:
    """Attendance is recorded by those who were in the room: the session's leaders.
    Coordinators see it but do not record it."""
    return leads(user, session)


# --- Groups and memberships ---------------------------------------------------------------------

def may_change_group(user: User, group: IntervisionGroup) -> bool:
    """A group's settings, its members and its sessions are planned by the coordinator."""
    return is_coordinator(user)


def group_for(user: User, pk: int, *, write: bool = False) -> IntervisionGroup:
    """A group ``user`` may see (``IntervisionGroup.objects.visible_to``: all for coordinators,
    the ones they lead for intervisors, their own today for residents), or 404.
    ``write=True``: 403 unless ``may_change_group``."""
    groups = IntervisionGroup.objects.visible_to(user).select_related(
        "intervisor__user", "co_intervisor__user"
    )
    group = get_visible(groups, pk)
    if write:
        refuse_unless(may_change_group(user, group))
    return group


def membership_for(user: User, pk: int, *, group: IntervisionGroup, write: bool = False) -> Membership:
    """A membership of ``group`` that ``user`` may load, or 404 (a membership of another group
    too). ``write=True`` (ending it): 403 unless ``may_change_group``."""
    memberships = Membership.objects.visible_to(user).filter(group=group).select_related("resident__user")
    membership = get_visible(memberships, pk)
    if write:
        refuse_unless(may_change_group(user, group))
    return membership


# --- Participation ------------------------------------------------------------------------------

def own_participation(user: User, session: Session) -> Participation | None:
    """The person's own row for ``session`` (answer, seat, attendance), if there is one.
    Residents change only their own rows; the services take the resident, never a row id."""
    if not signed_in(user):
        return None
    return Participation.objects.visible_to(user).filter(session=session, resident__user=user).first()


def booking_for(user: User, session: Session) -> Participation:
    """The person's seat or waitlist place in ``session``; 404 when they hold neither."""
    if not signed_in(user):
        raise Http404
    booking = (
        Participation.objects.visible_to(user)
        .filter(session=session, resident__user=user, booking__in=[Booking.BOOKED, Booking.WAITLISTED])
        .first()
    )
    if booking is None:
        raise Http404
    return booking


# --- Confidential notes -------------------------------------------------------------------------

def note_keeper_ids(session: Session) -> set[int]:
    """User ids of the session's intervisors: who leads it, and the group's intervisor and
    co-intervisor."""
    ids = {session.intervisor.user_id}
    if session.group_id:
        ids.add(session.group.intervisor.user_id)
        if session.group.co_intervisor_id:
            ids.add(session.group.co_intervisor.user_id)
    return ids


def may_keep_notes(user: User, session: Session) -> bool:
    """A session's notes belong to its intervisors alone (``note_keeper_ids``): not to
    coordinators, administrators, residents or other intervisors. The same rule as
    ``Session.objects.notes_kept_by``, for one loaded session."""
    return bool(signed_in(user) and user.is_intervisor and user.pk in note_keeper_ids(session))


def note_session_for(user: User, pk: int) -> Session:
    """A session whose notes ``user`` keeps, or 404 — for everyone else alike, a coordinator
    included. The notes service wraps this to record each refusal."""
    return get_visible(Session.objects.notes_kept_by(user).select_related(*SESSION_RELATED), pk)


def own_note(user: User, session: Session) -> SessionNote | None:
    """The person's own note on ``session``, with its themes, if they keep its notes and
    wrote one."""
    if not signed_in(user):
        return None
    return (
        SessionNote.objects.visible_to(user).filter(session=session, author=user)
        .prefetch_related("themes").first()
    )


# --- Evaluations --------------------------------------------------------------------------------

def evaluable_session_for(user: User, pk: int) -> Session:
    """A session the resident was recorded present at (the only ones they evaluate), or 404."""
    return get_visible(Session.objects.attended_by(user).select_related("group", "intervisor__user"), pk)


def may_see_evaluation_report(user: User) -> bool:
    """Coordinators (aggregates of every group) and intervisors (their own groups)."""
    return signed_in(user) and (user.is_coordinator or user.is_intervisor)


def evaluation_report_scope(user: User) -> tuple[QuerySet[Evaluation], QuerySet[IntervisionGroup]]:
    """The answers and groups whose aggregates ``user`` may see: everything for coordinators;
    for intervisors the groups they lead (intervisor or co-intervisor) and the open sessions
    they led; nothing for anyone else. Answers are anonymous and the report shows a unit only
    from the programme's threshold on; that is the selector's part."""
    if not may_see_evaluation_report(user):
        return Evaluation.objects.none(), IntervisionGroup.objects.none()
    if user.is_coordinator:
        return Evaluation.objects.all(), IntervisionGroup.objects.all()
    groups = IntervisionGroup.objects.led_by(user)
    answers = Evaluation.objects.filter(
        Q(session__group__in=groups.values("pk"))
        | Q(session__kind=Session.Kind.OPEN, session__intervisor__user=user)
    )
    return answers, groups


# --- Composition runs ---------------------------------------------------------------------------

def may_change_composition_run(user: User, run: CompositionRun) -> bool:
    return is_coordinator(user)


def composition_run_for(user: User, pk: int, *, write: bool = False) -> CompositionRun:
    """A composition run, for coordinators only (it names residents and the rules about them);
    404 for anyone else. ``write=True`` (moving, accepting): 403 unless
    ``may_change_composition_run``."""
    run = get_visible(CompositionRun.objects.visible_to(user).select_related("created_by"), pk)
    if write:
        refuse_unless(may_change_composition_run(user, run))
    return run


# --- The outbox (the Mail page) ---------------------------------------------------------------------

def notification_for(user: User, pk: int) -> Notification:
    """One outbox row for the Mail page: coordinators only; 404 for anyone else."""
    return get_visible(Notification.objects.visible_to(user), pk)


# --- Plan the year ------------------------------------------------------------------------------

def year_plan_run_for(user: User, pk: int) -> YearPlanRun:
    """A confirmed plan of the year, for coordinators only (it names members and why they
    cannot come); 404 for anyone else."""
    return get_visible(YearPlanRun.objects.visible_to(user).select_related("group"), pk)
