"""Benchmark the group composition engine on generated cohorts.

For each cohort size it prints, from one run, the greedy's objective and time and the solver's
objective, proven bound, gap and time, and checks every hard rule on the result.

    .venv/bin/python bench/bench_composition.py                       # 60,120,250,500
    .venv/bin/python bench/bench_composition.py --sizes 60,120 --time-limit 10

Targets: gap at most 2% at 120 residents within 30 s; 500 residents feasible within 60 s; never
worse than the greedy.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from planning.composition import (  # noqa: E402
    Leader,
    Member,
    Problem,
    Rules,
    check_proposal,
    choose_group_count,
    greedy,
    objective_of,
)
from planning.solver import compose  # noqa: E402

# Specialty → (share of residents, department). Large specialties dominate, as in real
# programmes: internal medicine and surgery together are about a third of the residents.
SPECIALTIES: dict[str, tuple[float, str]] = {
    "Internal medicine": (0.18, "Medicine"),
    "Surgery": (0.13, "Surgery"),
    "Paediatrics": (0.10, "Women and children"),
    "Anaesthesiology": (0.09, "Acute care"),
    "Psychiatry": (0.08, "Neuro"),
    "Cardiology": (0.07, "Medicine"),
    "Neurology": (0.07, "Neuro"),
    "Obstetrics and gynaecology": (0.06, "Women and children"),
    "Radiology": (0.06, "Diagnostics"),
    "Emergency medicine": (0.06, "Acute care"),
    "Orthopaedics": (0.05, "Surgery"),
    "Dermatology": (0.05, "Medicine"),
}
DEPARTMENTS = sorted({dept for _, dept in SPECIALTIES.values()})
YEAR_SHARES = (0.19, 0.18, 0.18, 0.17, 0.15, 0.13)  # some leave or finish early


def _members(n: int, rng: random.Random) -> list[Member]:
    names = list(SPECIALTIES)
    shares = [SPECIALTIES[s][0] for s in names]
    members = []
    for rid in range(1, n + 1):
        specialty = rng.choices(names, shares)[0]
        year = rng.choices(range(1, 7), YEAR_SHARES)[0]
        members.append(Member(rid, specialty, SPECIALTIES[specialty][1], year))
    return members


def _with_history(members: list[Member], rng: random.Random) -> list[Member]:
    """Residents beyond their first year were in a group last year. Last year's cohort was about
    as large (a steady state) and was composed by this engine's greedy with the default rules;
    its final-year residents have since finished, so ~5-6 members per group return."""
    returning = [m for m in members if m.training_year > 1]
    # Steady state: as many finished last year as started this year.
    graduates = [replace(m, id=-m.id, training_year=6) for m in _members(len(members) - len(returning), rng)]
    last_year = tuple(replace(m, training_year=m.training_year - 1) for m in returning)
    last = Problem((*last_year, *graduates), (Leader(0, len(members)),), Rules())
    grouping = greedy(last, rng.randrange(1 << 30), time_limit=5.0)
    previous: dict[int, str] = {}
    for g, group in enumerate(grouping.groups if grouping else ()):
        previous.update({rid: f"prev-{g:03d}" for rid in group.member_ids})
    return [replace(m, previous_group=previous.get(m.id)) for m in members]


def _with_conflicts(members: list[Member], rng: random.Random) -> list[Member]:
    """About one resident in twelve is assessed by a senior resident of their own specialty."""
    conflicts: dict[int, set[int]] = {m.id: set() for m in members}
    seniors = [m for m in members if m.training_year >= 5]
    for m in members:
        if m.training_year <= 2 and rng.random() < 0.2:
            same = [s for s in seniors if s.specialty == m.specialty]
            if same:
                senior = rng.choice(same)
                conflicts[m.id].add(senior.id)
                conflicts[senior.id].add(m.id)
    return [
        Member(m.id, m.specialty, m.department, m.training_year, m.previous_group, frozenset(conflicts[m.id]))
        for m in members
    ]


def _leaders(n_groups: int, members: list[Member], rng: random.Random) -> list[Leader]:
    """About one intervisor per two groups, each leading 2 or 3; one in four is a staff member
    who must not lead residents from their own department, a few may not lead named residents."""
    count = max(1, math.ceil(n_groups / 2))
    leaders = []
    for lid in range(1, count + 1):
        forbidden_depts: frozenset[str] = frozenset()
        forbidden_res: frozenset[int] = frozenset()
        if rng.random() < 0.25:
            forbidden_depts = frozenset({rng.choice(DEPARTMENTS)})
        if rng.random() < 0.2:
            forbidden_res = frozenset(m.id for m in rng.sample(members, 2))
        leaders.append(Leader(1000 + lid, rng.choice((2, 3)), forbidden_res, forbidden_depts))
    # Make sure there is some slack in total capacity (a programme plans with a margin).
    while sum(lead.capacity for lead in leaders) < math.ceil(1.1 * n_groups):
        lead = rng.choice(leaders)
        leaders[leaders.index(lead)] = Leader(
            lead.id, lead.capacity + 1, lead.forbidden_residents, lead.forbidden_departments
        )
    return leaders


def generate_cohort(n: int, seed: int = 0) -> Problem:
    """A realistic, seeded cohort of ``n`` residents with intervisors and default rules plus
    continuity (keep_previous) on."""
    rng = random.Random(seed)
    members = _with_conflicts(_with_history(_members(n, rng), rng), rng)
    rules = Rules(keep_previous=True)
    n_groups = choose_group_count(Problem(tuple(members), (Leader(0, n),), rules)) or 1
    leaders = _leaders(n_groups, members, rng)
    return Problem(tuple(members), tuple(leaders), rules)


def _row(n: int, time_limit: float, workers: int, seed: int) -> str:
    problem = generate_cohort(n, seed)
    t0 = time.monotonic()
    alone = greedy(problem, seed, time_limit=max(1.0, 0.15 * time_limit))
    greedy_time = time.monotonic() - t0
    greedy_obj = objective_of(problem, alone) if alone else None

    result = compose(problem, time_limit=time_limit, workers=workers, seed=seed)
    broken = check_proposal(problem, result.assignment) if result.assignment else []
    never_worse = greedy_obj is None or (result.objective is not None and result.objective <= greedy_obj)
    cells = [
        f"{n:>4}",
        f"{result.n_groups or 0:>3}",
        f"{_fmt(greedy_obj):>7}",
        f"{greedy_time:>6.2f}",
        f"{_fmt(result.objective):>7}",
        f"{_fmt(result.bound):>7}",
        f"{_pct(result.gap):>6}",
        f"{result.wall_time:>6.1f}",
        f"{result.status.value:>10}",
        f"{result.source:>6}",
        f"{len(broken):>6}",
        "yes" if never_worse else "NO",
    ]
    return "  ".join(cells)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="60,120,250,500")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="seconds per size (default: 30, and 60 from 250 residents up)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    header = [
        "   n",
        "  G",
        "greedy",
        "  time",
        "solver",
        "  bound",
        "   gap",
        "  time",
        "    status",
        "source",
        "broken",
        "never worse",
    ]
    print("  ".join(header))
    for n in (int(s) for s in args.sizes.split(",")):
        limit = args.time_limit or (30.0 if n < 250 else 60.0)
        print(_row(n, limit, args.workers, args.seed), flush=True)


if __name__ == "__main__":
    main()
