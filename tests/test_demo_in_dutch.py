"""`DEMO_LANGUAGE=nl make run` loads the demo programme in Dutch: the names a Dutch hospital
uses for its specialties, departments, rooms and groups, Dutch texts, a Dutch interface."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from demo.build import demo_build
from demo.dutch import group_name_nl
from residents.models import Department, Specialty, User
from sessions_app.models import IntervisionGroup, Session

from .helpers import login

NOW = dt.datetime(2026, 10, 14, 11, 0, tzinfo=dt.UTC)
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def dutch_demo(db, settings):
    settings.PASSWORD_HASHERS = FAST_HASHER
    with time_machine.travel(NOW, tick=False):
        demo_build(now=NOW, language="nl")
        yield


def test_group_names_read_as_a_dutch_hospital_writes_them():
    assert group_name_nl("Amstel group") == "Amstelgroep"
    assert group_name_nl("IJssel 2 group") == "IJsselgroep 2"
    assert group_name_nl("Our own group") == "Our own group"


def test_the_demo_programme_is_dutch(dutch_demo):
    assert Specialty.objects.filter(name="Kindergeneeskunde").exists()
    assert Department.objects.filter(name="Spoedeisende Hulp").exists()
    assert not Department.objects.filter(name="Emergency Department").exists()
    assert IntervisionGroup.objects.filter(name="Amstelgroep").exists()
    assert not IntervisionGroup.objects.filter(name__endswith=" group").exists()
    assert not Session.objects.filter(location__startswith="Education Centre").exists()
    assert Session.objects.filter(title="Inhaalbijeenkomst").exists()
    assert not User.objects.filter(email__iendswith="intervision.example").exclude(language="nl").exists()


def test_the_demo_coordinator_reads_the_dashboard_in_dutch(dutch_demo):
    coordinator = User.objects.get(email="coordinator@intervision.example")
    page = login(coordinator).get(reverse("dashboard")).content.decode()
    assert "Spoedeisende Hulp" in page and "Emergency Department" not in page


def test_the_command_reads_the_language_from_the_setting(db, settings):
    settings.PASSWORD_HASHERS = FAST_HASHER
    settings.DEMO_LANGUAGE = "nl"
    with time_machine.travel(NOW, tick=False):
        call_command("demo_data", "--force", stdout=StringIO())
    assert IntervisionGroup.objects.filter(name="Amstelgroep").exists()

