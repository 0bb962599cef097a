"""A coordinator creates a group, adds members and is stopped at the group's maximum."""

import re

import pytest
from playwright.sync_api import expect

from sessions_app.models import IntervisionGroup
from tests.factories import IntervisorFactory, ResidentFactory

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _option(resident):
    return (f"{resident.user.get_full_name()} — {resident.specialty}, {resident.department}, "
            f"year {resident.training_year}")


def test_a_coordinator_composes_a_group_and_sees_the_refusal_at_the_maximum(page, cora):
    leader = IntervisorFactory(user__first_name="Ilse", user__last_name="Bakker")
    residents = [ResidentFactory(user__first_name=name, user__last_name="Arts")
                 for name in ["Anna", "Bram", "Chloé"]]

    log_in(page, cora.email, None)
    expect(page.get_by_role("heading", name="Programme overview")).to_be_visible()

    page.get_by_role("link", name="New group").first.click()
    page.get_by_label("Name").fill("Wednesday group")
    page.get_by_label(re.compile(r"^\s*Intervisor")).select_option(label="Ilse Bakker")
    page.get_by_label("Minimum size").fill("2")
    page.get_by_label("Maximum size").fill("2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Wednesday group was created")).to_be_visible()

    for resident in residents[:2]:
        page.get_by_label("Resident").select_option(label=_option(resident))
        page.get_by_role("button", name="Add member").click()
        expect(page.get_by_text(f"{resident.user.get_full_name()} joined Wednesday group")).to_be_visible()
    expect(page.locator("#member-count")).to_have_text("2 / 2")

    # The third is one too many. The inline form lists only residents without a group, so the
    # coordinator picks her on the add-member page.
    page.goto(page.url.rstrip("/") + "/members/add/")
    page.get_by_label("Resident").select_option(label=_option(residents[2]))
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_text(re.compile("Wednesday group is full"))).to_be_visible()

    group = IntervisionGroup.objects.get(name="Wednesday group")
    assert group.intervisor == leader
    assert group.memberships.count() == 2
