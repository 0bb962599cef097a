"""Settings come from the environment and fail loudly on bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_settings(**env):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "EMAIL_PORT"}}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import intervision.settings as s; print(s.DATABASES['default']['ENGINE'])"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _load_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_development_runs_with_its_own_key_on_sqlite():
    result = _load_settings(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_database_url_selects_postgresql():
    result = _load_settings(DEBUG="1", DATABASE_URL="postgres://u@127.0.0.1:5432/x")
    assert result.stdout.strip() == "django.db.backends.postgresql"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("DEBUG", "perhaps", "DEBUG must be one of"),
    ("EMAIL_PORT", "abc", "EMAIL_PORT must be a whole number"),
])
def test_a_value_that_cannot_be_read_names_the_variable(name, value, message):
    env = {"DEBUG": "1", "SECRET_KEY": "x"}
    env[name] = value
    result = _load_settings(**env)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(("url", "message"), [
    ("pop3://replies:secret@mail.hospital.example/", "REPLY_MAILBOX_URL must look like"),
    ("imaps://replies:secret@mail.hospital.example/INBOX", "REPLY_ADDRESS is not set"),
])
def test_a_reply_mailbox_that_cannot_work_stops_the_start(url, message):
    result = _load_settings(DEBUG="1", REPLY_MAILBOX_URL=url, REPLY_ADDRESS="")
    assert result.returncode != 0
    assert message in result.stderr


def test_a_reply_mailbox_whose_user_is_an_address_needs_nothing_more():
    result = _load_settings(DEBUG="1", REPLY_ADDRESS="",
                            REPLY_MAILBOX_URL="imaps://intervision%40hospital.example:s@mail.hospital.example/INBOX")
    assert result.returncode == 0, result.stderr
