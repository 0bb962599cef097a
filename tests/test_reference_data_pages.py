"""Specialties and departments, kept by the coordinator in the app (not the admin).

The coordinator lists both on one page, adds and renames them (a name taken in any case is
refused on the field), and deletes one only when nothing uses it: a confirmation page when it
is free, and otherwise a page saying what uses it. Nobody else reaches any of these pages.
"""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from residents.models import Department, Specialty
from residents.services import reference as services

from .factories import DepartmentFactory, IntervisorFactory, ResidentFactory, SpecialtyFactory
from .helpers import login


def test_the_list_shows_both_kinds_with_what_uses_them(as_cora, anna):
    DepartmentFactory(name="Psychiatry")
    IntervisorFactory().must_not_lead_departments.add(anna.department)
    html = as_cora.get(reverse("reference_data")).content.decode()
    # names as the page writes them ("Children's Hospital" with its apostrophe escaped)
    assert escape(anna.specialty.name) in html and escape(anna.department.name) in html
    assert "Psychiatry" in html
    assert "Add a specialty" in html and "Add a department" in html


def test_an_empty_install_says_there_is_nothing_yet(as_cora):
    html = as_cora.get(reverse("reference_data")).content.decode()
    assert "No specialties yet." in html and "No departments yet." in html


def test_the_list_costs_the_same_queries_for_many_items(as_cora, django_assert_num_queries):
    ResidentFactory.create_batch(2)
    # session, user, specialties with their residents, departments with residents and intervisors
    with django_assert_num_queries(4):
        as_cora.get(reverse("reference_data"))
    for n in range(20):
        ResidentFactory(specialty=SpecialtyFactory(name=f"Specialty {n}"),
                        department=DepartmentFactory(name=f"Department {n}"))
    with django_assert_num_queries(4):
        as_cora.get(reverse("reference_data"))


def test_the_coordinators_home_and_the_resident_list_link_to_it(as_cora):
    for page in ["home", "resident_list"]:
        assert f'href="{reverse("reference_data")}"' in as_cora.get(reverse(page)).content.decode()


@pytest.mark.parametrize("kind, model", [("specialties", Specialty), ("departments", Department)])
def test_adding_one_trims_the_name_and_goes_back_to_the_list(as_cora, kind, model):
    response = as_cora.post(reverse("reference_create", args=[kind]), {"name": "  Geriatric   Medicine "})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('reference_data')}#{kind}"
    assert model.objects.get().name == "Geriatric Medicine"
    page = as_cora.get(response["Location"]).content.decode()
    assert "“Geriatric Medicine” was added." in page


@pytest.mark.parametrize("kind, model, message", [
    ("specialties", Specialty, "There is already a specialty named “Surgery”."),
    ("departments", Department, "There is already a department named “Surgery”."),
])
def test_a_name_that_exists_in_any_case_is_refused_on_the_field(as_cora, kind, model, message):
    model.objects.create(name="Surgery")
    response = as_cora.post(reverse("reference_create", args=[kind]), {"name": "sURGERY"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert model.objects.count() == 1


def test_an_empty_name_is_refused(as_cora):
    response = as_cora.post(reverse("reference_create", args=["departments"]), {"name": "   "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Department.objects.exists()


def test_an_unknown_kind_is_not_found(as_cora):
    assert as_cora.get("/reference-data/wards/new/").status_code == 404


def test_renaming_changes_the_name_everyone_sees(as_cora, anna):
    url = reverse("reference_edit", args=["departments", anna.department_id])
    assert f'value="{escape(anna.department.name)}"' in as_cora.get(url).content.decode()
    response = as_cora.post(url, {"name": "Heart Centre"})
    assert response.status_code == 302
    anna.refresh_from_db()
    assert anna.department.name == "Heart Centre"


def test_renaming_to_a_different_case_of_its_own_name_is_allowed(as_cora):
    item = Specialty.objects.create(name="ENT")
    as_cora.post(reverse("reference_edit", args=["specialties", item.pk]), {"name": "Ent"})
    item.refresh_from_db()
    assert item.name == "Ent"


def test_renaming_to_the_name_of_another_is_refused(as_cora):
    Specialty.objects.create(name="Surgery")
    item = Specialty.objects.create(name="Urology")
    response = as_cora.post(reverse("reference_edit", args=["specialties", item.pk]), {"name": "surgery"})
    assert response.status_code == 400
    assert "There is already a specialty named “Surgery”." in response.content.decode()
    item.refresh_from_db()
    assert item.name == "Urology"


def test_an_unused_one_is_deleted_after_a_confirmation(as_cora):
    item = Department.objects.create(name="Old Wing")
    url = reverse("reference_delete", args=["departments", item.pk])
    page = as_cora.get(url).content.decode()
    assert "Delete Old Wing?" in page
    assert Department.objects.filter(pk=item.pk).exists()  # asking deletes nothing
    response = as_cora.post(url)
    assert response.status_code == 302
    assert not Department.objects.filter(pk=item.pk).exists()
    assert "“Old Wing” was deleted." in as_cora.get(response["Location"]).content.decode()


def test_a_specialty_residents_have_cannot_be_deleted_and_the_page_says_why(as_cora, anna):
    ResidentFactory(specialty=anna.specialty)
    url = reverse("reference_delete", args=["specialties", anna.specialty_id])
    page = as_cora.get(url).content.decode()
    assert f"“{anna.specialty.name}” cannot be deleted" in page
    assert "2 residents have this specialty." in page
    assert "<form" not in page.split('id="main"')[1].split("<footer")[0]  # no delete button
    response = as_cora.post(url)
    assert response.status_code == 409
    assert Specialty.objects.filter(pk=anna.specialty_id).exists()


def test_a_department_an_intervisor_is_kept_out_of_cannot_be_deleted(as_cora):
    item = Department.objects.create(name="Psychiatry")
    IntervisorFactory().must_not_lead_departments.add(item)
    url = reverse("reference_delete", args=["departments", item.pk])
    assert "1 intervisor must not lead this department." in as_cora.get(url).content.decode()
    assert as_cora.post(url).status_code == 409
    assert Department.objects.filter(pk=item.pk).exists()


def test_a_deactivated_resident_still_keeps_their_department(as_cora, anna):
    anna.user.is_active = False
    anna.user.save()
    url = reverse("reference_delete", args=["departments", anna.department_id])
    assert "1 resident works in this department." in as_cora.get(url).content.decode()


def test_the_service_refuses_a_used_one_with_the_reasons(anna):
    with pytest.raises(services.ValidationError) as refused:
        services.reference_item_delete(item=anna.department)
    assert refused.value.messages == ["1 resident works in this department."]


# --- who may open these pages ----------------------------------------------------------------

def _urls(item_pk: int) -> list[tuple[str, str]]:
    return [
        ("get", reverse("reference_data")),
        ("get", reverse("reference_create", args=["specialties"])),
        ("post", reverse("reference_create", args=["specialties"])),
        ("get", reverse("reference_edit", args=["specialties", item_pk])),
        ("post", reverse("reference_edit", args=["specialties", item_pk])),
        ("get", reverse("reference_delete", args=["specialties", item_pk])),
        ("post", reverse("reference_delete", args=["specialties", item_pk])),
    ]


@pytest.mark.parametrize("persona", ["rosa", "ivan", "adam"])
def test_nobody_but_a_coordinator_opens_or_changes_them(db, request, persona):
    client = login(request.getfixturevalue(persona))
    item = Specialty.objects.create(name="Geriatrics")
    before = Specialty.objects.count()
    for method, url in _urls(item.pk):
        response = getattr(client, method)(url, {"name": "Changed"})
        assert response.status_code == 403, (method, url)
    item.refresh_from_db()
    assert item.name == "Geriatrics"
    assert Specialty.objects.count() == before


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(db):
    item = Specialty.objects.create(name="Geriatrics")
    for method, url in _urls(item.pk):
        response = getattr(Client(), method)(url, {"name": "Changed"})
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("login")
    assert Specialty.objects.get().name == "Geriatrics"


def test_a_missing_one_is_not_found(as_cora):
    assert as_cora.get(reverse("reference_edit", args=["departments", 999999])).status_code == 404
    assert as_cora.post(reverse("reference_delete", args=["specialties", 999999])).status_code == 404
