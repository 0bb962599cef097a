"""A coordinator on an empty install follows the checklist on her home page to a planned year,
with the files a hospital has (demo/hospital.py writes them: Dutch Excel lists, one calendar
export per resident named by e-mail): residents (their specialties and departments created
with them), intervisors and their absences, groups, all rosters in one upload, then the year
planned for every group. Each step ticks itself off as its data comes in."""

import re

import pytest
from playwright.sync_api import expect

from demo.hospital import hospital_write
from sessions_app.models import IntervisionGroup, Session

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.now("2026-12-01T09:00:00+01:00")]


def _step(page, key):
    return page.locator(f'#setup [data-step="{key}"]')


def _from_home(page, key, link):
    page.goto(f"{page.base}/")
    expect(_step(page, key)).to_have_attribute("aria-current", "step")
    _step(page, key).get_by_role("link", name=link, exact=True).click()


def _import(page, path, *, field=re.compile(r"^\s*CSV file")):
    page.get_by_label(field).first.set_input_files(str(path))
    page.get_by_role("button", name="Check file").click()
    page.get_by_role("button", name="Confirm import").click()


def test_a_coordinator_follows_the_checklist_from_an_empty_install_to_a_planned_year(
        page, cora, tmp_path, celery_eager):
    hospital = hospital_write(tmp_path / "umc", residents=16)
    log_in(page, cora.email, None)
    expect(page.get_by_role("heading", name="Setting up the programme")).to_be_visible()
    expect(page.locator('#setup [data-done="true"]')).to_have_count(0)

    # Residents: the list names specialties and departments the install does not know yet;
    # the preview says they will be created, and they come in with the residents.
    page.goto(f"{page.base}/")
    _step(page, "residents").get_by_role("link", name="Import residents").click()
    page.get_by_label(re.compile(r"^\s*CSV file")).first.set_input_files(str(hospital.residents_csv))
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_text("These specialties will be created:")).to_be_visible()
    page.get_by_role("button", name="Confirm import").click()
    page.goto(f"{page.base}/")
    expect(_step(page, "reference")).to_have_attribute("data-done", "true")
    expect(_step(page, "residents")).to_contain_text("16 residents")

    _from_home(page, "intervisors", "Import intervisors")
    _import(page, hospital.intervisors_csv)
    page.goto(f"{page.base}/")
    _step(page, "intervisors").get_by_role("link", name="Import absences").click()
    _import(page, hospital.absences_csv)

    _from_home(page, "groups", "Import groups")
    _import(page, hospital.groups_csv)

    _from_home(page, "rosters", "Import rosters")
    page.get_by_label("Roster files").set_input_files(sorted(str(p) for p in hospital.rosters.iterdir()))
    page.get_by_role("button", name="Check files").click()
    expect(page.locator("#import-summary")).to_be_visible()
    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator("#import-status")).to_have_text("Done")

    _from_home(page, "sessions", "Plan the year")
    page.get_by_label("From").fill("2027-01-04")
    page.get_by_label("To (included)").fill("2027-12-17")
    page.get_by_role("button", name="Show the plan").click()
    expect(page.locator("#year-plan-summary")).to_contain_text("sessions to plan")
    page.get_by_role("button", name=re.compile(r"^Plan these \d+ sessions and invite the members")).click()
    expect(page.locator("#year-plan-status")).to_have_text("Done")

    # Every step done: the checklist has gone from the home page.
    page.goto(f"{page.base}/")
    expect(page.get_by_role("heading", name="Programme overview")).to_be_visible()
    expect(page.locator("#setup")).to_have_count(0)
    groups = IntervisionGroup.objects.count()
    assert groups == 2 and Session.objects.filter(group__isnull=False).count() >= 8 * groups
