"""Composing groups through the service: a run, its worker, moves, acceptance."""

import datetime as dt
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from residents.models import Department, Intervisor, Resident, Specialty
from sessions_app.models import CompositionRun, IntervisionGroup, Membership
from sessions_app.selectors import composition as selectors
from sessions_app.services import composition as services
from sessions_app.tasks.composition import compose_groups

from .factories import GroupFactory, IntervisorFactory, MembershipFactory, ResidentFactory

TODAY = dt.date(2026, 3, 2)


def _cohort(specialties: list[str], *, years=(1, 2, 3, 4)) -> list[Resident]:
    residents = []
    for n, name in enumerate(specialties):
        specialty, _ = Specialty.objects.get_or_create(name=name)
        department, _ = Department.objects.get_or_create(name=f"{name} dept")
        residents.append(ResidentFactory(
            specialty=specialty, department=department, training_year=years[n % len(years)],
            user__first_name=f"R{n:02d}", user__last_name=name,
        ))
    return residents


def _start(by, leaders, **rules) -> CompositionRun:
    rules.setdefault("time_limit", 3)
    return services.composition_start(by=by, cohort=rules.pop("cohort", selectors.COHORT_UNGROUPED),
                                      on=TODAY, intervisors=leaders, **rules)


@pytest.fixture
def mixed_cohort(db):
    # 14 residents over 4 specialties: two groups of 7 with at most 2 of a specialty each.
    return _cohort(["Surgery"] * 4 + ["Paediatrics"] * 4 + ["Psychiatry"] * 3 + ["Neurology"] * 3)


def _solve(cora, leaders, django_capture_on_commit_callbacks, **rules) -> CompositionRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = _start(cora, leaders, **rules)
    run.refresh_from_db()
    return run


@pytest.fixture(autouse=True)
def _eager(celery_eager):
    return celery_eager


def test_it_composes_the_cohort_into_groups_that_meet_every_rule(
    cora, mixed_cohort, leaders, django_capture_on_commit_callbacks
):
    run = _solve(cora, leaders, django_capture_on_commit_callbacks)

    assert run.status == CompositionRun.Status.DONE
    assert run.progress == 1.0
    groups = run.result["groups"]
    assert sorted(len(g["resident_ids"]) for g in groups) == [7, 7]
    assert sorted(g["intervisor_id"] for g in groups) == sorted(i.pk for i in leaders)
    assert sorted(r for g in groups for r in g["resident_ids"]) == sorted(r.pk for r in mixed_cohort)
    for key in ("objective", "bound", "gap", "greedy_objective", "wall_time", "greedy_time"):
        assert key in run.result
    assert selectors.proposal_check(run) == []


def test_it_takes_only_residents_without_a_group_by_default(
    cora, rosa, mixed_cohort, leaders, django_capture_on_commit_callbacks
):
    run = _solve(cora, leaders, django_capture_on_commit_callbacks)
    assert rosa.resident.pk not in run.params["resident_ids"]
    assert len(run.params["resident_ids"]) == 14


def test_it_reports_rules_that_cannot_be_met_and_saves_nothing(
    cora, leaders, django_capture_on_commit_callbacks
):
    _cohort(["Surgery"] * 12 + ["Paediatrics"] * 2)
    run = _solve(cora, leaders, django_capture_on_commit_callbacks)

    assert run.status == CompositionRun.Status.INFEASIBLE
    assert any("12 Surgery residents cannot be spread over 2 groups with at most 2 per group" in m
               for m in run.result["messages"])
    assert run.result["groups"] == []
    assert not IntervisionGroup.objects.exists()


def test_it_never_places_a_supervisor_with_their_resident(cora, leaders, django_capture_on_commit_callbacks):
    cohort = _cohort(["Surgery", "Paediatrics", "Psychiatry", "Neurology"] * 3)
    senior, junior = cohort[0], cohort[1]
    junior.supervisors.add(senior.user)
    run = _solve(cora, leaders, django_capture_on_commit_callbacks, min_size=6, max_size=6)

    assert run.status == CompositionRun.Status.DONE
    together = [g for g in run.result["groups"] if senior.pk in g["resident_ids"]][0]
    assert junior.pk not in together["resident_ids"]


def test_it_keeps_an_intervisor_away_from_a_resident_they_supervise(
    cora, mixed_cohort, leaders, django_capture_on_commit_callbacks
):
    mixed_cohort[0].supervisors.add(leaders[0].user)
    run = _solve(cora, leaders, django_capture_on_commit_callbacks)
    led_by_first = [g for g in run.result["groups"] if g["intervisor_id"] == leaders[0].pk][0]
    assert mixed_cohort[0].pk not in led_by_first["resident_ids"]


def test_running_the_task_twice_solves_once(cora, mixed_cohort, leaders, django_capture_on_commit_callbacks):
    run = _solve(cora, leaders, django_capture_on_commit_callbacks)
    before = run.result
    assert compose_groups(run.pk) is None  # already claimed and finished
    run.refresh_from_db()
    assert run.result == before


def _resident_in(run, number):
    return run.result["groups"][number - 1]["resident_ids"]


def test_a_move_is_rechecked_and_the_broken_rule_is_named(
    cora, mixed_cohort, leaders, django_capture_on_commit_callbacks
):
    run = _solve(cora, leaders, django_capture_on_commit_callbacks)
    by_pk = {r.pk: r for r in mixed_cohort}
    # Move a surgeon from the group with fewer surgeons into the other one: 3 surgeons there.
    surgeons = {g: [r for r in _resident_in(run, g) if by_pk[r].specialty.name == "Surgery"] for g in (1, 2)}
    assert len(surgeons[1]) == len(surgeons[2]) == 2
    violations = services.composition_move(run=run, resident_id=surgeons[2][0], to_group=1)

    messages = [v.message for v in violations]
    assert any(m.startswith("Group 1 has 3 Surgery residents (at most 2)") for m in messages)
    run.refresh_from_db()
    assert surgeons[2][0] in _resident_in(run, 1)
    with pytest.raises(ValidationError, match="3 Surgery residents"):
        services.composition_accept(run=run, start_date=TODAY, by=cora)
    assert not IntervisionGroup.objects.exists()

    # Moving her back fixes it.
    assert services.composition_move(run=run, resident_id=surgeons[2][0], to_group=2) == []


def test_accepting_creates_dated_memberships_in_new_groups(
    cora, mixed_cohort, leaders, django_capture_on_commit_callbacks
):
    run = _solve(cora, leaders, django_capture_on_commit_callbacks)
    start = dt.date(2026, 4, 1)
    groups = services.composition_accept(run=run, start_date=start, by=cora)

    assert [g.name for g in groups] == ["2026 group 1", "2026 group 2"]
    assert Membership.objects.filter(start_date=start, end_date=None).count() == 14
    for group, proposed in zip(groups, run.result["groups"], strict=True):
        assert sorted(group.memberships.values_list("resident_id", flat=True)) == proposed["resident_ids"]
        assert group.intervisor_id == proposed["intervisor_id"]
    run.refresh_from_db()
    assert run.status == CompositionRun.Status.ACCEPTED
    assert run.start_date == start
    with pytest.raises(ValidationError):
        services.composition_accept(run=run, start_date=start, by=cora)  # once only


def test_accepting_saves_nothing_when_the_data_changed_meanwhile(
    cora, mixed_cohort, leaders, django_capture_on_commit_callbacks
):
    run = _solve(cora, leaders, django_capture_on_commit_callbacks)
    # Meanwhile one of the cohort joined another group.
    MembershipFactory(resident=mixed_cohort[5], start_date=TODAY)

    with pytest.raises(ValidationError, match="already a member"):
        services.composition_accept(run=run, start_date=dt.date(2026, 4, 1), by=cora)
    assert not IntervisionGroup.objects.filter(name__startswith="2026 group").exists()
    assert Membership.objects.count() == 1
    run.refresh_from_db()
    assert run.status == CompositionRun.Status.DONE


def test_a_new_year_replaces_the_current_groups(cora, mixed_cohort, django_capture_on_commit_callbacks):
    lead = IntervisorFactory(capacity=2)
    old = [GroupFactory(intervisor=lead, min_size=2, max_size=8) for _ in range(2)]
    for n, resident in enumerate(mixed_cohort):
        MembershipFactory(group=old[n % 2], resident=resident, start_date=dt.date(2025, 1, 6))
    run = _solve(cora, [lead], django_capture_on_commit_callbacks, cohort=selectors.COHORT_ALL,
                 keep_previous=True)
    assert run.status == CompositionRun.Status.DONE, run.result

    start = dt.date(2026, 9, 1)
    services.composition_accept(run=run, start_date=start, by=cora)
    for group in old:
        group.refresh_from_db()
        assert not group.is_active
        assert not group.memberships.filter(end_date=None).exists()
    assert Membership.objects.filter(start_date=start, end_date=None).count() == 14


# --- Property: whatever the cohort, an accepted proposal meets every hard rule ----------------

cohorts = st.fixed_dictionaries({
    "people": st.lists(
        st.tuples(st.sampled_from(["Surgery", "Paediatrics", "Psychiatry", "Neurology"]),
                  st.integers(1, 5)),
        min_size=6, max_size=18,
    ),
    "supervision": st.lists(st.tuples(st.integers(0, 17), st.integers(0, 17)), max_size=4),
    "capacities": st.lists(st.integers(1, 3), min_size=1, max_size=3),
    "banned_department": st.one_of(st.none(), st.sampled_from(["Surgery dept", "Psychiatry dept"])),
    "max_per_specialty": st.one_of(st.none(), st.integers(2, 3)),
    "sizes": st.sampled_from([(3, 5), (4, 6), (6, 8)]),
})


def _assert_every_hard_rule(run: CompositionRun, cohort: list[Resident], leaders: list[Intervisor]):
    params = run.params
    groups = IntervisionGroup.objects.filter(pk__in=run.result["accepted_group_ids"])
    seen = []
    for group in groups:
        members = [m.resident for m in group.memberships.select_related("resident__specialty",
                                                                         "resident__department")]
        seen += [r.pk for r in members]
        assert params["min_size"] <= len(members) <= params["max_size"]
        if params["max_per_specialty"]:
            assert max(Counter(r.specialty_id for r in members).values()) <= params["max_per_specialty"]
        users = {r.user_id for r in members}
        for r in members:
            assert not (set(r.supervisors.values_list("pk", flat=True)) & users)
            assert not group.intervisor.must_not_lead_departments.filter(pk=r.department_id).exists()
            assert not r.supervisors.filter(pk=group.intervisor.user_id).exists()
    assert sorted(seen) == sorted(r.pk for r in cohort)
    for leader in leaders:
        assert IntervisionGroup.objects.filter(intervisor=leader, is_active=True).count() <= leader.capacity


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=cohorts)
def test_every_accepted_proposal_meets_every_hard_rule(case, cora, django_capture_on_commit_callbacks):
    from django.db import transaction

    with transaction.atomic():
        cohort = _cohort([s for s, _ in case["people"]], years=[y for _, y in case["people"]])
        for a, b in case["supervision"]:
            if a < len(cohort) and b < len(cohort) and a != b:
                cohort[b].supervisors.add(cohort[a].user)
        leaders = [IntervisorFactory(capacity=c) for c in case["capacities"]]
        if case["banned_department"]:
            department, _ = Department.objects.get_or_create(name=case["banned_department"])
            leaders[0].must_not_lead_departments.add(department)
        low, high = case["sizes"]
        run = _solve(cora, leaders, django_capture_on_commit_callbacks, min_size=low, max_size=high,
                     max_per_specialty=case["max_per_specialty"], time_limit=2)
        event(run.status)
        if run.status == CompositionRun.Status.DONE:
            services.composition_accept(run=run, start_date=TODAY, by=cora)
            run.refresh_from_db()
            _assert_every_hard_rule(run, cohort, leaders)
        else:
            assert run.status == CompositionRun.Status.INFEASIBLE, run.result
            assert run.result["messages"]
            assert not IntervisionGroup.objects.exists()
        transaction.set_rollback(True)
