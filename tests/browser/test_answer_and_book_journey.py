"""A resident answers "no, clinical duty" from the link in an e-mail, then logs in and books a
seat in an open make-up session; a second resident finds it full and joins the waitlist."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from sessions_app.answer_links import answer_url
from sessions_app.models import Participation, Session
from sessions_app.services.sessions import session_plan

from .conftest import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_answers_no_from_the_email_link_then_books_a_make_up_session(
    page, live_server, settings, group, rosa, ruben, iris, cora, soon
):
    settings.SITE_URL = live_server.url
    session = session_plan(group=group, start=soon, by=cora)
    makeup = Session.objects.create(
        kind=Session.Kind.OPEN, intervisor=iris.intervisor, capacity=1, title="Make-up session",
        start=soon + dt.timedelta(days=2), end=soon + dt.timedelta(days=2, minutes=90), location="Room 1.01",
    )
    rosas = Participation.objects.get(session=session, resident=rosa.resident)

    # From the e-mail: the link opens a confirmation page, without logging in.
    page.goto(answer_url(participation=rosas, answer="no"))
    expect(page.get_by_role("heading", name="Answer “no” to Tuesday group?")).to_be_visible()
    rosas.refresh_from_db()
    assert rosas.rsvp == ""  # opening the link answered nothing
    page.get_by_label("Clinical duty").check()
    page.get_by_role("button", name="Confirm “no”").click()
    expect(page.get_by_text("Your answer “no” for Tuesday group is recorded.")).to_be_visible()
    rosas.refresh_from_db()
    assert (rosas.rsvp, rosas.absence_reason) == ("no", "clinical_duty")

    # Logged in: the make-up session has one seat; she takes it.
    log_in(page, rosa.email, None)
    page.get_by_role("link", name="My sessions").click()
    expect(page.locator("#my-sessions").get_by_text("No", exact=True)).to_be_visible()
    page.get_by_role("link", name="Open sessions").click()
    row = page.locator(f"#open-session-{makeup.pk}")
    expect(row.get_by_text("Free seats: 1 of 1")).to_be_visible()
    row.get_by_role("button", name="Book a seat").click()
    row = page.locator(f"#open-session-{makeup.pk}")
    expect(row.get_by_text("You have a seat in Make-up session.")).to_be_visible()
    expect(row.get_by_text("Free seats: 0 of 1")).to_be_visible()
    page.reload()
    row = page.locator(f"#open-session-{makeup.pk}")
    expect(row.get_by_text("You have a seat", exact=True)).to_be_visible()
    log_out(page)

    # Ruben finds it full: the partial update answers 409 and the row says his place.
    log_in(page, ruben.email, None)
    page.get_by_role("link", name="Open sessions").click()
    row = page.locator(f"#open-session-{makeup.pk}")
    row.get_by_role("button", name="Join the waitlist").click()
    expect(row.get_by_text("Full — you are on the waitlist at position 1.")).to_be_visible()
    rubens = Participation.objects.get(session=makeup, resident=ruben.resident)
    assert (rubens.booking, rubens.waitlist_position) == ("waitlisted", 1)


def test_a_tampered_link_shows_a_clear_refusal(page, live_server, settings, group, rosa, cora, soon):
    settings.SITE_URL = live_server.url
    session = session_plan(group=group, start=soon, by=cora)
    rosas = Participation.objects.get(session=session, resident=rosa.resident)
    url = answer_url(participation=rosas, answer="yes")
    response = page.goto(url[:-6] + "xxxxx/")
    assert response.status == 400
    expect(page.get_by_role("heading", name="This link cannot be used")).to_be_visible()


def test_the_link_of_a_cancelled_session_says_so_and_asks_nothing(page, live_server, settings, group, rosa,
                                                                  cora, soon):
    from sessions_app.services.sessions import session_set_status

    settings.SITE_URL = live_server.url
    session = session_plan(group=group, start=soon, by=cora)
    rosas = Participation.objects.get(session=session, resident=rosa.resident)
    url = answer_url(participation=rosas, answer="no")
    session_set_status(session=session, status=Session.Status.CANCELLED, by=cora)

    response = page.goto(url)
    assert response.status == 410
    expect(page.get_by_role("heading", name="This session was cancelled")).to_be_visible()
    expect(page.get_by_text("There is nothing to answer: the session does not take place.")).to_be_visible()
    expect(page.get_by_text("Why can you not come?")).to_have_count(0)
    expect(page.get_by_role("button", name="Confirm “no”")).to_have_count(0)
    rosas.refresh_from_db()
    assert rosas.rsvp == ""
