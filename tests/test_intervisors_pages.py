"""Coordinators manage intervisors: kind, accreditation, capacity and whom they must not lead."""

from django.urls import reverse

from residents.models import Intervisor, User

from .factories import DepartmentFactory, GroupFactory, IntervisorFactory, MembershipFactory


def _data(**overrides):
    data = {
        "email": "ines@coaching.example", "first_name": "Ines", "last_name": "Jansen",
        "language": "en", "kind": "psychologist", "accreditation": "NIP 12345", "capacity": 3,
        "must_not_lead_residents": [], "must_not_lead_departments": [],
    }
    data.update(overrides)
    return data


def test_a_coordinator_creates_an_intervisor(as_cora):
    department = DepartmentFactory(name="Psychiatry")
    response = as_cora.post(reverse("intervisor_create"),
                            _data(must_not_lead_departments=[department.pk]))
    assert response.status_code == 302
    intervisor = Intervisor.objects.get(user__email="ines@coaching.example")
    assert intervisor.user.role == User.Role.INTERVISOR
    assert intervisor.kind == "psychologist" and intervisor.capacity == 3
    assert list(intervisor.must_not_lead_departments.all()) == [department]


def test_an_unknown_kind_and_a_zero_capacity_are_refused(as_cora):
    response = as_cora.post(reverse("intervisor_create"), _data(kind="guru", capacity=0))
    page = response.content.decode()
    assert "Select a valid choice." in page and "greater than or equal to 1" in page
    assert not Intervisor.objects.exists()


def test_excluding_a_member_of_a_group_they_lead_is_refused(as_cora, ivan, rosa):
    intervisor = ivan.intervisor
    response = as_cora.post(reverse("intervisor_edit", args=[intervisor.pk]), _data(
        email=ivan.email, must_not_lead_residents=[rosa.resident.pk],
    ))
    assert response.status_code == 200
    assert f"must not lead {rosa}" in response.content.decode()
    assert not intervisor.must_not_lead_residents.exists()


def test_an_intervisor_who_leads_a_group_cannot_be_deactivated(as_cora, ivan, group):
    response = as_cora.post(reverse("intervisor_deactivate", args=[ivan.intervisor.pk]), follow=True)
    assert "still leads Tuesday group" in response.content.decode()
    ivan.refresh_from_db()
    assert ivan.is_active


def test_an_intervisor_without_groups_is_deactivated_after_confirmation(as_cora, iris):
    url = reverse("intervisor_deactivate", args=[iris.intervisor.pk])
    assert as_cora.get(url).status_code == 200
    iris.refresh_from_db()
    assert iris.is_active
    as_cora.post(url)
    iris.refresh_from_db()
    assert not iris.is_active


def test_the_list_costs_the_same_queries_for_many_intervisors(as_cora, django_assert_num_queries):
    GroupFactory(intervisor=IntervisorFactory())
    # session, user, intervisors, their groups, their co-led groups
    with django_assert_num_queries(5):
        as_cora.get(reverse("intervisor_list"))
    for _ in range(6):
        MembershipFactory(group=GroupFactory(intervisor=IntervisorFactory()))
    with django_assert_num_queries(5):
        assert as_cora.get(reverse("intervisor_list")).status_code == 200
