"""A resident whose calendar address got out resets it: the page shows a new address, the new
one works in a calendar app and the old one answers 404."""

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_resets_their_calendar_address(page, live_server, settings, rosa):
    settings.SITE_URL = live_server.url
    log_in(page, rosa.email, None)
    page.get_by_role("link", name="My calendar").click()
    feed = page.locator("#feed-url")
    old_url = feed.input_value()
    assert old_url == f"{live_server.url}/calendar/{rosa.calendar_token}.ics"
    assert page.request.get(old_url).status == 200

    # Changing one's mind on the confirmation page keeps the address.
    page.get_by_role("link", name="Reset the address").click()
    expect(page.get_by_role("heading", name="Reset your calendar address?")).to_be_visible()
    page.get_by_role("link", name="No, keep it").click()
    expect(feed).to_have_value(old_url)

    page.get_by_role("link", name="Reset the address").click()
    page.get_by_role("button", name="Yes, give me a new address").click()
    expect(page.get_by_text("Your calendar has a new address.")).to_be_visible()
    expect(feed).not_to_have_value(old_url)
    new_url = feed.input_value()
    assert new_url.startswith(f"{live_server.url}/calendar/") and new_url.endswith(".ics")
    host = live_server.url.split("://", 1)[1]
    expect(page.get_by_role("link", name="Subscribe in my calendar app")).to_have_attribute(
        "href", "webcal://" + host + new_url.split(host, 1)[1])

    # The calendar app with the old address gets nothing any more; the new one works.
    assert page.request.get(old_url).status == 404
    answer = page.request.get(new_url)
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    assert answer.text().startswith("BEGIN:VCALENDAR")
