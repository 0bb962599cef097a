"""The coordinator imports residents from a CSV file: reads the example, sees every problem of a
bad file with its line (and that nothing was imported), then previews and confirms a good file.
A worker reads every upload: the page shows a progress bar until it has, then the preview."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from residents.models import Resident, TableImport
from residents.services.table_import_run import table_import_check
from residents.services.uploads import upload_store
from tests.factories import DepartmentFactory, SpecialtyFactory

from .conftest import log_in, menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ("email,first_name,last_name,specialty,department,training_year,fte,start_date,end_date,"
          "supervisor_emails")


def test_a_coordinator_imports_residents_after_fixing_a_bad_file(page, tmp_path, cora, rosa,
                                                                 celery_eager):
    SpecialtyFactory(name="Neurology")
    DepartmentFactory(name="Neurosciences")
    rosa_resident = rosa.resident
    log_in(page, cora.email, None)

    menu(page, "Residents")
    page.get_by_role("link", name="Import CSV").click()
    expect(page.get_by_role("heading", name="Import residents")).to_be_visible()

    # The example file the page offers is a CSV with the documented header.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download an example file").click()
    download = download_info.value
    assert download.suggested_filename == "residents.csv"
    example = download.path().read_text(encoding="utf-8")
    assert example.splitlines()[0].startswith("email,first_name,last_name,specialty,department")

    # A file with two bad rows: both are listed with their line, and nothing is saved.
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([
        HEADER,
        "sanne.bakker@hospital.example,Sanne,Bakker,Neurology,Neurosciences,2,1.00,2025-09-01,,",
        "daan.jansen@hospital.example,Daan,Jansen,Neurology,Neurosciences,9,1.00,2025-09-01,,",
        "emma.smit@hospital.example,Emma,Smit,Neurology,Neurosciences,3,1.8,2025-09-01,,",
    ]) + "\n", encoding="utf-8")
    page.get_by_label(re.compile(r"^\s*CSV file")).set_input_files(str(bad))
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("heading", name="Nothing was imported")).to_be_visible()
    expect(page.get_by_text("The file has 2 problems.")).to_be_visible()
    problems = page.locator("#import-problems tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.nth(0).locator("td").first).to_have_text("3")
    expect(problems.nth(0)).to_contain_text("training_year")
    expect(problems.nth(0)).to_contain_text("The training year is a whole number from 1 to 8.")
    expect(problems.nth(1).locator("td").first).to_have_text("4")
    expect(problems.nth(1)).to_contain_text("fte")
    expect(problems.nth(1)).to_contain_text("1.8")
    assert not Resident.objects.filter(user__email="sanne.bakker@hospital.example").exists()

    # The corrected file: two new residents and a change to Rosa, previewed before saving.
    good = tmp_path / "good.csv"
    good.write_text("\n".join([
        HEADER,
        "sanne.bakker@hospital.example,Sanne,Bakker,Neurology,Neurosciences,2,1.00,2025-09-01,,",
        "daan.jansen@hospital.example,Daan,Jansen,Neurology,Neurosciences,5,0.8,2025-09-01,,",
        f"rosa@hospital.example,Rosa,Resident,{rosa_resident.specialty.name},"
        f"{rosa_resident.department.name},4,1.00,2024-09-01,,",
    ]) + "\n", encoding="utf-8")
    page.get_by_label(re.compile(r"^\s*CSV file")).set_input_files(str(good))
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    expect(page.locator("#import-summary")).to_contain_text("2 new, 1 updated, 0 unchanged.")
    expect(page.locator("#import-created tbody tr")).to_have_count(2)
    expect(page.locator("#import-created")).to_contain_text("Bakker, Sanne")
    updated = page.locator("#import-updated tbody tr")
    expect(updated).to_have_count(1)
    expect(updated).to_contain_text("training_year")
    assert not Resident.objects.filter(user__email="sanne.bakker@hospital.example").exists()

    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_role("heading", name="Residents", exact=True)).to_be_visible()
    expect(page.get_by_text("Residents imported: 2 created, 1 updated, 0 unchanged.")).to_be_visible()
    expect(page.get_by_role("link", name="Bakker, Sanne")).to_be_visible()
    expect(page.get_by_role("link", name="Jansen, Daan")).to_be_visible()
    rosa_resident.refresh_from_db()
    assert rosa_resident.training_year == 4


def test_the_page_shows_progress_until_the_worker_has_read_the_file(page, cora):
    SpecialtyFactory(name="Neurology")
    DepartmentFactory(name="Neurosciences")
    # An upload the request has kept and no worker has read yet.
    upload = upload_store(kind="residents", by=cora, upload=SimpleUploadedFile(
        "residents.csv", (HEADER + "\nsanne@hospital.example,Sanne,Bakker,Neurology,"
                          "Neurosciences,1,1.00,2025-09-01,,\n").encode()))
    waiting = TableImport.objects.create(kind="residents", filename="residents.csv", upload=upload,
                                         created_by=cora, status=TableImport.Status.CHECKING)
    log_in(page, cora.email, None)

    page.goto(f"{page.base}/residents/import/{waiting.pk}/")
    expect(page.locator("#import-status")).to_have_text("Being checked")
    expect(page.get_by_role("progressbar", name="Import progress")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm import")).to_have_count(0)

    table_import_check(table_import_id=waiting.pk)  # the worker reads it; the page, polling, shows it
    expect(page.get_by_role("heading", name="Check the import")).to_be_visible(timeout=5000)
    expect(page.locator("#import-summary")).to_contain_text("1 new, 0 updated, 0 unchanged.")
