"""Coordinators import intervisors' absences from a file: first and last day inclusive, in
the programme's zone; previewed, confirmed, all or nothing, and idempotent."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from residents.importers.absences import absences_import, check_absences_file
from residents.models import IntervisorAbsence

from .helpers import import_confirm, import_upload, login

# The worker checks and applies each upload in the test (tests.helpers.import_upload).
pytestmark = pytest.mark.usefixtures("celery_eager")

URL = reverse("absence_import")
EXAMPLE_URL = reverse("absence_import_example")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")

DUTCH = ("email;van;tot;reden\r\n"
         "ivan@hospital.example;4-10-2027;15-10-2027;vakantie Curaçao\r\n"
         "IRIS@hospital.example;2027-12-20;2028-01-02;\r\n").encode("cp1252")


def upload(client, data, name="absences.csv"):
    return import_upload(client, URL, SimpleUploadedFile(name, data, content_type="text/csv"))


def confirm(client, preview):
    return import_confirm(client, preview)


@pytest.mark.parametrize("url", [URL, EXAMPLE_URL])
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response.url


@pytest.mark.parametrize("persona", ["rosa", "ivan"])
def test_only_coordinators_import(request, iris, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert upload(client, DUTCH).status_code == 403
    assert not IntervisorAbsence.objects.exists()


def test_the_example_file_downloads(as_cora):
    response = as_cora.get(EXAMPLE_URL)
    assert response.status_code == 200
    assert response.content.startswith(b"email,from,to")


def test_a_dutch_file_previews_then_records_whole_days(as_cora, ivan, iris):
    preview = upload(as_cora, DUTCH)

    assert [(r.line, r.action) for r in preview.context["plan"].rows] == [(2, "create"), (3, "create")]
    assert "Windows-1252" in preview.content.decode()
    assert not IntervisorAbsence.objects.exists()

    confirm(as_cora, preview)

    absence = IntervisorAbsence.objects.get(intervisor__user=ivan)
    assert absence.start == dt.datetime(2027, 10, 4, tzinfo=AMSTERDAM)
    assert absence.end == dt.datetime(2027, 10, 16, tzinfo=AMSTERDAM)  # the 15th included
    assert absence.reason == "vakantie Curaçao"
    assert IntervisorAbsence.objects.filter(intervisor__user=iris).count() == 1


def test_importing_the_same_file_again_adds_nothing(ivan, iris):
    absences_import(DUTCH)
    absences_import(DUTCH)
    assert IntervisorAbsence.objects.count() == 2
    assert check_absences_file(DUTCH)[0].summary == "0 created, 0 updated, 2 unchanged"


def test_every_bad_row_is_named_and_nothing_is_saved(as_cora, ivan, rosa):
    data = (b"email,from,to\n"
            b"ivan@hospital.example,2027-10-04,2027-10-08\n"
            b"rosa@hospital.example,2027-10-04,2027-10-08\n"
            b"ivan@hospital.example,15-10-2027,4-10-2027\n"
            b"ivan@hospital.example,morgen,\n")

    response = upload(as_cora, data)

    assert "Nothing was imported" in response.content.decode()  # the worker refused it
    assert [(p.line, p.column) for p in response.context["problems"]] == [
        (3, "email"), (4, "to"), (5, "from"), (5, "to")]
    assert not IntervisorAbsence.objects.exists()


def test_the_command_previews_and_fails_on_a_refused_file(ivan, tmp_path):
    path = tmp_path / "absences.csv"
    path.write_bytes(DUTCH.replace(b"IRIS", b"nobody"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_absences", str(path), stdout=io.StringIO(), stderr=err)
    assert "line 3, email" in err.getvalue()

    path.write_bytes(b"email,from,to\nivan@hospital.example,2027-10-04,2027-10-08\n")
    out = io.StringIO()
    call_command("import_absences", str(path), "--dry-run", stdout=out)
    assert "line 2: new Ivan Intervisor" in out.getvalue()
    assert not IntervisorAbsence.objects.exists()
    call_command("import_absences", str(path), stdout=io.StringIO())
    assert IntervisorAbsence.objects.count() == 1
