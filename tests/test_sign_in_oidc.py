"""Signing in with the hospital's identity provider (OpenID Connect), against a real provider
process (tests/oidc_provider.py): the whole authorization-code flow over HTTP, our callback
exchanging the code at the provider's token endpoint and checking the ID token with its keys."""

from urllib.parse import parse_qsl

import jwt
import pytest
import requests
from django.core.exceptions import SuspiciousOperation
from django.test import Client
from django.urls import reverse

from residents.auth_oidc import OIDCBackend
from residents.models import User
from residents.oidc import BACKEND

from .factories import UserFactory
from .oidc_provider import provider_sign_in, with_query


def signed_in_as(client) -> User | None:
    user = client.get(reverse("home")).wsgi_request.user
    return user if user.is_authenticated else None


def login_page_after(response, client) -> str:
    assert response.status_code == 302 and response["Location"] == reverse("login"), response
    return client.get(reverse("login")).content.decode()


# --- Configured or not --------------------------------------------------------------------------

def test_without_a_provider_the_log_in_page_offers_only_the_password(client, db):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with" not in page and 'name="password"' in page
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback")).status_code == 404


def test_with_a_provider_the_log_in_page_offers_it_beside_the_password(client, oidc):
    page = client.get(reverse("login") + "?next=/rosters/import/").content.decode()
    assert "Sign in with Hospital ID" in page and 'name="password"' in page
    assert reverse("oidc_authentication_init") + "?next=/rosters/import/" in page


# --- Who gets in ----------------------------------------------------------------------------------

def test_a_known_person_signs_in_whatever_the_case_of_their_address_at_the_provider(client, oidc, rosa):
    oidc.set_person("rosa-sub-1", email="  Rosa@HOSPITAL.example ", given_name="Rosa")
    response = provider_sign_in(client, "rosa-sub-1")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert signed_in_as(client) == rosa
    assert client.session["_auth_user_backend"] == BACKEND
    assert "Tuesday group" in client.get(reverse("home")).content.decode()


def test_switching_an_account_off_ends_its_signed_in_session(client, oidc, rosa):
    oidc.set_person("rosa-sub-10", email="rosa@hospital.example")
    provider_sign_in(client, "rosa-sub-10")
    assert signed_in_as(client) == rosa
    User.objects.filter(pk=rosa.pk).update(is_active=False)
    assert signed_in_as(client) is None


def test_sign_in_returns_to_the_page_asked_for(client, oidc, cora):
    oidc.set_person("cora-sub", email="cora@hospital.example")
    response = provider_sign_in(client, "cora-sub", next_url="/rosters/import/")
    assert response["Location"] == "/rosters/import/"


def test_sign_in_never_returns_to_another_site(client, oidc, cora):
    oidc.set_person("cora-sub", email="cora@hospital.example")
    response = provider_sign_in(client, "cora-sub", next_url="https://evil.example/")
    assert response["Location"] == reverse("home")


def test_an_unknown_address_is_refused_and_told_whom_to_ask(client, oidc, rosa):
    oidc.set_person("stranger", email="nobody@hospital.example")
    page = login_page_after(provider_sign_in(client, "stranger"), client)
    assert "There is no account for nobody@hospital.example here." in page
    assert "Ask your programme&#x27;s coordinator to add you" in page
    assert signed_in_as(client) is None
    assert not User.objects.filter(email="nobody@hospital.example").exists()


def test_an_allowed_domain_gets_an_account_without_pages_of_its_own(client, oidc, settings):
    settings.OIDC_CREATE_USERS_FOR_DOMAINS = ["hospital.example"]
    oidc.set_person("new-sub", email="New.Doctor@Hospital.example", given_name="Nina", family_name="New")
    provider_sign_in(client, "new-sub")
    user = signed_in_as(client)
    assert (user.email, user.first_name, user.last_name) == ("new.doctor@hospital.example", "Nina", "New")
    assert user.role == User.Role.STAFF and not user.has_usable_password()


def test_other_domains_are_still_refused_when_one_is_allowed(client, oidc, settings):
    settings.OIDC_CREATE_USERS_FOR_DOMAINS = ["hospital.example"]
    oidc.set_person("outsider", email="someone@hospital.example.evil.test")
    page = login_page_after(provider_sign_in(client, "outsider"), client)
    assert "There is no account for someone@hospital.example.evil.test here." in page
    assert signed_in_as(client) is None


def test_a_switched_off_account_is_refused(client, oidc, db):
    UserFactory(email="gone@hospital.example", is_active=False)
    oidc.set_person("gone-sub", email="gone@hospital.example")
    page = login_page_after(provider_sign_in(client, "gone-sub"), client)
    assert "The account for gone@hospital.example is switched off." in page
    assert signed_in_as(client) is None


def test_an_address_the_provider_has_not_verified_is_refused(client, oidc, rosa):
    oidc.set_person("rosa-unverified", email="rosa@hospital.example", email_verified=False)
    page = login_page_after(provider_sign_in(client, "rosa-unverified"), client)
    assert "Hospital ID has not verified your e-mail address rosa@hospital.example." in page
    assert signed_in_as(client) is None


def test_a_person_without_an_address_is_refused(client, oidc, rosa):
    oidc.set_person("no-mail", name="Rosa")
    page = login_page_after(provider_sign_in(client, "no-mail"), client)
    assert "Hospital ID did not tell us your e-mail address" in page


# --- Tokens that are not ours ---------------------------------------------------------------------

def test_a_code_issued_to_another_application_is_refused(client, oidc, rosa, caplog):
    oidc.set_person("rosa-sub-2", email="rosa@hospital.example")
    response = provider_sign_in(client, "rosa-sub-2", tamper={"client_id": "another-application"})
    assert "Hospital ID did not confirm your sign-in." in login_page_after(response, client)
    assert "invalid_grant" in caplog.text  # the provider refused to exchange the code for us
    assert signed_in_as(client) is None


def test_an_id_token_for_another_audience_is_refused(oidc, rosa):
    # A genuine token of the same provider, issued to another application.
    oidc.set_person("rosa-sub-3", email="rosa@hospital.example")
    token = _id_token_from(oidc, client_id="another-application", sub="rosa-sub-3", nonce="n-1")
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == ["another-application"]
    with pytest.raises(SuspiciousOperation, match="Audience"):
        OIDCBackend().verify_token(token, nonce="n-1")


def test_an_id_token_from_another_issuer_is_refused(oidc, settings, rosa):
    oidc.set_person("rosa-sub-4", email="rosa@hospital.example")
    token = _id_token_from(oidc, client_id="intervision", sub="rosa-sub-4", nonce="n-2")
    assert OIDCBackend().verify_token(token, nonce="n-2")["sub"] == "rosa-sub-4"  # ours as it is
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        setattr(settings, {"authorization_endpoint": "OIDC_OP_AUTHORIZATION_ENDPOINT",
                           "token_endpoint": "OIDC_OP_TOKEN_ENDPOINT",
                           "jwks_uri": "OIDC_OP_JWKS_ENDPOINT"}[name], _discovery(oidc)[name])
    settings.OIDC_ISSUER = "https://login.other-hospital.example"
    with pytest.raises(SuspiciousOperation, match="issuer"):
        OIDCBackend().verify_token(token, nonce="n-2")


def test_a_token_with_another_nonce_is_refused(client, oidc, rosa, caplog):
    oidc.set_person("rosa-sub-5", email="rosa@hospital.example")
    # The authorization request carried someone else's nonce (a replayed or injected response).
    response = provider_sign_in(client, "rosa-sub-5", tamper={"nonce": "an-attackers-nonce"})
    assert "Your sign-in with Hospital ID could not be verified." in login_page_after(response, client)
    assert "its nonce is not the one of this sign-in" in caplog.text
    assert signed_in_as(client) is None


def test_a_callback_is_used_once(client, oidc, rosa):
    oidc.set_person("rosa-sub-6", email="rosa@hospital.example")
    response = provider_sign_in(client, "rosa-sub-6")
    callback = response.wsgi_request.get_full_path()
    client.post(reverse("logout"))
    page = login_page_after(client.get(callback), client)
    assert "This sign-in has expired or was already used." in page
    assert signed_in_as(client) is None


def test_a_callback_in_another_browser_is_refused(client, oidc, rosa):
    oidc.set_person("rosa-sub-7", email="rosa@hospital.example")
    started = client.get(reverse("oidc_authentication_init"))
    answered = requests.post(started["Location"], data={"sub": "rosa-sub-7"}, allow_redirects=False,
                             timeout=10)
    other = Client()  # someone who was sent the link to the callback
    back = answered.headers["Location"].split("testserver", 1)[1]
    assert "This sign-in has expired or was already used." in login_page_after(other.get(back), other)
    assert signed_in_as(other) is None


def test_a_refusal_at_the_provider_is_told(client, oidc):
    started = client.get(reverse("oidc_authentication_init"))
    answered = requests.post(started["Location"], data={"action": "deny"}, allow_redirects=False, timeout=10)
    back = answered.headers["Location"].split("testserver", 1)[1]
    assert "error=access_denied" in back
    page = login_page_after(client.get(back), client)
    assert "Signing in with Hospital ID was cancelled or refused." in page


def test_a_provider_that_cannot_be_reached_is_told(client, oidc, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # discard: nothing listens
    response = client.get(reverse("oidc_authentication_init"))
    assert "Hospital ID could not be reached." in login_page_after(response, client)


# --- Log-out ------------------------------------------------------------------------------------------

def test_log_out_ends_the_session_here_and_at_the_provider(client, oidc, rosa):
    oidc.set_person("rosa-sub-8", email="rosa@hospital.example")
    provider_sign_in(client, "rosa-sub-8")
    session_key = client.session.session_key
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    end_session = response["Location"]
    assert end_session.startswith(f"{oidc.issuer}/oauth2/end_session?")
    assert signed_in_as(client) is None
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session_key).exists()
    # The provider's own log-out page, confirmed, sends the person back to our log-in page.
    page = requests.get(end_session, timeout=10)
    assert page.status_code == 200 and "http://testserver/accounts/login/" in page.text
    confirmed = requests.post(f"{oidc.issuer}/oauth2/end_session/confirm",
                              data={"redirect_uri": "http://testserver/accounts/login/"},
                              allow_redirects=False, timeout=10)
    assert confirmed.headers["Location"] == "http://testserver/accounts/login/"


def test_log_out_can_leave_the_provider_alone(client, oidc, settings, rosa):
    settings.OIDC_LOGOUT_AT_PROVIDER = False
    oidc.set_person("rosa-sub-9", email="rosa@hospital.example")
    provider_sign_in(client, "rosa-sub-9")
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert signed_in_as(client) is None


def test_log_out_after_a_password_log_in_stays_here(client, oidc, rosa):
    from .factories import PASSWORD

    client.post(reverse("login"), {"username": "rosa@hospital.example", "password": PASSWORD})
    assert signed_in_as(client) == rosa
    assert client.post(reverse("logout"))["Location"] == reverse("login")


# --- Helpers --------------------------------------------------------------------------------------------

def _discovery(provider) -> dict:
    return requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=5).json()


def _id_token_from(provider, *, client_id: str, sub: str, nonce: str) -> str:
    """An ID token the provider issues to ``client_id``, obtained as that client would."""
    endpoints = _discovery(provider)
    redirect_uri = "http://app.example/callback"
    authorize = with_query(endpoints["authorization_endpoint"], response_type="code", scope="openid email",
                           client_id=client_id, redirect_uri=redirect_uri, state="s", nonce=nonce)
    answered = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=10)
    code = dict(parse_qsl(answered.headers["Location"].split("?", 1)[1]))["code"]
    token = requests.post(endpoints["token_endpoint"], timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "client_id": client_id, "client_secret": "whatever"})
    token.raise_for_status()
    return token.json()["id_token"]
