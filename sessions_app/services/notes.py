"""Confidential session notes: the audited gate, reading, writing, deleting, retention and
key rotation.

The rule, written in ``sessions_app.access.may_keep_notes``: a session's notes belong to its
intervisors — the intervisor who leads it and the intervisor and co-intervisor of its group.
Nobody else reaches them through the application: not coordinators, not administrators, not
residents, not other intervisors. Each of them keeps one note per session (``SessionNote``
is unique per session and author); all of them read all notes of the session, and each
changes or deletes only their own.

Every access passes ``note_session_for`` (the gate, which records refusals) and every read,
write and delete writes a ``NoteAccessEvent`` — ids, the action and the path, never the text.
Note text is encrypted before it reaches the database (``sessions_app.crypto``) and is never
put into exceptions or log lines here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from residents.models import Programme, User

from .. import crypto
from ..access import may_keep_notes
from ..access import note_session_for as note_session_for_keeper
from ..models import NoteAccessEvent, NoteTheme, Session, SessionNote

logger = logging.getLogger(__name__)

Action = NoteAccessEvent.Action
MAX_LENGTH = 20_000
PATH_LENGTH = NoteAccessEvent._meta.get_field("path").max_length


class NoteAccessRefused(Exception):
    """The person may not reach the notes of this session (the refusal is already audited)."""


# --- when notes may be written -------------------------------------------------------------------
# Who may keep a session's notes is ``access.may_keep_notes``; this module only asks it.

def may_write_now(session: Session, now: dt.datetime | None = None) -> bool:
    """Notes are written about a session that took place: from its start, unless cancelled."""
    now = now or timezone.now()
    return session.start <= now and session.status in (Session.Status.SCHEDULED, Session.Status.HELD)


# --- the audit trail ------------------------------------------------------------------------------

def _event(actor: User | None, action: str, *, session_id: int | None, note_id: int | None = None,
           path: str = "") -> NoteAccessEvent:
    return NoteAccessEvent(
        actor=actor if actor is not None and actor.is_authenticated else None, action=action,
        note_id=note_id, session_id=session_id, path=path[:PATH_LENGTH],
    )


def _audit(actor: User | None, action: str, *, session_id: int | None, note_id: int | None = None,
           path: str = "") -> None:
    _event(actor, action, session_id=session_id, note_id=note_id, path=path).save()


def note_session_for(*, user: User, session_pk: int, path: str) -> Session:
    """The gate every note page passes: the session, when ``user`` keeps its notes.

    Anyone else — a forged id, another group's session, a coordinator — is refused in the same
    way (the caller answers 404, so ids reveal nothing), and the attempt is recorded. The
    refusal is written outside any transaction of the caller, so it stays even when the
    request fails afterwards.
    """
    try:
        return note_session_for_keeper(user, session_pk)
    except Http404:
        _audit(user, Action.REFUSED, session_id=session_pk, path=path)
        raise NoteAccessRefused from None


# --- reading ------------------------------------------------------------------------------------

@dataclass
class NoteView:
    """A note as its intervisors see it; ``body`` is None when it cannot be decrypted."""

    pk: int
    author: User
    is_mine: bool
    body: str | None
    themes: list[NoteTheme] = field(default_factory=list)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


def notes_read(*, user: User, session: Session, path: str) -> list[NoteView]:
    """The session's notes, decrypted, for one of its intervisors; one "read" row per note."""
    if not may_keep_notes(user, session):
        _audit(user, Action.REFUSED, session_id=session.pk, path=path)
        raise NoteAccessRefused
    notes = list(
        SessionNote.objects.filter(session=session).select_related("author")
        .prefetch_related("themes").order_by("created_at", "pk")
    )
    views = []
    for note in notes:
        try:
            body = crypto.decrypt(note.body_encrypted)
        except crypto.NoteUnreadable:
            logger.error("Session note %s cannot be decrypted with the configured keys", note.pk)
            body = None
        views.append(NoteView(
            pk=note.pk, author=note.author, is_mine=note.author_id == user.pk, body=body,
            themes=list(note.themes.all()), created_at=note.created_at, updated_at=note.updated_at,
        ))
    NoteAccessEvent.objects.bulk_create(
        [_event(user, Action.READ, session_id=session.pk, note_id=n.pk, path=path) for n in notes]
    )
    return views


# --- writing ------------------------------------------------------------------------------------

def _refuse_unless_writable(user: User, session: Session, path: str) -> None:
    if not may_keep_notes(user, session):
        _audit(user, Action.REFUSED, session_id=session.pk, path=path)
        raise NoteAccessRefused
    if not may_write_now(session):
        raise ValidationError(
            _("Notes can be written once the session has started, and not for a cancelled session."),
            code="not_started",
        )


@transaction.atomic
def note_save(
    *, user: User, session: Session, body: str, themes: Iterable[NoteTheme] = (), path: str = ""
) -> SessionNote:
    """Write or change the user's own note on the session (one per intervisor per session)."""
    _refuse_unless_writable(user, session, path)
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write something, or delete the note instead.")})
    if len(body) > MAX_LENGTH:
        raise ValidationError({"body": _("A note holds at most %(n)s characters.") % {"n": MAX_LENGTH}})
    themes = list(themes)
    encrypted = crypto.encrypt(body)
    note = SessionNote.objects.select_for_update(of=("self",)).filter(session=session, author=user).first()
    action = Action.UPDATE
    if note is None:
        try:
            # A savepoint: a double-clicked first save loses the race on the unique constraint
            # and becomes an update of the row the other request wrote.
            with transaction.atomic():
                note = SessionNote.objects.create(session=session, author=user, body_encrypted=encrypted)
            action = Action.CREATE
        except IntegrityError:
            note = SessionNote.objects.select_for_update(of=("self",)).get(session=session, author=user)
    if action == Action.UPDATE:
        note.body_encrypted = encrypted
        note.save(update_fields=["body_encrypted", "updated_at"])
    note.themes.set(themes)
    _audit(user, action, session_id=session.pk, note_id=note.pk, path=path)
    return note


@transaction.atomic
def note_delete(*, user: User, session: Session, path: str = "") -> None:
    """Delete the user's own note on the session."""
    if not may_keep_notes(user, session):
        _audit(user, Action.REFUSED, session_id=session.pk, path=path)
        raise NoteAccessRefused
    note = SessionNote.objects.select_for_update(of=("self",)).filter(session=session, author=user).first()
    if note is None:
        raise ValidationError(_("You have no note on this session."), code="no_note")
    note_id = note.pk
    note.delete()
    _audit(user, Action.DELETE, session_id=session.pk, note_id=note_id, path=path)


# --- retention and key rotation -----------------------------------------------------------------

def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time ``months`` calendar months earlier (the 31st becomes the month's
    last day)."""
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


@transaction.atomic
def notes_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete every note whose session ended more than the programme's retention period ago,
    with a "purge" audit row each. Safe to run any number of times."""
    now = now or timezone.now()
    cutoff = months_before(now, Programme.get().note_retention_months)
    expired = list(
        SessionNote.objects.select_for_update(of=("self",)).filter(session__end__lt=cutoff)
        .values_list("pk", "session_id")
    )
    if not expired:
        return 0
    SessionNote.objects.filter(pk__in=[pk for pk, _session in expired]).delete()
    NoteAccessEvent.objects.bulk_create(
        [_event(None, Action.PURGE, session_id=session_id, note_id=pk, path="retention")
         for pk, session_id in expired]
    )
    return len(expired)


def notes_rotate_keys(*, batch_size: int = 200) -> tuple[int, int]:
    """Re-encrypt every note not yet under the newest key. Returns (rewritten, unreadable).

    Each batch is its own transaction with the rows locked, so a note saved meanwhile is not
    overwritten with older text; running it again rewrites nothing.
    """
    rewritten = unreadable = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                SessionNote.objects.select_for_update(of=("self",)).filter(pk__gt=last_pk)
                .order_by("pk").values_list("pk", "body_encrypted")[:batch_size]
            )
            if not batch:
                return rewritten, unreadable
            for pk, token in batch:
                if crypto.is_current(token):
                    continue
                try:
                    fresh = crypto.reencrypt(token)
                except crypto.NoteUnreadable:
                    logger.error("Session note %s cannot be decrypted with the configured keys", pk)
                    unreadable += 1
                    continue
                # update(), not save(): re-encrypting is not a change of the note (updated_at).
                SessionNote.objects.filter(pk=pk).update(body_encrypted=fresh)
                rewritten += 1
            last_pk = batch[-1][0]
