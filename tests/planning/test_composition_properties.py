"""Properties of the composition engine on random small cohorts (hypothesis)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planning.composition import (
    Assignment,
    Group,
    Leader,
    Member,
    Problem,
    Rules,
    Status,
    check_proposal,
    greedy,
    objective_of,
)
from planning.solver import compose

PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    n = draw(st.integers(4, 24))
    members = [
        Member(
            rid,
            draw(st.sampled_from("ABCDE")),
            draw(st.sampled_from(["North", "South", "East"])),
            draw(st.integers(1, 6)),
            draw(st.sampled_from([None, "p", "q", "r"])),
        )
        for rid in range(1, n + 1)
    ]
    pairs = st.tuples(st.integers(1, n), st.integers(1, n))
    for a, b in draw(st.lists(pairs, max_size=3)):
        members[a - 1] = replace(members[a - 1], conflicts=members[a - 1].conflicts | {b})
    leaders = tuple(
        Leader(
            100 + k,
            draw(st.integers(2, 6)),
            frozenset(draw(st.sets(st.integers(1, n), max_size=2))),
            frozenset(draw(st.sets(st.sampled_from(["North", "South", "East"]), max_size=1))),
        )
        for k in range(draw(st.integers(1, 4)))
    )
    min_size = draw(st.integers(2, 4))
    rules = Rules(
        min_size=min_size,
        max_size=min_size + draw(st.integers(1, 4)),
        max_per_specialty=draw(st.sampled_from([None, 1, 2, 3, 3])),
        keep_together=tuple(draw(st.lists(pairs, max_size=2))),
        keep_apart=tuple(draw(st.lists(pairs, max_size=2))),
        keep_previous=draw(st.booleans()),
    )
    return Problem(tuple(members), leaders, rules)


@PROPERTY
@given(problems())
def test_every_grouping_compose_returns_meets_every_hard_rule(problem):
    result = compose(problem, time_limit=1.0, workers=2)
    if result.assignment is None:
        assert result.status in (Status.INFEASIBLE, Status.UNKNOWN)
        assert result.messages  # always told why
    else:
        assert check_proposal(problem, result.assignment) == []
        assert result.objective == objective_of(problem, result.assignment)
        assert result.bound is None or result.bound <= result.objective + 1e-6


@PROPERTY
@given(problems())
def test_compose_is_never_worse_than_the_greedy(problem):
    result = compose(problem, time_limit=1.0, workers=2)
    if result.greedy_objective is not None:
        assert result.objective is not None
        assert result.objective <= result.greedy_objective


@PROPERTY
@given(problems(), st.integers(0, 3))
def test_every_greedy_grouping_meets_every_hard_rule(problem, seed):
    assignment = greedy(problem, seed, time_limit=0.5)
    if assignment is not None:
        assert check_proposal(problem, assignment) == []


@PROPERTY
@given(problems(), st.data())
def test_moving_a_resident_into_a_full_group_is_named(problem, data):
    result = compose(problem, time_limit=1.0, workers=2)
    if result.assignment is None or len(result.assignment.groups) < 2:
        return
    groups = list(result.assignment.groups)
    target = max(range(len(groups)), key=lambda g: len(groups[g].member_ids))
    donor = data.draw(st.sampled_from([g for g in range(len(groups)) if g != target]))
    rid = groups[donor].member_ids[0]
    # Make the target exactly full, then move one more resident in.
    problem = replace(
        problem,
        rules=replace(
            problem.rules,
            max_size=len(groups[target].member_ids),
            min_size=min(problem.rules.min_size, len(groups[target].member_ids)),
        ),
    )
    groups[donor] = Group(tuple(r for r in groups[donor].member_ids if r != rid), groups[donor].leader_id)
    groups[target] = Group((*groups[target].member_ids, rid), groups[target].leader_id)
    messages = [v.message for v in check_proposal(problem, Assignment(tuple(groups)))]
    expected = (
        f"Group {target + 1} has {len(groups[target].member_ids)} members (at most {problem.rules.max_size})"
    )
    assert expected in messages


@PROPERTY
@given(problems())
def test_putting_a_conflict_pair_together_is_named(problem):
    result = compose(problem, time_limit=1.0, workers=2)
    if result.assignment is None:
        return
    members = {m.id: m for m in problem.members}
    groups = list(result.assignment.groups)
    first = groups[0].member_ids[0]
    # Give the first resident a new conflict with a group mate: the check must name it.
    mate = next((r for r in groups[0].member_ids if r != first), None)
    if mate is None:
        return
    members[first] = replace(members[first], conflicts=members[first].conflicts | {mate})
    problem = replace(problem, members=tuple(members.values()))
    violations = [v for v in check_proposal(problem, result.assignment) if v.rule == "conflict"]
    assert any(set(v.resident_ids) == {first, mate} and v.group == 1 for v in violations)
