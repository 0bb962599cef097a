"""Group composition engine: split a cohort of residents into intervision groups.

Pure Python plus OR-Tools CP-SAT; no Django imports, so it can be tested and benchmarked alone.
Plain frozen dataclasses go in (:class:`Problem`) and come out (:class:`CompositionResult`).

Hard rules (never broken by a returned grouping, re-checked by :func:`check_proposal`):

* every resident is in exactly one group, and the number of groups is fixed (given, or derived by
  :func:`choose_group_count`);
* group sizes lie in ``[rules.min_size, rules.max_size]``;
* at most ``rules.max_per_specialty`` residents of one specialty per group (``None``: no cap);
* no two residents with a supervision/assessment conflict (:attr:`Member.conflicts`) share a group,
  nor does any pair in ``rules.keep_apart``; every pair in ``rules.keep_together`` does;
* each group has exactly one intervisor, who leads at most ``capacity`` groups and none of their
  forbidden residents or residents from their forbidden departments.

Soft objective (minimised; a weighted sum of four penalties, weights in :class:`Weights`), with
``G`` groups:

* ``specialty``: over groups and specialties, ``max(0, count - 1)`` — every resident beyond the
  first of their specialty in a group costs one. Its unavoidable part is
  ``sum_s max(0, n_s - G)``.
* ``training_year``: for each training year ``y`` with ``n_y`` residents, a group should hold
  between ``floor(n_y / G)`` and ``ceil(n_y / G)`` of them; each resident outside that band costs
  one. So every group gets its fair share of juniors and seniors.
* ``continuity`` (only with ``rules.keep_previous``): for each previous group, the number of
  groups its members are now spread over, minus one. Keeping last year's group together costs 0.
* ``size``: each member by which a group is above ``ceil(n / G)`` or below ``floor(n / G)``.

Pipeline of :func:`compose`: counting pre-checks that explain infeasibility in plain words →
:func:`greedy` (construction + local search) → CP-SAT warm-started with the greedy grouping
(``add_hint``), with the symmetry between interchangeable groups broken by numbering groups in
order of their first member (a restricted growth string) → the better of the two. The reported
bound is the better of CP-SAT's proven bound and a counting bound on the specialty term.

This module holds the model, the checks and the greedy heuristic, and imports nothing heavy:
the web process uses it to check and score a proposal a coordinator adjusts by hand
(:func:`check_proposal`, :func:`objective_of`). The exact solver, :func:`planning.solver.compose`,
lives in ``planning/solver.py``, the only module that imports OR-Tools (which loads pandas
too), so only the worker that solves a composition carries them.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

ProgressCallback = Callable[[float, str], None]

# ---------------------------------------------------------------------------------------------
# Input and output types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A resident to place. ``conflicts`` are ids of residents they must never share a group with
    (supervision or assessment relations); the relation is made symmetric by the engine."""

    id: int
    specialty: str
    department: str
    training_year: int
    previous_group: str | None = None
    conflicts: frozenset[int] = frozenset()
    name: str = ""


@dataclass(frozen=True)
class Leader:
    """An intervisor who may lead up to ``capacity`` groups, never one that contains a forbidden
    resident or a resident from a forbidden department."""

    id: int
    capacity: int
    forbidden_residents: frozenset[int] = frozenset()
    forbidden_departments: frozenset[str] = frozenset()
    name: str = ""


@dataclass(frozen=True)
class Weights:
    """Integer weights of the soft objective (CP-SAT needs integer coefficients).

    Defaults: a mix of specialties matters most (the point of cross-specialty intervision), then
    continuity of last year's groups, then a fair spread of training years, then even sizes.
    """

    specialty: int = 4
    continuity: int = 3
    training_year: int = 2
    size: int = 1


@dataclass(frozen=True)
class Rules:
    """The coordinator's rules. Pairs are resident ids; pairs naming residents outside the cohort
    are ignored. ``n_groups=None`` lets :func:`choose_group_count` pick the number of groups."""

    min_size: int = 6
    max_size: int = 8
    max_per_specialty: int | None = 2
    keep_together: tuple[tuple[int, int], ...] = ()
    keep_apart: tuple[tuple[int, int], ...] = ()
    keep_previous: bool = False
    n_groups: int | None = None
    weights: Weights = field(default_factory=Weights)


@dataclass(frozen=True)
class Problem:
    members: tuple[Member, ...]
    leaders: tuple[Leader, ...]
    rules: Rules = field(default_factory=Rules)


@dataclass(frozen=True)
class Group:
    """One group of a grouping: resident ids and the id of its intervisor (``None`` if unset)."""

    member_ids: tuple[int, ...]
    leader_id: int | None


@dataclass(frozen=True)
class Assignment:
    groups: tuple[Group, ...]


class Message(str):
    """A sentence for people: the English text wherever a ``str`` is expected (logs, tests,
    programs), carrying a stable ``code`` and its ``params`` (names and numbers) so that an app
    can say it in another language. The codes and their parameters are listed in
    ``MESSAGE_CODES``; ``sessions_app/composition_text.py`` translates them."""

    code: str
    params: dict

    def __new__(cls, text: str, code: str, **params: object) -> Message:
        self = super().__new__(cls, text)
        self.code, self.params = code, params
        return self

    def __reduce__(self):  # pickles and copies keep the code (str's own would drop it)
        return (_message, (str(self), self.code, self.params))


def _message(text: str, code: str, params: dict) -> Message:
    return Message(text, code, **params)


# Every code a Message of the engines (this module and ``solver``) carries, with its parameters.
MESSAGE_CODES: dict[str, tuple[str, ...]] = {
    # the rules themselves
    "min_size_below_one": ("min_size",),
    "sizes_reversed": ("min_size", "max_size"),
    "specialty_cap_zero": (),
    "group_count_below_one": ("groups",),
    # counting the cohort
    "cohort_empty": (),
    "cohort_too_small": ("n", "min_size"),
    "sizes_do_not_split": ("n", "min_size", "max_size", "most", "least"),
    "no_intervisor": (),
    "too_few_groups_asked": ("n", "least", "max_size", "groups"),
    "groups_cannot_be_filled": ("n", "groups", "min_size"),
    "groups_beyond_capacity": ("groups", "capacity"),
    "capacity_too_small": ("n", "least", "max_size", "capacity"),
    "no_group_count_fits": ("least", "most"),
    "specialty_cannot_spread": ("count", "specialty", "groups", "cap"),
    "together_and_conflict": ("a", "b"),
    "together_and_apart": ("a", "b"),
    "linked_and_conflict": ("a", "b"),
    "linked_and_apart": ("a", "b"),
    "together_too_big": ("who", "count", "max_size"),
    "together_specialty_over": ("who", "count", "specialty", "cap"),
    "no_leader_for": ("who",),
    "no_leader_for_together": ("who",),
    # a grouping's broken rules (Violation.message)
    "unknown_resident": ("group", "resident"),
    "unassigned": ("name",),
    "duplicate": ("name", "groups"),
    "size_over": ("group", "count", "max_size"),
    "size_under": ("group", "count", "min_size"),
    "specialty_over": ("group", "count", "specialty", "cap", "names"),
    "conflict": ("group", "a", "b"),
    "keep_apart": ("group", "a", "b"),
    "leader_missing": ("group",),
    "leader_unknown": ("group",),
    "leader_forbidden_resident": ("group", "leader", "name"),
    "leader_forbidden_department": ("group", "leader", "department", "name"),
    "leader_capacity": ("leader", "count", "capacity", "groups"),
    "keep_together": ("a", "b", "group_a", "group_b"),
    "group_count": ("count", "asked"),
    # the solver's diagnosis (planning.solver)
    "infeasible_with_groups": ("groups",),
    "possible_without": ("rule",),  # rule: one of RELAXED_RULES
    # progress
    "progress_first_grouping": ("attempt",),
    "progress_greedy": ("score",),
    "progress_no_greedy": (),
    "progress_solution": ("count", "score", "bound"),
    "progress_bound": ("bound",),
    "progress_done": ("status",),
}

# The rule families the solver's diagnosis drops one at a time (``possible_without``'s rule).
RELAXED_RULES = ("specialty_cap", "keep_apart", "keep_together", "conflicts", "exclusions", "sizes")


@dataclass(frozen=True)
class Violation:
    """A broken hard rule. ``group`` is 1-based as shown to coordinators (``None``: not tied to one
    group); ``rule`` is a stable code for programs, ``message`` the sentence for people."""

    rule: str
    message: str  # a Message: its code and parameters say it in other languages
    group: int | None = None
    resident_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ObjectiveBreakdown:
    """The unweighted penalty counts and the weighted total (see the module docstring)."""

    specialty: int
    training_year: int
    continuity: int
    size: int
    total: int


class Status(StrEnum):
    OPTIMAL = "optimal"  # proven optimal
    FEASIBLE = "feasible"  # a grouping obeying every hard rule, optimality not proven
    INFEASIBLE = "infeasible"  # proven impossible: see messages
    UNKNOWN = "unknown"  # no grouping found in the time limit, impossibility not proven


@dataclass(frozen=True)
class CompositionResult:
    """What :func:`compose` found.

    ``objective`` is the weighted score of ``assignment`` (lower is better), ``bound`` the lower
    bound CP-SAT proved on any grouping, ``gap`` the relative gap
    ``(objective - bound) / max(1, objective)``. ``source`` says whether the grouping came from the
    solver or is the greedy one (when CP-SAT found nothing better in time).
    """

    status: Status
    assignment: Assignment | None
    objective: int | None
    bound: float | None
    gap: float | None
    wall_time: float
    greedy_objective: int | None
    greedy_time: float
    n_groups: int | None
    messages: tuple[str, ...] = ()
    source: str = ""
    breakdown: ObjectiveBreakdown | None = None

    @property
    def feasible(self) -> bool:
        return self.assignment is not None


# ---------------------------------------------------------------------------------------------
# Indexing: residents and leaders as small integers
# ---------------------------------------------------------------------------------------------


def _member_label(m: Member) -> str:
    return m.name or f"resident {m.id}"


def _leader_label(leader: Leader) -> str:
    return leader.name or f"intervisor {leader.id}"


class _Index:
    """Integer views of a problem shared by the checks, the heuristic and the model.

    Residents are numbered 0..n-1 in input order, leaders 0..L-1. Keep-together pairs are closed
    transitively into *units* that always move as one.
    """

    def __init__(self, problem: Problem) -> None:
        members, rules = problem.members, problem.rules
        self.problem = problem
        self.n = len(members)
        self.pos = {m.id: k for k, m in enumerate(members)}
        if len(self.pos) != self.n:
            raise ValueError("member ids must be unique")
        if len({leader.id for leader in problem.leaders}) != len(problem.leaders):
            raise ValueError("leader ids must be unique")
        self.specialties = sorted({m.specialty for m in members})
        spec_pos = {s: k for k, s in enumerate(self.specialties)}
        self.spec = [spec_pos[m.specialty] for m in members]
        self.year = [m.training_year for m in members]
        prev_sizes = Counter(m.previous_group for m in members if m.previous_group is not None)
        # Only previous groups with two or more members in this cohort can be split.
        self.prev_keys = sorted(k for k, c in prev_sizes.items() if c >= 2) if rules.keep_previous else []
        prev_pos = {k: p for p, k in enumerate(self.prev_keys)}
        self.prev = [prev_pos.get(m.previous_group or "", -1) for m in members]
        self.conflict_pairs = self._pairs((m.id, other) for m in members for other in m.conflicts)
        self.apart_pairs = self._pairs(rules.keep_apart) - self.conflict_pairs
        self.together_pairs = self._pairs(rules.keep_together)
        self.partners: list[list[int]] = [[] for _ in range(self.n)]
        for a, b in self.conflict_pairs | self.apart_pairs:
            self.partners[a].append(b)
            self.partners[b].append(a)
        self.units = self._units()
        self.unit_of = [0] * self.n
        for u, unit in enumerate(self.units):
            for k in unit:
                self.unit_of[k] = u
        self.leaders = problem.leaders
        self.forbidden: list[frozenset[int]] = [
            frozenset(
                k
                for k, m in enumerate(members)
                if m.id in leader.forbidden_residents or m.department in leader.forbidden_departments
            )
            for leader in problem.leaders
        ]
        self.forbidders: list[list[int]] = [[] for _ in range(self.n)]
        for li, forb in enumerate(self.forbidden):
            for k in forb:
                self.forbidders[k].append(li)

    def _pairs(self, pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
        """Pairs of resident ids → set of ordered index pairs, dropping unknown ids and self-pairs."""
        out = set()
        for a, b in pairs:
            if a in self.pos and b in self.pos and a != b:
                i, j = self.pos[a], self.pos[b]
                out.add((min(i, j), max(i, j)))
        return out

    def _units(self) -> list[list[int]]:
        parent = list(range(self.n))

        def find(k: int) -> int:
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        for a, b in self.together_pairs:
            parent[find(a)] = find(b)
        groups: dict[int, list[int]] = {}
        for k in range(self.n):
            groups.setdefault(find(k), []).append(k)
        return sorted(groups.values())

    def label(self, k: int) -> str:
        return _member_label(self.problem.members[k])

    def labels(self, ks: Iterable[int]) -> str:
        return ", ".join(self.label(k) for k in sorted(ks))


# ---------------------------------------------------------------------------------------------
# Group count and counting pre-checks
# ---------------------------------------------------------------------------------------------


def _total_capacity(problem: Problem) -> int:
    return sum(max(0, leader.capacity) for leader in problem.leaders)


def _group_count_range(problem: Problem) -> tuple[int, int]:
    """Numbers of groups that sizes, the specialty cap and intervisor capacity allow (lo > hi if
    none). Derived counts only; a given ``rules.n_groups`` is checked separately."""
    rules, n = problem.rules, len(problem.members)
    lo = math.ceil(n / rules.max_size)
    if rules.max_per_specialty:
        counts = Counter(m.specialty for m in problem.members)
        lo = max([lo, *(math.ceil(c / rules.max_per_specialty) for c in counts.values())])
    hi = min(n // rules.min_size, _total_capacity(problem))
    return lo, hi


def choose_group_count(problem: Problem) -> int | None:
    """The number of groups to form: ``rules.n_groups`` if given; otherwise the count whose average
    group size is nearest the middle of the size range (ties: fewer groups, so fewer intervisor
    hours), among those the size range, the specialty cap and the intervisors' total capacity
    allow. ``None`` if no count fits (:func:`explain_infeasibility` says why)."""
    rules = problem.rules
    if rules.n_groups is not None:
        return rules.n_groups
    lo, hi = _group_count_range(problem)
    if lo > hi or not problem.members:
        return None
    target = 2 * len(problem.members) / (rules.min_size + rules.max_size)
    return min(range(lo, hi + 1), key=lambda g: (abs(g - target), g))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _rule_errors(rules: Rules) -> list[str]:
    errors = []
    if rules.min_size < 1:
        errors.append(Message(f"the minimum group size must be at least 1, not {rules.min_size}",
                              "min_size_below_one", min_size=rules.min_size))
    if rules.max_size < rules.min_size:
        errors.append(Message(
            f"the minimum group size {rules.min_size} is larger than the maximum {rules.max_size}",
            "sizes_reversed", min_size=rules.min_size, max_size=rules.max_size))
    if rules.max_per_specialty is not None and rules.max_per_specialty < 1:
        errors.append(Message("at most 0 residents per specialty leaves no room for anyone",
                              "specialty_cap_zero"))
    if rules.n_groups is not None and rules.n_groups < 1:
        errors.append(Message(f"the number of groups must be at least 1, not {rules.n_groups}",
                              "group_count_below_one", groups=rules.n_groups))
    return errors


def _count_errors(problem: Problem) -> list[str]:
    """Cohort size against sizes, group count and intervisor capacity."""
    rules, n = problem.rules, len(problem.members)
    lo_size, hi_size = math.ceil(n / rules.max_size), n // rules.min_size
    capacity = _total_capacity(problem)
    if n == 0:
        return [Message("the cohort is empty", "cohort_empty")]
    if n < rules.min_size:
        return [Message(f"cohort of {n} is smaller than the minimum group size {rules.min_size}",
                        "cohort_too_small", n=n, min_size=rules.min_size)]
    errors = []
    if lo_size > hi_size:
        errors.append(Message(
            f"{n} residents cannot be split into groups of {rules.min_size} to {rules.max_size}: "
            f"{_plural(hi_size, 'group')} would be too few and {lo_size} too many",
            "sizes_do_not_split", n=n, min_size=rules.min_size, max_size=rules.max_size,
            most=hi_size, least=lo_size,
        ))
    if not problem.leaders or capacity == 0:
        errors.append(Message("no intervisor is available to lead a group", "no_intervisor"))
    elif rules.n_groups is not None:
        g = rules.n_groups
        if g * rules.max_size < n:
            errors.append(Message(
                f"{n} residents need at least {lo_size} groups of at most {rules.max_size}, "
                f"but {_plural(g, 'group')} {'was' if g == 1 else 'were'} asked for",
                "too_few_groups_asked", n=n, least=lo_size, max_size=rules.max_size, groups=g,
            ))
        if g * rules.min_size > n:
            errors.append(Message(
                f"{n} residents cannot fill {_plural(g, 'group')} of at least {rules.min_size}",
                "groups_cannot_be_filled", n=n, groups=g, min_size=rules.min_size))
        if g > capacity:
            errors.append(Message(
                f"{_plural(g, 'group')} need an intervisor each, "
                f"but the intervisors can lead only {capacity}",
                "groups_beyond_capacity", groups=g, capacity=capacity,
            ))
    elif lo_size > capacity:
        errors.append(Message(
            f"{n} residents need at least {lo_size} groups of at most {rules.max_size}, "
            f"but the intervisors can lead only {capacity}",
            "capacity_too_small", n=n, least=lo_size, max_size=rules.max_size, capacity=capacity,
        ))
    return errors


def _specialty_errors(problem: Problem) -> list[str]:
    rules = problem.rules
    cap = rules.max_per_specialty
    if not cap:
        return []
    n = len(problem.members)
    most = (
        rules.n_groups if rules.n_groups is not None else min(n // rules.min_size, _total_capacity(problem))
    )
    errors = []
    for specialty, count in sorted(Counter(m.specialty for m in problem.members).items()):
        if most >= 1 and count > most * cap:
            errors.append(Message(
                f"{count} {specialty} residents cannot be spread over {_plural(most, 'group')} "
                f"with at most {cap} per group",
                "specialty_cannot_spread", count=count, specialty=specialty, groups=most, cap=cap,
            ))
    return errors


def _pair_errors(idx: _Index) -> list[str]:
    """Keep-together pairs that clash with conflicts or keep-apart pairs (also transitively)."""
    errors = []
    for a, b in sorted(idx.together_pairs):
        pair = f"({idx.label(a)}, {idx.label(b)})"
        names = {"a": idx.label(a), "b": idx.label(b)}
        if (a, b) in idx.conflict_pairs:
            errors.append(Message(f"keep-together pair {pair} is also a conflict pair",
                                  "together_and_conflict", **names))
        elif (a, b) in idx.apart_pairs:
            errors.append(Message(f"keep-together pair {pair} is also a keep-apart pair",
                                  "together_and_apart", **names))
    for a, b in sorted(idx.conflict_pairs | idx.apart_pairs):
        if idx.unit_of[a] == idx.unit_of[b] and (a, b) not in idx.together_pairs:
            conflict = (a, b) in idx.conflict_pairs
            kind = "a conflict" if conflict else "a keep-apart pair"
            errors.append(Message(
                f"{idx.label(a)} and {idx.label(b)} are linked by keep-together pairs but are also {kind}",
                "linked_and_conflict" if conflict else "linked_and_apart", a=idx.label(a), b=idx.label(b),
            ))
    return errors


def _unit_errors(idx: _Index) -> list[str]:
    """Keep-together units (and single residents) that no group could hold or no leader lead."""
    rules = idx.problem.rules
    errors = []
    for unit in idx.units:
        who = idx.labels(unit)
        if len(unit) > rules.max_size:
            errors.append(Message(
                f"keep-together residents {who} ({len(unit)}) exceed the maximum group size {rules.max_size}",
                "together_too_big", who=who, count=len(unit), max_size=rules.max_size,
            ))
        if rules.max_per_specialty:
            for s, c in sorted(Counter(idx.spec[k] for k in unit).items()):
                if c > rules.max_per_specialty:
                    errors.append(Message(
                        f"keep-together residents {who} include {c} {idx.specialties[s]} "
                        f"residents (at most {rules.max_per_specialty} per group)",
                        "together_specialty_over", who=who, count=c, specialty=idx.specialties[s],
                        cap=rules.max_per_specialty,
                    ))
        if idx.leaders and all(any(k in f for k in unit) for f in idx.forbidden):
            errors.append(Message(
                f"no intervisor may lead {who if len(unit) == 1 else 'keep-together residents ' + who}"
                ": every intervisor is excluded for them",
                "no_leader_for" if len(unit) == 1 else "no_leader_for_together", who=who,
            ))
    return errors


def explain_infeasibility(problem: Problem) -> list[str]:
    """Plain-word reasons, found by counting, why no grouping can meet the rules; empty if the
    counting arguments find none (the solver may still prove infeasibility)."""
    errors = _rule_errors(problem.rules)
    if errors:
        return errors
    errors = _count_errors(problem)
    if len(problem.members) < problem.rules.min_size:
        return errors  # nothing else is worth saying about a cohort that fills no group
    specialty = _specialty_errors(problem)
    if not errors and not specialty and problem.rules.n_groups is None:
        lo, hi = _group_count_range(problem)
        if lo > hi:
            errors.append(Message(
                f"no number of groups fits: the sizes and specialty cap need at least {lo}, "
                f"the sizes and intervisor capacity allow at most {hi}",
                "no_group_count_fits", least=lo, most=hi,
            ))
    errors += specialty
    idx = _Index(problem)
    return errors + _pair_errors(idx) + _unit_errors(idx)


# ---------------------------------------------------------------------------------------------
# Scoring and checking any grouping
# ---------------------------------------------------------------------------------------------


def _band(total: int, groups: int) -> tuple[int, int]:
    """The fair share of ``total`` items over ``groups`` groups: floor and ceiling."""
    return total // groups, -(-total // groups)


def _outside(count: int, lo: int, hi: int) -> int:
    return max(0, count - hi) + max(0, lo - count)


def objective_breakdown(problem: Problem, assignment: Assignment) -> ObjectiveBreakdown:
    """Score a grouping, hand-edited or not (residents not in the cohort are ignored)."""
    idx = _Index(problem)
    weights = problem.rules.weights
    g_count = max(1, len(assignment.groups))
    year_totals = Counter(idx.year)
    year_band = {y: _band(c, g_count) for y, c in year_totals.items()}
    size_lo, size_hi = _band(idx.n, g_count)
    specialty = year = size = 0
    spans: Counter[int] = Counter()
    for group in assignment.groups:
        ks = [idx.pos[i] for i in group.member_ids if i in idx.pos]
        size += _outside(len(ks), size_lo, size_hi)
        specialty += sum(c - 1 for c in Counter(idx.spec[k] for k in ks).values())
        year_counts = Counter(idx.year[k] for k in ks)
        # Years absent from the group count too: they fall short of the band's floor.
        year += sum(_outside(year_counts[y], *band) for y, band in year_band.items())
        spans.update({idx.prev[k] for k in ks if idx.prev[k] >= 0})
    continuity = sum(c - 1 for c in spans.values())
    total = (
        weights.specialty * specialty
        + weights.training_year * year
        + weights.continuity * continuity
        + weights.size * size
    )
    return ObjectiveBreakdown(specialty, year, continuity, size, total)


def objective_of(problem: Problem, assignment: Assignment) -> int:
    """The weighted soft objective of a grouping (lower is better)."""
    return objective_breakdown(problem, assignment).total


def _membership_violations(idx: _Index, assignment: Assignment) -> list[Violation]:
    seen: dict[int, list[int]] = {}
    out = []
    for g, group in enumerate(assignment.groups, start=1):
        for rid in group.member_ids:
            if rid not in idx.pos:
                text = Message(f"Group {g}: {rid} is not in the cohort", "unknown_resident",
                               group=g, resident=rid)
                out.append(Violation("unknown_resident", text, g, (rid,)))
            else:
                seen.setdefault(rid, []).append(g)
    for m in idx.problem.members:
        where = seen.get(m.id, [])
        if not where:
            text = Message(f"{_member_label(m)} is in no group", "unassigned", name=_member_label(m))
            out.append(Violation("unassigned", text, None, (m.id,)))
        elif len(where) > 1:
            groups = " and ".join(str(g) for g in where)
            text = Message(f"{_member_label(m)} is in groups {groups}", "duplicate",
                           name=_member_label(m), groups=groups)
            out.append(Violation("duplicate", text, None, (m.id,)))
    return out


def _group_violations(idx: _Index, g: int, ks: list[int]) -> list[Violation]:
    rules, members = idx.problem.rules, idx.problem.members
    out = []
    if len(ks) > rules.max_size:
        text = Message(f"Group {g} has {len(ks)} members (at most {rules.max_size})",
                       "size_over", group=g, count=len(ks), max_size=rules.max_size)
        out.append(Violation("size", text, g))
    if len(ks) < rules.min_size:
        text = Message(f"Group {g} has {len(ks)} members (at least {rules.min_size})",
                       "size_under", group=g, count=len(ks), min_size=rules.min_size)
        out.append(Violation("size", text, g))
    if rules.max_per_specialty:
        by_spec: dict[int, list[int]] = {}
        for k in ks:
            by_spec.setdefault(idx.spec[k], []).append(k)
        for s, those in sorted(by_spec.items()):
            if len(those) > rules.max_per_specialty:
                ids = tuple(members[k].id for k in those)
                out.append(
                    Violation(
                        "specialty",
                        Message(f"Group {g} has {len(those)} {idx.specialties[s]} residents "
                                f"(at most {rules.max_per_specialty}): {idx.labels(those)}",
                                "specialty_over", group=g, count=len(those), specialty=idx.specialties[s],
                                cap=rules.max_per_specialty, names=idx.labels(those)),
                        g,
                        ids,
                    )
                )
    inside = set(ks)
    for a, b in sorted(idx.conflict_pairs | idx.apart_pairs):
        if a in inside and b in inside:
            ids = (members[a].id, members[b].id)
            if (a, b) in idx.conflict_pairs:
                text = Message(f"Group {g}: {idx.label(a)} and {idx.label(b)} have a supervision or "
                               "assessment relation", "conflict", group=g, a=idx.label(a), b=idx.label(b))
                out.append(Violation("conflict", text, g, ids))
            else:
                text = Message(f"Group {g}: {idx.label(a)} and {idx.label(b)} must be kept apart",
                               "keep_apart", group=g, a=idx.label(a), b=idx.label(b))
                out.append(Violation("keep_apart", text, g, ids))
    return out


def _leader_violations(idx: _Index, assignment: Assignment) -> list[Violation]:
    leaders = {leader.id: leader for leader in idx.problem.leaders}
    load: dict[int, list[int]] = {}
    out = []
    for g, group in enumerate(assignment.groups, start=1):
        leader = leaders.get(group.leader_id) if group.leader_id is not None else None
        if leader is None:
            what = "no intervisor" if group.leader_id is None else "an unknown intervisor"
            code = "leader_missing" if group.leader_id is None else "leader_unknown"
            out.append(Violation("leader_missing", Message(f"Group {g} has {what}", code, group=g), g))
            continue
        load.setdefault(leader.id, []).append(g)
        for rid in group.member_ids:
            m = idx.problem.members[idx.pos[rid]] if rid in idx.pos else None
            if m is None:
                continue
            if m.id in leader.forbidden_residents:
                text = Message(f"Group {g}: {_leader_label(leader)} must not lead {_member_label(m)}",
                               "leader_forbidden_resident", group=g, leader=_leader_label(leader),
                               name=_member_label(m))
                out.append(Violation("leader_forbidden_resident", text, g, (m.id,)))
            elif m.department in leader.forbidden_departments:
                text = Message(
                    f"Group {g}: {_leader_label(leader)} must not lead residents from "
                    f"{m.department} ({_member_label(m)})",
                    "leader_forbidden_department", group=g, leader=_leader_label(leader),
                    department=m.department, name=_member_label(m),
                )
                out.append(Violation("leader_forbidden_department", text, g, (m.id,)))
    for lid, groups in load.items():
        leader = leaders[lid]
        if len(groups) > leader.capacity:
            text = Message(
                f"{_leader_label(leader)} leads {len(groups)} groups (at most {leader.capacity}): "
                f"groups {', '.join(map(str, groups))}",
                "leader_capacity", leader=_leader_label(leader), count=len(groups),
                capacity=leader.capacity, groups=", ".join(map(str, groups)),
            )
            out.append(Violation("leader_capacity", text))
    return out


def _together_violations(idx: _Index, group_of: dict[int, int]) -> list[Violation]:
    out = []
    members = idx.problem.members
    for a, b in sorted(idx.together_pairs):
        ga, gb = group_of.get(a), group_of.get(b)
        if ga is not None and gb is not None and ga != gb:
            text = Message(f"{idx.label(a)} and {idx.label(b)} must be kept together "
                           f"but are in groups {ga} and {gb}", "keep_together",
                           a=idx.label(a), b=idx.label(b), group_a=ga, group_b=gb)
            out.append(Violation("keep_together", text, None, (members[a].id, members[b].id)))
    return out


def check_proposal(problem: Problem, assignment: Assignment) -> list[Violation]:
    """Every hard rule that ``assignment`` breaks, each named in plain words with its group
    (1-based) and residents. Empty means the grouping may be used."""
    idx = _Index(problem)
    out = _membership_violations(idx, assignment)
    rules = problem.rules
    if rules.n_groups is not None and len(assignment.groups) != rules.n_groups:
        out.append(
            Violation(
                "group_count",
                Message(f"There are {len(assignment.groups)} groups; {rules.n_groups} were asked for",
                        "group_count", count=len(assignment.groups), asked=rules.n_groups),
            )
        )
    group_of: dict[int, int] = {}
    for g, group in enumerate(assignment.groups, start=1):
        ks = [idx.pos[i] for i in group.member_ids if i in idx.pos]
        for k in ks:
            group_of.setdefault(k, g)
        out += _group_violations(idx, g, ks)
    out += _together_violations(idx, group_of)
    return out + _leader_violations(idx, assignment)


# ---------------------------------------------------------------------------------------------
# Greedy construction and local search
# ---------------------------------------------------------------------------------------------

# A hard violation costs more than any soft improvement a single move can bring, so the search
# first repairs and then improves (weights are small integers; a move changes few terms).
_HARD = 100_000


class _State:
    """A grouping under local search with incremental counts, so that the cost change of moving or
    swapping keep-together units is computed from a handful of counters."""

    def __init__(self, idx: _Index, g_count: int, leader_of: list[int]) -> None:
        rules = idx.problem.rules
        self.idx, self.G = idx, g_count
        self.w = rules.weights
        self.cap = rules.max_per_specialty or idx.n
        self.size_band = _band(idx.n, g_count)
        self.year_band = {y: _band(c, g_count) for y, c in Counter(idx.year).items()}
        self.group_of = [-1] * idx.n
        self.unit_group = [-1] * len(idx.units)
        self.members: list[set[int]] = [set() for _ in range(g_count)]
        self.size = [0] * g_count
        self.spec = [Counter[int]() for _ in range(g_count)]
        self.years = [Counter[int]() for _ in range(g_count)]
        self.prev = [Counter[int]() for _ in range(g_count)]
        self.leader_of = leader_of
        # Per-unit aggregates, computed once.
        self.u_spec = [Counter(idx.spec[k] for k in unit) for unit in idx.units]
        self.u_year = [Counter(idx.year[k] for k in unit) for unit in idx.units]
        self.u_prev = [Counter(idx.prev[k] for k in unit if idx.prev[k] >= 0) for unit in idx.units]
        self.u_forb = [[sum(1 for k in unit if k in forb) for forb in idx.forbidden] for unit in idx.units]

    # -- cost pieces -------------------------------------------------------------------------
    def _size_cost(self, s: int) -> int:
        rules = self.idx.problem.rules
        hard = _outside(s, rules.min_size, rules.max_size)
        return _HARD * hard + self.w.size * _outside(s, *self.size_band)

    def _spec_cost(self, c: int) -> int:
        return _HARD * max(0, c - self.cap) + self.w.specialty * max(0, c - 1)

    def _year_cost(self, y: int, c: int) -> int:
        return self.w.training_year * _outside(c, *self.year_band[y])

    def _partners_in(self, unit: int, g: int, skip: int) -> int:
        """Conflict/keep-apart partners of ``unit``'s members in group ``g``, except ``skip``."""
        group_of, unit_of = self.group_of, self.idx.unit_of
        return sum(
            1
            for k in self.idx.units[unit]
            for j in self.idx.partners[k]
            if group_of[j] == g and unit_of[j] != skip
        )

    def delta(self, u: int, b: int, v: int = -1) -> int:
        """Cost change of moving unit ``u`` to group ``b`` and, if ``v >= 0``, unit ``v`` (which
        is in ``b``) to ``u``'s group at the same time."""
        a = self.unit_group[u]
        d = 0
        nu, nv = len(self.idx.units[u]), (len(self.idx.units[v]) if v >= 0 else 0)
        if nu != nv:
            sa, sb = self.size[a], self.size[b]
            d += self._size_cost(sa - nu + nv) - self._size_cost(sa)
            d += self._size_cost(sb + nu - nv) - self._size_cost(sb)
        d += self._count_delta(a, b, self.u_spec[u], self.u_spec[v] if v >= 0 else None, "spec")
        d += self._count_delta(a, b, self.u_year[u], self.u_year[v] if v >= 0 else None, "year")
        d += self._prev_delta(a, b, self.u_prev[u], self.u_prev[v] if v >= 0 else None)
        hard = self._partners_in(u, b, v) - self._partners_in(u, a, u)
        la, lb = self.leader_of[a], self.leader_of[b]
        hard += self.u_forb[u][lb] - self.u_forb[u][la]
        if v >= 0:
            hard += self._partners_in(v, a, u) - self._partners_in(v, b, v)
            hard += self.u_forb[v][la] - self.u_forb[v][lb]
        return d + _HARD * hard

    def _count_delta(self, a: int, b: int, out: Counter[int], back: Counter[int] | None, kind: str) -> int:
        counts = self.spec if kind == "spec" else self.years
        keys = set(out) | set(back or ())
        d = 0
        for key in keys:
            diff = out.get(key, 0) - (back.get(key, 0) if back else 0)
            if diff == 0:
                continue
            ca, cb = counts[a][key], counts[b][key]
            if kind == "spec":
                d += self._spec_cost(ca - diff) - self._spec_cost(ca)
                d += self._spec_cost(cb + diff) - self._spec_cost(cb)
            else:
                d += self._year_cost(key, ca - diff) - self._year_cost(key, ca)
                d += self._year_cost(key, cb + diff) - self._year_cost(key, cb)
        return d

    def _prev_delta(self, a: int, b: int, out: Counter[int], back: Counter[int] | None) -> int:
        d = 0
        for p in set(out) | set(back or ()):
            diff = out.get(p, 0) - (back.get(p, 0) if back else 0)
            if diff == 0:
                continue
            ca, cb = self.prev[a][p], self.prev[b][p]
            d += (ca - diff > 0) - (ca > 0) + (cb + diff > 0) - (cb > 0)
        return self.w.continuity * d

    # -- changes -----------------------------------------------------------------------------
    def place(self, u: int, g: int) -> None:
        self.unit_group[u] = g
        for k in self.idx.units[u]:
            self.group_of[k] = g
            self.members[g].add(k)
        self.size[g] += len(self.idx.units[u])
        self.spec[g].update(self.u_spec[u])
        self.years[g].update(self.u_year[u])
        self.prev[g].update(self.u_prev[u])

    def remove(self, u: int) -> None:
        g = self.unit_group[u]
        self.unit_group[u] = -1
        for k in self.idx.units[u]:
            self.group_of[k] = -1
            self.members[g].discard(k)
        self.size[g] -= len(self.idx.units[u])
        self.spec[g].subtract(self.u_spec[u])
        self.years[g].subtract(self.u_year[u])
        self.prev[g].subtract(self.u_prev[u])

    def move(self, u: int, b: int, v: int = -1) -> None:
        a = self.unit_group[u]
        self.remove(u)
        if v >= 0:
            self.remove(v)
            self.place(v, a)
        self.place(u, b)

    def add_cost(self, u: int, g: int) -> int:
        """Cost change of adding an unplaced unit ``u`` to group ``g`` (used in construction)."""
        nu = len(self.idx.units[u])
        # During construction only overfilling is an error: groups grow towards their minimum.
        rules = self.idx.problem.rules
        d = _HARD * max(0, self.size[g] + nu - rules.max_size)
        d += self.w.size * (
            _outside(self.size[g] + nu, 0, self.size_band[1]) - _outside(self.size[g], 0, self.size_band[1])
        )
        for s, c in self.u_spec[u].items():
            d += self._spec_cost(self.spec[g][s] + c) - self._spec_cost(self.spec[g][s])
        for y, c in self.u_year[u].items():
            cur = self.years[g][y]
            hi = self.year_band[y][1]
            d += self.w.training_year * (max(0, cur + c - hi) - max(0, cur - hi))
        for p in self.u_prev[u]:
            # Joining a group that already holds part of the previous group keeps continuity.
            d += self.w.continuity * (self.prev[g][p] == 0)
        hard = self._partners_in(u, g, u) + self.u_forb[u][self.leader_of[g]]
        return d + _HARD * hard

    def forb_in(self, li: int, g: int) -> int:
        forb = self.idx.forbidden[li]
        return sum(1 for k in self.members[g] if k in forb)

    def hard_violations(self) -> int:
        rules = self.idx.problem.rules
        total = 0
        for g in range(self.G):
            total += _outside(self.size[g], rules.min_size, rules.max_size)
            total += sum(max(0, c - self.cap) for c in self.spec[g].values())
            total += self.forb_in(self.leader_of[g], g)
        total += sum(
            1
            for a, b in self.idx.conflict_pairs | self.idx.apart_pairs
            if self.group_of[a] == self.group_of[b]
        )
        return total


def _leader_slots(idx: _Index, g_count: int, rng: random.Random) -> list[int]:
    """Give each group an intervisor: one group per intervisor in turn (spreads the load), the
    least restricted intervisors first; later moves may swap or replace them."""
    order = sorted(range(len(idx.leaders)), key=lambda li: (len(idx.forbidden[li]), rng.random()))
    load = [0] * len(idx.leaders)
    slots: list[int] = []
    while len(slots) < g_count:
        progressed = False
        for li in order:
            if len(slots) < g_count and load[li] < idx.leaders[li].capacity:
                slots.append(li)
                load[li] += 1
                progressed = True
        if not progressed:
            raise ValueError("not enough intervisor capacity")  # excluded by the pre-checks
    return slots


def _construct(idx: _Index, g_count: int, rng: random.Random) -> _State:
    state = _State(idx, g_count, _leader_slots(idx, g_count, rng))
    spec_totals = Counter(idx.spec)
    prev_sizes = Counter(p for p in idx.prev if p >= 0)

    def order(u: int) -> tuple[float, ...]:
        unit = idx.units[u]
        prev = max((idx.prev[k] for k in unit), default=-1)
        return (
            -len(unit),
            # Whole previous groups one after another, largest first, so each can settle into a
            # group of its own; residents without one (first years) fill the gaps last.
            -prev_sizes[prev] if prev >= 0 else 1,
            prev,
            -sum(len(idx.forbidders[k]) for k in unit),
            -sum(len(idx.partners[k]) for k in unit),
            -max(spec_totals[idx.spec[k]] for k in unit),
            rng.random(),
        )

    for u in sorted(range(len(idx.units)), key=order):
        # Prefer the emptiest groups among equally good ones so all groups reach the minimum.
        best = min(range(g_count), key=lambda g: (state.add_cost(u, g), state.size[g], rng.random()))
        state.place(u, best)
    return state


def _improve_leaders(state: _State) -> bool:
    """Replace or swap intervisors to remove exclusions; True if anything changed."""
    idx, changed = state.idx, False
    load = Counter(state.leader_of)
    for g in range(state.G):
        cur = state.leader_of[g]
        here = state.forb_in(cur, g)
        if here == 0:
            continue
        for li in range(len(idx.leaders)):
            if li == cur:
                continue
            if load[li] < idx.leaders[li].capacity and state.forb_in(li, g) < here:
                state.leader_of[g] = li
                load[cur] -= 1
                load[li] += 1
                changed = True
                break
            swap = next(
                (
                    h
                    for h in range(state.G)
                    if state.leader_of[h] == li
                    and state.forb_in(li, g) + state.forb_in(cur, h) < here + state.forb_in(li, h)
                ),
                None,
            )
            if swap is not None:
                state.leader_of[g], state.leader_of[swap] = li, cur
                changed = True
                break
    return changed


def _local_search(state: _State, deadline: float, rng: random.Random) -> None:
    """Best-improvement moves and swaps of keep-together units until no move helps (a local
    optimum) or time runs out."""
    idx = state.idx
    units = list(range(len(idx.units)))
    improved = True
    while improved and time.monotonic() < deadline:
        improved = _improve_leaders(state)
        rng.shuffle(units)
        for u in units:
            if time.monotonic() >= deadline:
                return
            a = state.unit_group[u]
            best, best_move = 0, None
            for b in range(state.G):
                if b == a:
                    continue
                d = state.delta(u, b)
                if d < best:
                    best, best_move = d, (b, -1)
            for v in units:
                b = state.unit_group[v]
                if b == a:
                    continue
                d = state.delta(u, b, v)
                if d < best:
                    best, best_move = d, (b, v)
            if best_move is not None:
                state.move(u, *best_move)
                improved = True


def _to_assignment(idx: _Index, group_of: Sequence[int], leader_of: Sequence[int]) -> Assignment:
    """Groups numbered in order of their first member (the solver's symmetry-breaking order)."""
    order: dict[int, int] = {}
    for k in range(idx.n):
        order.setdefault(group_of[k], len(order))
    members: list[list[int]] = [[] for _ in order]
    for k in range(idx.n):
        members[order[group_of[k]]].append(idx.problem.members[k].id)
    leaders = [0] * len(order)
    for g, new in order.items():
        leaders[new] = idx.leaders[leader_of[g]].id
    return Assignment(tuple(Group(tuple(ms), lid) for ms, lid in zip(members, leaders, strict=True)))


def greedy(
    problem: Problem,
    seed: int = 0,
    *,
    time_limit: float = 2.0,
    on_progress: ProgressCallback | None = None,
) -> Assignment | None:
    """A fast heuristic grouping that meets every hard rule, or ``None`` if none was found (or the
    pre-checks show none exists).

    Keep-together units are placed hardest first into the group where they cost least, then a
    local search moves and swaps units (and swaps intervisors) while that lowers the cost, in
    which a hard-rule breach weighs more than any soft gain. If breaches remain, it restarts with
    another random tie-break until ``time_limit`` seconds have passed.
    """
    if explain_infeasibility(problem):
        return None
    g_count = choose_group_count(problem)
    if g_count is None:
        return None
    idx = _Index(problem)
    rng = random.Random(seed)
    start = time.monotonic()
    deadline = start + time_limit
    attempt = 0
    while True:
        attempt += 1
        state = _construct(idx, g_count, rng)
        if on_progress:
            on_progress(0.0, Message(f"First grouping built (attempt {attempt}); improving it",
                                     "progress_first_grouping", attempt=attempt))
        _local_search(state, deadline, rng)
        if state.hard_violations() == 0:
            return _to_assignment(idx, state.group_of, state.leader_of)
        if time.monotonic() >= deadline:
            return None
