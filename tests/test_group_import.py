"""Coordinators import groups and their members from a file. Every rule of a group is the
group services' own, each refusal is named on its line, and nothing is saved unless every row
goes in."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from sessions_app.importers.groups import check_groups_file, groups_import
from sessions_app.models import IntervisionGroup, Membership

from .factories import GroupFactory, IntervisorFactory, ResidentFactory
from .helpers import import_confirm, import_upload, login

# The worker checks and applies each upload in the test (tests.helpers.import_upload).
pytestmark = pytest.mark.usefixtures("celery_eager")

URL = reverse("group_import")
EXAMPLE_URL = reverse("group_import_example")


def residents(*names):
    return [ResidentFactory(user__email=f"{n}@hospital.example", user__first_name=n.title())
            for n in names]


def upload(client, data, name="groups.csv"):
    return import_upload(client, URL, SimpleUploadedFile(name, data, content_type="text/csv"))


def confirm(client, preview):
    return import_confirm(client, preview)


@pytest.mark.parametrize("url", [URL, EXAMPLE_URL])
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response.url


@pytest.mark.parametrize("persona", ["rosa", "ivan"])
def test_only_coordinators_import(request, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert upload(client, b"group,intervisor,members\nNew,ivan@hospital.example,\n").status_code == 403
    assert not IntervisionGroup.objects.filter(name="New").exists()


def test_the_group_list_links_the_import(as_cora):
    assert URL in as_cora.get(reverse("group_list")).content.decode()


def test_the_example_file_downloads(as_cora):
    response = as_cora.get(EXAMPLE_URL)
    assert response.content.startswith(b"group,intervisor,members")


@pytest.mark.now("2027-09-27 10:00")
def test_a_dutch_file_previews_then_creates_groups_with_members(clock, as_cora, ivan):
    residents("anna", "bas", "cas", "dirk")
    data = ("groep;intervisor;leden\r\n"
            'Maandaggroep;IVAN@hospital.example;"anna@hospital.example, bas@hospital.example;'
            'cas@hospital.example dirk@hospital.example"\r\n').encode("utf-8-sig")

    preview = upload(as_cora, data)

    (row,) = preview.context["plan"].rows
    assert (row.line, row.action, row.cells[0]) == (2, "create", "Maandaggroep")
    assert not IntervisionGroup.objects.filter(name="Maandaggroep").exists()  # rolled back

    confirm(as_cora, preview)

    group = IntervisionGroup.objects.get(name="Maandaggroep")
    assert group.intervisor.user == ivan
    assert set(group.memberships.values_list("resident__user__email", "start_date")) == {
        (f"{n}@hospital.example", dt.date(2027, 9, 27)) for n in ("anna", "bas", "cas", "dirk")}


def test_an_existing_group_gets_its_new_members_and_keeps_the_others(group, rosa, ruben):
    (anna,) = residents("anna")
    data = (b"group,intervisor,members\n"
            b"tuesday GROUP,ivan@hospital.example,rosa@hospital.example anna@hospital.example\n")

    plan = groups_import(data)

    assert [(r.action, r.changes) for r in plan.rows] == [("update", ("1 new member",))]
    assert set(group.memberships.values_list("resident__user__email", flat=True)) == {
        "rosa@hospital.example", "ruben@hospital.example", "anna@hospital.example"}
    assert check_groups_file(data).summary == "0 created, 0 updated, 1 unchanged"


def test_every_rule_of_the_app_is_checked_and_named_per_line(as_cora, ivan, iris, otto):
    anna, bas = residents("anna", "bas")
    bas.supervisors.add(anna.user)  # anna supervises bas
    iris.intervisor.must_not_lead_residents.add(anna)
    GroupFactory(intervisor=IntervisorFactory(user__email="busy@hospital.example", capacity=1))
    data = (b"group,intervisor,members\n"
            b"A,ivan@hospital.example,anna@hospital.example bas@hospital.example\n"
            b"B,iris@hospital.example,anna@hospital.example\n"
            b"C,ivan@hospital.example,otto@hospital.example\n"
            b"D,busy@hospital.example,\n"
            b"E,nobody@hospital.example,ghost@hospital.example\n")

    response = upload(as_cora, data)

    assert "Nothing was imported" in response.content.decode()  # the worker refused it
    problems = [(p.line, p.column, p.reason) for p in response.context["problems"]]
    assert [(line, column) for line, column, _reason in problems] == [
        (2, "members"), (3, "members"), (4, "members"), (5, "group"),
        (6, "intervisor"), (6, "members")]
    assert "supervises Bas" in problems[0][2]
    assert "must not lead Anna" in problems[1][2]
    assert "already a member of Thursday group" in problems[2][2]
    assert "their capacity" in problems[3][2]
    assert not IntervisionGroup.objects.filter(name__in=["A", "B", "C", "D", "E"]).exists()
    assert not Membership.objects.filter(resident__user__email="anna@hospital.example").exists()


def test_a_full_group_refuses_more_members(ivan):
    people = residents(*[f"r{n}" for n in range(9)])
    members = " ".join(r.user.email for r in people)
    plan = check_groups_file(f"group,intervisor,members\nBig,ivan@hospital.example,{members}\n")
    assert [(p.line, p.column, p.value) for p in plan.problems] == [
        (2, "members", "r8@hospital.example")]
    assert "full" in plan.problems[0].reason


def test_bad_cells_are_named_without_touching_the_database(db):
    plan = check_groups_file("group,intervisor,members\n,ivan,a@x.example b@\nX,,\nx,i@x.example,\n")
    assert [(p.line, p.column) for p in plan.problems] == [
        (2, "group"), (2, "intervisor"), (2, "members"), (3, "intervisor"), (4, "group")]


def test_the_command_previews_and_fails_on_a_refused_file(ivan, tmp_path):
    residents("anna")
    path = tmp_path / "groups.csv"
    path.write_text("group,intervisor,members\nA,ivan@hospital.example,anna@hospital.example\n")
    out = io.StringIO()
    call_command("import_groups", str(path), "--dry-run", stdout=out)
    assert "line 2: new A" in out.getvalue()
    assert not IntervisionGroup.objects.filter(name="A").exists()
    call_command("import_groups", str(path), stdout=io.StringIO())
    assert IntervisionGroup.objects.get(name="A").memberships.count() == 1

    path.write_text("group,intervisor,members\nB,ivan@hospital.example,anna@hospital.example\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_groups", str(path), stdout=io.StringIO(), stderr=err)
    assert "line 2, members" in err.getvalue()
