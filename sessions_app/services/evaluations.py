"""Anonymous evaluations: inviting those who attended, and taking their answers.

An answer (``Evaluation``) points to the session only, and carries the day it was given but
not the time. Who answered is recorded separately (``EvaluationReceipt``: session and
resident) so nobody answers twice. Both rows are written in one transaction; the receipt's
unique constraint decides when two answers race.

What remains linkable: both tables get increasing ids, so someone reading the database
directly could pair a receipt with an answer written in the same transaction by their order.
The application never shows single answers — only aggregates above a threshold, see
``selectors.evaluations`` — and the rows are kept out of the admin.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from residents.models import Resident

from ..models import (
    EVALUATION_ANSWER_WINDOW,
    EVALUATION_COMMENT_MAX_LENGTH,
    Attendance,
    Evaluation,
    EvaluationReceipt,
    NotificationKind,
    Participation,
    Session,
)
from . import notifications


def evaluation_scope(session: Session) -> str:
    return f"session:{session.pk}:evaluation"


@transaction.atomic
def evaluation_invite_present(*, session: Session) -> int:
    """Invite everyone marked present at ``session`` to evaluate it (an outbox row each).

    Called when attendance is recorded; recording again (a correction) invites only those not
    invited yet, because the outbox keeps one row per kind, recipient and scope.
    """
    present = (
        Participation.objects.filter(session=session, attendance=Attendance.PRESENT)
        .filter(resident__user__is_active=True).select_related("resident__user")
    )
    users = [p.resident.user for p in present]
    notifications.enqueue(NotificationKind.EVALUATION_INVITE, users, session, evaluation_scope(session),
                          timezone.now())
    return len(users)


def evaluation_refusal(*, session: Session, resident: Resident, now: dt.datetime | None = None) -> str | None:
    """Why ``resident`` cannot evaluate ``session`` now, or None when they can."""
    now = now or timezone.now()
    attended = Participation.objects.filter(
        session=session, resident=resident, attendance=Attendance.PRESENT
    ).exists()
    if not attended:
        return _("Only those who were at a session evaluate it.")
    if EvaluationReceipt.objects.filter(session=session, resident=resident).exists():
        return _("You have already evaluated this session. Thank you!")
    if session.end + EVALUATION_ANSWER_WINDOW < now:
        return _("The evaluation of this session has closed.")
    return None


@transaction.atomic
def evaluation_submit(
    *,
    session: Session,
    resident: Resident,
    safety: int,
    depth: int,
    guidance: int,
    value: int,
    exhaustion: int,
    comment: str = "",
    now: dt.datetime | None = None,
) -> None:
    """Store one anonymous answer and the receipt that says ``resident`` has answered.

    Returns nothing on purpose: the caller has no use for the answer's id, and should not
    hold it next to the person.
    """
    now = now or timezone.now()
    refusal = evaluation_refusal(session=session, resident=resident, now=now)
    if refusal:
        raise ValidationError(refusal, code="refused")
    scores = {"safety": safety, "depth": depth, "guidance": guidance, "value": value,
              "exhaustion": exhaustion}
    for field, score in scores.items():
        if not isinstance(score, int) or not 1 <= score <= 5:
            raise ValidationError({field: _("Choose a number from 1 to 5.")})
    comment = (comment or "").strip()
    if len(comment) > EVALUATION_COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": _("Keep the comment under %(n)s characters.") % {"n": EVALUATION_COMMENT_MAX_LENGTH}})
    try:
        with transaction.atomic():
            EvaluationReceipt.objects.create(session=session, resident=resident)
    except IntegrityError:
        # Another request by the same person got there first.
        raise ValidationError(_("You have already evaluated this session. Thank you!"),
                              code="twice") from None
    Evaluation.objects.create(session=session, comment=comment, submitted_on=timezone.localdate(now),
                              **scores)
