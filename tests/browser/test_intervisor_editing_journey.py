"""The coordinator keeps an intervisor's details up to date: a new exclusion that contradicts a
group they already lead is refused, other changes are saved; an intervisor cannot open the form."""

import re

import pytest
from playwright.sync_api import expect

from residents.models import Intervisor

from .conftest import log_in, menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_edits_an_intervisor_and_is_stopped_by_a_conflict(page, cora, ivan, group, rosa):
    log_in(page, cora.email, None)
    menu(page, "Intervisors")
    page.get_by_role("row").filter(has_text="Ivan Intervisor").get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit Ivan Intervisor")).to_be_visible()

    # Rosa is in the group Ivan leads: he cannot be kept from leading her while he does.
    page.get_by_label(re.compile(r"^\s*Residents they must not lead")).select_option(
        label="Rosa Resident")
    page.get_by_label(re.compile(r"^\s*Accreditation")).fill("LVSB supervisor")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("In Tuesday group: Ivan Intervisor must not lead Rosa Resident.")).to_be_visible()
    intervisor = Intervisor.objects.get(pk=ivan.intervisor.pk)
    assert intervisor.accreditation == ""
    assert not intervisor.must_not_lead_residents.exists()

    page.get_by_label(re.compile(r"^\s*Residents they must not lead")).select_option([])
    page.get_by_label(re.compile(r"^\s*Capacity")).fill("2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Changes to Ivan Intervisor were saved.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Ivan Intervisor")
    expect(row).to_contain_text("LVSB supervisor")
    expect(row).to_contain_text("Tuesday group")
    intervisor.refresh_from_db()
    assert (intervisor.accreditation, intervisor.capacity) == ("LVSB supervisor", 2)


def test_an_intervisor_cannot_edit_intervisors(page, ivan, iris):
    log_in(page, ivan.email, None)
    expect(page.get_by_role("heading", name="Welcome, Ivan")).to_be_visible()
    expect(page.get_by_role("link", name="Intervisors")).to_have_count(0)
    response = page.goto(f"{page.base}/intervisors/{iris.intervisor.pk}/edit/")
    assert response.status == 403
    expect(page.get_by_label(re.compile(r"^\s*Capacity"))).to_have_count(0)
