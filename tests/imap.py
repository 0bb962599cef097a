"""A real IMAP server for the reply tests: Dovecot, started by the tests themselves.

``dovecot`` starts one ``dovecot -F`` for the test session from a small configuration written
to a temporary folder: one user with a plain-text password, maildir storage in that folder,
IMAP without TLS on a free port on 127.0.0.1. ``reply_mailbox`` gives each test an empty folder
of its own and points ``REPLY_MAILBOX_URL`` at it; ``reply_mailbox.deliver(name)`` appends a
fixture from tests/fixtures/itip/ with IMAP APPEND, as a mail server's delivery would.

Without the dovecot binary (Debian: ``apt-get install dovecot-imapd``) the tests are skipped
with one line; in CI (``CI=true`` or ``REQUIRE_SERVICES=1``) they fail instead.
"""

from __future__ import annotations

import imaplib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "itip"
USER = "intervision@hospital.example"
PASSWORD = "reply-mailbox-secret"  # noqa: S105 - a throw-away test server's
_folders = itertools.count(1)


def _dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)), None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _accounts() -> tuple[str, str, int, int]:
    """Who dovecot's processes run as: the package's own users when we are root (dovecot
    refuses to run its log-in process as root), ourselves otherwise."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.getuid())
        return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid
    internal, login = pwd.getpwnam("dovecot"), pwd.getpwnam("dovenull")
    return internal.pw_name, login.pw_name, internal.pw_uid, internal.pw_gid


CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 1
first_valid_gid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:{root}/mail/%u
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


class Dovecot:
    def __init__(self, binary: str) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="intervision-dovecot-"))
        self.root.chmod(0o755)  # the mail processes run as dovecot's user
        self.port = _free_port()
        internal, login, uid, gid = _accounts()
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        for sub in ("mail", "home"):
            (self.root / sub).mkdir()
            os.chown(self.root / sub, uid, gid)
        (self.root / "dovecot.conf").write_text(CONFIG.format(
            root=self.root, internal=internal, internal_group=internal, login=login, uid=uid, gid=gid,
            port=self.port))
        self.process = subprocess.Popen(  # noqa: S603 - our own binary and configuration
            [binary, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                connection = self.connect()
            except (OSError, imaplib.IMAP4.error):
                time.sleep(0.1)
                continue
            connection.logout()
            return
        self.stop()
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        exited = self.process.poll() is not None
        output = self.process.stdout.read().decode(errors="replace") if exited else ""
        return output + (path.read_text(errors="replace") if path.exists() else "")

    def connect(self) -> imaplib.IMAP4:
        connection = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        connection.login(USER, PASSWORD)
        return connection

    def url(self, folder: str) -> str:
        return f"imap://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@127.0.0.1:{self.port}/{folder}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot():
    binary = _dovecot_binary()
    if binary is None:
        message = "dovecot is not installed (apt-get install dovecot-imapd): the IMAP reply tests need it"
        if os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)
    server = Dovecot(binary)
    yield server
    server.stop()


class ReplyMailbox:
    """One test's folder in the test server's mailbox."""

    def __init__(self, server: Dovecot, folder: str) -> None:
        self.server = server
        self.folder = folder
        self.url = server.url(folder)

    def deliver(self, name: str) -> None:
        """Put tests/fixtures/itip/<name>.eml into the folder, as delivered mail."""
        raw = (FIXTURES / f"{name}.eml").read_bytes()
        connection = self.server.connect()
        try:
            status, data = connection.append(self.folder, None, None, raw)
            assert status == "OK", data
        finally:
            connection.logout()

    def flags(self) -> list[str]:
        """Each message's flags, in the order they came."""
        connection = self.server.connect()
        try:
            connection.select(self.folder, readonly=True)
            _status, data = connection.uid("FETCH", "1:*", "(FLAGS)")
        finally:
            connection.logout()
        return [item.decode() for item in data if item]


@pytest.fixture
def reply_mailbox(dovecot, settings):
    folder = f"Replies{next(_folders)}"
    connection = dovecot.connect()
    try:
        status, data = connection.create(folder)
        assert status == "OK", data
    finally:
        connection.logout()
    settings.REPLY_MAILBOX_URL = dovecot.url(folder)
    settings.REPLY_ADDRESS = ""
    return ReplyMailbox(dovecot, folder)
