"""The example files in docs/examples/ go in, in the documented order, through the commands
alone, and a second run changes nothing."""

import io

from django.core.management import call_command
from django.urls import reverse

from residents.models import Intervisor, IntervisorAbsence, Resident
from sessions_app.models import IntervisionGroup

ORDER = [
    ("import_residents", "residents.csv"),
    ("import_residents", "residents-nl.csv"),
    ("import_intervisors", "intervisors.csv"),
    ("import_absences", "absences.csv"),
    ("import_groups", "groups.csv"),
]


def run_all() -> str:
    out = io.StringIO()
    for command, name in ORDER:
        call_command(command, f"docs/examples/{name}", stdout=out)
    return out.getvalue()


def test_the_resident_import_page_offers_the_dutch_excel_example(as_cora):
    response = as_cora.get(reverse("resident_import_example_nl"))
    assert response["Content-Disposition"] == 'attachment; filename="residents-nl.csv"'
    assert response.content.startswith("\ufeffemail;voornaam;achternaam".encode())
    assert b"\r\n" in response.content
    assert reverse("resident_import_example_nl") in as_cora.get(reverse("resident_import")).content.decode()


def test_every_example_imports_into_an_empty_database_and_again_without_change(db):
    run_all()

    assert Resident.objects.count() == 16
    assert Resident.objects.filter(user__email="r011.özdemir@hospital.example").exists()
    assert Intervisor.objects.count() == 2
    assert IntervisorAbsence.objects.count() == 2
    assert IntervisionGroup.objects.get(name="Group A").memberships.count() == 3

    again = run_all()
    assert again.count("0 created, 0 updated") == len(ORDER)
