"""Rosters and absences: the coordinator reads the workload table, a resident reads their own
roster by week and by month, and absences of intervisors are entered and removed."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from residents.models import IntervisorAbsence, RosterEntry
from sessions_app.models import Participation, Session

from .conftest import log_in, menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AMS = ZoneInfo("Europe/Amsterdam")


def _night(resident, day: dt.date) -> RosterEntry:
    # 22:00 local for ten real hours, so a daylight-saving change cannot alter the sum.
    start = dt.datetime.combine(day, dt.time(22), AMS)
    return RosterEntry.objects.create(resident=resident, start=start, end=start + dt.timedelta(hours=10),
                                      kind=RosterEntry.Kind.NIGHT)


def _cell(page, day: dt.date):
    # The day's cell starts with its date ("3 Jun"); anchored so "13 Jun" does not match too.
    return page.locator("#roster td").filter(has_text=re.compile(rf"^\s*{day.day} {day:%b}\b"))


def test_the_coordinator_sees_the_nights_of_a_resident_in_the_workload_table(page, cora, rosa, ruben, otto):
    today = timezone.localdate()
    # A series of three nights ending two days ago, and one three weeks ago.
    for days_ago in (5, 4, 3, 20):
        _night(ruben.resident, today - dt.timedelta(days=days_ago))

    log_in(page, cora.email, None)
    menu(page, "Workload")
    expect(page.get_by_role("heading", name="Workload")).to_be_visible()
    rows = page.locator("#workload tbody tr")
    expect(rows).to_have_count(3)
    ruben_row = rows.filter(has_text="Ruben Resident")
    expect(ruben_row).to_contain_text("Tuesday group")
    cells = ruben_row.locator("td").all_inner_texts()
    # Name, group, 8 weeks of hours, weeks > 48 h, nights in 7 days, nights in 28 days, rest.
    assert len(cells) == 14
    assert sum(int(h) for h in cells[2:10]) == 40
    assert cells[10:13] == ["0", "3", "4"]
    rosa_cells = rows.filter(has_text="Rosa Resident").locator("td").all_inner_texts()
    assert rosa_cells[10:13] == ["0", "0", "0"]

    # One group only: Otto (Thursday group) drops out and the group column goes.
    page.get_by_label("Group").select_option(label="Tuesday group")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Workload: Tuesday group")).to_be_visible()
    expect(rows).to_have_count(2)
    expect(page.locator("#workload")).not_to_contain_text("Otto")

    # The name leads to that resident's roster.
    page.get_by_role("link", name="Ruben Resident").click()
    expect(page.get_by_role("heading", name="Roster of Ruben Resident")).to_be_visible()
    expect(page.locator("#roster-workload")).to_contain_text("3 / 4")


def test_a_resident_sees_their_night_and_their_group_session_by_week_and_month(page, group, rosa, ruben):
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    tuesday, wednesday, thursday = (monday + dt.timedelta(days=n) for n in (1, 2, 3))
    _night(rosa.resident, wednesday)
    _night(ruben.resident, tuesday)  # someone else's night is not on her roster
    start = dt.datetime.combine(tuesday, dt.time(16), AMS)
    session = Session.objects.create(group=group, intervisor=group.intervisor, start=start,
                                     end=start + dt.timedelta(minutes=90))
    Participation.objects.create(session=session, resident=rosa.resident)

    log_in(page, rosa.email, None)
    page.get_by_role("link", name="My roster").click()
    expect(page.get_by_role("heading", name="Roster of Rosa Resident")).to_be_visible()
    expect(page.locator("#roster-period")).to_contain_text(f"Week {monday.isocalendar().week}:")
    expect(page.locator("#roster tbody tr")).to_have_count(1)
    expect(_cell(page, wednesday)).to_contain_text("Night shift")
    expect(_cell(page, wednesday)).to_contain_text("22:00–08:00")
    expect(_cell(page, thursday)).to_contain_text("…08:00")
    expect(_cell(page, tuesday)).to_contain_text("Tuesday group")
    expect(_cell(page, tuesday)).to_contain_text("16:00–17:30")
    expect(_cell(page, tuesday)).not_to_contain_text("Night shift")

    page.get_by_role("link", name="Month").click()
    expect(page.locator("#roster-period")).to_have_text(f"{today:%B %Y}")
    expect(page.locator("#roster tbody tr")).not_to_have_count(1)
    expect(_cell(page, wednesday)).to_contain_text("Night shift")
    expect(_cell(page, tuesday)).to_contain_text("Tuesday group")

    # The week after holds neither.
    page.get_by_role("link", name="Week").click()
    page.get_by_role("link", name="Later →").click()
    expect(page.locator("#roster")).not_to_contain_text("Night shift")
    expect(page.locator("#roster")).not_to_contain_text("Tuesday group")


def _local_input(day: dt.date, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:00"


def test_a_coordinator_enters_and_removes_an_absence_of_an_intervisor(page, cora, ivan):
    away = timezone.localdate() + dt.timedelta(days=14)
    log_in(page, cora.email, None)
    page.goto(f"{page.base}/intervisors/{ivan.intervisor.pk}/absences/")
    expect(page.get_by_role("heading", name="Absences of Ivan Intervisor")).to_be_visible()
    expect(page.get_by_text("No absences entered.")).to_be_visible()

    page.get_by_label(re.compile(r"^\s*From")).fill(_local_input(away, 9))
    page.get_by_label(re.compile(r"^\s*Until")).fill(_local_input(away + dt.timedelta(days=2), 17))
    page.get_by_label(re.compile(r"^\s*Reason")).fill("Holiday")
    page.get_by_role("button", name="Save absence").click()
    expect(page.get_by_text("The absence was saved.")).to_be_visible()
    row = page.locator("#absences tbody tr").filter(has_text="Holiday")
    expect(row).to_contain_text(f"{away:%a} {away.day} {away:%b %Y}, 09:00")  # DATETIME_FORMAT
    absence = IntervisorAbsence.objects.get(intervisor=ivan.intervisor)
    assert absence.start == dt.datetime.combine(away, dt.time(9), AMS)

    # Removing asks first; saying no keeps it.
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name="Remove").click()
    expect(row).to_be_visible()
    assert IntervisorAbsence.objects.filter(pk=absence.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("The absence was removed.")).to_be_visible()
    expect(page.get_by_text("No absences entered.")).to_be_visible()
    assert not IntervisorAbsence.objects.exists()


def test_a_coordinator_finds_an_intervisors_absences_from_the_intervisor_list(page, cora, ivan):
    log_in(page, cora.email, None)
    menu(page, "Intervisors")
    row = page.get_by_role("row").filter(has_text="Ivan Intervisor")
    row.get_by_role("link", name="Absences").click(timeout=2_000)
    expect(page.get_by_role("heading", name="Absences of Ivan Intervisor")).to_be_visible()


def test_an_intervisor_enters_their_own_absence(page, iris, ivan):
    away = timezone.localdate() + dt.timedelta(days=30)
    log_in(page, iris.email, None)
    page.get_by_role("link", name="My absences").click()
    expect(page.get_by_role("heading", name="Absences of Iris Other")).to_be_visible()

    # An absence that ends before it starts is refused, and nothing is saved.
    page.get_by_label(re.compile(r"^\s*From")).fill(_local_input(away, 13))
    page.get_by_label(re.compile(r"^\s*Until")).fill(_local_input(away, 9))
    page.get_by_role("button", name="Save absence").click()
    expect(page.get_by_text("The absence must end after it starts.")).to_be_visible()
    assert not IntervisorAbsence.objects.exists()

    page.get_by_label(re.compile(r"^\s*Until")).fill(_local_input(away, 17))
    page.get_by_role("button", name="Save absence").click()
    expect(page.get_by_text("The absence was saved.")).to_be_visible()
    expect(page.locator("#absences tbody tr")).to_have_count(1)
    assert IntervisorAbsence.objects.get().intervisor == iris.intervisor
