"""The reply mailbox over IMAP (``REPLY_MAILBOX_URL``), with the standard library's imaplib.

Only three things are asked of the server: the messages not yet handled, one message's bytes,
and a mark on a message once it is handled. The mark is ``\\Seen`` plus the keyword
``IntervisionRead`` where the server keeps keywords (PERMANENTFLAGS ``\\*``, as Dovecot,
Exchange, Gmail and iCloud do); a server without keywords gets ``\\Seen`` only, and then a
person who opens the mailbox and reads a reply first hides it from the app. The mark is what
keeps fetches fast; whether a message was handled is decided by the database
(``CalendarReply.key``), so a mark that did not get set loses nothing and doubles nothing.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

KEYWORD = "IntervisionRead"
TIMEOUT = 30  # seconds for connecting and for each answer of the server


class MailboxError(Exception):
    """The mailbox could not be read (server away, log-in refused, no such folder)."""


@dataclass(frozen=True)
class MailboxAddress:
    secure: bool
    host: str
    port: int
    user: str
    password: str
    folder: str

    @classmethod
    def parse(cls, url: str) -> MailboxAddress:
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname:
            raise MailboxError("REPLY_MAILBOX_URL must be imaps://user:password@host/INBOX")
        secure = parts.scheme == "imaps"
        return cls(
            secure=secure, host=parts.hostname, port=parts.port or (993 if secure else 143),
            user=unquote(parts.username or ""), password=unquote(parts.password or ""),
            folder=unquote(parts.path.lstrip("/")) or "INBOX",
        )


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ReplyMailbox:
    """``with ReplyMailbox(url) as box:`` logs in and opens the folder for reading and marking."""

    def __init__(self, url: str) -> None:
        self.address = MailboxAddress.parse(url)
        self.connection: imaplib.IMAP4 | None = None
        self.keywords = False

    def __enter__(self) -> ReplyMailbox:
        a = self.address
        try:
            if a.secure:
                self.connection = imaplib.IMAP4_SSL(a.host, a.port, ssl_context=ssl.create_default_context(),
                                                    timeout=TIMEOUT)
            else:
                self.connection = imaplib.IMAP4(a.host, a.port, timeout=TIMEOUT)
            self.connection.login(a.user, a.password)
            status, _data = self.connection.select(_quoted(a.folder))
            if status != "OK":
                raise MailboxError(f"no folder {a.folder!r} in the reply mailbox")
            _name, flags = self.connection.response("PERMANENTFLAGS")
            text = b" ".join(f for f in flags if f).decode("ascii", "replace")
            self.keywords = "\\*" in text or KEYWORD in text
        except (imaplib.IMAP4.error, OSError) as error:
            self.__exit__(None, None, None)
            raise MailboxError(f"{type(error).__name__}: {error}") from error
        return self

    def __exit__(self, *exc) -> None:
        if self.connection is None:
            return
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            self.connection.logout()
        self.connection = None

    def _uid(self, command: str, *args) -> list:
        try:
            status, data = self.connection.uid(command, *args)
        except (imaplib.IMAP4.error, OSError) as error:
            raise MailboxError(f"{command}: {type(error).__name__}: {error}") from error
        if status != "OK":
            raise MailboxError(f"{command}: {status} {data!r}")
        return data

    def new_messages(self, limit: int) -> list[str]:
        """UIDs of messages not marked as handled, oldest first, at most ``limit``."""
        criteria = ("UNDELETED", "NOT", "KEYWORD", KEYWORD) if self.keywords else ("UNDELETED", "UNSEEN")
        data = self._uid("SEARCH", None, *criteria)
        uids = b" ".join(d for d in data if d).split()
        return [u.decode("ascii") for u in sorted(uids, key=int)[:limit]]

    def fetch(self, uid: str) -> bytes | None:
        """The message as it was delivered, without marking it read; None if it is gone."""
        data = self._uid("FETCH", uid, "(BODY.PEEK[])")
        for item in data:
            if isinstance(item, tuple) and re.search(rb"BODY\[\]", item[0]):
                return item[1]
        return None

    def mark_handled(self, uid: str) -> None:
        flags = f"(\\Seen {KEYWORD})" if self.keywords else "(\\Seen)"
        self._uid("STORE", uid, "+FLAGS", flags)
