"""Signing in with the hospital's identity provider in a real browser: out to the provider's
own page (a real provider process, tests/oidc_provider.py), back signed in, and out again at
both ends; and the log-in page when passwords are switched off."""

import copy
import datetime as dt

import pytest
from playwright.sync_api import expect

from .conftest import log_out

pytestmark = [
    pytest.mark.browser, pytest.mark.django_db(transaction=True),
    # The provider signs its tokens with the real time, and we check it: no travelling clock here.
    pytest.mark.now(lambda: dt.datetime.now(dt.UTC)),
]


@pytest.fixture
def provider_may_receive_forms(oidc, settings):
    """What the deployed settings do for OIDC_ISSUER: our log-out form may end at the provider."""
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(oidc.issuer)
    settings.CONTENT_SECURITY_POLICY = policy
    return oidc


def test_a_resident_signs_in_with_the_hospital_account_and_out_again(page, provider_may_receive_forms, rosa):
    provider = provider_may_receive_forms
    provider.set_person("rosa-in-the-browser", email="Rosa@Hospital.example", email_verified=True)
    page.goto(f"{page.base}/accounts/login/")
    page.get_by_role("link", name="Sign in with Hospital ID").click()

    # The provider's page: who are you?
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_placeholder("sub").fill("rosa-in-the-browser")
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("heading", name="Welcome, Rosa")).to_be_visible()
    expect(page.get_by_role("link", name="Change password", include_hidden=True)).to_have_count(1)

    # Log-out ends the session here, then at the provider, which sends her back to log in.
    log_out(page)
    expect(page.get_by_role("heading", name="End Session")).to_be_visible()
    page.get_by_role("button", name="End session").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.goto(f"{page.base}/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_someone_without_an_account_is_told_whom_to_ask(page, oidc, db):
    oidc.set_person("a-stranger", email="stranger@hospital.example")
    page.goto(f"{page.base}/accounts/login/")
    page.get_by_role("link", name="Sign in with Hospital ID").click()
    page.get_by_placeholder("sub").fill("a-stranger")
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "There is no account for stranger@hospital.example here.")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_with_passwords_off_the_log_in_page_offers_only_the_hospital_account(page, oidc, settings, rosa):
    settings.LOCAL_PASSWORDS = False
    page.goto(f"{page.base}/accounts/login/")
    expect(page.get_by_role("link", name="Sign in with Hospital ID")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    page.goto(f"{page.base}/accounts/password_reset/")
    expect(page.get_by_role("heading", name="Passwords are switched off")).to_be_visible()
    page.get_by_role("link", name="Go to the log-in page").click()
    page.get_by_role("link", name="Sign in with Hospital ID").click()
    oidc.set_person("rosa-without-password", email="rosa@hospital.example")
    page.get_by_placeholder("sub").fill("rosa-without-password")
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("heading", name="Welcome, Rosa")).to_be_visible()
    expect(page.get_by_role("link", name="Change password", include_hidden=True)).to_have_count(0)
