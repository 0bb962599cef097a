"""Group composition: hard rules, explained infeasibility, optimality, continuity, progress.

Personas: residents are numbered; "Dr Ada" and "Dr Bo" are intervisors.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from planning.composition import (
    Assignment,
    Group,
    Leader,
    Member,
    Problem,
    Rules,
    Status,
    Weights,
    check_proposal,
    choose_group_count,
    explain_infeasibility,
    greedy,
    objective_breakdown,
    objective_of,
)
from planning.solver import compose

SPECIALTIES = ["Surgery", "Paediatrics", "Psychiatry", "Neurology", "Radiology", "Dermatology"]
FAST = {"time_limit": 3.0, "workers": 2}


def resident(rid: int, specialty: str | None = None, **kwargs: object) -> Member:
    specialty = specialty or SPECIALTIES[rid % len(SPECIALTIES)]
    defaults: dict[str, object] = {
        "department": f"Dept {specialty}",
        "training_year": 1 + rid % 6,
    }
    defaults.update(kwargs)
    return Member(rid, specialty, **defaults)  # type: ignore[arg-type]


def cohort(n: int) -> tuple[Member, ...]:
    return tuple(resident(rid) for rid in range(1, n + 1))


def ada(capacity: int = 3, **kwargs: object) -> Leader:
    return Leader(901, capacity, name="Dr Ada", **kwargs)  # type: ignore[arg-type]


def bo(capacity: int = 3, **kwargs: object) -> Leader:
    return Leader(902, capacity, name="Dr Bo", **kwargs)  # type: ignore[arg-type]


def group_of(assignment: Assignment, rid: int) -> int:
    return next(g for g, group in enumerate(assignment.groups) if rid in group.member_ids)


def solved(problem: Problem) -> Assignment:
    result = compose(problem, **FAST)
    assert result.assignment is not None, result.messages
    assert check_proposal(problem, result.assignment) == []
    return result.assignment


# -- hard rules --------------------------------------------------------------------------------


def test_it_puts_every_resident_in_exactly_one_group_of_allowed_size():
    problem = Problem(cohort(20), (ada(), bo()))
    assignment = solved(problem)
    ids = sorted(rid for group in assignment.groups for rid in group.member_ids)
    assert ids == list(range(1, 21))
    assert all(6 <= len(group.member_ids) <= 8 for group in assignment.groups)


def test_it_never_puts_a_supervisor_with_their_resident():
    members = list(cohort(12))
    members[0] = replace(members[0], conflicts=frozenset({2, 3}))  # 1 supervises 2 and 3
    problem = Problem(tuple(members), (ada(),), Rules(n_groups=2))
    assignment = solved(problem)
    assert group_of(assignment, 1) != group_of(assignment, 2)
    assert group_of(assignment, 1) != group_of(assignment, 3)


def test_it_keeps_pairs_together_and_apart_as_asked():
    rules = Rules(n_groups=2, keep_together=((1, 7),), keep_apart=((2, 8),))
    assignment = solved(Problem(cohort(12), (ada(),), rules))
    assert group_of(assignment, 1) == group_of(assignment, 7)
    assert group_of(assignment, 2) != group_of(assignment, 8)


def test_it_puts_at_most_the_cap_of_one_specialty_in_a_group():
    others = SPECIALTIES[1:]
    members = tuple(
        resident(rid, "Surgery" if rid <= 6 else others[rid % len(others)]) for rid in range(1, 19)
    )
    problem = Problem(members, (ada(),), Rules(max_per_specialty=2))
    assignment = solved(problem)
    for group in assignment.groups:
        assert sum(1 for rid in group.member_ids if rid <= 6) <= 2


def test_it_gives_each_intervisor_no_more_groups_than_their_capacity():
    problem = Problem(cohort(24), (ada(capacity=1), bo(capacity=3)))
    assignment = solved(problem)
    leaders = [group.leader_id for group in assignment.groups]
    assert leaders.count(901) <= 1
    assert leaders.count(902) <= 3


def test_it_never_lets_an_intervisor_lead_a_forbidden_department_or_resident():
    members = tuple(resident(rid, department="Cardiology" if rid <= 3 else "Other") for rid in range(1, 19))
    leaders = (
        ada(capacity=2, forbidden_departments=frozenset({"Cardiology"})),
        bo(capacity=2, forbidden_residents=frozenset({10, 11})),
    )
    assignment = solved(Problem(members, leaders))
    for group in assignment.groups:
        if group.leader_id == 901:
            assert not {1, 2, 3} & set(group.member_ids)
        if group.leader_id == 902:
            assert not {10, 11} & set(group.member_ids)


# -- soft objective ----------------------------------------------------------------------------


def test_it_keeps_last_years_groups_together_when_asked():
    # Two previous groups of six, each already mixed; the best grouping keeps both.
    members = tuple(
        resident(
            rid, SPECIALTIES[rid % 6], training_year=1 + rid % 6, previous_group="A" if rid <= 6 else "B"
        )
        for rid in range(1, 13)
    )
    problem = Problem(members, (ada(),), Rules(keep_previous=True, n_groups=2))
    result = compose(problem, **FAST)
    assert result.status == Status.OPTIMAL
    assert result.breakdown is not None and result.breakdown.continuity == 0
    assert {frozenset(g.member_ids) for g in result.assignment.groups} == {
        frozenset(range(1, 7)),
        frozenset(range(7, 13)),
    }


def test_it_counts_a_split_previous_group_once_per_extra_group():
    members = tuple(resident(rid, previous_group="A") for rid in range(1, 13))
    problem = Problem(members, (ada(),), Rules(keep_previous=True, n_groups=2))
    split = Assignment((Group(tuple(range(1, 7)), 901), Group(tuple(range(7, 13)), 901)))
    assert objective_breakdown(problem, split).continuity == 1
    ignoring = replace(problem, rules=Rules(keep_previous=False, n_groups=2))
    assert objective_breakdown(ignoring, split).continuity == 0


def test_it_mixes_specialties_when_possible():
    # 6 surgeons and 6 psychiatrists in 2 groups: the best is 3 + 3 each (excess 2 per group).
    members = tuple(
        resident(rid, "Surgery" if rid <= 6 else "Psychiatry", training_year=1) for rid in range(1, 13)
    )
    rules = Rules(max_per_specialty=None, n_groups=2, weights=Weights(training_year=0))
    result = compose(Problem(members, (ada(),), rules), **FAST)
    assert result.status == Status.OPTIMAL
    for group in result.assignment.groups:
        assert sum(1 for rid in group.member_ids if rid <= 6) == 3


# -- infeasibility explained before solving ------------------------------------------------------


def explain(problem: Problem) -> list[str]:
    result = compose(problem, **FAST)
    assert result.status == Status.INFEASIBLE
    assert result.assignment is None and not result.feasible
    assert list(result.messages) == explain_infeasibility(problem)
    return list(result.messages)


def test_it_explains_a_cohort_smaller_than_the_minimum_group_size():
    assert explain(Problem(cohort(5), (ada(),))) == ["cohort of 5 is smaller than the minimum group size 6"]


def test_it_explains_too_few_intervisor_places():
    leaders = tuple(Leader(900 + k, 3) for k in range(5))  # 15 places
    assert explain(Problem(cohort(130), leaders)) == [
        "130 residents need at least 17 groups of at most 8, but the intervisors can lead only 15"
    ]


def test_it_explains_a_specialty_that_cannot_be_spread():
    members = tuple(resident(rid, "surgery" if rid <= 12 else None) for rid in range(1, 31))
    problem = Problem(members, (ada(capacity=5),), Rules(n_groups=5, max_per_specialty=2))
    assert explain(problem) == [
        "12 surgery residents cannot be spread over 5 groups with at most 2 per group"
    ]


def test_it_explains_a_keep_together_pair_that_is_also_a_conflict():
    members = list(cohort(12))
    members[0] = replace(members[0], conflicts=frozenset({2}), name="Anna")
    members[1] = replace(members[1], name="Bas")
    problem = Problem(tuple(members), (ada(),), Rules(keep_together=((1, 2),)))
    assert explain(problem) == ["keep-together pair (Anna, Bas) is also a conflict pair"]


def test_it_explains_sizes_that_no_split_can_meet():
    assert explain(Problem(cohort(9), (ada(),))) == [
        "9 residents cannot be split into groups of 6 to 8: 1 group would be too few and 2 too many"
    ]


def test_it_explains_a_resident_no_intervisor_may_lead():
    problem = Problem(cohort(12), (ada(forbidden_residents=frozenset({4})),))
    assert explain(problem) == ["no intervisor may lead resident 4: every intervisor is excluded for them"]


def test_it_explains_inconsistent_size_rules():
    problem = Problem(cohort(12), (ada(),), Rules(min_size=9, max_size=8))
    assert explain(problem) == ["the minimum group size 9 is larger than the maximum 8"]


def test_it_names_a_rule_to_drop_when_the_solver_proves_infeasibility():
    # Three residents who all assess each other cannot share 2 groups; counting cannot see it.
    members = list(cohort(12))
    for a, b in ((1, 2), (1, 3), (2, 3)):
        members[a - 1] = replace(members[a - 1], conflicts=members[a - 1].conflicts | {b})
    problem = Problem(tuple(members), (ada(),), Rules(n_groups=2))
    assert explain_infeasibility(problem) == []
    result = compose(problem, **FAST)
    assert result.status == Status.INFEASIBLE
    assert result.messages[0] == "the rules together cannot be met with 2 groups"
    assert "without the supervision/assessment conflicts a grouping would be possible" in (result.messages)


# -- checking a hand-edited grouping -------------------------------------------------------------


def proposal() -> tuple[Problem, Assignment]:
    members = list(cohort(18))
    members[0] = replace(members[0], name="Anna", conflicts=frozenset({2}))
    members[1] = replace(members[1], name="Bas")
    members[4] = replace(members[4], department="Cardiology", name="Cas")
    # Bo leads at most 2 of the 3 groups, so Ada leads one.
    leaders = (ada(capacity=2, forbidden_departments=frozenset({"Cardiology"})), bo(capacity=2))
    problem = Problem(tuple(members), leaders, Rules(n_groups=3))
    return problem, solved(problem)


def move(assignment: Assignment, rid: int, to: int) -> Assignment:
    groups = [
        Group(tuple(r for r in g.member_ids if r != rid) + ((rid,) if k == to else ()), g.leader_id)
        for k, g in enumerate(assignment.groups)
    ]
    return Assignment(tuple(groups))


def test_a_valid_grouping_has_no_violations():
    problem, assignment = proposal()
    assert check_proposal(problem, assignment) == []


def test_it_names_an_overfull_group():
    problem, assignment = proposal()
    big = assignment.groups[0]
    rules = replace(problem.rules, max_size=len(big.member_ids))
    problem = replace(problem, rules=rules)
    donor = next(r for r in assignment.groups[1].member_ids)
    violations = check_proposal(problem, move(assignment, donor, 0))
    assert f"Group 1 has {len(big.member_ids) + 1} members (at most {rules.max_size})" in [
        v.message for v in violations
    ]


def test_it_names_a_supervisor_moved_in_with_their_resident():
    problem, assignment = proposal()
    moved = move(assignment, 2, group_of(assignment, 1))
    messages = [v.message for v in check_proposal(problem, moved) if v.rule == "conflict"]
    assert messages == [
        f"Group {group_of(moved, 1) + 1}: Anna and Bas have a supervision or assessment relation"
    ]


def test_it_names_a_resident_from_a_department_their_intervisor_must_not_lead():
    problem, assignment = proposal()
    ada_group = next(g for g, group in enumerate(assignment.groups) if group.leader_id == 901)
    moved = move(assignment, 5, ada_group)
    violations = [v for v in check_proposal(problem, moved) if v.rule.startswith("leader_")]
    assert [(v.message, v.group, v.resident_ids) for v in violations] == [
        (f"Group {ada_group + 1}: Dr Ada must not lead residents from Cardiology (Cas)", ada_group + 1, (5,))
    ]


def test_it_names_too_many_residents_of_one_specialty():
    members = tuple(
        resident(rid, "Surgery" if rid <= 3 else SPECIALTIES[1 + rid % 5]) for rid in range(1, 13)
    )
    problem = Problem(members, (ada(),), Rules(n_groups=2))
    bad = Assignment((Group(tuple(range(1, 7)), 901), Group(tuple(range(7, 13)), 901)))
    violation = next(v for v in check_proposal(problem, bad) if v.rule == "specialty")
    assert violation.message.startswith("Group 1 has 3 Surgery residents (at most 2)")
    assert violation.resident_ids == (1, 2, 3)


def test_it_names_an_intervisor_over_capacity_missing_and_duplicate_residents():
    problem = Problem(cohort(12), (ada(capacity=1),), Rules(n_groups=2))
    bad = Assignment((Group(tuple(range(1, 7)), 901), Group((*range(6, 12),), 901)))
    messages = {v.message for v in check_proposal(problem, bad)}
    assert "Dr Ada leads 2 groups (at most 1): groups 1, 2" in messages
    assert "resident 12 is in no group" in messages
    assert "resident 6 is in groups 1 and 2" in messages


def test_it_names_a_group_without_an_intervisor():
    problem = Problem(cohort(12), (ada(),))
    bad = Assignment((Group(tuple(range(1, 7)), None), Group(tuple(range(7, 13)), 901)))
    assert [v.message for v in check_proposal(problem, bad)] == ["Group 1 has no intervisor"]


# -- the solver ----------------------------------------------------------------------------------


def brute_force_optimum(problem: Problem, n_groups: int) -> int:
    """The best objective over every labelling of residents and intervisors that is valid."""
    ids = [m.id for m in problem.members]
    best = None
    for labels in itertools.product(range(n_groups), repeat=len(ids)):
        if labels[0] != 0:
            continue  # renumbering the groups gives the same groupings
        sizes = [labels.count(g) for g in range(n_groups)]
        if not all(problem.rules.min_size <= s <= problem.rules.max_size for s in sizes):
            continue
        for leaders in itertools.product([lead.id for lead in problem.leaders], repeat=n_groups):
            groups = tuple(
                Group(tuple(i for i, lab in zip(ids, labels, strict=True) if lab == g), leaders[g])
                for g in range(n_groups)
            )
            candidate = Assignment(groups)
            if not check_proposal(problem, candidate):
                score = objective_of(problem, candidate)
                best = score if best is None else min(best, score)
    assert best is not None
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_symmetry_breaking_keeps_the_true_optimum(seed):
    import random

    rng = random.Random(seed)
    members = tuple(
        Member(
            rid,
            rng.choice("ABC"),
            rng.choice(["North", "South"]),
            rng.randint(1, 3),
            previous_group=rng.choice(["p", "q", None]),
        )
        for rid in range(1, 9)
    )
    members = (replace(members[0], conflicts=frozenset({members[1].id})), *members[1:])
    leaders = (ada(capacity=2), bo(capacity=1, forbidden_departments=frozenset({"North"})))
    rules = Rules(min_size=2, max_size=3, n_groups=3, max_per_specialty=2, keep_previous=True)
    problem = Problem(members, leaders, rules)
    result = compose(problem, **FAST)
    assert result.status == Status.OPTIMAL
    assert result.objective == brute_force_optimum(problem, 3)


def test_it_reports_objective_bound_gap_and_the_greedys_score():
    problem = Problem(cohort(30), (ada(), bo()), Rules(keep_previous=True))
    result = compose(problem, **FAST)
    assert result.objective == objective_of(problem, result.assignment)
    assert result.greedy_objective is not None and result.objective <= result.greedy_objective
    assert result.bound is not None and result.bound <= result.objective
    assert result.gap is not None and 0 <= result.gap <= 1
    assert result.source in {"solver", "greedy"}
    assert result.wall_time > 0 and result.n_groups == len(result.assignment.groups)


def test_it_returns_the_greedy_grouping_when_the_solver_has_no_time():
    problem = Problem(cohort(40), (ada(), bo()), Rules(keep_previous=True))
    result = compose(problem, time_limit=0.05, workers=1)
    assert result.assignment is not None
    assert result.objective <= result.greedy_objective


def test_the_greedy_alone_meets_every_hard_rule():
    members = list(cohort(30))
    members[0] = replace(members[0], conflicts=frozenset({2, 3, 4}))
    leaders = (ada(capacity=2, forbidden_departments=frozenset({"Dept Surgery"})), bo())
    problem = Problem(tuple(members), leaders, Rules(keep_together=((5, 6),)))
    assignment = greedy(problem, seed=3)
    assert assignment is not None
    assert check_proposal(problem, assignment) == []


def test_it_reports_progress_with_rising_fractions_ending_at_one():
    calls: list[tuple[float, str]] = []
    compose(Problem(cohort(30), (ada(), bo())), on_progress=lambda f, m: calls.append((f, m)), **FAST)
    fractions = [f for f, _ in calls]
    assert len(calls) >= 3
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0 and all(0.0 <= f <= 1.0 for f in fractions)
    assert all(message for _, message in calls)


def test_it_chooses_a_group_count_near_the_middle_of_the_size_range():
    assert choose_group_count(Problem(cohort(120), (Leader(1, 40),))) == 17  # ~7 per group
    # Capacity caps the count: 120 residents need 15..20 groups, the intervisors lead 15.
    assert choose_group_count(Problem(cohort(120), (Leader(1, 15),))) == 15
    assert choose_group_count(Problem(cohort(120), (Leader(1, 40),), Rules(n_groups=16))) == 16
