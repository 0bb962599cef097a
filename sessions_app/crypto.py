"""Encryption of session notes at rest.

Notes are encrypted with Fernet (AES-128-CBC with an HMAC-SHA256 tag) under keys from
``settings.NOTES_ENCRYPTION_KEYS`` — never ``SECRET_KEY``, so a leaked signing key does not open
the notes and the note keys can be rotated on their own. The first key encrypts; every key in
the list decrypts (``MultiFernet``), so rotation is: put a new key first, run
``manage.py rotate_note_keys``, then drop the old key.

Nothing in this module puts note text or a key into an exception message or a log line.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet


class NoteUnreadable(Exception):
    """A stored note cannot be decrypted with any configured key (its key was removed, or the
    stored value is damaged). Carries no content."""


def _lib():
    # cryptography loads only where a note is read or written, so a web process that serves
    # no note pages does not carry it.
    from cryptography import fernet

    return fernet


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    fernet = _lib()
    return fernet.MultiFernet([fernet.Fernet(key) for key in keys])


def _fernet() -> MultiFernet:
    # Keyed by the key list, so a changed setting (tests, a reload) takes effect at once.
    return _fernet_for(tuple(settings.NOTES_ENCRYPTION_KEYS))


def _unreadable() -> tuple[type[Exception], ...]:
    return (_lib().InvalidToken, UnicodeError, ValueError)


def encrypt(text: str) -> str:
    """The text encrypted with the newest key, as ASCII fit for a text column."""
    return _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except _unreadable():
        raise NoteUnreadable("the note cannot be decrypted with the configured keys") from None


def reencrypt(token: str) -> str:
    """The same text encrypted with the newest key (a token already under it is renewed too)."""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except _unreadable():
        raise NoteUnreadable("the note cannot be decrypted with the configured keys") from None


def is_current(token: str) -> bool:
    """Whether ``token`` was encrypted with the newest key (no rewrite needed)."""
    newest = _lib().Fernet(settings.NOTES_ENCRYPTION_KEYS[0])
    try:
        newest.decrypt(token.encode("ascii"))
    except _unreadable():
        return False
    return True
