"""A resident collects an attendance statement for their portfolio: the sessions they attended in a
period with the total, on the page and as a PDF."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app.models import Participation, Session

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AMS = ZoneInfo("Europe/Amsterdam")


def _held(group, resident, day: dt.date, *, attendance: str, left_early: bool = False) -> Session:
    start = dt.datetime.combine(day, dt.time(16), AMS)
    session = Session.objects.create(group=group, intervisor=group.intervisor, start=start,
                                     end=start + dt.timedelta(minutes=90), status=Session.Status.HELD)
    Participation.objects.create(session=session, resident=resident, rsvp="yes", attendance=attendance,
                                 left_early=left_early, attendance_recorded_at=start)
    return session


def test_a_resident_sees_and_downloads_their_attendance_statement(page, group, other_group, rosa, otto):
    today = timezone.localdate()
    first, second = today - dt.timedelta(days=12), today - dt.timedelta(days=5)
    _held(group, rosa.resident, first, attendance="present")
    _held(group, rosa.resident, second, attendance="present", left_early=True)
    _held(group, rosa.resident, today - dt.timedelta(days=19), attendance="absent")
    _held(other_group, otto.resident, second, attendance="present")

    log_in(page, rosa.email, None)
    page.get_by_role("link", name="My attendance").click()
    expect(page.get_by_role("heading", name="My attendance")).to_be_visible()

    # The last four weeks, as custom dates (so the test does not depend on the academic year).
    page.get_by_label(re.compile(r"^\s*Academic year")).select_option(label="Custom dates")
    page.get_by_label(re.compile(r"^\s*From")).fill((today - dt.timedelta(days=28)).isoformat())
    page.get_by_label(re.compile(r"^\s*To")).fill(today.isoformat())
    page.get_by_role("button", name="Show").click()

    expect(page.get_by_role("heading", name="Attendance statement — intervision")).to_be_visible()
    rows = page.locator("#statement tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(f"{first:%a} {first.day} {first:%b %Y}")  # DATE_FORMAT
    expect(rows.nth(0)).to_contain_text("16:00–17:30")
    expect(rows.nth(0)).to_contain_text("Tuesday group")
    expect(rows.nth(1)).to_contain_text("left early for clinical duty")
    expect(page.locator("#statement-total")).to_contain_text("2 sessions attended · 180 minutes in all")
    expect(page.locator("main")).not_to_contain_text("Thursday group")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    start, end = today - dt.timedelta(days=28), today
    assert download.suggested_filename == f"attendance-{start:%Y%m%d}-{end:%Y%m%d}.pdf"
    assert download.path().read_bytes().startswith(b"%PDF")
