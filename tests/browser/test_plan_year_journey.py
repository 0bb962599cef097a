"""A coordinator plans a year of one group's sessions: from the groups list to the plan of all
groups, then from the group's page to its suggestions for a window of dates (below the minimum)
and to its own plan; she reads the window below the minimum and
who cannot come, confirms, and a worker plans the sessions with the members invited while the
page follows it."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from residents.models import RosterEntry
from sessions_app.models import Notification, NotificationKind, Session
from tests.factories import MembershipFactory, ResidentFactory
from tests.helpers import AMS, roster_covers

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_plans_a_year_for_one_group(page, cora, rosa, ruben, group, celery_eager):
    # Four members, three make a session; Rosa and Ruben are on leave for the whole second
    # six-week window (14 April – 25 May 2026).
    for name in ("Mila", "Noor"):
        MembershipFactory(group=group, resident=ResidentFactory(user__first_name=name, user__last_name="Lid"))
    for person in (rosa, ruben):
        RosterEntry.objects.create(resident=person.resident, start=dt.datetime(2026, 4, 14, tzinfo=AMS),
                                   end=dt.datetime(2026, 5, 26, tzinfo=AMS), kind="leave")
    # Their rosters were imported for the coming year: known, free where no entry says not.
    roster_covers(*(m.resident for m in group.memberships.all()), first=dt.date(2026, 1, 1),
                  last=dt.date(2027, 12, 31))

    log_in(page, cora.email, None)
    page.goto(f"{page.base}/groups/")
    page.get_by_role("link", name="Plan the year").click()
    expect(page.get_by_role("heading", name="Plan the year: all active groups")).to_be_visible()

    # First a look at the suggestions for a window in the leave: nothing reaches three of
    # four, so the best times are shown below the minimum, with who cannot come.
    page.goto(f"{page.base}/groups/{group.pk}/")
    page.get_by_role("link", name="Suggest times").click()
    page.get_by_label("From").fill("2026-05-04")
    page.get_by_label("To (included)").fill("2026-05-08")
    page.get_by_role("button", name="Suggest").click()
    expect(page.locator("#suggestion-window")).to_have_text("Times from Mon 4 May 2026 to Fri 8 May 2026.")
    expect(page.locator("#below-minimum")).to_contain_text("No time reaches the minimum of 3 of 4 members.")
    expect(page.locator(".unavailable").first).to_contain_text("Rosa Resident (leave)")
    page.screenshot(path="/tmp/suggest-window.png", full_page=True)

    page.goto(f"{page.base}/groups/{group.pk}/")
    page.get_by_role("link", name="Plan the year").click()
    expect(page.get_by_role("heading", name="Plan the year: Tuesday group")).to_be_visible()
    page.get_by_label("From").fill("2026-03-03")
    page.get_by_label("To (included)").fill("2027-03-02")
    page.get_by_role("button", name="Show the plan").click()

    # Every 6 weeks over a year: nine windows, all of them with a time.
    expect(page.locator("#year-plan-summary")).to_contain_text("9 sessions to plan")
    expect(page.locator(".year-plan-window")).to_have_count(9)
    below = page.locator(".year-plan-window.table-warning")
    expect(below).to_have_count(1)
    expect(below).to_contain_text("below the minimum of 3")
    expect(below).to_contain_text("Rosa Resident (leave); Ruben Resident (leave)")
    page.screenshot(path="/tmp/plan-year.png", full_page=True)

    # A worker plans them; the page follows its progress to the end.
    page.get_by_role("button", name="Plan these 9 sessions and invite the members").click()
    expect(page.locator("#year-plan-status")).to_have_text("Done")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_text("9 sessions are planned; the members are invited.")).to_be_visible()
    page.get_by_role("link", name="Tuesday group").last.click()
    expect(page).to_have_url(re.compile(rf"/groups/{group.pk}/$"))
    assert Session.objects.filter(group=group).count() == 9
    assert Notification.objects.filter(kind=NotificationKind.RSVP_REQUEST).count() == 9 * 4
