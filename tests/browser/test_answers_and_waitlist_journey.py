"""Answering and giving up a seat: a resident answers a session on its own page (a "no" needs a
reason), the group's intervisor reads the answers while another intervisor cannot, and a resident
gives up a seat in an open session so the first on the waitlist gets it."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from sessions_app.models import Participation, Session
from sessions_app.services.participation import participation_book
from sessions_app.services.sessions import session_plan

from .conftest import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_answers_no_with_a_reason_and_the_intervisor_reads_the_answers(
        page, cora, ivan, iris, rosa, ruben, group, soon):
    session = session_plan(group=group, start=soon, by=cora)

    log_in(page, rosa.email, None)
    page.get_by_role("link", name="My sessions").click()
    mine = page.locator("#my-sessions li").filter(has_text="Tuesday group")
    expect(mine).to_contain_text("Not answered")
    mine.get_by_role("link", name="Answer").click()
    expect(page.get_by_role("heading", name="Tuesday group")).to_be_visible()

    # "No" without saying why is refused.
    page.get_by_role("radio", name="No", exact=True).check()
    page.get_by_role("button", name="Save answer").click()
    expect(page.get_by_text("Tell us why you cannot come.")).to_be_visible()
    assert Participation.objects.get(session=session, resident=rosa.resident).rsvp == ""

    page.get_by_role("radio", name="No", exact=True).check()
    page.get_by_role("radio", name="Leave").check()
    page.get_by_role("button", name="Save answer").click()
    expect(page.get_by_text("Your answer is recorded: no.")).to_be_visible()
    expect(page.locator(f"#rsvp-{session.pk}")).to_contain_text("You answered: No (Leave)")
    page.get_by_role("link", name="All my sessions").click()
    expect(mine.get_by_text("No", exact=True)).to_be_visible()
    expect(mine.get_by_role("link", name="Change answer")).to_be_visible()
    log_out(page)

    # Ivan leads the group: from his home page to the session, then its answers.
    log_in(page, ivan.email, None)
    page.locator(".next-sessions a").first.click()
    page.get_by_role("link", name="Answers").first.click()
    expect(page.get_by_role("heading", name="Answers: Tuesday group")).to_be_visible()
    counts = page.locator("#answer-counts")
    expect(counts).to_contain_text("Yes: 0")
    expect(counts).to_contain_text("No: 1")
    expect(counts).to_contain_text("Not answered: 1")
    expect(counts).to_contain_text("of 2 invited")
    expect(page.get_by_text("Reasons for not coming: Leave 1")).to_be_visible()
    rosas = page.locator("#answers tr").filter(has_text="Rosa Resident")
    expect(rosas).to_contain_text("No")
    expect(rosas).to_contain_text("Leave")
    expect(page.locator("#answers tr").filter(has_text="Ruben Resident")).to_contain_text("Not answered")
    answers_url = page.url
    log_out(page)

    # Iris leads another group: the answers of this one are not hers to see.
    log_in(page, iris.email, None)
    expect(page.get_by_role("heading", name="Welcome, Iris")).to_be_visible()
    response = page.goto(answers_url)
    assert response.status == 404
    expect(page.get_by_text("Rosa Resident")).to_have_count(0)


def test_a_resident_gives_up_a_seat_and_the_first_on_the_waitlist_gets_it(page, iris, rosa, ruben, soon):
    session = Session.objects.create(kind=Session.Kind.OPEN, intervisor=iris.intervisor, capacity=1,
                                     title="Make-up session", location="Room 1.01",
                                     start=soon, end=soon + dt.timedelta(minutes=90))
    participation_book(session=session, resident=rosa.resident)
    participation_book(session=session, resident=ruben.resident)  # the waitlist

    log_in(page, rosa.email, None)
    page.get_by_role("link", name="Open sessions").click()
    row = page.locator(f"#open-session-{session.pk}")
    expect(row.get_by_text("You have a seat", exact=True)).to_be_visible()
    expect(row).to_contain_text("waiting: 1")
    row.get_by_role("link", name="Cancel booking").click()
    expect(page.get_by_role("heading", name="Give up your seat in Make-up session?")).to_be_visible()
    expect(page.get_by_text("Your seat goes to the first person on the waitlist.")).to_be_visible()

    # Keeping it changes nothing.
    page.get_by_role("link", name="Keep it").click()
    expect(row.get_by_text("You have a seat", exact=True)).to_be_visible()
    assert Participation.objects.get(session=session, resident=rosa.resident).booking == "booked"

    row.get_by_role("link", name="Cancel booking").click()
    page.get_by_role("button", name="Give up my seat").click()
    expect(page.get_by_text("Your booking for Make-up session is cancelled.")).to_be_visible()
    expect(row).to_contain_text("Free seats: 0 of 1")
    expect(row.get_by_role("button", name="Join the waitlist")).to_be_visible()
    log_out(page)

    # Ruben moved up from the waitlist to the seat.
    log_in(page, ruben.email, None)
    page.get_by_role("link", name="Open sessions").click()
    expect(row.get_by_text("You have a seat", exact=True)).to_be_visible()
    assert Participation.objects.get(session=session, resident=ruben.resident).booking == "booked"
    # And he finds it among his sessions.
    page.get_by_role("link", name="My sessions").click()
    expect(page.locator("#my-sessions")).to_contain_text(re.compile("Make-up session.*Seat booked", re.S))
