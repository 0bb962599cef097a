"""Coordinators import intervisors from a file: previewed, then confirmed, all or nothing;
an intervisor already in Intervision is updated, by e-mail address."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from residents.importers.intervisors import check_intervisors_file, intervisors_import
from residents.importers.uploads import ImportRefused
from residents.models import Intervisor, User

from .helpers import import_confirm, import_upload, login

# The worker checks and applies each upload in the test (tests.helpers.import_upload).
pytestmark = pytest.mark.usefixtures("celery_eager")

URL = reverse("intervisor_import")
EXAMPLE_URL = reverse("intervisor_import_example")

DUTCH = ("email;voornaam;achternaam;capaciteit\r\n"
         "marieke.smit@hospital.example;Marieke;Smit;3\r\n"
         "IVAN@hospital.example;Ivan;Intervisor-Jansen;\r\n").encode("utf-8-sig")


def upload(client, data, name="intervisors.csv"):
    return import_upload(client, URL, SimpleUploadedFile(name, data, content_type="text/csv"))


def confirm(client, preview):
    return import_confirm(client, preview)


# --- Who may import -------------------------------------------------------------------------

@pytest.mark.parametrize("url", [URL, EXAMPLE_URL])
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login/" in response.url


@pytest.mark.parametrize("persona", ["rosa", "ivan", "adam"])
def test_only_coordinators_import(request, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert upload(client, DUTCH).status_code == 403
    assert not User.objects.filter(email="marieke.smit@hospital.example").exists()


def test_it_rejects_other_methods(as_cora):
    assert as_cora.put(URL).status_code == 405


def test_the_intervisor_list_links_the_imports(as_cora):
    page = as_cora.get(reverse("intervisor_list")).content.decode()
    assert URL in page and reverse("absence_import") in page


def test_the_example_file_downloads_and_imports_cleanly(as_cora):
    response = as_cora.get(EXAMPLE_URL)
    assert response["Content-Disposition"] == 'attachment; filename="intervisors.csv"'
    confirm(as_cora, upload(as_cora, response.content))
    assert Intervisor.objects.count() == 2


# --- Preview and confirm --------------------------------------------------------------------

def test_a_dutch_file_previews_then_imports_new_and_changed_intervisors(as_cora, ivan):
    preview = upload(as_cora, DUTCH)

    plan = preview.context["plan"]
    assert [(r.line, r.action) for r in plan.rows] == [(2, "create"), (3, "update")]
    assert plan.rows[1].changes == ("last name: Intervisor → Intervisor-Jansen",)
    assert "separated by &#x27;;&#x27;" in preview.content.decode()
    assert not User.objects.filter(email="marieke.smit@hospital.example").exists()

    response = confirm(as_cora, preview)

    assert response.status_code == 302 and response.url == reverse("intervisor_list")
    marieke = Intervisor.objects.get(user__email="marieke.smit@hospital.example")
    assert (marieke.capacity, marieke.user.role) == (3, User.Role.INTERVISOR)
    ivan.refresh_from_db()
    assert (ivan.last_name, ivan.intervisor.capacity) == ("Intervisor-Jansen", 3)  # capacity kept


def test_importing_the_same_file_twice_changes_nothing(cora):
    intervisors_import(DUTCH)
    plan, _work = check_intervisors_file(DUTCH)
    assert plan.summary == "0 created, 0 updated, 2 unchanged"


def test_a_new_intervisor_without_capacity_gets_two(db):
    intervisors_import(b"email,first_name,last_name\nnew@hospital.example,New,Person\n")
    assert Intervisor.objects.get(user__email="new@hospital.example").capacity == 2


# --- Refusals -------------------------------------------------------------------------------

def test_every_bad_row_is_named_and_nothing_is_saved(as_cora, rosa):
    data = (b"email,first_name,last_name,capacity\n"
            b"ok@hospital.example,Ok,Person,2\n"
            b"not-an-address,No,Address,2\n"
            b"rosa@hospital.example,Rosa,Resident,2\n"
            b"big@hospital.example,Big,,40\n")

    response = upload(as_cora, data)

    assert "Nothing was imported" in response.content.decode()  # the worker refused it
    assert [(p.line, p.column) for p in response.context["problems"]] == [
        (3, "email"), (4, "email"), (5, "last_name"), (5, "capacity")]
    assert "who is not an intervisor" in response.content.decode()
    assert not User.objects.filter(email="ok@hospital.example").exists()


def test_the_service_refuses_when_the_database_changed(db, rosa):
    data = b"email,first_name,last_name\nrosa@hospital.example,Rosa,R\n"
    with pytest.raises(ImportRefused):
        intervisors_import(data)


def test_a_confirmation_of_an_import_that_does_not_exist_is_404(as_cora):
    assert as_cora.post(reverse("intervisor_import_detail", args=[999])).status_code == 404


def test_the_command_prints_the_preview_and_a_dry_run_writes_nothing(db, tmp_path):
    path = tmp_path / "intervisors.csv"
    path.write_bytes(DUTCH)
    out = io.StringIO()
    call_command("import_intervisors", str(path), "--dry-run", stdout=out)
    assert "File: CSV, UTF-8 with byte order mark, separated by ';'" in out.getvalue()
    assert "line 2: new marieke.smit@hospital.example" in out.getvalue()
    assert "It would be: 2 created, 0 updated, 0 unchanged." in out.getvalue()
    assert not Intervisor.objects.exists()

    call_command("import_intervisors", str(path), stdout=io.StringIO())
    assert Intervisor.objects.count() == 2


def test_the_command_fails_on_a_refused_file(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("email,first_name,last_name\nbad,B,C\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_intervisors", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith("line 2, email:")
