"""From their home page, on a phone: a resident answers two sessions in four taps; an
intervisor records the attendance of yesterday's session."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app.models import Participation, Session
from sessions_app.services.sessions import session_plan

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_resident_answers_two_sessions_from_home_in_four_taps(page, group, rosa, ruben, cora, soon):
    first = session_plan(group=group, start=soon, by=cora)
    second = session_plan(group=group, start=soon + dt.timedelta(weeks=6), by=cora)
    page.set_viewport_size(PHONE)
    log_in(page, rosa.email, None)
    expect(page.get_by_role("heading", name="2 sessions need your answer")).to_be_visible()
    assert _fits(page)

    taps = 0
    page.locator(f"#answer-{first.pk}").get_by_role("button", name="Yes, I will come").click()
    taps += 1
    expect(page.get_by_text("Your answer is recorded: yes.")).to_be_visible()
    expect(page.get_by_role("heading", name="1 session needs your answer")).to_be_visible()

    card = page.locator(f"#answer-{second.pk}")
    card.get_by_text("No, I cannot come").click()
    taps += 1
    card.get_by_role("button", name="Clinical duty").click()
    taps += 1
    expect(page.get_by_text("Your answer is recorded: no.")).to_be_visible()
    expect(page.get_by_text("Nothing waits for your answer.")).to_be_visible()
    assert taps <= 4
    assert _fits(page)

    answers = dict(Participation.objects.filter(resident=rosa.resident)
                   .values_list("session_id", "rsvp"))
    assert answers == {first.pk: "yes", second.pk: "no"}
    assert Participation.objects.get(session=second, resident=rosa.resident).absence_reason == "clinical_duty"
    # Her next session, with her own answer, is on the home page.
    next_session = page.get_by_role("region", name="Your next session")
    expect(next_session.get_by_text("Yes", exact=True)).to_be_visible()


def test_an_intervisor_records_yesterdays_attendance_from_home(page, group, rosa, ruben, ivan, cora):
    yesterday = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=1)
    session = session_plan(group=group, start=yesterday, by=cora)
    page.set_viewport_size(PHONE)
    log_in(page, ivan.email, None)
    recent = page.get_by_role("region", name="Today and the last two weeks")
    recent.get_by_role("link", name="Record attendance").click()
    expect(page.get_by_role("heading", name="Attendance", exact=False)).to_be_visible()
    page.get_by_role("group", name="Attendance of Rosa Resident").get_by_label("Absent").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("is saved.")).to_be_visible()
    session.refresh_from_db()
    assert session.status == Session.Status.HELD
    attendance = dict(Participation.objects.filter(session=session)
                      .values_list("resident__user__first_name", "attendance"))
    assert attendance == {"Rosa": "absent", "Ruben": "absent"}

    # Back home, attendance is done and the note is the next step.
    page.get_by_role("link", name="Intervision").click()
    recent = page.get_by_role("region", name="Today and the last two weeks")
    expect(recent.get_by_role("link", name="Attendance recorded")).to_be_visible()
    expect(recent.get_by_role("link", name="Write a note")).to_be_visible()
    assert _fits(page)
