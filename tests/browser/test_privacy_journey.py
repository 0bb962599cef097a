"""Privacy: anyone reads the privacy page before logging in, a resident downloads what is stored
about them, and the coordinator erases a resident after confirming."""

import json

import pytest
from playwright.sync_api import expect

from residents.models import Resident

from .conftest import log_in, menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_logged_out_visitor_reads_the_privacy_page_from_the_login_page(page):
    page.goto(f"{page.base}/accounts/login/")
    page.get_by_role("link", name="Privacy").click()
    expect(page.get_by_role("heading", name="Privacy: who sees what about you")).to_be_visible()
    expect(page.get_by_role("heading", name="If you are a resident")).to_be_visible()
    # The download is only for someone logged in.
    expect(page.get_by_role("link", name="Download everything stored about me (JSON)")).to_have_count(0)


def test_a_resident_downloads_their_own_data_and_nobody_elses(page, rosa, ruben, otto):
    log_in(page, rosa.email, None)
    page.get_by_role("link", name="Privacy").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download everything stored about me (JSON)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("intervision-my-data-")
    text = download.path().read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["account"]["email"] == "rosa@hospital.example"
    assert data["memberships"][0]["group"] == "Tuesday group"
    # Ruben shares her group; neither he nor Otto appear in her file.
    assert "ruben@hospital.example" not in text
    assert "otto@hospital.example" not in text


def test_a_coordinator_erases_a_resident_after_confirming(page, cora, rosa, ruben):
    log_in(page, cora.email, None)
    menu(page, "Residents")
    page.get_by_role("link", name="Resident, Rosa").click()
    page.get_by_role("link", name="Erase personal data").click()
    expect(page.get_by_role("heading", name="Erase the personal data of Rosa Resident?")).to_be_visible()
    # Nothing happens before the button on the confirmation page.
    assert Resident.objects.get(user=rosa).user.email == "rosa@hospital.example"

    page.get_by_role("button", name="Erase personal data").click()
    expect(page.get_by_text("The personal data of Rosa Resident are erased")).to_be_visible()
    expect(page.get_by_role("link", name="Resident, Rosa")).to_have_count(0)
    expect(page.get_by_role("link", name="Resident, Ruben")).to_be_visible()

    # Not among the deactivated residents either: the name itself is gone.
    page.get_by_label("Show").select_option("all")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Resident, Ruben")).to_be_visible()
    expect(page.locator("main table")).not_to_contain_text("Rosa")
    expect(page.locator("main table")).not_to_contain_text("rosa@hospital.example")
