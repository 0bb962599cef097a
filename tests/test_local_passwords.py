"""LOCAL_PASSWORDS=0: everyone signs in with the hospital's identity provider; no password typed
here logs in, is set or is reset, except the administrators' at the admin's own log-in."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from .factories import PASSWORD
from .helpers import login

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def passwords_off(settings, db):
    settings.OIDC_ISSUER = "https://login.hospital.example"
    settings.OIDC_RP_CLIENT_ID = "intervision"
    settings.OIDC_PROVIDER_NAME = "Hospital ID"
    settings.LOCAL_PASSWORDS = False


def test_the_log_in_page_offers_only_the_provider(client, passwords_off):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with Hospital ID" in page
    assert 'name="password"' not in page and "Forgot your password?" not in page
    assert "Administrators: log in with a password" in page


def test_a_password_log_in_is_refused_even_when_right(client, passwords_off, rosa):
    response = client.post(reverse("login"), {"username": "rosa@hospital.example", "password": PASSWORD})
    assert response.status_code == 403
    assert "Passwords are switched off" in response.content.decode()
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated


def test_password_reset_is_refused_and_sends_nothing(client, passwords_off, rosa):
    assert client.get(reverse("password_reset")).status_code == 403
    response = client.post(reverse("password_reset"), {"email": "rosa@hospital.example"})
    assert response.status_code == 403 and mail.outbox == []
    link = reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "set-password"})
    assert client.get(link).status_code == 403


def test_a_signed_in_person_cannot_change_a_password_here(passwords_off, rosa):
    client = login(rosa)
    home = client.get(reverse("home")).content.decode()
    assert "Change password" not in home
    assert client.get(reverse("password_change")).status_code == 403


def test_administrators_log_in_with_their_password_at_the_admin(client, passwords_off, adam):
    response = client.post(reverse("admin:login"), {"username": "adam@hospital.example", "password": PASSWORD,
                                                    "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(reverse("home")).wsgi_request.user == adam


def test_the_admin_log_in_lets_no_one_else_in(client, passwords_off, cora):
    credentials = {"username": "cora@hospital.example", "password": PASSWORD}
    response = client.post(reverse("admin:login"), credentials)
    assert response.status_code == 200
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated


def test_with_passwords_on_the_pages_are_as_before(client, rosa, settings):
    settings.LOCAL_PASSWORDS = True
    assert client.get(reverse("password_reset")).status_code == 200
    assert 'name="password"' in client.get(reverse("login")).content.decode()


def _settings_with(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "LOCAL_PASSWORDS"))}
    clean.update(DEBUG="1", **env)
    return subprocess.run(
        [sys.executable, "-c", "import intervision.settings as s; print(s.AUTHENTICATION_BACKENDS[-1],"
                               " s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60,
    )


def test_switching_passwords_off_without_a_provider_refuses_to_start():
    result = _settings_with(LOCAL_PASSWORDS="0")
    assert result.returncode != 0
    assert "LOCAL_PASSWORDS=0 needs sign-in with the identity provider (OIDC_ISSUER)" in result.stderr


def test_an_issuer_without_a_client_id_refuses_to_start():
    result = _settings_with(OIDC_ISSUER="https://login.hospital.example")
    assert result.returncode != 0
    assert "OIDC_ISSUER and OIDC_CLIENT_ID go together" in result.stderr


def test_a_configured_provider_adds_its_backend_and_may_receive_the_log_out_form():
    result = _settings_with(OIDC_ISSUER="https://login.hospital.example/tenant/v2.0/", OIDC_CLIENT_ID="x",
                            LOCAL_PASSWORDS="0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 1) == [
        "residents.auth_oidc.OIDCBackend", "[\"'self'\", 'https://login.hospital.example']\n"]


def test_a_web_process_loads_the_providers_client_only_when_a_sign_in_needs_it():
    # mozilla-django-oidc brings requests and PyJWT (about 14 MB per process): a site without
    # OIDC, or a page that signs no one in, never loads them.
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "LOCAL_PASSWORDS"))}
    clean.update(DEBUG="1", DJANGO_SETTINGS_MODULE="intervision.settings")
    result = subprocess.run(
        [sys.executable, "-c",
         "import sys, intervision.wsgi; from django.test import Client; Client().get('/accounts/login/');"
         "client = {'requests', 'jwt', 'mozilla_django_oidc', 'residents.auth_oidc'};"
         "print(sorted(client & set(sys.modules)))"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
