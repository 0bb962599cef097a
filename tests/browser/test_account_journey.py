"""A resident's account: changing the password (and logging in with the new one), and switching
the interface to Dutch and back with the language form in the footer."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

from .conftest import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a much longer passphrase of mine"


def test_a_resident_changes_their_password_and_logs_in_with_it(page, rosa):
    log_in(page, rosa.email, None)
    page.goto(f"{page.base}/accounts/password_change/")
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()

    # A wrong current password changes nothing.
    page.get_by_label(re.compile(r"^\s*Old password")).fill("not my password")
    page.get_by_label(re.compile(r"^\s*New password\*?\s*$")).fill(NEW_PASSWORD)
    page.get_by_label(re.compile(r"^\s*New password confirmation")).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_text("Your old password was entered incorrectly.")).to_be_visible()

    page.get_by_label(re.compile(r"^\s*Old password")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^\s*New password\*?\s*$")).fill(NEW_PASSWORD)
    page.get_by_label(re.compile(r"^\s*New password confirmation")).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("heading", name="Your password was changed")).to_be_visible()
    # Still logged in on this device.
    page.get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", name="Welcome, Rosa")).to_be_visible()

    log_out(page)
    log_in(page, rosa.email, None)
    expect(page.get_by_text("Please enter a correct e-mail address and password.")).to_be_visible()
    log_in(page, rosa.email, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Welcome, Rosa")).to_be_visible()


def test_a_resident_finds_where_to_change_their_password(page, rosa):
    log_in(page, rosa.email, None)
    expect(page.get_by_role("heading", name="Welcome, Rosa")).to_be_visible()
    page.locator("#nav").get_by_role("button", name="Rosa").click()  # the account menu: her name
    page.get_by_role("link", name=re.compile("password", re.IGNORECASE)).first.click(timeout=2_000)
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()


def test_a_resident_switches_the_interface_to_dutch_and_back(page, rosa):
    log_in(page, rosa.email, None)
    page.get_by_role("link", name="My roster").click()
    roster_path = page.url

    page.get_by_label("Language").select_option(label="Nederlands")
    page.get_by_role("button", name="Change").click()
    # The same page, now in Dutch.
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    assert page.url == roster_path
    expect(page.get_by_role("link", name="Mijn rooster")).to_be_visible()
    expect(page.get_by_role("link", name="Mijn bijeenkomsten")).to_be_visible()
    expect(page.get_by_role("link", name="My roster")).to_have_count(0)

    # It stays Dutch on the next page.
    page.get_by_role("link", name="Mijn bijeenkomsten").click()
    expect(page.get_by_role("button", name="Wijzigen")).to_be_visible()

    # Each language is named in its own language, so the way back reads "English".
    page.get_by_label("Taal").select_option(label="English")
    page.get_by_role("button", name="Wijzigen").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="My roster")).to_be_visible()
    expect(page.get_by_role("heading", name="My sessions")).to_be_visible()
