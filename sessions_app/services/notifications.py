"""The outbox: what must be told to whom, written in the same transaction as the change, and
sent later by Celery.

Writing. Rows are unique per (kind, recipient, scope), so recording the same event twice is
harmless. Reminders are written ahead with the time they fall due; their scope carries the
session's ``sequence``, so moving a session cancels the pending reminders for the old time and
writes new ones, and a row whose scope names an older sequence is never sent.

Sending. Beat runs ``dispatch_notifications`` every two minutes: it hands each due row to a
worker (``notifications_hand_out``: a ``send_notification`` task per row), and the task sends
it (``notification_send``). The task first *claims* the row with a conditional update
pending → sending; a second delivery of the same task, or a second dispatcher, finds nothing to
claim and stops. Just before sending, the row is checked against the database as it is now
(``KIND_RULES``): a reminder for someone who has since answered "no", or for a cancelled or
moved session, is cancelled with the reason in ``last_error`` instead of sent.

Failures. A temporary SMTP failure puts the row back to pending with a later ``due_at``
(exponential backoff) until ``MAX_ATTEMPTS``; a permanent one fails it at once, and so does
any error while the message is rendered or built (a missing template, a header that cannot be
written): sending it again would fail the same way, so the row says why at once instead of
waiting to be reclaimed. Coordinators see failed and delayed rows on the Mail page and may
send one again (``notification_retry``). A row left in
``sending`` by a worker that died is put back after ``STUCK_AFTER``. Delivery is therefore at
least once: only a worker dying between the SMTP server's "250 OK" and the update that records
it can send a message twice, and then with the same Message-ID (``emails.message_id``), which
mail systems that drop duplicates recognise.

Adding a kind: write its templates (``sessions_app/emails.py``), call ``enqueue`` where the
event happens, and, if it needs more than the default checks, add a ``KindRule``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import DatabaseError, transaction
from django.db.models import F
from django.template import TemplateDoesNotExist
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from residents.models import User
from residents.timezones import programme_zone

from .. import emails
from ..models import (
    Attendance,
    Booking,
    Notification,
    NotificationKind,
    Participation,
    Rsvp,
    Session,
    SessionClash,
    SuggestionSnapshot,
)
from ..selectors.availability import local_moment
from ..selectors.notifications import (
    due_notifications,
    low_rsvp_sessions,
    next_planned_session,
    notification_for_sending,
    participation_of,
)

logger = logging.getLogger(__name__)

Kind = NotificationKind
Status = Notification.Status

REMINDER_OFFSETS = {
    Kind.REMINDER_7D: dt.timedelta(days=7),
    Kind.NUDGE_3D: dt.timedelta(days=3),
    Kind.REMINDER_24H: dt.timedelta(hours=24),
}
ATTENDANCE_PROMPT_DELAY = dt.timedelta(hours=1)
DIGEST_HORIZON_DAYS = 14

MAX_ATTEMPTS = 6
FIRST_RETRY_DELAY = dt.timedelta(minutes=2)
MAX_RETRY_DELAY = dt.timedelta(hours=2)
# Longer than the task's hard time limit (10 minutes): a row still "sending" after this has
# lost its worker.
STUCK_AFTER = dt.timedelta(minutes=15)
HAND_OUT_BATCH = 500


# --- Writing the outbox -------------------------------------------------------------------------

def session_scope(session: Session) -> str:
    """Scope of messages about a session as it stands now (changes with every move)."""
    return f"session:{session.pk}:seq:{session.sequence}"


# "session:12:seq:3", also with a suffix ("session:12:seq:3:clash").
_SEQUENCE_IN_SCOPE = re.compile(r":seq:(\d+)(?::|$)")


def scope_sequence(scope: str) -> int | None:
    match = _SEQUENCE_IN_SCOPE.search(scope)
    return int(match.group(1)) if match else None


def week_scope(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"week:{year}-W{week:02d}"


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
    # Who gets a reminder is decided when it is sent, from the answers as they are then; here
    # every participant gets a row.
    now = timezone.now()
    scope = session_scope(session)
    residents = _residents_of(session)
    for kind, offset in REMINDER_OFFSETS.items():
        due = session.start - offset
        if due > now:
            enqueue(kind, residents, session, scope, due)
    enqueue(Kind.ATTENDANCE_PROMPT, _leaders_of(session), session, scope,
            session.end + ATTENDANCE_PROMPT_DELAY)


def _cancel_pending(session: Session, *, reason: str, keep_scope: str | None = None) -> None:
    """Cancel what is pending about ``session``; with ``keep_scope``, only what was written for
    an earlier version of it (a seat from the waitlist is still true after a move)."""
    pending = Notification.objects.filter(session=session, status=Status.PENDING)
    if keep_scope is not None:
        pending = (
            pending.filter(scope__startswith=f"session:{session.pk}:seq:")
            .exclude(scope=keep_scope)
            .exclude(scope__startswith=f"{keep_scope}:")
        )
    pending.update(status=Status.CANCELLED, last_error=reason)


@transaction.atomic
def notify_session_scheduled(*, session: Session) -> None:
    """A session became scheduled: invite its leaders, ask its residents to answer and plan
    the reminders."""
    now = timezone.now()
    scope = session_scope(session)
    enqueue(Kind.SESSION_SCHEDULED, _leaders_of(session), session, scope, now)
    if session.kind == Session.Kind.GROUP:
        enqueue(Kind.RSVP_REQUEST, _residents_of(session), session, scope, now)
    _schedule_reminders(session)


def session_facts(*, start: dt.datetime, end: dt.datetime, location: str, video_url: str) -> dict:
    """Time and place of a session as an outbox row keeps them (``Notification.context``)."""
    return {"start": start.isoformat(), "end": end.isoformat(), "location": location,
            "video_url": video_url}


@transaction.atomic
def notify_session_changed(*, session: Session, before: dict | None = None) -> None:
    """A session moved or changed place: tell everyone affected, with the time and place
    ``before`` the change (``session_facts``), and re-plan the reminders.

    The caller has already raised ``session.sequence``. When an earlier change's message is
    still unsent, it is superseded, and the new one tells what that one would have: the time
    and place before the first of the two changes, which is what the recipient last heard."""
    scope = session_scope(session)
    told_before = {
        row.recipient_id: row.context["before"]
        for row in Notification.objects.filter(session=session, kind=Kind.SESSION_CHANGED,
                                               status=Status.PENDING).exclude(scope=scope)
        if row.context.get("before")
    }
    _cancel_pending(session, reason="superseded: the session changed", keep_scope=scope)
    now = timezone.now()
    rows = []
    for user in _residents_of(session) + _leaders_of(session):
        was = told_before.get(user.pk, before)
        rows.append(Notification(kind=Kind.SESSION_CHANGED, recipient=user, session=session,
                                 scope=scope, due_at=now, context={"before": was} if was else {}))
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if session.status == Session.Status.SCHEDULED:
        _schedule_reminders(session)


@transaction.atomic
def notify_session_cancelled(*, session: Session) -> None:
    """A session was cancelled: nothing pending about it is sent; everyone is told."""
    _cancel_pending(session, reason="superseded: the session was cancelled")
    enqueue(Kind.SESSION_CANCELLED, _residents_of(session) + _leaders_of(session), session,
            f"session:{session.pk}:cancelled", timezone.now())


def seat_scope(participation: Participation, what: str) -> str:
    """Scope of a message about one resident's seat: "session:12:promoted:0". The number is
    the participation's ``calendar_sequence``, so giving a seat up and booking it again writes
    new rows, and a row about a seat as it no longer is is never sent."""
    return f"session:{participation.session_id}:{what}:{participation.calendar_sequence}"


_SEAT_IN_SCOPE = re.compile(r":(?:promoted|seat|seat-given-up):(\d+)$")


def scope_seat_sequence(scope: str) -> int | None:
    match = _SEAT_IN_SCOPE.search(scope)
    return int(match.group(1)) if match else None


@transaction.atomic
def notify_waitlist_promoted(*, participation: Participation) -> None:
    """A resident moved from the waitlist to a seat: they get the invitation (REQUEST)."""
    session = participation.session
    enqueue(Kind.WAITLIST_PROMOTED, [participation.resident.user], session,
            seat_scope(participation, "promoted"), timezone.now())
    _schedule_reminders(session)


@transaction.atomic
def notify_seat_booked(*, participation: Participation) -> None:
    """A resident booked a seat in an open session: the invitation (REQUEST) puts it in their
    calendar, as a group session's request to answer does."""
    enqueue(Kind.SEAT_BOOKED, [participation.resident.user], participation.session,
            seat_scope(participation, "seat"), timezone.now())


@transaction.atomic
def notify_seat_given_up(*, participation: Participation) -> None:
    """A resident gave up their seat: the cancellation (CANCEL) takes it out of their calendar."""
    enqueue(Kind.SEAT_GIVEN_UP, [participation.resident.user], participation.session,
            seat_scope(participation, "seat-given-up"), timezone.now())


@transaction.atomic
def notify_reason_request(*, participation: Participation) -> None:
    """A resident said no from their calendar app, which cannot say why: ask them for the
    reason with a one-click link (the answer counts as "no, reason not given" meanwhile)."""
    session = participation.session
    enqueue(Kind.REASON_REQUEST, [participation.resident.user], session,
            f"{session_scope(session)}:reason", timezone.now())


@transaction.atomic
def low_rsvp_digests_enqueue(*, now: dt.datetime | None = None) -> None:
    """One digest per active coordinator per ISO week (in the programme's zone). What it
    reports is worked out when it is sent."""
    now = now or timezone.now()
    coordinators = User.objects.filter(role=User.Role.COORDINATOR, is_active=True)
    scope = week_scope(timezone.localtime(now, programme_zone()).date())
    enqueue(Kind.LOW_RSVP_DIGEST, coordinators, None, scope, now)


# A link to choose a new password: one outbox row per request, at most
# PASSWORD_RESET_MAILS_PER_HOUR an hour for one account.
PASSWORD_RESET_WINDOW = dt.timedelta(hours=1)
# A reset link that could not go out within this is not sent late: the person has given up
# or asked again.
PASSWORD_RESET_SEND_WITHIN = dt.timedelta(hours=1)


@transaction.atomic
def notify_password_reset(*, user: User, request_id: int) -> Notification | None:
    """Write the reset e-mail for ``user`` into the outbox, due now; None when the account has
    had its share this hour. The account's row is locked while counting, so concurrent
    requests cannot send more than the limit between them."""
    now = timezone.now()
    User.objects.select_for_update().filter(pk=user.pk).exists()
    recent = Notification.objects.filter(
        kind=Kind.PASSWORD_RESET, recipient=user, created_at__gte=now - PASSWORD_RESET_WINDOW)
    if recent.count() >= settings.PASSWORD_RESET_MAILS_PER_HOUR:
        return None
    return Notification.objects.create(kind=Kind.PASSWORD_RESET, recipient=user,
                                       scope=f"password-reset:{request_id}", due_at=now)


# --- What each kind needs at sending time --------------------------------------------------------

@dataclass(frozen=True)
class Decision:
    """Whether to send: ``skip`` names why not; ``context`` adds to the e-mail's context."""

    skip: str = ""
    context: dict = field(default_factory=dict)


SEND = Decision()


@dataclass(frozen=True)
class Facts:
    """What the checks look at, loaded once per row."""

    notification: Notification
    participation: Participation | None
    now: dt.datetime

    @property
    def session(self) -> Session | None:
        return self.notification.session

    @property
    def recipient(self) -> User:
        return self.notification.recipient


def _is_leader(facts: Facts) -> bool:
    session = facts.session
    if session is None:
        return False
    if session.intervisor.user_id == facts.recipient.pk:
        return True
    return bool(session.group_id and session.group.co_intervisor_id
                and session.group.co_intervisor.user_id == facts.recipient.pk)


def _takes_part(p: Participation | None, session: Session) -> bool:
    if p is None:
        return False
    if session.kind == Session.Kind.OPEN:
        return p.booking == Booking.BOOKED
    return True


def _before_start(facts: Facts) -> Decision:
    if facts.session.start <= facts.now:
        return Decision(skip="too late: the session has started")
    return SEND


def _participant_before_start(facts: Facts) -> Decision:
    if not _takes_part(facts.participation, facts.session):
        return Decision(skip="not taking part in the session")
    return _before_start(facts)


def _rsvp_request(facts: Facts) -> Decision:
    decision = _participant_before_start(facts)
    if decision.skip:
        return decision
    if facts.participation.rsvp != Rsvp.NONE:
        return Decision(skip="already answered")
    return SEND


# A week's reminder or a nudge that is so late that the day-before reminder is due (the
# dispatcher was down) says nothing that one does not; only the latest is sent.
SUPERSEDED_AT = {
    Kind.REMINDER_7D: REMINDER_OFFSETS[Kind.REMINDER_24H],
    Kind.NUDGE_3D: REMINDER_OFFSETS[Kind.REMINDER_24H],
}


def _not_superseded(facts: Facts) -> Decision:
    offset = SUPERSEDED_AT.get(facts.notification.kind)
    if offset is not None and facts.now >= facts.session.start - offset:
        return Decision(skip="too late: a later reminder has taken its place")
    return SEND


def _reminder(facts: Facts) -> Decision:
    decision = _participant_before_start(facts)
    if not decision.skip:
        decision = _not_superseded(facts)
    if decision.skip:
        return decision
    if facts.participation.rsvp == Rsvp.NO:
        return Decision(skip="answered no")
    return SEND


def _nudge(facts: Facts) -> Decision:
    decision = _participant_before_start(facts)
    if not decision.skip:
        decision = _not_superseded(facts)
    if decision.skip:
        return decision
    if facts.session.kind == Session.Kind.OPEN:
        return Decision(skip="open sessions are booked, not answered")
    if facts.participation.rsvp != Rsvp.NONE:
        return Decision(skip="already answered")
    return SEND


def _attendance_prompt(facts: Facts) -> Decision:
    if not _is_leader(facts):
        return Decision(skip="no longer leads the session")
    expected = Participation.objects.filter(session=facts.session).exclude(
        booking__in=[Booking.CANCELLED, Booking.WAITLISTED]
    )
    if not expected.filter(attendance=Attendance.UNKNOWN).exists():
        return Decision(skip="attendance already recorded")
    return Decision(context={"attendance_url": emails.attendance_url(facts.session)})


def _leader_before_start(facts: Facts) -> Decision:
    if not _is_leader(facts):
        return Decision(skip="no longer leads the session")
    return _before_start(facts)


def _seat_as_written(facts: Facts) -> Decision:
    """A message about a seat is sent only while the seat is as it was when written (the
    resident did not give it up and book again meanwhile)."""
    sequence = scope_seat_sequence(facts.notification.scope)
    p = facts.participation
    if p is None or (sequence is not None and sequence != p.calendar_sequence):
        return Decision(skip="stale: the booking changed since")
    return SEND


def _seat_held(facts: Facts) -> Decision:
    decision = _seat_as_written(facts)
    if decision.skip:
        return decision
    return _participant_before_start(facts)


def _seat_given_up(facts: Facts) -> Decision:
    decision = _seat_as_written(facts)
    if decision.skip:
        return decision
    if facts.participation.booking != Booking.CANCELLED:
        return Decision(skip="booked again")
    decision = _before_start(facts)
    if decision.skip:
        return decision
    return Decision(context={"open_sessions_url": emails.open_sessions_url()})


def _reason_request(facts: Facts) -> Decision:
    decision = _participant_before_start(facts)
    if decision.skip:
        return decision
    p = facts.participation
    if p.rsvp != Rsvp.NO:
        return Decision(skip="answered otherwise since")
    if p.absence_reason:
        return Decision(skip="reason given")
    return Decision(context={"reason_url": emails.answer_links(p)[Rsvp.NO]})


def _told_about_session(facts: Facts) -> Decision:
    """Changes and cancellations: to the session's leaders and to residents taking part."""
    if _is_leader(facts):
        return SEND
    p = facts.participation
    if p is None or p.booking == Booking.CANCELLED:
        return Decision(skip="not taking part in the session")
    return SEND


def _session_changed(facts: Facts) -> Decision:
    decision = _told_about_session(facts)
    if decision.skip:
        return decision
    if facts.participation is not None and facts.participation.booking == Booking.WAITLISTED:
        # The invitation would put a seat they do not have in their calendar; the message
        # that gives them a seat shows the time as it is then.
        return Decision(skip="on the waitlist")
    decision = _before_start(facts)
    if decision.skip:
        return decision
    before = facts.notification.context.get("before")
    if not before:
        return SEND
    zone = programme_zone()
    was = {
        "start": timezone.localtime(dt.datetime.fromisoformat(before["start"]), zone),
        "end": timezone.localtime(dt.datetime.fromisoformat(before["end"]), zone),
        "location": before.get("location", ""), "video_url": before.get("video_url", ""),
    }
    session = facts.session
    return Decision(context={
        "before": was,
        "time_changed": (was["start"], was["end"]) != (session.start, session.end),
        "place_changed": (was["location"], was["video_url"]) != (session.location, session.video_url),
        "before_place": was["location"] or was["video_url"] or "—",
        "place": session.location or session.video_url or "—",
    })


def _session_cancelled(facts: Facts) -> Decision:
    """A cancellation names the group's next planned session, if there is one."""
    decision = _told_about_session(facts)
    if decision.skip:
        return decision
    following = next_planned_session(facts.session, now=facts.now)
    if following is None:
        return SEND
    zone = programme_zone()
    return Decision(context={
        "next_session": following,
        "next_start": timezone.localtime(following.start, zone),
        "next_end": timezone.localtime(following.end, zone),
        "next_url": emails.session_url(following),
    })


def _low_rsvp_digest(facts: Facts) -> Decision:
    if not facts.recipient.is_coordinator:
        return Decision(skip="no longer a coordinator")
    rows = low_rsvp_sessions(now=facts.now, days=DIGEST_HORIZON_DAYS)
    if not rows:
        return Decision(skip="nothing to report")
    zone = programme_zone()
    language = emails.language_of(facts.recipient)
    return Decision(context={
        "rows": [
            {"row": row, "name": emails.session_name(row.session, language),
             "start": timezone.localtime(row.session.start, zone),
             "url": emails.answers_url(row.session)}
            for row in rows
        ],
        "horizon_days": DIGEST_HORIZON_DAYS,
    })


def _always(facts: Facts) -> Decision:
    return SEND


def _with_times(items: list[dict]) -> list[dict]:
    return [item | {"start_local": local_moment(item["start"]),
                    "end_local": local_moment(item["end"])}
            for item in items]


def _suggestions_digest(facts: Facts) -> Decision:
    """Context of a ``suggestions_digest`` row: the snapshots of its night; skipped when
    every group has meanwhile been planned."""
    day = dt.date.fromisoformat(facts.notification.scope.removeprefix("night:"))
    snapshots = SuggestionSnapshot.objects.filter(prepared_on=day).select_related("group")
    groups = [
        {"name": s.group.name, "url": settings.SITE_URL + reverse("group_suggestions", args=[s.group_id]),
         "suggestions": _with_times(s.suggestions)}
        for s in snapshots.order_by("group__name")
        if s.group.is_active
    ]
    if not groups:
        return Decision(skip="no group needs suggestions any more")
    return Decision(context={"groups": groups})


def _roster_clash(facts: Facts) -> Decision:
    """Context of a ``roster_clash`` row; skipped when a later check cleared the clash."""
    clash = SessionClash.objects.filter(session=facts.notification.session).first()
    if clash is None or clash.cleared_at is not None:
        return Decision(skip="the clash has been resolved")
    return Decision(context={
        "clash": clash, "alternatives": _with_times(clash.alternatives),
        "suggestions_url": settings.SITE_URL + reverse("group_suggestions",
                                                       args=[clash.session.group_id]),
    })


def _password_reset(facts: Facts) -> Decision:
    """The link is made when the message is sent, so it is valid for PASSWORD_RESET_TIMEOUT
    from then, and used once (the token changes with the password)."""
    if facts.now - facts.notification.created_at > PASSWORD_RESET_SEND_WITHIN:
        return Decision(skip="too late: asked for more than an hour ago")
    user = facts.recipient
    path = reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user)})
    return Decision(context={"reset_url": settings.SITE_URL + path})


@dataclass(frozen=True)
class KindRule:
    """How one kind is checked and dressed just before sending."""

    check: Callable[[Facts], Decision] = _always
    # "REQUEST" or "CANCEL": attach a calendar invitation with that method.
    ics_method: str | None = None
    # Yes / no / maybe links for a resident of a group session.
    answer_links: bool = False
    # Sent about a cancelled session too (only the cancellation itself).
    for_cancelled_session: bool = False


KIND_RULES: dict[str, KindRule] = {
    Kind.SESSION_SCHEDULED: KindRule(check=_leader_before_start, ics_method="REQUEST"),
    Kind.RSVP_REQUEST: KindRule(check=_rsvp_request, ics_method="REQUEST", answer_links=True),
    Kind.REMINDER_7D: KindRule(check=_reminder, answer_links=True),
    Kind.REMINDER_24H: KindRule(check=_reminder, answer_links=True),
    Kind.NUDGE_3D: KindRule(check=_nudge, answer_links=True),
    Kind.ATTENDANCE_PROMPT: KindRule(check=_attendance_prompt),
    Kind.LOW_RSVP_DIGEST: KindRule(check=_low_rsvp_digest),
    Kind.SESSION_CHANGED: KindRule(check=_session_changed, ics_method="REQUEST", answer_links=True),
    Kind.SESSION_CANCELLED: KindRule(check=_session_cancelled, ics_method="CANCEL",
                                     for_cancelled_session=True),
    Kind.WAITLIST_PROMOTED: KindRule(check=_seat_held, ics_method="REQUEST"),
    Kind.SEAT_BOOKED: KindRule(check=_seat_held, ics_method="REQUEST"),
    # Still true of a session cancelled since: the seat was given up before.
    Kind.SEAT_GIVEN_UP: KindRule(check=_seat_given_up, ics_method="CANCEL",
                                 for_cancelled_session=True),
    # Scheduling around rosters (services/suggestions.py): to coordinators.
    Kind.SUGGESTIONS_DIGEST: KindRule(check=_suggestions_digest),
    Kind.ROSTER_CLASH: KindRule(check=_roster_clash),
    # Accounts (residents.services.password_reset): to the account that asked.
    Kind.PASSWORD_RESET: KindRule(check=_password_reset),
    # A "no" from a calendar app's Decline button (services/replies.py): why?
    Kind.REASON_REQUEST: KindRule(check=_reason_request),
}
DEFAULT_RULE = KindRule()


def rule_for(kind: str) -> KindRule:
    return KIND_RULES.get(kind, DEFAULT_RULE)


def relevance(facts: Facts, rule: KindRule) -> Decision:
    """The checks every kind shares, then the kind's own."""
    if not facts.recipient.is_active:
        return Decision(skip="recipient inactive")
    session = facts.session
    if session is not None:
        if session.status == Session.Status.CANCELLED and not rule.for_cancelled_session:
            return Decision(skip="stale: the session was cancelled")
        sequence = scope_sequence(facts.notification.scope)
        if sequence is not None and sequence != session.sequence:
            return Decision(skip="stale: the session changed since")
    return rule.check(facts)


# --- Sending ------------------------------------------------------------------------------------

def retry_delay(attempts: int) -> dt.timedelta:
    """2, 4, 8, 16 … minutes after the first, second, third … failed attempt, at most 2 hours."""
    return min(FIRST_RETRY_DELAY * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY)


@transaction.atomic
def notifications_hand_out(*, now: dt.datetime | None = None, limit: int = HAND_OUT_BATCH) -> list[int]:
    """Pick up to ``limit`` due rows for workers and mark them handed out (``claimed_at`` on a
    pending row), so the next dispatcher run does not hand them out again. Concurrent
    dispatchers skip each other's locked rows. The caller enqueues one task per id."""
    now = now or timezone.now()
    ids = list(
        due_notifications(now).select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit]
    )
    if ids:
        Notification.objects.filter(pk__in=ids).update(claimed_at=now)
    return ids


@transaction.atomic
def notifications_reclaim_stuck(*, now: dt.datetime | None = None) -> int:
    """Put rows back whose worker died while sending; give up on those out of attempts."""
    now = now or timezone.now()
    stuck = Notification.objects.filter(status=Status.SENDING, claimed_at__lt=now - STUCK_AFTER)
    stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, last_error="the worker stopped while sending; out of attempts"
    )
    return stuck.update(status=Status.PENDING, claimed_at=None, due_at=now,
                        last_error="the worker stopped while sending")


def _finish(pk: int, claim: dt.datetime, **fields) -> None:
    # Conditional on our own claim: a row reclaimed meanwhile is no longer ours to record.
    Notification.objects.filter(pk=pk, status=Status.SENDING, claimed_at=claim).update(**fields)


def _fail_for_good(pk: int, claim: dt.datetime, reason: str) -> str:
    reason = reason[:500]
    _finish(pk, claim, status=Status.FAILED, last_error=reason)
    logger.error("notification %s failed: %s", pk, reason)
    return f"failed: {reason}"


def notification_send(*, notification_id: int, now: dt.datetime | None = None) -> str:
    """Claim one due row, check it still makes sense, send its e-mail, record the outcome.

    Not one transaction on purpose: the claim must be committed before the e-mail leaves, so
    that a concurrent duplicate sees it, and no transaction stays open while SMTP talks.
    Returns what happened ("sent", "skipped: …", "retry: …", "failed: …", "not claimed").
    """
    now = now or timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=Status.PENDING, due_at__lte=now
    ).update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return "not claimed"  # sent, cancelled, not yet due, or another worker has it

    notification = notification_for_sending(notification_id)
    rule = rule_for(notification.kind)
    participation = None
    if notification.session is not None and notification.recipient.is_resident:
        participation = participation_of(session=notification.session, user=notification.recipient)
    try:
        decision = relevance(Facts(notification, participation, now), rule)
    except DatabaseError:
        raise  # the database went away: the row is reclaimed and tried again (STUCK_AFTER)
    except Exception as error:  # a bug in a kind's check: trying again would fail the same way
        logger.exception("notification %s could not be checked", notification.pk)
        return _fail_for_good(notification.pk, now, f"could not check the message: "
                                                    f"{type(error).__name__}: {error}")
    if decision.skip:
        _finish(notification.pk, now, status=Status.CANCELLED, last_error=decision.skip[:500])
        return f"skipped: {decision.skip}"

    try:
        message = emails.compose(
            notification=notification, participation=participation,
            extra_context=decision.context, ics_method=rule.ics_method,
            with_answer_links=rule.answer_links and notification.session.kind == Session.Kind.GROUP,
        )
        # Building the MIME message is where a header with a line break is refused; do it
        # here, so that such an error is a rendering error and not an SMTP one.
        message.message()
    except TemplateDoesNotExist as error:
        return _fail_for_good(notification.pk, now, f"no template: {error}")
    except DatabaseError:
        raise  # the database went away: the row is reclaimed and tried again (STUCK_AFTER)
    except Exception as error:  # a bug or bad data: trying again would fail the same way
        logger.exception("notification %s could not be rendered", notification.pk)
        return _fail_for_good(notification.pk, now, f"could not render the message: "
                                                    f"{type(error).__name__}: {error}")

    try:
        emails.send(message)
    except (smtplib.SMTPException, OSError) as error:
        described = f"{type(error).__name__}: {error}"[:500]
        attempts = notification.attempts  # already counts this attempt
        if emails.is_temporary(error) and attempts < MAX_ATTEMPTS:
            _finish(notification.pk, now, status=Status.PENDING, claimed_at=None,
                    due_at=timezone.now() + retry_delay(attempts), last_error=described)
            logger.warning("notification %s: temporary failure, retrying: %s", notification.pk, described)
            return f"retry: {described}"
        _finish(notification.pk, now, status=Status.FAILED, last_error=described)
        logger.error("notification %s failed: %s", notification.pk, described)
        return f"failed: {described}"

    _finish(notification.pk, now, status=Status.SENT, sent_at=timezone.now(), last_error="")
    return "sent"


# --- Sending again ------------------------------------------------------------------------------

RETRYABLE = (Status.FAILED, Status.PENDING)


@transaction.atomic
def notification_retry(*, notification: Notification, by: User, now: dt.datetime | None = None) -> bool:
    """Put a failed or delayed message back in the outbox, due now, with a full set of
    attempts; the next dispatcher run (every two minutes) hands it to a worker. The checks run
    again when it is sent (a reminder for a session that has since started is cancelled, not
    sent). False if it was sent or cancelled meanwhile, or is being sent."""
    now = now or timezone.now()
    retried = Notification.objects.filter(pk=notification.pk, status__in=RETRYABLE).update(
        status=Status.PENDING, due_at=now, claimed_at=None, attempts=0,
        last_error=f"to be sent again (asked by {by.get_full_name() or by.email})"[:500],
    )
    return bool(retried)
