"""Log-in throttling, no user enumeration, session limits, CSRF, security headers, the CSP,
and `check --deploy` with production settings."""

import datetime as dt
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core import mail
from django.test import Client
from django.urls import reverse

from .factories import PASSWORD
from .helpers import login

ROOT = Path(__file__).resolve().parent.parent
LOGIN = "/accounts/login/"


def _attempt(client, email, password="wrong password", ip="10.1.1.1"):  # noqa: S107
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


# --- throttling ---------------------------------------------------------------------------------

def test_five_wrong_passwords_lock_that_address_and_username_for_fifteen_minutes(rosa, clock):
    clock.move_to(dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC))
    client = Client()
    for _attempt_number in range(4):
        assert _attempt(client, rosa.email).status_code == 200
    assert _attempt(client, rosa.email).status_code == 429  # the fifth failure locks
    locked = _attempt(client, rosa.email, password=PASSWORD)  # even the right password
    assert locked.status_code == 429
    assert "paused for 15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another network is not locked out, nor is another username from this one.
    assert _attempt(Client(), rosa.email, password=PASSWORD, ip="10.9.9.9").status_code == 302
    clock.move_to(dt.datetime(2026, 5, 4, 9, 16, tzinfo=dt.UTC))
    assert _attempt(Client(), rosa.email, password=PASSWORD).status_code == 302


def test_an_unknown_address_is_locked_out_just_the_same(db):
    client = Client()
    for _attempt_number in range(4):
        assert _attempt(client, "nobody@hospital.example").status_code == 200
    assert _attempt(client, "nobody@hospital.example").status_code == 429


def test_a_successful_log_in_resets_the_count(rosa):
    client = Client()
    for _attempt_number in range(4):
        _attempt(client, rosa.email)
    assert _attempt(Client(), rosa.email, password=PASSWORD).status_code == 302
    for _attempt_number in range(4):
        assert _attempt(Client(), rosa.email).status_code == 200


# --- no user enumeration ------------------------------------------------------------------------

def test_the_log_in_page_says_the_same_for_an_unknown_address_and_a_wrong_password(rosa):
    unknown = _attempt(Client(), "nobody@hospital.example").content.decode()
    wrong = _attempt(Client(), rosa.email, ip="10.2.2.2").content.decode()

    def message(page):
        return re.findall(r'class="alert[^"]*"[^>]*>(.*?)</', page, re.S)

    assert message(unknown) == message(wrong) and message(wrong)


def test_password_reset_answers_the_same_whether_the_address_exists(rosa, ask_password_reset):
    known = ask_password_reset(Client(), rosa.email)
    unknown = ask_password_reset(Client(), "nobody@hospital.example")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [rosa.email]


# --- sessions -----------------------------------------------------------------------------------

def test_logging_in_gives_a_new_session_key(rosa):
    client = Client()
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    assert _attempt(client, rosa.email, password=PASSWORD).status_code == 302
    assert client.session.session_key != before


def test_thirty_idle_minutes_sign_you_out(rosa, clock):
    clock.move_to(dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC))
    client = Client()
    _attempt(client, rosa.email, password=PASSWORD)
    clock.move_to(dt.datetime(2026, 5, 4, 9, 29, tzinfo=dt.UTC))
    assert client.get(reverse("home")).status_code == 200
    clock.move_to(dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC))  # 31 idle minutes
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_active_session_ends_twelve_hours_after_log_in(rosa, clock):
    start = dt.datetime(2026, 5, 4, 7, 0, tzinfo=dt.UTC)
    clock.move_to(start)
    client = Client()
    _attempt(client, rosa.email, password=PASSWORD)
    for quarter in range(1, 48):  # a request every 15 minutes keeps it alive for 11¾ hours
        clock.move_to(start + dt.timedelta(minutes=15 * quarter))
        assert client.get(reverse("home")).status_code == 200, quarter
    clock.move_to(start + dt.timedelta(hours=12, minutes=1))
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "please log in again" in response.content.decode()


def test_pages_viewed_within_a_minute_do_not_write_the_session(rosa, django_assert_num_queries):
    client = login(rosa)
    client.get(reverse("privacy"))
    # the session, the user, the programme: no session write
    with django_assert_num_queries(3):
        client.get(reverse("privacy"))


# --- CSRF ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("persona", "url_name", "kwargs_for"), [
    ("ivan", "session_notes", lambda p, s: {"pk": s.pk}),
    ("rosa", "evaluation_form", lambda p, s: {"pk": s.pk}),
    ("cora", "resident_erase", lambda p, s: {"pk": p["otto"].resident.pk}),
    ("cora", "group_create", lambda p, s: None),
    ("anonymous", "login", lambda p, s: None),
])
def test_a_post_without_the_csrf_token_is_refused(personas, persona, url_name, kwargs_for):
    from sessions_app.models import Session
    from tests.test_access import _rosas_held_session

    session = Session.objects.get(pk=_rosas_held_session(personas, present=["rosa"])["pk"])
    client = Client(enforce_csrf_checks=True)
    if persona != "anonymous":
        client.force_login(personas[persona])
    response = client.post(reverse(url_name, kwargs=kwargs_for(personas, session)), {"body": "x"})
    assert response.status_code == 403
    assert personas["otto"].is_active


# --- headers and the content security policy ----------------------------------------------------

def test_every_page_sends_the_security_headers_and_a_strict_csp(db):
    response = Client().get(LOGIN)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


# Inline scripts and styles, event handler attributes, and htmx's hx-on (which needs eval).
INLINE = re.compile(r'<script(?![^>]*\bsrc=)|\sstyle="|\son[a-z]+="|<style[\s>]|\shx-on', re.I)


def test_no_page_template_has_inline_script_or_style_the_csp_would_block():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "emails" in path.relative_to(ROOT / "templates").parts:
            continue  # e-mails are read in mail programs, where the CSP does not apply
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if INLINE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert not offenders, offenders


# --- production settings ------------------------------------------------------------------------

def _production_env(**extra):
    dropped = ("DEBUG", "SECRET_KEY", "NOTES_", "SECURE_", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="intervision.example",
               NOTES_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
               VAR_DIR=str(Path(os.environ.get("VAR_DIR", ROOT / "var"))))
    env.update(extra)
    return env


def test_check_deploy_with_production_settings_reports_nothing():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=_production_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_note_keys():
    env = _production_env()
    del env["NOTES_ENCRYPTION_KEYS"]
    result = subprocess.run([sys.executable, "-c", "import intervision.settings"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "NOTES_ENCRYPTION_KEYS is not set" in result.stderr


def test_a_malformed_note_key_is_named_by_position_never_echoed():
    env = _production_env(NOTES_ENCRYPTION_KEYS=Fernet.generate_key().decode() + ",not-a-real-key-XYZ")
    result = subprocess.run([sys.executable, "-c", "import intervision.settings"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "key number 2 is not a Fernet key" in result.stderr
    assert "not-a-real-key-XYZ" not in result.stderr
