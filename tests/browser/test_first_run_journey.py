"""A new install: the first coordinator, made with manage.py create_coordinator, logs in to an
empty programme, follows the checklist to the specialties and departments, keeps them, and
sees the first step tick off."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from residents.models import Department, Specialty

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "violet-harbour-1987"


def step(page, key):
    return page.locator(f'[data-step="{key}"]')


def test_the_first_coordinator_adds_reference_data_and_sees_the_checklist_tick(page, monkeypatch):
    monkeypatch.setenv("COORDINATOR_PASSWORD", PASSWORD)
    call_command("create_coordinator", "carla@hospital.example", "--noinput",
                 "--first-name", "Carla", "--last-name", "Coordinator")
    log_in(page, "Carla@Hospital.example", PASSWORD)

    expect(page.get_by_role("heading", name="Setting up the programme")).to_be_visible()
    expect(step(page, "reference")).to_have_attribute("aria-current", "step")
    expect(page.locator('[data-done="true"]')).to_have_count(0)
    step(page, "reference").get_by_role("link", name="Add specialties and departments").click()
    expect(page.get_by_text("No specialties yet.")).to_be_visible()

    page.get_by_role("link", name="Add a specialty").click()
    page.get_by_label(re.compile(r"^\s*Name")).fill("Surgery")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("“Surgery” was added.")).to_be_visible()

    # The same name in other capitals is refused on the field.
    page.get_by_role("link", name="Add a specialty").click()
    page.get_by_label(re.compile(r"^\s*Name")).fill("surgery")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("There is already a specialty named “Surgery”.")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()

    for name in ["Emergency Departmnet", "Old Wing"]:
        page.get_by_role("link", name="Add a department").click()
        page.get_by_label(re.compile(r"^\s*Name")).fill(name)
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text(f"“{name}” was added.")).to_be_visible()

    page.get_by_role("link", name="Rename Emergency Departmnet").click()
    page.get_by_label(re.compile(r"^\s*Name")).fill("Emergency Department")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The name was saved: “Emergency Department”.")).to_be_visible()

    page.get_by_role("link", name="Delete Old Wing").click()
    expect(page.get_by_role("heading", name="Delete Old Wing?")).to_be_visible()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("“Old Wing” was deleted.")).to_be_visible()
    assert list(Department.objects.values_list("name", flat=True)) == ["Emergency Department"]
    assert list(Specialty.objects.values_list("name", flat=True)) == ["Surgery"]

    page.get_by_role("link", name="Intervision").click()
    expect(step(page, "reference")).to_have_attribute("data-done", "true")
    expect(step(page, "reference")).to_contain_text("✓ 1 specialty, 1 department")
    expect(step(page, "residents")).to_have_attribute("aria-current", "step")

    # The next step's example file downloads from the checklist.
    with page.expect_download() as download:
        step(page, "residents").get_by_role("link", name="example file (CSV)").click()
    assert download.value.suggested_filename.endswith(".csv")
