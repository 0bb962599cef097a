"""Open sessions: the coordinator plans one with two seats, residents of any group book until it
is full, the next one joins the waitlist, and a booked resident finds it among their sessions."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app.models import Participation, Session

from .conftest import log_in, log_out, menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _plan_open_session(page, day: dt.date) -> Session:
    menu(page, "Sessions", exact=True)
    page.get_by_role("link", name="New open session").click()
    page.get_by_label(re.compile(r"^\s*Title")).fill("Make-up session")
    page.get_by_label(re.compile(r"^\s*Intervisor")).select_option(label="Iris Other")
    page.get_by_label(re.compile(r"^\s*Date")).fill(day.isoformat())
    page.get_by_label(re.compile(r"^\s*Starts at")).fill("15:00")
    page.get_by_label(re.compile(r"^\s*Seats")).fill("2")
    page.get_by_role("button", name="Plan open session").click()
    # Without a place it is refused and nothing is planned.
    expect(page.get_by_text("Say where it takes place: a room or a video link.")).to_be_visible()
    assert not Session.objects.exists()
    page.get_by_label(re.compile(r"^\s*Location")).fill("Room 2.04")
    page.get_by_role("button", name="Plan open session").click()
    expect(page.get_by_text("The open session on")).to_be_visible()
    return Session.objects.get()


def _book(page, session: Session):
    page.get_by_role("link", name="Open sessions").click()
    row = page.locator(f"#open-session-{session.pk}")
    row.get_by_role("button").click()
    return row


def _log_out(page):
    log_out(page)


def test_residents_book_an_open_session_until_it_is_full(page, cora, iris, rosa, ruben, otto):
    day = timezone.localdate() + dt.timedelta(days=10)
    log_in(page, cora.email, None)
    session = _plan_open_session(page, day)
    assert session.kind == Session.Kind.OPEN and session.capacity == 2
    _log_out(page)

    log_in(page, rosa.email, None)
    page.get_by_role("link", name="Open sessions").click()
    row = page.locator(f"#open-session-{session.pk}")
    expect(row).to_contain_text("Make-up session")
    expect(row).to_contain_text("Iris Other")
    expect(row).to_contain_text("15:00–16:30 · Room 2.04")
    expect(row).to_contain_text("Free seats: 2 of 2")
    row.get_by_role("button", name="Book a seat").click()
    expect(row.get_by_text("You have a seat in Make-up session.")).to_be_visible()
    expect(row).to_contain_text("Free seats: 1 of 2")
    expect(row.get_by_text("You have a seat", exact=True)).to_be_visible()
    _log_out(page)

    # Otto leads a different life in another group; open sessions are for everyone.
    log_in(page, otto.email, None)
    row = _book(page, session)
    expect(row.get_by_text("You have a seat in Make-up session.")).to_be_visible()
    expect(row).to_contain_text("Free seats: 0 of 2")
    _log_out(page)

    log_in(page, ruben.email, None)
    page.get_by_role("link", name="Open sessions").click()
    row = page.locator(f"#open-session-{session.pk}")
    row.get_by_role("button", name="Join the waitlist").click()
    expect(row.get_by_text("Full — you are on the waitlist at position 1.")).to_be_visible()
    expect(row.get_by_text("On the waitlist at position 1", exact=True)).to_be_visible()

    booked = set(Participation.objects.filter(session=session, booking="booked")
                 .values_list("resident__user__email", flat=True))
    assert booked == {rosa.email, otto.email}


def test_a_resident_finds_a_booked_open_session_under_my_sessions(page, cora, iris, rosa):
    day = timezone.localdate() + dt.timedelta(days=10)
    log_in(page, cora.email, None)
    session = _plan_open_session(page, day)
    _log_out(page)

    log_in(page, rosa.email, None)
    row = _book(page, session)
    expect(row.get_by_text("You have a seat in Make-up session.")).to_be_visible()
    page.get_by_role("link", name="My sessions").click()
    expect(page.locator("#my-sessions")).to_contain_text("Make-up session", timeout=2_000)
