"""Coordinators compose groups; the rules of a group are refused with a clear message."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sessions_app.models import IntervisionGroup, Membership
from sessions_app.services import groups as services

from .factories import GroupFactory, IntervisorFactory, MembershipFactory, ResidentFactory, UserFactory
from .helpers import NOW

TODAY = NOW.date()
pytestmark = pytest.mark.usefixtures("clock")


def _add(as_cora, group, resident, start=TODAY, end=""):
    return as_cora.post(reverse("membership_add", args=[group.pk]), {
        "resident": resident.pk, "start_date": start.isoformat(), "end_date": end,
    })


def test_a_coordinator_creates_a_group(as_cora, ivan):
    response = as_cora.post(reverse("group_create"), {
        "name": "Monday group", "intervisor": ivan.intervisor.pk, "cadence_weeks": 6,
        "default_duration_minutes": 90, "location": "Room 2", "min_size": 6, "max_size": 8,
    })
    group = IntervisionGroup.objects.get(name="Monday group")
    assert response.status_code == 302
    assert response["Location"] == reverse("group_detail", args=[group.pk])
    assert group.intervisor == ivan.intervisor


def test_a_group_form_with_min_above_max_saves_nothing(as_cora, ivan):
    response = as_cora.post(reverse("group_create"), {
        "name": "Odd group", "intervisor": ivan.intervisor.pk, "cadence_weeks": 6,
        "default_duration_minutes": 90, "min_size": 9, "max_size": 8,
    })
    assert response.status_code == 200
    assert "The minimum size cannot be above the maximum size." in response.content.decode()
    assert not IntervisionGroup.objects.filter(name="Odd group").exists()


def test_the_co_intervisor_must_be_someone_else(as_cora, ivan):
    response = as_cora.post(reverse("group_create"), {
        "name": "Pair", "intervisor": ivan.intervisor.pk, "co_intervisor": ivan.intervisor.pk,
        "cadence_weeks": 6, "default_duration_minutes": 90, "min_size": 6, "max_size": 8,
    })
    assert "The co-intervisor must be someone else." in response.content.decode()
    assert not IntervisionGroup.objects.filter(name="Pair").exists()


def test_an_intervisor_at_capacity_cannot_take_another_group(as_cora):
    leader = IntervisorFactory(capacity=1)
    GroupFactory(intervisor=leader)
    response = as_cora.post(reverse("group_create"), {
        "name": "One too many", "intervisor": leader.pk, "cadence_weeks": 6,
        "default_duration_minutes": 90, "min_size": 6, "max_size": 8,
    })
    assert "already leads 1 groups, their capacity" in response.content.decode()
    assert not IntervisionGroup.objects.filter(name="One too many").exists()


def test_a_coordinator_adds_a_member(as_cora, group):
    newcomer = ResidentFactory()
    response = _add(as_cora, group, newcomer)
    assert response.status_code == 302
    assert Membership.objects.get(resident=newcomer).group == group


def test_adding_beyond_the_maximum_is_refused_with_a_clear_message(as_cora, group):
    group.min_size = group.max_size = 2
    group.save()
    MembershipFactory.create_batch(2, group=group)
    response = _add(as_cora, group, ResidentFactory())
    assert response.status_code == 400
    assert "Tuesday group is full: it already has its maximum of 2 members on Mon 2 Mar 2026." in (
        response.content.decode()
    )
    assert group.memberships.count() == 2


def test_a_member_who_leaves_frees_a_seat_from_that_day(group):
    group.min_size = group.max_size = 2
    group.save()
    MembershipFactory(group=group, start_date=dt.date(2025, 1, 1))
    leaving = MembershipFactory(group=group, start_date=dt.date(2025, 1, 1), end_date=dt.date(2026, 4, 1))
    with pytest.raises(ValidationError, match="is full"):
        services.membership_add(group=group, resident=ResidentFactory(), start_date=dt.date(2026, 3, 15))
    joined = services.membership_add(group=group, resident=ResidentFactory(), start_date=dt.date(2026, 4, 1))
    assert joined.start_date == leaving.end_date


def test_a_future_member_counts_towards_the_maximum(group):
    group.min_size = group.max_size = 2
    group.save()
    MembershipFactory(group=group, start_date=dt.date(2025, 1, 1))
    MembershipFactory(group=group, start_date=dt.date(2026, 6, 1))
    with pytest.raises(ValidationError, match="is full"):
        services.membership_add(group=group, resident=ResidentFactory(), start_date=TODAY)


def test_a_supervisor_cannot_join_the_group_of_their_resident(as_cora, group):
    member = MembershipFactory(group=group).resident
    senior = ResidentFactory(training_year=6)
    member.supervisors.add(senior.user)
    response = _add(as_cora, group, senior)
    assert response.status_code == 400
    assert f"{senior.user} supervises {member.user}, so they cannot be in one group." in (
        response.content.decode()
    )
    assert not group.memberships.filter(resident=senior).exists()


def test_a_resident_cannot_join_the_group_of_their_supervisor(group):
    senior = MembershipFactory(group=group).resident
    junior = ResidentFactory()
    junior.supervisors.add(senior.user)
    with pytest.raises(ValidationError, match="supervises"):
        services.membership_add(group=group, resident=junior, start_date=TODAY)


def test_an_intervisor_must_not_lead_an_excluded_resident(as_cora, group, ivan):
    excluded = ResidentFactory()
    ivan.intervisor.must_not_lead_residents.add(excluded)
    response = _add(as_cora, group, excluded)
    assert f"{ivan} must not lead {excluded.user}." in response.content.decode()
    assert not group.memberships.exists()


def test_an_intervisor_must_not_lead_an_excluded_department(group, ivan):
    resident = ResidentFactory()
    ivan.intervisor.must_not_lead_departments.add(resident.department)
    with pytest.raises(ValidationError, match=f"must not lead residents of {resident.department}"):
        services.membership_add(group=group, resident=resident, start_date=TODAY)


def test_an_intervisor_who_supervises_a_resident_cannot_lead_them(group, ivan):
    resident = ResidentFactory()
    resident.supervisors.add(ivan)
    with pytest.raises(ValidationError, match=f"{ivan} supervises {resident.user}"):
        services.membership_add(group=group, resident=resident, start_date=TODAY)


def test_putting_an_intervisor_over_a_group_with_someone_they_must_not_lead_is_refused(as_cora, group):
    member = MembershipFactory(group=group).resident
    other = IntervisorFactory()
    other.must_not_lead_residents.add(member)
    response = as_cora.post(reverse("group_edit", args=[group.pk]), {
        "name": group.name, "intervisor": other.pk, "cadence_weeks": 6,
        "default_duration_minutes": 90, "min_size": 6, "max_size": 8,
    })
    assert response.status_code == 200
    assert f"{other.user} must not lead {member.user}." in response.content.decode()
    group.refresh_from_db()
    assert group.intervisor_id != other.pk


def test_a_resident_is_in_one_group_at_a_time(group, other_group):
    resident = MembershipFactory(group=other_group).resident
    with pytest.raises(ValidationError, match="is already a member of Thursday group"):
        services.membership_add(group=group, resident=resident, start_date=TODAY)


def test_a_resident_can_move_after_leaving_their_old_group(group, other_group):
    membership = MembershipFactory(group=other_group)
    services.membership_end(membership=membership, on=dt.date(2026, 4, 1))
    moved = services.membership_add(group=group, resident=membership.resident, start_date=dt.date(2026, 4, 1))
    assert moved.group == group


def test_the_database_refuses_two_open_memberships_for_one_resident(group, other_group):
    from django.db import IntegrityError, transaction

    resident = MembershipFactory(group=group).resident
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(group=other_group, resident=resident, start_date=TODAY)


def test_a_deactivated_resident_cannot_be_added(group):
    resident = ResidentFactory(user__is_active=False)
    with pytest.raises(ValidationError, match="is deactivated"):
        services.membership_add(group=group, resident=resident, start_date=TODAY)


def test_removing_a_member_ends_the_membership_on_the_chosen_date(as_cora, group):
    membership = MembershipFactory(group=group, start_date=dt.date(2025, 9, 1))
    response = as_cora.post(reverse("membership_end", args=[group.pk, membership.pk]),
                            {"end_date": "2026-03-31"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.end_date == dt.date(2026, 3, 31)


def test_removing_a_member_before_they_joined_is_refused(group):
    membership = MembershipFactory(group=group, start_date=dt.date(2025, 9, 1))
    with pytest.raises(ValidationError, match="must be after the joining date"):
        services.membership_end(membership=membership, on=dt.date(2025, 8, 1))


def test_the_removal_page_asks_for_confirmation_and_changes_nothing_on_get(as_cora, group):
    membership = MembershipFactory(group=group)
    response = as_cora.get(reverse("membership_end", args=[group.pk, membership.pk]))
    assert "Remove from group" in response.content.decode()
    membership.refresh_from_db()
    assert membership.end_date is None


def test_a_resident_sees_their_own_group_with_names_and_intervisor(rosa, ruben, group):
    from .helpers import login

    page = login(rosa).get(reverse("group_detail", args=[group.pk])).content.decode()
    assert "Ruben Resident" in page and "Ivan Intervisor" in page
    assert "Add a member" not in page


def test_the_group_list_shows_only_own_groups_to_intervisors(ivan, group, other_group):
    from .helpers import login

    page = login(ivan).get(reverse("group_list")).content.decode()
    assert "Tuesday group" in page and "Thursday group" not in page


def test_the_group_list_costs_the_same_queries_for_many_groups(as_cora, django_assert_num_queries):
    for _ in range(3):
        MembershipFactory()
    # session, user, groups with leaders and member counts
    with django_assert_num_queries(3):
        as_cora.get(reverse("group_list"))
    for _ in range(12):
        MembershipFactory()
    with django_assert_num_queries(3):
        assert as_cora.get(reverse("group_list")).status_code == 200


def test_staff_without_a_role_see_no_groups(db):
    from residents.models import User

    from .helpers import login

    staff = UserFactory(role=User.Role.STAFF)
    assert login(staff).get(reverse("group_list")).status_code == 403
