"""Answers from calendar apps: the replies in the reply mailbox, recorded as the web's are.

Invitations name the reply mailbox (``REPLY_MAILBOX_URL``, ``REPLY_ADDRESS``) as ORGANIZER,
so the Accept / Decline / Maybe buttons of Outlook, Gmail and Apple Calendar mail an iTIP REPLY
there. ``replies_fetch`` (a worker, every two minutes; ``manage.py fetch_replies``) reads the
messages not yet handled, and ``calendar_reply_record`` records each with the service behind
the answer page, ``participation.participation_answer``:

- ACCEPTED → yes, TENTATIVE → maybe, DECLINED → no, "reason not given"; the resident is mailed
  a one-click link to give the reason (``notifications.notify_reason_request``). For an open
  session, DECLINED gives the seat up (``participation_cancel_booking``); the other answers
  leave the booking as it is.
- Nothing changes, and the outcome is logged and kept, when the ATTENDEE is not the address
  the message is from (forged), the UID is not one of this site's sessions, the session is
  cancelled, the SEQUENCE is lower than the invitation's now (a reply to the time before a
  move), the attendee has no part in the session, the reply is older than the answer already
  recorded, or the answer service refuses (the session has started, a clash).

Each message is claimed by a ``CalendarReply`` row with a unique key (its Message-ID) in the
same transaction as the answer: a message delivered twice, read by two workers at once, or
read again after a fetch that died before marking it records one answer. A message is marked
in the mailbox only after its row is committed, so a failure in between loses nothing.

The sender's address is taken from the From header, which the receiving mail server must
have checked (SPF, DKIM, DMARC); the app cannot tell a forged From from a real one.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import replies as itip
from ..calendar import replies_are_read, session_for_uid
from ..mailbox import ReplyMailbox
from ..models import Booking, CalendarReply, Participation, Rsvp, Session
from . import participation as participation_services

logger = logging.getLogger(__name__)

Outcome = CalendarReply.Outcome
ANSWER_FOR = {"ACCEPTED": Rsvp.YES, "DECLINED": Rsvp.NO, "TENTATIVE": Rsvp.MAYBE}
FETCH_BATCH = 200


@dataclass
class Result:
    outcome: str
    detail: str = ""
    answer: str = ""
    session: Session | None = None
    participation: Participation | None = None


def _outcome(reply: itip.Reply, sender: str, now: dt.datetime) -> Result:
    if reply.attendee != sender:
        return Result(Outcome.FORGED, f"ATTENDEE {reply.attendee} is not the sender {sender or '(none)'}")
    session = session_for_uid(reply.uid)
    if session is None:
        return Result(Outcome.UNKNOWN_SESSION, f"UID {reply.uid[:200]}")
    if session.status == Session.Status.CANCELLED:
        return Result(Outcome.CANCELLED, session=session)
    participation = (
        Participation.objects.select_related("resident__user")
        .filter(session=session, resident__user__email__iexact=reply.attendee).first()
    )
    if participation is None:
        return Result(Outcome.NOT_INVITED, session=session)
    current = session.sequence + participation.calendar_sequence
    if reply.sequence < current:
        return Result(Outcome.STALE, f"SEQUENCE {reply.sequence}, the invitation is at {current}",
                      session=session, participation=participation)
    answer = ANSWER_FOR.get(reply.partstat)
    if answer is None:
        return Result(Outcome.NOT_A_REPLY, f"PARTSTAT {reply.partstat[:50] or '(none)'}",
                      session=session, participation=participation)
    found = Result(Outcome.RECORDED, answer=answer, session=session, participation=participation)
    resident = participation.resident
    try:
        if session.kind == Session.Kind.OPEN:
            if answer != Rsvp.NO or participation.booking not in (Booking.BOOKED, Booking.WAITLISTED):
                found.outcome, found.detail = Outcome.UNCHANGED, "an open session's booking stands"
                return found
            participation_services.participation_cancel_booking(session=session, resident=resident, now=now)
            return found
        if participation.rsvp == answer:
            # Said twice: nothing to record (the service would keep a "no"'s reason too).
            found.outcome = Outcome.UNCHANGED
            return found
        participation_services.participation_answer(
            session=session, resident=resident, answer=answer, now=now, reason_by_mail=True,
            answered_at=reply.stamp)
    except ValidationError as error:
        superseded = getattr(error, "code", None) == "superseded"
        found.outcome = Outcome.SUPERSEDED if superseded else Outcome.REFUSED
        found.detail = "; ".join(error.messages)[:500]
    return found


def calendar_reply_record(*, raw: bytes, now: dt.datetime | None = None) -> CalendarReply | None:
    """Handle one message from the reply mailbox; None when it was handled before."""
    now = now or timezone.now()
    message = itip.read_message(raw)
    with transaction.atomic():
        try:
            with transaction.atomic():
                # Waits for a concurrent worker's claim of the same key, and fails once it
                # commits: the unique key, not the mailbox's flags, makes this once only.
                row = CalendarReply.objects.create(key=message.key, outcome=Outcome.NOT_A_REPLY)
        except IntegrityError:
            logger.info("calendar reply %s: handled before", message.message_id or message.key[:12])
            return None
        if message.replies:
            result = _outcome(message.replies[0], message.sender, now)
            if len(message.replies) > 1:
                result.detail = f"{result.detail}; {len(message.replies) - 1} more ignored".lstrip("; ")
        else:
            result = Result(Outcome.NOT_A_REPLY, "no METHOD:REPLY calendar part")
        row.outcome, row.detail, row.answer = result.outcome, result.detail[:500], result.answer
        row.session, row.participation = result.session, result.participation
        row.save()
    level = logging.INFO if result.outcome in (Outcome.RECORDED, Outcome.UNCHANGED) else logging.WARNING
    logger.log(level, "calendar reply %s from %s: %s %s (session %s)", message.message_id or row.key[:12],
               message.sender or "(no sender)", result.outcome, result.detail,
               result.session.pk if result.session else "-")
    return row


@dataclass
class FetchReport:
    read: int = 0
    handled_before: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [f"{self.read} read", f"{self.handled_before} handled before"]
        parts += [f"{count} {outcome}" for outcome, count in sorted(self.outcomes.items())]
        return ", ".join(parts)


def replies_fetch(*, limit: int = FETCH_BATCH, now: dt.datetime | None = None) -> FetchReport:
    """Read the reply mailbox's new messages (at most ``limit``), record each, mark each.

    ``mailbox.MailboxError`` when the mailbox cannot be read; what was recorded before stays.
    """
    report = FetchReport()
    if not replies_are_read():
        return report
    with ReplyMailbox(settings.REPLY_MAILBOX_URL) as box:
        for uid in box.new_messages(limit):
            raw = box.fetch(uid)
            if raw is None:
                continue  # deleted meanwhile
            report.read += 1
            row = calendar_reply_record(raw=raw, now=now)
            if row is None:
                report.handled_before += 1
            else:
                report.outcomes[row.outcome] = report.outcomes.get(row.outcome, 0) + 1
            box.mark_handled(uid)
    return report
