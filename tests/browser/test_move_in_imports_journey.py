"""A coordinator moves a programme's intervisors, their absences and the groups in from the
files the hospital has: each import is uploaded, previewed (nothing saved yet) and confirmed;
a group file that breaks a rule is refused line by line first."""

import re

import openpyxl
import pytest
from playwright.sync_api import expect

from residents.models import Intervisor, IntervisorAbsence
from sessions_app.models import IntervisionGroup
from tests.factories import ResidentFactory

from .conftest import log_in, menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_imports_intervisors_absences_and_groups(page, tmp_path, cora, celery_eager):
    for name in ("anna", "bas", "cas"):
        ResidentFactory(user__email=f"{name}@hospital.example", user__first_name=name.title())
    ResidentFactory(user__email="dirk@hospital.example", user__first_name="Dirk").supervisors.add(
        ResidentFactory(user__email="eva@hospital.example", user__first_name="Eva").user)
    log_in(page, cora.email, None)

    # Intervisors, from an Excel workbook with Dutch headers.
    menu(page, "Intervisors")
    page.get_by_role("link", name="Import intervisors").click()
    expect(page.get_by_role("heading", name="Import intervisors")).to_be_visible()
    book = openpyxl.Workbook()
    book.active.append(["E-mail", "Voornaam", "Achternaam", "Capaciteit"])
    book.active.append(["marieke.smit@hospital.example", "Marieke", "Smit", 2])
    book.active.append(["ivo.özdemir@hospital.example", "Ivo", "Özdemir", 1])
    workbook = tmp_path / "intervisoren.xlsx"
    book.save(workbook)
    page.get_by_label(re.compile(r"^\s*CSV file or Excel workbook")).set_input_files(str(workbook))
    page.get_by_role("button", name="Check file").click()
    expect(page.locator("#import-summary")).to_have_text("2 created, 0 updated, 0 unchanged")
    expect(page.locator("#import-source")).to_contain_text("Excel workbook")
    expect(page.locator("#import-rows tbody tr")).to_have_count(2)
    assert not Intervisor.objects.exists()
    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_text("Intervisors imported: 2 created, 0 updated, 0 unchanged.")).to_be_visible()
    expect(page.get_by_text("ivo.özdemir@hospital.example")).to_be_visible()

    # Absences, as Dutch Excel saves CSV: semicolons, CRLF, Windows-1252, day-first dates.
    page.get_by_role("link", name="Import absences").click()
    absences = tmp_path / "afwezigheid.csv"
    absences.write_bytes("email;van;tot;reden\r\nmarieke.smit@hospital.example;4-10-2027;"
                         "15-10-2027;vakantie Curaçao\r\n".encode("cp1252"))
    page.get_by_label(re.compile(r"^\s*CSV file or Excel workbook")).set_input_files(str(absences))
    page.get_by_role("button", name="Check file").click()
    expect(page.locator("#import-source")).to_contain_text("Windows-1252")
    expect(page.locator("#import-rows")).to_contain_text("2027-10-15")
    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_text("Absences imported: 1 created, 0 updated, 0 unchanged.")).to_be_visible()
    assert IntervisorAbsence.objects.get().reason == "vakantie Curaçao"

    # Groups: a file putting a supervisor with their resident is refused, naming the line.
    menu(page, "Groups")
    page.get_by_role("link", name="Import groups").click()
    groups = tmp_path / "groepen.csv"
    groups.write_text("groep;intervisor;leden\n"
                      "Maandag;marieke.smit@hospital.example;anna@hospital.example bas@hospital.example\n"
                      "Dinsdag;ivo.özdemir@hospital.example;cas@hospital.example, dirk@hospital.example,"
                      " eva@hospital.example\n", encoding="utf-8")
    page.get_by_label(re.compile(r"^\s*CSV file or Excel workbook")).set_input_files(str(groups))
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("heading", name="Nothing was imported")).to_be_visible()
    problems = page.locator("#import-problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first.locator("td").first).to_have_text("3")
    expect(problems.first).to_contain_text("so they cannot be in one group")
    assert not IntervisionGroup.objects.exists()

    groups.write_text(groups.read_text().replace(", eva@hospital.example", ""), encoding="utf-8")
    page.get_by_label(re.compile(r"^\s*CSV file or Excel workbook")).set_input_files(str(groups))
    page.get_by_role("button", name="Check file").click()
    expect(page.locator("#import-summary")).to_have_text("2 created, 0 updated, 0 unchanged")
    assert not IntervisionGroup.objects.exists()
    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_text("Groups imported: 2 created, 0 updated, 0 unchanged.")).to_be_visible()
    expect(page.get_by_role("link", name="Maandag")).to_be_visible()
    assert IntervisionGroup.objects.get(name="Dinsdag").memberships.count() == 2
