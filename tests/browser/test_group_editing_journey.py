"""Keeping a group up to date: the coordinator changes a group's settings (and cannot shrink it
below its members), narrows the times sessions may be suggested in, and removes a member who
leaves, with the history kept."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app.models import IntervisionGroup, Membership
from tests.factories import MembershipFactory, ResidentFactory

from .conftest import log_in, menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_group(page, name):
    menu(page, "Groups", exact=True)
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def test_a_coordinator_edits_a_group_but_cannot_make_it_smaller_than_its_members(
        page, cora, group, rosa, ruben, iris):
    MembershipFactory(group=group, resident=ResidentFactory(user__first_name="Mila"))
    log_in(page, cora.email, None)
    _open_group(page, "Tuesday group")
    page.get_by_role("link", name="Edit group").click()
    expect(page.get_by_role("heading", name="Edit Tuesday group")).to_be_visible()

    # Three members already: a group of two to two is refused and nothing changes.
    page.get_by_label(re.compile(r"^\s*Minimum size")).fill("2")
    page.get_by_label(re.compile(r"^\s*Maximum size")).fill("2")
    page.get_by_label(re.compile(r"^\s*Location")).fill("Room 5.01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The group already has more than 2 members.")).to_be_visible()
    group.refresh_from_db()
    assert (group.min_size, group.max_size, group.location) == (6, 8, "Room 4.12")

    page.get_by_label(re.compile(r"^\s*Maximum size")).fill("6")
    page.get_by_label(re.compile(r"^\s*Co-intervisor")).select_option(label="Iris Other")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Changes to Tuesday group were saved.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Co-intervisor: Iris Other")
    expect(page.locator("main")).to_contain_text("Room 5.01")
    expect(page.locator("#member-count")).to_have_text("3 / 6")
    group.refresh_from_db()
    assert (group.min_size, group.max_size) == (2, 6)
    assert (group.location, group.co_intervisor) == ("Room 5.01", iris.intervisor)


def test_a_coordinator_narrows_the_times_sessions_may_be_suggested_in(page, cora, group, rosa, ruben):
    log_in(page, cora.email, None)
    _open_group(page, "Tuesday group")
    page.get_by_role("link", name="Suggest times").click()
    expect(page.locator("main")).to_contain_text("16:00–18:00 (Mon Tue Wed Thu Fri )")
    page.get_by_role("link", name="change", exact=True).click()
    expect(page.get_by_role("heading", name="Candidate windows: Tuesday group")).to_be_visible()

    # The weekday default is there to change. Only Thursday's lunch, but ending before it starts.
    first = page.get_by_role("group", name="Window 1")
    expect(first.get_by_label("Mon")).to_be_checked()
    for day in ("Mon", "Tue", "Wed", "Fri"):
        first.get_by_label(day).uncheck()
    first.get_by_label("From").fill("13:30")
    first.get_by_label("Until").fill("12:00")
    page.get_by_role("button", name="Save windows").click()
    expect(first.get_by_text("A window must end after it starts.")).to_be_visible()
    group.refresh_from_db()
    assert group.candidate_windows == [{"weekdays": [0, 1, 2, 3, 4], "start": "16:00", "end": "18:00"}]

    first.get_by_label("From").fill("12:00")
    first.get_by_label("Until").fill("13:30")
    page.get_by_role("button", name="Save windows").click()
    expect(page.get_by_text("The candidate windows of Tuesday group were saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Suggested times: Tuesday group")).to_be_visible()
    expect(page.locator("main")).to_contain_text("12:00–13:30 (Thu )")
    group.refresh_from_db()
    assert group.candidate_windows == [{"weekdays": [3], "start": "12:00", "end": "13:30"}]


def test_a_coordinator_removes_a_member_who_leaves_the_group(page, cora, group, rosa, ruben):
    today = timezone.localdate()
    log_in(page, cora.email, None)
    _open_group(page, "Tuesday group")
    page.locator("#members tr").filter(has_text="Ruben Resident").get_by_role("link", name="Remove").click()
    expect(page.get_by_role("heading", name="Remove Ruben Resident from Tuesday group?")).to_be_visible()

    # Changing one's mind keeps him.
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("#members")).to_contain_text("Ruben Resident")

    page.locator("#members tr").filter(has_text="Ruben Resident").get_by_role("link", name="Remove").click()
    # A leaving date before he joined is refused.
    page.get_by_label(re.compile(r"^\s*Leaves on")).fill("2024-12-01")
    page.get_by_role("button", name="Remove from group").click()
    expect(page.get_by_text("The leaving date must be after the joining date.")).to_be_visible()
    assert Membership.objects.get(resident=ruben.resident).end_date is None

    page.get_by_label(re.compile(r"^\s*Leaves on")).fill(today.isoformat())
    page.get_by_role("button", name="Remove from group").click()
    expect(page.get_by_text("Ruben Resident leaves Tuesday group.")).to_be_visible()
    expect(page.locator("#members")).not_to_contain_text("Ruben")
    expect(page.locator("#member-count")).to_have_text(re.compile(r"^1 / "))
    # The history is kept.
    expect(page.get_by_role("heading", name="Former and future members")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Ruben Resident: ")
    assert Membership.objects.get(resident=ruben.resident).end_date == today
    assert IntervisionGroup.objects.get(pk=group.pk).memberships.count() == 2
