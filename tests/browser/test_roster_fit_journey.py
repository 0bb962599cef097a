"""A resident looking for a make-up session sees which open sessions fit her own roster: the one
during her rest after nights says so, the one on a free afternoon fits, and she books that one.
Her sessions page says the same of her group's session on a day she is on leave."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from residents.models import RosterEntry
from sessions_app.models import Booking, Session
from sessions_app.services.sessions import session_plan

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_books_the_open_session_that_fits_her_roster(page, iris, rosa, group, cora):
    zone = timezone.get_current_timezone()
    day = timezone.localdate() + dt.timedelta(days=9)
    at = lambda d, hour: dt.datetime.combine(d, dt.time(hour), zone)  # noqa: E731
    after_nights = Session.objects.create(
        kind=Session.Kind.OPEN, intervisor=iris.intervisor, capacity=3, title="Morning make-up",
        start=at(day, 11), end=at(day, 12) + dt.timedelta(minutes=30), location="Room 1")
    other_day = day + dt.timedelta(days=2)
    free = Session.objects.create(
        kind=Session.Kind.OPEN, intervisor=iris.intervisor, capacity=3, title="Friday make-up",
        start=at(other_day, 15), end=at(other_day, 16) + dt.timedelta(minutes=30), location="Room 1")
    RosterEntry.objects.create(resident=rosa.resident, start=at(day, 8) - dt.timedelta(hours=10),
                               end=at(day, 8), kind="night")
    later = day + dt.timedelta(days=14)
    session_plan(group=group, start=at(later, 16), by=cora)
    RosterEntry.objects.create(resident=rosa.resident, start=at(later, 0),
                               end=at(later + dt.timedelta(days=1), 0), kind="leave")

    log_in(page, rosa.email, None)
    page.get_by_role("link", name="Open sessions").click()
    expect(page.locator(f"#open-session-{after_nights.pk} .roster-fit")).to_have_text(
        "Your roster: rest after nights")
    row = page.locator(f"#open-session-{free.pk}")
    expect(row.locator(".roster-fit")).to_have_text("Fits your roster")
    row.get_by_role("button", name="Book a seat").click()
    expect(row.get_by_text("You have a seat", exact=True)).to_be_visible()
    expect(row.locator(".roster-fit")).to_have_text("Fits your roster")
    assert free.participations.get().booking == Booking.BOOKED

    page.get_by_role("link", name="My sessions").click()
    expect(page.locator("#my-sessions")).to_contain_text("Your roster: leave")
