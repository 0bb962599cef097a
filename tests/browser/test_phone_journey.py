"""The pages work on a phone: the menu folds behind a button, and forms fit the screen."""

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_on_a_phone_opens_the_menu_and_reaches_the_groups(page, cora, rosa):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, cora.email, None)
    expect(page.get_by_role("button", name="People")).to_be_hidden()  # folded away on a narrow screen
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Groups", exact=True).click()  # the groups' dropdown
    page.locator("#nav").get_by_role("link", name="Groups", exact=True).click()
    expect(page.get_by_role("heading", name="Groups")).to_be_visible()
    # Nothing sticks out sideways: the page is no wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
