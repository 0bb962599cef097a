"""One-click answer links for e-mails.

A link carries a signed token naming one participation (so one resident and one session) and
one answer. The signature is the credential: the page it opens works without logging in. It is

- single-purpose: signed with a salt used for nothing else, so no other token of the project
  (password reset, calendar feed) opens it and it opens nothing else;
- tied to one resident, one session and one answer: all three are in the signed payload, the
  session also in the address, and they are checked against the database;
- expiring: at the session's start (answers cannot change after that) and at most
  ``MAX_AGE`` after it was made.

The link opens a confirmation page; only the POST from that page records the answer, so a mail
scanner that fetches the link answers nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .models import Participation, Rsvp, Session

SALT = "sessions_app.answer_links.v1"
MAX_AGE = dt.timedelta(days=60)
ANSWERS = (Rsvp.YES, Rsvp.NO, Rsvp.MAYBE)


class AnswerLinkError(Exception):
    """A link that must not be used. ``status`` is the HTTP answer: 400 for a link that was
    never valid here (tampered, another session), 410 for one that was valid and has expired.
    ``session`` is set when the link was genuine but its session has started or is over, so
    the page can say so."""

    def __init__(self, message: str, *, status: int, session: Session | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.session = session


@dataclass(frozen=True)
class AnswerLink:
    participation: Participation
    answer: str


def answer_token(*, participation: Participation, answer: str) -> str:
    if answer not in ANSWERS:
        raise ValueError(f"not an answer: {answer!r}")
    payload = {
        "p": participation.pk, "s": participation.session_id, "r": participation.resident_id, "a": answer,
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def answer_url(*, participation: Participation, answer: str) -> str:
    """The absolute address of the page that confirms ``answer`` for this participation."""
    token = answer_token(participation=participation, answer=answer)
    path = reverse("answer_link", kwargs={"session_pk": participation.session_id, "token": token})
    return f"{settings.SITE_URL}{path}"


def answer_link_verify(*, session_pk: int, token: str, now: dt.datetime | None = None) -> AnswerLink:
    """The participation and answer a link stands for, or ``AnswerLinkError``."""
    now = now or timezone.now()
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise AnswerLinkError("expired", status=410) from None
    except signing.BadSignature:
        raise AnswerLinkError("invalid", status=400) from None
    if not isinstance(payload, dict) or payload.get("a") not in ANSWERS:
        raise AnswerLinkError("invalid", status=400)
    if payload.get("s") != session_pk:
        raise AnswerLinkError("another session", status=400)
    participation = (
        Participation.objects.select_related("session", "session__group", "resident__user")
        .filter(pk=payload.get("p"), session_id=payload.get("s"), resident_id=payload.get("r"))
        .first()
    )
    if participation is None:
        raise AnswerLinkError("invalid", status=400)
    if not participation.resident.user.is_active:
        raise AnswerLinkError("invalid", status=400)
    if participation.session.start <= now:
        raise AnswerLinkError("started", status=410, session=participation.session)
    return AnswerLink(participation=participation, answer=payload["a"])
