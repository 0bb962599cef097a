"""Coordinators list, search, create, edit, deactivate and reactivate residents."""

import datetime as dt

from django.urls import reverse

from residents.models import Resident, User

from .factories import DepartmentFactory, ResidentFactory, SpecialtyFactory, UserFactory


def _resident_data(**overrides):
    data = {
        "email": "new.resident@hospital.example", "first_name": "Noor", "last_name": "de Vries",
        "language": "nl", "specialty": SpecialtyFactory(name="Surgery").pk,
        "department": DepartmentFactory(name="Surgery").pk, "training_year": 3, "fte": "0.80",
        "start_date": "2024-09-01", "end_date": "", "supervisors": [],
    }
    data.update(overrides)
    return data


def test_a_coordinator_creates_a_resident(as_cora):
    supervisor = UserFactory(role=User.Role.STAFF)
    response = as_cora.post(reverse("resident_create"), _resident_data(supervisors=[supervisor.pk]))
    resident = Resident.objects.get(user__email="new.resident@hospital.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("resident_detail", args=[resident.pk])
    assert resident.user.role == User.Role.RESIDENT
    assert resident.training_year == 3 and str(resident.fte) == "0.80"
    assert list(resident.supervisors.all()) == [supervisor]
    assert not resident.user.has_usable_password()


def test_an_email_address_that_is_taken_is_refused_on_its_field(as_cora, rosa):
    response = as_cora.post(reverse("resident_create"), _resident_data(email="ROSA@hospital.example"))
    assert response.status_code == 200
    assert "Someone with this e-mail address already exists." in response.content.decode()
    assert Resident.objects.count() == 1


def test_bad_input_is_named_field_by_field_and_nothing_is_saved(as_cora):
    response = as_cora.post(reverse("resident_create"), _resident_data(
        email="not-an-address", training_year=12, fte="1.5", start_date="2024-09-01",
        end_date="2023-01-01",
    ))
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert "Ensure this value is less than or equal to 8." in page
    assert "Ensure this value is less than or equal to 1.00." in page
    assert "The end of training cannot be before its start." in page
    assert not Resident.objects.exists()


def test_a_coordinator_edits_a_resident(as_cora, rosa):
    resident = rosa.resident
    response = as_cora.post(reverse("resident_edit", args=[resident.pk]), _resident_data(
        email="rosa@hospital.example", first_name="Rosa", last_name="Renamed", training_year=4,
    ))
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.user.last_name == "Renamed" and resident.training_year == 4


def test_a_resident_cannot_supervise_themselves(as_cora, rosa):
    resident = rosa.resident
    response = as_cora.post(reverse("resident_edit", args=[resident.pk]), _resident_data(
        email="rosa@hospital.example", supervisors=[rosa.pk],
    ))
    assert response.status_code == 200
    assert not resident.supervisors.exists()


def test_the_list_searches_by_name_specialty_and_department(as_cora, rosa, otto):
    ResidentFactory(user__first_name="Zeynep", user__last_name="Şahin",
                    specialty=SpecialtyFactory(name="Cardiology"))
    page = as_cora.get(reverse("resident_list"), {"q": "cardio"}).content.decode()
    assert "Şahin" in page and "Rosa" not in page
    page = as_cora.get(reverse("resident_list"), {"q": "rosa"}).content.decode()
    assert "Rosa" in page and "Otto" not in page


def test_the_list_shows_each_residents_group(as_cora, rosa):
    page = as_cora.get(reverse("resident_list")).content.decode()
    assert "Tuesday group" in page


def test_the_list_costs_the_same_queries_for_many_residents(as_cora, django_assert_num_queries):
    ResidentFactory.create_batch(3)
    # session, user, count for the paginator, the page of residents, their groups
    with django_assert_num_queries(5):
        as_cora.get(reverse("resident_list"))
    ResidentFactory.create_batch(30)
    with django_assert_num_queries(5):
        as_cora.get(reverse("resident_list"))


def test_deactivating_asks_first_then_ends_the_membership(as_cora, rosa):
    resident = rosa.resident
    url = reverse("resident_deactivate", args=[resident.pk])
    assert "Deactivate" in as_cora.get(url).content.decode()
    rosa.refresh_from_db()
    assert rosa.is_active
    response = as_cora.post(url)
    assert response.status_code == 302
    rosa.refresh_from_db()
    assert not rosa.is_active
    assert resident.memberships.get().end_date is not None


def test_a_deactivated_resident_cannot_log_in(client, rosa):
    rosa.set_password("a good long password")
    rosa.is_active = False
    rosa.save()
    assert not client.login(username="rosa@hospital.example", password="a good long password")


def test_a_coordinator_reactivates_a_resident(as_cora, rosa):
    rosa.is_active = False
    rosa.save()
    response = as_cora.post(reverse("user_reactivate", args=[rosa.pk]))
    assert response.status_code == 302
    rosa.refresh_from_db()
    assert rosa.is_active


def test_only_residents_and_intervisors_can_be_reactivated_here(as_cora, cora, adam):
    assert as_cora.post(reverse("user_reactivate", args=[adam.pk])).status_code == 404


def test_the_detail_page_shows_groups_and_supervisors(as_cora, rosa):
    supervisor = UserFactory(role=User.Role.STAFF, first_name="Sam", last_name="Supervisor")
    rosa.resident.supervisors.add(supervisor)
    page = as_cora.get(reverse("resident_detail", args=[rosa.resident.pk])).content.decode()
    assert "Sam Supervisor" in page and "Tuesday group" in page


def test_training_dates_are_kept(as_cora):
    as_cora.post(reverse("resident_create"), _resident_data(end_date="2029-08-31"))
    resident = Resident.objects.get()
    assert resident.end_date == dt.date(2029, 8, 31)


def test_the_list_pages_keep_the_search_when_turning_pages(as_cora):
    ResidentFactory.create_batch(55, user__last_name="Jansen")
    page = as_cora.get(reverse("resident_list"), {"q": "jansen", "show": "active"}).content.decode()
    assert "1 / 2" in page
    assert "?q=jansen&amp;show=active&amp;page=2" in page
    second = as_cora.get(reverse("resident_list"), {"q": "jansen", "show": "active", "page": 2})
    assert "2 / 2" in second.content.decode()
