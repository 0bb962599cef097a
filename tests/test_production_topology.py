"""The deployment that docker-compose.yml describes, started on this machine without Docker.

Every service runs the command the compose file gives it, with the environment it sets there,
read from the file itself; only what Docker would provide is translated: the host names ``db``
and ``redis`` become this machine's PostgreSQL (a scratch database named after DATABASE_URL's,
created and dropped here) and a Redis server this test starts on a free port, and ``.env``
becomes the variables a hospital would put in it, with the mail going to an SMTP server in this
process. Static files are collected first, by the step the Dockerfile runs when it builds the
image. Then, over HTTP only:

- a coordinator logs in and plans a session; the residents get the invitation from the worker,
  which beat set going;
- one resident answers "yes" and the other "no" through the links in their mail; the week's
  reminder then goes to the one who comes and not to the one who does not;
- Redis is stopped (``/healthz`` says the broker is down), the coordinator plans another session
  meanwhile, beat fails to hand out a task, Redis starts again, and the mail written during the
  outage goes out: nothing is lost.

Without PostgreSQL or redis-server the test is skipped with a line that says which; in CI
(CI=true or REQUIRE_SERVICES=1) it fails instead. It takes about four minutes: beat hands the
outbox to the worker every two minutes, and the test waits for two of those rounds.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import gzip
import http.cookiejar
import logging
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
# The programme's zone (TIME_ZONE's default, which .env below leaves alone): the plan form asks
# for a local date and time.
ZONE = ZoneInfo("Europe/Amsterdam")
PASSWORD = "a-long-passphrase-Cora-chose-42"  # noqa: S105

pytestmark = pytest.mark.topology


def _in_ci() -> bool:
    ci = os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}
    return ci or bool(os.environ.get("REQUIRE_SERVICES"))


def _unavailable(reason: str):
    """Skip on a developer's machine that lacks a server; in CI a missing server is a failure."""
    if _in_ci():
        pytest.fail(f"production topology: {reason}")
    pytest.skip(f"production topology needs {reason}")


# --- What the files say -------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$(?:(\$)|\{(\w+)(?:(:?[-?])([^}]*))?\}|(\w+))")


def interpolate(text: str, variables: dict[str, str]) -> str:
    """Compose's variable substitution: ``$$``, ``$NAME``, ``${NAME}``, ``${NAME:-default}``,
    ``${NAME-default}``, ``${NAME:?error}`` and ``${NAME?error}``."""

    def substitute(match: re.Match) -> str:
        escaped, name, operator, argument, bare = match.groups()
        if escaped:
            return "$"
        name = name or bare
        value = variables.get(name)
        missing = value is None or (value == "" and operator and operator.startswith(":"))
        if operator and operator.endswith("-") and missing:
            return argument
        if operator and operator.endswith("?") and missing:
            raise ValueError(f"{name}: {argument}")
        return value or ""

    return _VARIABLE.sub(substitute, text)


def compose_service(name: str, variables: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """A service's command (as the argument list compose runs) and its ``environment``."""
    service = yaml.safe_load(COMPOSE.read_text())["services"][name]  # merges the x-app anchor
    command = service["command"]
    if isinstance(command, str):
        command = shlex.split(command)
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return ([interpolate(str(part), variables) for part in command],
            {key: interpolate(str(value), variables) for key, value in environment.items()})


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments left out."""
    instructions, pending = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, arguments = pending.strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def dockerfile_environment() -> dict[str, str]:
    """What the image's ENV instructions set for every process in it."""
    environment = {}
    for keyword, arguments in _dockerfile_instructions():
        if keyword == "ENV":
            environment.update(item.split("=", 1) for item in shlex.split(arguments))
    return environment


def dockerfile_collectstatic() -> str:
    """The shell command with which the image collects its static files (its own step of the
    RUN that does it; the ``chown`` to the image's user has no meaning here)."""
    for keyword, arguments in _dockerfile_instructions():
        if keyword == "RUN" and "collectstatic" in arguments:
            [step] = [part.strip() for part in arguments.split("&&") if "collectstatic" in part]
            return step
    raise AssertionError("the Dockerfile collects no static files")


# --- The machine's servers and ours -------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _postgres_base() -> urllib.parse.SplitResult:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        _unavailable("PostgreSQL: DATABASE_URL names no PostgreSQL database")
    return urllib.parse.urlsplit(url)


def _maintenance_connection(base: urllib.parse.SplitResult):
    import psycopg2

    try:
        connection = psycopg2.connect(
            dbname="postgres", user=urllib.parse.unquote(base.username or ""),
            password=urllib.parse.unquote(base.password or ""), host=base.hostname,
            port=base.port or 5432, connect_timeout=5,
        )
    except psycopg2.OperationalError as error:
        _unavailable(f"PostgreSQL at {base.hostname}:{base.port or 5432} ({str(error).strip()})")
    connection.autocommit = True
    return connection


@pytest.fixture
def scratch_database():
    """An empty database on the machine's PostgreSQL, named after DATABASE_URL's: its URL."""
    base = _postgres_base()
    name = f"{base.path.lstrip('/').split('?')[0]}_topology"
    connection = _maintenance_connection(base)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # a killed run's leftover
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base._replace(path=f"/{name}", query="")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()


@dataclass
class Mailbox:
    """aiosmtpd handler: every message accepted, parsed, with its envelope recipients."""

    received: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.extend((rcpt, message) for rcpt in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def to(self, address: str, subject: str = "") -> list:
        return [m for rcpt, m in self.received if rcpt == address and subject in str(m["Subject"])]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller.port, mailbox
    controller.stop()


class Service:
    """One compose service run as a process group of this machine, its output in a log file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], cwd: Path, log: Path):
        self.name, self.command, self.env, self.cwd, self.log = name, command, env, cwd, log
        self.process: subprocess.Popen | None = None

    def start(self) -> Service:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 (the compose file's own command)
                self.command, cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """As ``docker compose stop`` does: SIGTERM, then SIGKILL after a grace period."""
        if not self.running():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 40) -> str:
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(self.output().splitlines()[-lines:])


def wait_for(what: str, check, *, timeout: float, services: list[Service], every: float = 0.5):
    """Poll ``check`` until it returns something true; fail with the services' logs if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        for service in services:
            assert service.running(), f"{service.name} stopped while waiting for {what}\n{service.tail()}"
        time.sleep(every)
    logs = "\n".join(service.tail() for service in services)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{logs}")


# --- A person with a browser's cookie jar -------------------------------------------------------

@dataclass
class Page:
    status: int
    url: str
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def csrf_token(self) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.text)
        assert match, f"no CSRF token on {self.url}"
        return match.group(1)


class Visitor:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, path: str, data: dict | None = None, headers: dict | None = None) -> Page:
        url = path if path.startswith("http") else self.base_url + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return Page(response.status, response.url, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Page(error.code, url, dict(error.headers), error.read())

    def submit(self, path: str, data: dict) -> Page:
        """Open the form's page, then post ``data`` with the page's CSRF token, as a browser."""
        form = self.request(path)
        assert form.status == 200, f"GET {path}: {form.status}"
        return self.request(form.url, {"csrfmiddlewaretoken": form.csrf_token(), **data})


def healthz(base_url: str) -> tuple[int, dict]:
    import json

    page = Visitor(base_url).request("/healthz")
    return page.status, json.loads(page.body)


# --- The people: the same services the coordinator's pages call, run with manage.py ------------

PEOPLE = """
from decimal import Decimal
from django.utils import timezone
from residents.services.people import intervisor_create, resident_create
from residents.services.reference import department_create, specialty_create
from sessions_app.services.groups import group_create, membership_add

today = timezone.localdate()
specialty = specialty_create(name="Internal Medicine")
department = department_create(name="Internal Medicine")
ivan = intervisor_create(email="ivan@hospital.example", first_name="Ivan", last_name="Intervisor",
                         kind="coach")
group = group_create(name="Tuesday group", intervisor=ivan, min_size=2)
for first in ("Rosa", "Ruben"):
    resident = resident_create(
        email=f"{first.lower()}@hospital.example", first_name=first, last_name="Resident",
        specialty=specialty, department=department, training_year=2, fte=Decimal("1.00"),
        start_date=today.replace(year=today.year - 1))
    membership_add(group=group, resident=resident, start_date=today)
print(group.pk)
"""


def _plan_form(start: dt.datetime) -> dict:
    local = start.astimezone(ZONE)
    return {"date": local.date().isoformat(), "start_time": local.strftime("%H:%M"),
            "duration_minutes": "90", "location": "Room 4.12", "video_url": "", "status": "scheduled"}


def _next_minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)


def _answer_links(message) -> dict[str, str]:
    """The one-click answer links of a mail, by answer."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    links = {}
    for label, answer in (("Yes, I'll be there:", "yes"), ("No, I can't:", "no"), ("Maybe:", "maybe")):
        match = re.search(re.escape(label) + r"\s+(\S+)", text)
        if match:
            links[answer] = match.group(1)
    return links


# --- The test -----------------------------------------------------------------------------------

def test_the_compose_deployment_plans_mails_answers_reminds_and_survives_a_broker_outage(
    scratch_database, smtp_server, tmp_path
):
    redis_server = shutil.which("redis-server")
    if not redis_server:
        _unavailable("redis-server (Debian's redis-server package)")
    smtp_port, mailbox = smtp_server
    web_port, redis_port = _free_port(), _free_port()
    base_url = f"http://127.0.0.1:{web_port}"
    var_dir = tmp_path / "var"  # the image's /app/var: collected static files, beat's schedule
    redis_dir = tmp_path / "redis-data"  # the redis-data volume, the container's working directory
    redis_dir.mkdir()

    # .env, as a hospital fills it in for a plain-HTTP trial (.env.example), plus the password
    # that compose puts into DATABASE_URL (here the machine's, from DATABASE_URL).
    dotenv = {
        "SECRET_KEY": base64.urlsafe_b64encode(os.urandom(40)).decode(),
        "NOTES_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "POSTGRES_PASSWORD": urllib.parse.unquote(scratch_database.password or "") or "unused",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": base_url,
        "SECURE_COOKIES": "0",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "DEFAULT_FROM_EMAIL": "Intervision <intervision@hospital.example>",
    }
    # The image's environment: its ENV lines, its programs on the PATH (here this virtualenv's).
    machine = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
    image = {**machine, **dockerfile_environment(), "VAR_DIR": str(var_dir)}

    def translated(environment: dict[str, str]) -> dict[str, str]:
        """The service's environment with Docker's host names replaced by this machine's."""
        database = urllib.parse.urlsplit(environment["DATABASE_URL"])
        broker = urllib.parse.urlsplit(environment["REDIS_URL"])
        assert (database.hostname, broker.hostname) == ("db", "redis"), "compose's service names"
        return {**environment,
                "DATABASE_URL": database._replace(netloc=scratch_database.netloc,
                                                  path=scratch_database.path).geturl(),
                "REDIS_URL": broker._replace(netloc=f"127.0.0.1:{redis_port}").geturl()}

    def service(name: str, **extra: str) -> Service:
        command, environment = compose_service(name, dotenv)
        env = {**image, **dotenv, **translated(environment), **extra}
        return Service(name, command, env, ROOT, tmp_path / f"{name}.log")

    # Redis as compose runs it (append-only file in the volume), on a free port of loopback.
    redis_command, _ = compose_service("redis", dotenv)
    assert Path(redis_command[0]).name == "redis-server"
    redis = Service("redis", [redis_server, *redis_command[1:], "--port", str(redis_port),
                              "--bind", "127.0.0.1"],
                    {**machine}, redis_dir, tmp_path / "redis.log")
    web = service("web", PORT=str(web_port))
    worker, beat = service("worker"), service("beat")
    assert worker.env["CELERY_DB_REUSE_MAX"] == "100"  # the worker's own environment was read
    everything = [redis, web, worker, beat]

    def redis_answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", redis_port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def manage(*arguments: str, **extra: str) -> str:
        # manage.py as the image runs it: the python on the service's PATH.
        result = subprocess.run(  # noqa: S603
            ["python", "manage.py", *arguments],  # noqa: S607
            cwd=ROOT, env={**web.env, **extra}, capture_output=True, text=True, timeout=180,
            check=False)
        assert result.returncode == 0, f"manage.py {arguments[0]}:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    try:
        # The image's build step: collect the static files with DEBUG off.
        build = subprocess.run(  # noqa: S603
            ["sh", "-c", dockerfile_collectstatic()],  # noqa: S607
            cwd=ROOT, env=image, capture_output=True, text=True, timeout=300, check=False)
        assert build.returncode == 0, f"collectstatic:\n{build.stdout}\n{build.stderr}"
        assert list((var_dir / "static").glob("staticfiles.json")), "no manifest of hashed names"

        redis.start()
        wait_for("Redis", redis_answers, timeout=30, services=[redis])
        web.start()  # migrations, then gunicorn
        worker.start()
        wait_for("/healthz", lambda: _healthy(base_url), timeout=240, services=[redis, web, worker])
        beat.start()
        beat_started = time.time()

        # The web app serves its own static files (whitenoise), hashed, compressed and cached.
        login_page = Visitor(base_url).request("/accounts/login/")
        assert login_page.status == 200
        [stylesheet] = re.findall(r'href="(/static/[^"]+\.css)"', login_page.text)[:1]
        assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), stylesheet
        css = Visitor(base_url).request(stylesheet, headers={"Accept-Encoding": "gzip"})
        assert css.status == 200
        assert css.headers.get("Content-Encoding") == "gzip"
        assert b"bootstrap" in gzip.decompress(css.body).lower()
        assert "immutable" in css.headers.get("Cache-Control", "")

        # The first coordinator, as the README has a hospital make one; the people and group.
        manage("create_coordinator", "cora@hospital.example", "--first-name", "Cora", "--noinput",
               COORDINATOR_PASSWORD=PASSWORD)
        group_pk = int(manage("shell", "-c", PEOPLE).strip().splitlines()[-1])

        cora = Visitor(base_url)
        home = cora.submit("/accounts/login/", {"username": "cora@hospital.example",
                                                "password": PASSWORD})
        assert home.status == 200 and "/accounts/login/" not in home.url, home.text[:2000]

        # A session a week ahead, timed so that its week's reminder falls due after beat's first
        # round of the outbox and before its second (two and four minutes after beat started).
        first_start = _next_minute(dt.datetime.fromtimestamp(beat_started + 150, dt.UTC)) \
            + dt.timedelta(days=7)
        planned = cora.submit(f"/groups/{group_pk}/sessions/new/", _plan_form(first_start))
        assert planned.status == 200, planned.text[:2000]
        first_pk = int(re.search(r"/sessions/(\d+)/$", planned.url).group(1))
        assert time.time() < beat_started + 110, "setting up took longer than beat's first round"

        # Beat's first round: the invitations go out through the worker and the SMTP server.
        invitations = wait_for(
            "the invitations to the first session",
            lambda: (mailbox.to("rosa@hospital.example", "will you be there?")
                     and mailbox.to("ruben@hospital.example", "will you be there?")
                     and mailbox.to("ivan@hospital.example")),
            timeout=180, services=everything)
        assert invitations

        # Each resident answers with the link in their mail: rosa comes, ruben does not.
        for resident, answer, extra in (("rosa", "yes", {}), ("ruben", "no", {"reason": "clinical_duty"})):
            [message] = mailbox.to(f"{resident}@hospital.example", "will you be there?")
            link = _answer_links(message)[answer]
            assert link.startswith(f"{base_url}/answer/{first_pk}/"), link
            person = Visitor(base_url)
            confirm = person.request(link)
            assert confirm.status == 200
            answered = person.request(link, {"csrfmiddlewaretoken": confirm.csrf_token(), **extra})
            assert answered.status == 200, answered.text[:2000]
        answers = cora.request(f"/sessions/{first_pk}/answers/")
        assert answers.status == 200
        assert "Clinical duty 1" in answers.text  # the coordinator sees why one cannot come
        assert healthz(base_url)[0] == 200

        # The broker goes away. The site says so, and goes on working without it.
        redis.stop()
        assert not redis_answers()
        status, checks = healthz(base_url)
        assert status == 503 and checks["broker"].startswith("down"), checks
        assert checks["database"] == "ok"
        second_start = first_start + dt.timedelta(days=7)
        planned = cora.submit(f"/groups/{group_pk}/sessions/new/", _plan_form(second_start))
        assert planned.status == 200, planned.text[:2000]
        second_pk = int(re.search(r"/sessions/(\d+)/$", planned.url).group(1))
        # Its invitations wait in the outbox, and /healthz shows monitoring that mail is waiting.
        assert healthz(base_url)[1]["oldest_due_message_seconds"] is not None
        # Beat's heartbeat falls due during the outage (every minute) and cannot be handed out.
        wait_for("beat to fail to send a task to the stopped broker",
                 lambda: "Couldn't apply scheduled task" in beat.output(),
                 timeout=90, services=[web, worker, beat])

        redis.start()
        wait_for("Redis again", redis_answers, timeout=30, services=[redis])
        wait_for("/healthz after the outage", lambda: _healthy(base_url), timeout=30,
                 services=everything)

        # Beat's second round: the week's reminder for the first session (only to rosa, who
        # comes) and the invitations to the second session, planned while the broker was down.
        wait_for(
            "the reminder and the mail written during the outage",
            lambda: (mailbox.to("rosa@hospital.example", "Reminder:")
                     and _invited(mailbox, "rosa@hospital.example", second_pk)
                     and _invited(mailbox, "ruben@hospital.example", second_pk)),
            timeout=240, services=everything)
        [reminder] = mailbox.to("rosa@hospital.example", "Reminder:")
        assert "next week" in str(reminder["Subject"])

        # Nothing lost, nothing twice: every row of the outbox that has fallen due is settled,
        # and each one sent arrived exactly once.
        settled = wait_for("the outbox to settle", lambda: _settled(scratch_database),
                           timeout=60, services=everything)
        assert [row for row in settled if row.status not in {"sent", "cancelled"}] == []
        assert sorted((row.id, row.email) for row in settled if row.status == "sent") \
            == sorted((_notification_of(message), rcpt) for rcpt, message in mailbox.received)
        [skipped] = [row for row in settled if row.status == "cancelled"]
        assert (skipped.kind, skipped.email, skipped.reason) == (
            "reminder_7d", "ruben@hospital.example", "answered no")
        assert mailbox.to("ruben@hospital.example", "Reminder:") == []
        assert healthz(base_url) == (200, {"status": "ok", "database": "ok", "broker": "ok",
                                           "oldest_due_message_seconds": None})
        for one in (web, worker, beat):
            assert one.running(), one.tail()
    finally:
        for one in reversed(everything):
            one.stop()


def _healthy(base_url: str) -> bool:
    try:
        return healthz(base_url)[0] == 200
    except (OSError, ValueError):
        return False


@dataclass(frozen=True)
class OutboxRow:
    id: int
    kind: str
    email: str
    session: int | None
    status: str
    reason: str


def _settled(database: urllib.parse.SplitResult) -> list[OutboxRow] | None:
    """The outbox rows due by now, read from the deployment's database, once none of them is
    still waiting or being sent; None until then."""
    import psycopg2

    with psycopg2.connect(database.geturl()) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.id, n.kind, u.email, n.session_id, n.status, n.last_error"
            " FROM sessions_app_notification n JOIN residents_user u ON u.id = n.recipient_id"
            " WHERE n.due_at <= now()")
        rows = [OutboxRow(*row) for row in cursor.fetchall()]
    connection.close()
    return None if any(row.status in {"pending", "sending"} for row in rows) else rows


def _notification_of(message) -> int:
    """The outbox row a mail was sent from: its Message-ID names it."""
    return int(re.fullmatch(r"<intervision\.notification\.(\d+)@[^>]+>", message["Message-ID"]).group(1))


def _invited(mailbox: Mailbox, address: str, session_pk: int) -> bool:
    return any(_answer_links(message).get("yes", "").split("/answer/")[-1].startswith(f"{session_pk}/")
               for message in mailbox.to(address, "will you be there?"))


# --- The parts that need no server --------------------------------------------------------------

def test_variables_are_substituted_as_compose_does():
    variables = {"SET": "x", "EMPTY": ""}
    assert interpolate("$$PORT ${SET} $SET", variables) == "$PORT x x"
    assert interpolate("${UNSET:-8000} ${EMPTY:-d} [${EMPTY-d}]", variables) == "8000 d []"
    with pytest.raises(ValueError, match="UNSET: set it in .env"):
        interpolate("${UNSET:?set it in .env}", variables)


def test_the_image_collects_static_files_with_debug_off():
    step = dockerfile_collectstatic()
    assert "DEBUG=0" in step and step.endswith("python manage.py collectstatic --noinput")


def _run_the_topology_test(tmp_path, **env) -> subprocess.CompletedProcess:
    """This file's topology test in a child pytest, without the outer run's CI and services."""
    inherited = {name: value for name, value in os.environ.items() if name not in {
        "CI", "REQUIRE_SERVICES", "DATABASE_URL", "REDIS_URL", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST"}}
    test = f"{Path(__file__).relative_to(ROOT)}::" \
        "test_the_compose_deployment_plans_mails_answers_reminds_and_survives_a_broker_outage"
    return subprocess.run(  # noqa: S603 - this suite's own pytest on this file
        # --output: pytest-playwright empties its output folder when a run starts, and the outer
        # run's test-results/ holds the screenshots of every page (tests/browser/test_every_page.py).
        [sys.executable, "-m", "pytest", test, "-q", "-rs", "-p", "no:cacheprovider",
         "--basetemp", str(tmp_path / "child"), "--output", str(tmp_path / "test-results")],
        cwd=ROOT, env={**inherited, "DEBUG": "1", **env}, capture_output=True, text=True, timeout=300)


def test_without_postgresql_it_is_skipped_with_one_line_that_says_so(tmp_path):
    result = _run_the_topology_test(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = [text for text in result.stdout.splitlines() if text.startswith("SKIPPED")]
    assert line.endswith("production topology needs PostgreSQL: DATABASE_URL names no PostgreSQL database")

    closed = f"postgres://postgres@127.0.0.1:{_free_port()}/intervision"
    result = _run_the_topology_test(tmp_path, DATABASE_URL=closed)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "production topology needs PostgreSQL at 127.0.0.1:" in result.stdout


def test_in_ci_a_missing_postgresql_fails_the_run(tmp_path):
    result = _run_the_topology_test(tmp_path, CI="true")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "production topology: PostgreSQL: DATABASE_URL names no PostgreSQL database" in result.stdout
