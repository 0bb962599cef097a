"""Journeys through the people pages, the role home pages and the account pages."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from residents.models import Resident
from tests.factories import DepartmentFactory, SpecialtyFactory

from .conftest import log_in, log_out, menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_adds_searches_edits_and_deactivates_a_resident(page, cora, rosa):
    SpecialtyFactory(name="Neurology")
    DepartmentFactory(name="Neurosciences")
    log_in(page, cora.email, None)

    menu(page, "Residents")
    page.get_by_role("link", name="New resident").click()
    page.get_by_label(re.compile(r"^\s*E-mail address")).fill("sanne.devries@hospital.example")
    page.get_by_label(re.compile(r"^\s*First name")).fill("Sanne")
    page.get_by_label(re.compile(r"^\s*Last name")).fill("de Vries")
    page.get_by_label(re.compile(r"^\s*Specialty")).select_option(label="Neurology")
    page.get_by_label(re.compile(r"^\s*Department")).select_option(label="Neurosciences")
    page.get_by_label(re.compile(r"^\s*Training year")).fill("9")
    page.get_by_label(re.compile(r"^\s*Start of training")).fill("2025-09-01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Ensure this value is less than or equal to 8.")).to_be_visible()
    assert not Resident.objects.filter(user__email="sanne.devries@hospital.example").exists()

    page.get_by_label(re.compile(r"^\s*Training year")).fill("2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Sanne de Vries was added.")).to_be_visible()

    menu(page, "Residents")
    page.get_by_role("searchbox").fill("neuro")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="de Vries, Sanne")).to_be_visible()
    expect(page.get_by_role("link", name="Resident, Rosa")).to_have_count(0)

    page.get_by_role("link", name="de Vries, Sanne").click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label(re.compile(r"^\s*Training year")).fill("3")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Changes to Sanne de Vries were saved.")).to_be_visible()

    page.get_by_role("link", name="Deactivate").click()
    expect(page.get_by_role("heading", name="Deactivate Sanne de Vries?")).to_be_visible()
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("Sanne de Vries was deactivated")).to_be_visible()
    page.get_by_role("button", name="Reactivate").click()
    expect(page.get_by_text("Sanne de Vries can log in again.")).to_be_visible()


def test_a_coordinator_adds_an_intervisor_who_must_not_lead_a_department(page, cora, iris):
    DepartmentFactory(name="Psychiatry")
    log_in(page, cora.email, None)
    menu(page, "Intervisors")
    page.get_by_role("link", name="New intervisor").click()
    page.get_by_label(re.compile(r"^\s*E-mail address")).fill("pieter@coaching.example")
    page.get_by_label(re.compile(r"^\s*First name")).fill("Pieter")
    page.get_by_label(re.compile(r"^\s*Last name")).fill("Smit")
    page.get_by_label(re.compile(r"^\s*Kind")).select_option(label="Psychologist")
    page.get_by_label(re.compile(r"^\s*Departments they must not lead")).select_option(label="Psychiatry")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Pieter Smit was added.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Iris Other")
    row.get_by_role("link", name="Deactivate").click()
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("Iris Other was deactivated.")).to_be_visible()


def test_a_resident_sees_their_group_and_nothing_of_others(page, rosa, ruben, otto):
    log_in(page, rosa.email, None)
    expect(page.get_by_role("heading", name="Welcome, Rosa")).to_be_visible()
    expect(page.get_by_text("Ruben Resident")).to_be_visible()
    expect(page.get_by_text("Otto")).to_have_count(0)
    page.get_by_role("link", name="Tuesday group").first.click()
    expect(page.get_by_role("heading", name="Tuesday group")).to_be_visible()
    expect(page.get_by_text("Ivan Intervisor")).to_be_visible()
    expect(page.get_by_role("heading", name="Add a member")).to_have_count(0)
    other = otto.resident.memberships.get().group_id
    response = page.goto(f"{page.base}/groups/{other}/")
    assert response.status == 404
    page.goto(f"{page.base}/")
    log_out(page)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_an_intervisor_sees_the_groups_they_lead(page, ivan, rosa, otto):
    log_in(page, ivan.email, None)
    page.get_by_role("link", name="My groups").click()
    expect(page.get_by_role("link", name="Tuesday group")).to_be_visible()
    expect(page.get_by_role("link", name="Thursday group")).to_have_count(0)


def test_a_resident_resets_a_forgotten_password(page, rosa, settings, live_server, celery_eager):
    settings.SITE_URL = live_server.url  # the link in the e-mail points to the site
    page.goto(f"{page.base}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label(re.compile(r"^\s*E-mail address")).fill("rosa@hospital.example")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    link = re.search(r"https?://\S+/accounts/reset/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_label(re.compile(r"^\s*New password\*?\s*$")).fill("a brand new passphrase")
    page.get_by_label(re.compile(r"^\s*New password confirmation")).fill("a brand new passphrase")
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("heading", name="Your new password is saved")).to_be_visible()
    log_in(page, rosa.email, "a brand new passphrase")
    expect(page.get_by_role("heading", name="Welcome, Rosa")).to_be_visible()


def test_a_wrong_password_shows_a_message_on_the_login_page(page, rosa):
    log_in(page, rosa.email, "not my password")
    expect(page.get_by_text("Please enter a correct e-mail address and password.")).to_be_visible()
