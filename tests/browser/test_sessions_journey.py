"""The coordinator plans a series for a group (seeing every date first), moves one session and
cancels another after confirming; a resident finds the calendar subscription links."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from sessions_app.models import Session

from .conftest import log_in, log_out, menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AMS = ZoneInfo("Europe/Amsterdam")


def test_the_coordinator_plans_a_series_moves_one_and_cancels_another(page, live_server, settings,
                                                                     group, rosa, cora):
    settings.SITE_URL = live_server.url
    first_date = dt.date.today() + dt.timedelta(days=14)

    log_in(page, cora.email, None)
    menu(page, "Groups", exact=True)
    page.get_by_role("link", name="Tuesday group").click()
    page.get_by_role("link", name="Plan a series").click()

    # The rhythm: Tuesdays 16:00, every 6 weeks, three sessions.
    page.get_by_label("Weekday").select_option("1")
    page.get_by_label("Starts at").fill("16:00")
    page.get_by_label("Every (weeks)").fill("6")
    page.get_by_label("From").fill(first_date.isoformat())
    page.get_by_label("Number of sessions").fill("3")
    page.get_by_role("button", name="Show the dates").click()

    # Every date is shown before anything is planned.
    preview = page.locator("#series-preview")
    boxes = preview.get_by_role("checkbox")
    expect(boxes).to_have_count(3)
    expect(preview.get_by_text("16:00–17:30")).to_have_count(3)
    assert not Session.objects.exists()
    for i in range(3):  # a public holiday would be unticked; plan all three here
        boxes.nth(i).check()
    page.get_by_role("button", name="Plan the ticked dates").click()
    expect(page.get_by_text("3 sessions of Tuesday group are planned.")).to_be_visible()
    sessions = list(Session.objects.order_by("start"))
    assert len(sessions) == 3
    assert {s.start.astimezone(AMS).strftime("%a %H:%M") for s in sessions} == {"Tue 16:00"}
    expect(page.locator("#next-sessions li")).to_have_count(3)

    # Move the first to 17:00, only that one.
    page.locator("#next-sessions a").first.click()
    page.get_by_role("link", name="Reschedule or edit").click()
    page.get_by_label("Starts at").fill("17:00")
    page.get_by_label("Only this session").check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("The session is changed; everyone taking part is told.")).to_be_visible()
    expect(page.locator("#session-facts")).to_contain_text("17:00–18:30")
    moved = Session.objects.get(pk=sessions[0].pk)
    assert moved.start.astimezone(AMS).strftime("%H:%M") == "17:00"
    assert moved.sequence == 1

    # Cancel the second, after confirming.
    page.goto(f"{live_server.url}/groups/{group.pk}/")
    page.locator("#next-sessions a").nth(1).click()
    page.get_by_role("link", name="Cancel session").click()
    expect(page.get_by_role("heading", name="Cancel this session?")).to_be_visible()
    assert Session.objects.get(pk=sessions[1].pk).status == Session.Status.SCHEDULED
    page.get_by_label("Only this session").check()
    page.get_by_role("button", name="Yes, cancel").click()
    expect(page.get_by_text("This session is cancelled.")).to_be_visible()
    assert Session.objects.get(pk=sessions[1].pk).status == Session.Status.CANCELLED
    assert Session.objects.get(pk=sessions[2].pk).status == Session.Status.SCHEDULED

    # The list still shows it, marked cancelled (the menu's own journey is test_menu_journey).
    page.goto(f"{live_server.url}/sessions/")
    expect(page.locator(f"#session-{sessions[1].pk}")).to_contain_text("Cancelled")
    log_out(page)


def test_a_resident_finds_the_webcal_link_on_my_calendar(page, live_server, settings, rosa):
    settings.SITE_URL = live_server.url
    log_in(page, rosa.email, None)
    page.get_by_role("link", name="My calendar").click()
    link = page.get_by_role("link", name="Subscribe in my calendar app")
    expect(link).to_be_visible()
    host = live_server.url.split("://", 1)[1]
    expect(link).to_have_attribute("href", f"webcal://{host}/calendar/{rosa.calendar_token}.ics")
    expect(page.locator("#feed-url")).to_have_value(f"{live_server.url}/calendar/{rosa.calendar_token}.ics")
