"""The menu: the coordinator's items grouped in dropdowns, one line from 992 px on in English and
in Dutch, folded behind a button below; the current page marked; the account in a dropdown. After
a form the focus moves to the message that says what happened."""

import datetime as dt

import pytest
from django.conf import settings
from playwright.sync_api import expect

from sessions_app.models import Session
from sessions_app.services.sessions import session_plan

from .conftest import log_in, log_out, menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def _in(page, language):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                               "url": page.base}])


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_coordinators_menu_fits_every_width_from_320_to_1440_px(page, cora, language):
    log_in(page, cora.email, None)
    _in(page, language)
    for width in (320, 390, 768, 991, 992, 1280, 1440):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{page.base}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width
        toggler = page.get_by_role("button", name="Menu")
        if width < 992:
            expect(toggler).to_be_visible()
            toggler.click()
            expect(page.locator("#nav")).to_have_class("navbar-collapse collapse show")  # open, not opening
        else:
            expect(toggler).to_be_hidden()
            # One line: the bar is no taller than the brand with its padding.
            assert page.locator("nav.navbar").bounding_box()["height"] < 70, width
        # The account menu (the person's name) opens inside the screen.
        page.locator("#nav").get_by_role("button", name="Cora").click()
        logout = page.locator("#nav form[action$='logout/'] button")
        expect(logout).to_be_visible()
        box = logout.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, width
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width


def test_the_menu_marks_the_page_you_are_on(page, cora, rosa):
    log_in(page, cora.email, None)
    menu(page, "Residents")
    expect(page.get_by_role("heading", name="Residents")).to_be_visible()
    people = page.get_by_role("button", name="People")
    expect(people).to_have_class("nav-link dropdown-toggle active")
    people.click()
    expect(page.locator("#nav [aria-current=page]")).to_have_text("Residents")
    log_out(page)

    log_in(page, rosa.email, None)
    page.get_by_role("link", name="My sessions").click()
    expect(page.locator("#nav [aria-current=page]")).to_have_text("My sessions")


def test_the_language_is_changed_from_the_account_menu(page, rosa):
    log_in(page, rosa.email, None)
    page.locator("#nav").get_by_role("button", name="Rosa").click()
    page.get_by_role("button", name="Nederlands").click()
    expect(page.get_by_role("link", name="Mijn bijeenkomsten")).to_be_visible()
    page.locator("#nav").get_by_role("button", name="Rosa").click()
    expect(page.get_by_role("button", name="Nederlands")).to_have_attribute("aria-current", "true")


def test_after_answering_and_booking_the_focus_is_on_what_happened(page, group, rosa, ruben, cora, iris,
                                                                   soon):
    session = session_plan(group=group, start=soon, by=cora)
    makeup = Session.objects.create(
        kind=Session.Kind.OPEN, intervisor=iris.intervisor, capacity=3, title="Make-up session",
        start=soon + dt.timedelta(days=2), end=soon + dt.timedelta(days=2, minutes=90))
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, rosa.email, None)

    page.goto(f"{page.base}/sessions/{session.pk}/rsvp/")
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Save answer").click()
    expect(page.locator(":focus")).to_have_attribute("role", "status")
    expect(page.locator(":focus")).to_contain_text("Your answer is recorded: yes.")

    page.goto(f"{page.base}/sessions/open/")
    page.locator(f"#open-session-{makeup.pk}").get_by_role("button", name="Book a seat").click()
    expect(page.locator(":focus")).to_have_attribute("role", "status")
    expect(page.locator(":focus")).to_contain_text("You have a seat in Make-up session.")
