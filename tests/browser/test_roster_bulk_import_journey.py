"""A coordinator uploads the rostering tool's exports, one .ics per resident named by e-mail,
all at once: the preview matches each file to its resident and counts the overlap it keeps,
the import runs to done, and the coverage page shows what the rosters now cover."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from residents.models import RosterEntry
from tests.factories import ResidentFactory

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def export(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\n{e}\nEND:VEVENT\n" for e in events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//rooster//NL\n{body}END:VCALENDAR\n"


def night(uid: str, day: dt.date) -> str:
    return (f"UID:{uid}\nSUMMARY:Nachtdienst\nDTSTART;TZID=Europe/Amsterdam:{day:%Y%m%d}T220000\n"
            f"DTEND;TZID=Europe/Amsterdam:{day + dt.timedelta(days=1):%Y%m%d}T080000")


def leave(uid: str, first: dt.date, days: int) -> str:
    return (f"UID:{uid}\nSUMMARY:Verlof\nDTSTART;VALUE=DATE:{first:%Y%m%d}\n"
            f"DTEND;VALUE=DATE:{first + dt.timedelta(days=days):%Y%m%d}")


def test_a_coordinator_imports_one_export_per_resident_in_one_upload(page, cora, celery_eager, tmp_path):
    emre = ResidentFactory(user__email="r011.özdemir@hospital.example", user__first_name="Emre",
                           user__last_name="Özdemir")
    eva = ResidentFactory(user__email="r012.jansen@hospital.example", user__first_name="Eva",
                          user__last_name="Jansen")
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    sunday = monday - dt.timedelta(days=1)
    files = {
        # Sunday's night ends on Monday morning, when Emre's leave week begins: both kept.
        "r011.özdemir@hospital.example.ics": export(night("e1", sunday), leave("e2", monday, 7)),
        "R012.Jansen@hospital.example.ics": export(night("j1", monday),
                                                   night("j2", monday + dt.timedelta(days=1))),
    }
    paths = []
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))

    log_in(page, cora.email, None)
    page.goto(f"{page.base}/rosters/import/")
    page.get_by_label("Roster files").set_input_files(paths)
    page.get_by_label("Source").fill("rooster")
    page.get_by_role("button", name="Check files").click()

    matches = page.locator("#import-files")
    expect(matches).to_contain_text("r011.özdemir@hospital.example.ics")
    expect(matches.get_by_role("row").filter(has_text="r011.özdemir")).to_contain_text("Emre Özdemir")
    expect(matches.get_by_role("row").filter(has_text="R012.Jansen")).to_contain_text("Eva Jansen")
    expect(matches).to_contain_text("e-mail in the file name")
    expect(page.locator("#import-overlaps")).to_contain_text("1 overlap kept")
    expect(matches).to_contain_text(
        f"Night shift {sunday:%Y-%m-%d} 22:00–{monday:%Y-%m-%d} 08:00 overlaps leave")
    expect(page.locator("#import-summary")).to_contain_text("4 entries added")

    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator("#import-status")).to_have_text("Done")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    assert RosterEntry.objects.filter(resident=emre).count() == 2
    assert RosterEntry.objects.filter(resident=eva).count() == 2

    page.get_by_role("link", name="Roster coverage").click()
    rows = page.locator("#coverage-table")
    expect(rows.get_by_role("row").filter(has_text="Emre")).to_contain_text(
        f"{sunday:%Y-%m-%d} – {monday + dt.timedelta(days=6):%Y-%m-%d}")
    expect(rows.get_by_role("row").filter(has_text="Eva")).to_contain_text(re.compile("no roster"))
