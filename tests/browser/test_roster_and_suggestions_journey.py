"""A coordinator imports a roster (preview, confirm, progress to done), then opens a group's
suggested times, reads why a member cannot come, and plans one in one step."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app.models import Session
from tests.factories import MembershipFactory, ResidentFactory
from tests.helpers import roster_covers

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_imports_a_roster_and_plans_from_a_suggestion(page, cora, rosa, ruben, group,
                                                                    celery_eager, tmp_path):
    # Four members, so three make a session. Next week Rosa works nights Monday to Wednesday;
    # Ruben works days (which give way).
    others = [ResidentFactory(user__first_name=name) for name in ("Mila", "Noor")]
    for resident in others:
        MembershipFactory(group=group, resident=resident)
    today = timezone.localdate()
    # Mila's and Noor's rosters were imported before: free for the coming weeks.
    roster_covers(*others, first=today, last=today + dt.timedelta(weeks=3))
    monday = today + dt.timedelta(days=7 - today.weekday())
    lines = ["email,start,end,kind"]
    for d in range(3):
        day = monday + dt.timedelta(days=d)
        lines.append(f"{rosa.email},{day} 22:00,{day + dt.timedelta(days=1)} 08:00,nacht")
    for d in range(5):
        day = monday + dt.timedelta(days=d)
        lines.append(f"{ruben.email},{day} 08:00,{day} 17:00,dag")
    path = tmp_path / "next-week.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    log_in(page, cora.email, None)
    page.goto(f"{page.base}/rosters/import/")
    page.get_by_label("Roster file").set_input_files(str(path))
    page.get_by_role("button", name="Check file").click()
    expect(page.locator("#import-summary")).to_contain_text("8 entries added")
    expect(page.locator("#import-preview")).to_contain_text(rosa.get_full_name())

    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator("#import-status")).to_have_text("Done")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_text(re.compile(r"Done: 8 entries added"))).to_be_visible()

    page.goto(f"{page.base}/groups/{group.pk}/")
    page.get_by_role("link", name="Suggest times").click()
    expect(page.get_by_role("heading", name=re.compile("Suggested times"))).to_be_visible()
    page.get_by_label("Weeks ahead").fill("2")
    page.get_by_role("button", name="Suggest").click()
    expect(page.locator("#availability-grid")).to_be_visible()
    # Somewhere in the fortnight Rosa is resting after her nights, and Ruben must be released.
    expect(page.locator(".unavailable").filter(has_text="Rosa").first).to_contain_text(
        re.compile("night shift|rest after nights"))
    expect(page.locator(".released").first).to_contain_text("Ruben")

    page.get_by_role("button", name="Plan this session").first.click()
    expect(page.get_by_text(re.compile("A session of Tuesday group is planned on"))).to_be_visible()
    assert Session.objects.filter(group=group).count() == 1
