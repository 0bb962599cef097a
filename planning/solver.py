"""The exact group composition solver: OR-Tools CP-SAT, warm-started by the greedy heuristic.

The model, the rules, the checks and the heuristic are in ``planning.composition``; this module
adds the CP-SAT model and :func:`compose`, the whole pipeline. It is the only module of the
project that imports OR-Tools, so only the worker that solves a composition loads it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

from ortools.sat.python import cp_model

from .composition import (
    Assignment,
    CompositionResult,
    Message,
    Problem,
    ProgressCallback,
    Status,
    _band,
    _Index,
    _outside,
    _plural,
    _to_assignment,
    choose_group_count,
    explain_infeasibility,
    greedy,
    objective_breakdown,
    objective_of,
)

# ---------------------------------------------------------------------------------------------
# CP-SAT model
# ---------------------------------------------------------------------------------------------


def _count_hint(ks: list[int], g: int, of_count: Callable[[int], int]) -> Callable[[list[int]], int]:
    """Hint for a variable that is a function of how many of ``ks`` are in group ``g``."""
    return lambda group_of: of_count(sum(group_of[k] == g for k in ks))


def _spread_hint(ks: list[int]) -> Callable[[list[int]], int]:
    """Hint for the number of extra groups the residents ``ks`` are spread over."""
    return lambda group_of: len({group_of[k] for k in ks}) - 1


class _Model:
    """The exact model. ``x[k][g]``: resident ``k`` in group ``g``; ``y[l][g]``: intervisor ``l``
    leads group ``g``. Groups are numbered in order of their first member (resident ``k`` may
    open group ``g`` only if groups ``0..g-1`` are already opened by residents ``< k``), which
    keeps exactly one of the ``G!`` equivalent numberings of every grouping; intervisors are
    per-group variables, so renumbering groups carries them along and no solution is lost.
    """

    def __init__(self, idx: _Index, g_count: int, *, with_objective: bool = True) -> None:
        self.idx, self.G = idx, g_count
        self.m = cp_model.CpModel()
        # Auxiliary variables and how to compute their value from a resident → group list.
        self.hints: list[tuple[cp_model.IntVar, Callable[[list[int]], int]]] = []
        self._assignment_vars()
        self._symmetry_breaking()
        self._hard_rules()
        self.terms: dict[str, list[cp_model.LinearExprT]] = {}
        if with_objective:
            self._objective()

    def _assignment_vars(self) -> None:
        idx, m, G = self.idx, self.m, self.G
        # Resident k can only be in groups 0..k (first-member numbering): no variable otherwise.
        self.x = [
            [m.new_bool_var(f"x{k}_{g}") if g <= k else m.new_constant(0) for g in range(G)]
            for k in range(idx.n)
        ]
        for k in range(idx.n):
            m.add_exactly_one(self.x[k])
        self.y = [[m.new_bool_var(f"y{li}_{g}") for g in range(G)] for li in range(len(idx.leaders))]
        for g in range(G):
            m.add_exactly_one(self.y[li][g] for li in range(len(idx.leaders)))
        for li, leader in enumerate(idx.leaders):
            if leader.capacity < G:
                m.add(sum(self.y[li]) <= leader.capacity)

    def _symmetry_breaking(self) -> None:
        idx, m, G = self.idx, self.m, self.G
        # a[k] = group of k; top[k] = highest group among residents 0..k; a[k] <= top[k-1] + 1.
        self.a = [m.new_int_var(0, min(k, G - 1), f"a{k}") for k in range(idx.n)]
        self.top = [m.new_int_var(0, min(k, G - 1), f"top{k}") for k in range(idx.n)]
        for k in range(idx.n):
            m.add(self.a[k] == sum(g * self.x[k][g] for g in range(1, min(k, G - 1) + 1)))
        m.add(self.top[0] == 0)
        for k in range(1, idx.n):
            m.add(self.a[k] <= self.top[k - 1] + 1)
            m.add_max_equality(self.top[k], [self.top[k - 1], self.a[k]])
        m.add(self.top[idx.n - 1] == G - 1)

    def _hard_rules(self) -> None:
        idx, m, G, x = self.idx, self.m, self.G, self.x
        rules = idx.problem.rules
        self.size = [sum(x[k][g] for k in range(idx.n)) for g in range(G)]
        for g in range(G):
            m.add_linear_constraint(self.size[g], rules.min_size, rules.max_size)
        cap = rules.max_per_specialty
        self.by_spec = [[k for k in range(idx.n) if idx.spec[k] == s] for s in range(len(idx.specialties))]
        for ks in self.by_spec:
            if cap and len(ks) > cap:
                for g in range(G):
                    m.add(sum(x[k][g] for k in ks) <= cap)
        for a, b in idx.conflict_pairs | idx.apart_pairs:
            for g in range(G):
                m.add_bool_or([x[a][g].negated(), x[b][g].negated()])
        for a, b in idx.together_pairs:
            for g in range(G):
                m.add(x[a][g] == x[b][g])
        # Resident in group g ⇒ none of the intervisors excluded for them leads g. One clique per
        # (resident, group) is much tighter than "leader ⇒ no forbidden member" per leader.
        for k in range(idx.n):
            if idx.forbidders[k]:
                for g in range(G):
                    m.add_at_most_one([x[k][g], *(self.y[li][g] for li in idx.forbidders[k])])

    def _objective(self) -> None:
        idx, m, G, x = self.idx, self.m, self.G, self.x
        w = idx.problem.rules.weights
        cap = idx.problem.rules.max_per_specialty
        spec_terms = []
        for ks in self.by_spec:
            if len(ks) < 2 or not w.specialty:
                continue
            top = min(len(ks), cap or len(ks)) - 1
            excess = [m.new_int_var(0, top, "") for _ in range(G)]
            for g in range(G):
                m.add(sum(x[k][g] for k in ks) - excess[g] <= 1)
                self._hint(excess[g], _count_hint(ks, g, lambda c: max(0, c - 1)))
            # Redundant but tightening: the excess no grouping can avoid.
            m.add(sum(excess) >= len(ks) - G)
            spec_terms += excess
        year_terms = []
        if w.training_year:
            for y, total in sorted(Counter(idx.year).items()):
                ks = [k for k in range(idx.n) if idx.year[k] == y]
                year_terms += self._band_terms(ks, *_band(total, G))
        size_terms = self._band_terms(list(range(idx.n)), *_band(idx.n, G)) if w.size else []
        cont_terms: list[cp_model.LinearExprT] = []
        if w.continuity:
            for p in range(len(idx.prev_keys)):
                ks = [k for k in range(idx.n) if idx.prev[k] == p]
                present = [m.new_bool_var("") for _ in range(G)]
                for g in range(G):
                    for k in ks:
                        m.add_implication(x[k][g], present[g])
                    self._hint(present[g], _count_hint(ks, g, lambda c: int(c > 0)))
                # A named, non-negative split count (rather than "sum - 1" in the objective) lets
                # the solver's bound start at 0 instead of minus the number of previous groups.
                splits = m.new_int_var(0, min(G, len(ks)) - 1, "")
                m.add(splits == sum(present) - 1)
                self._hint(splits, _spread_hint(ks))
                cont_terms.append(splits)
        self.terms = {
            "specialty": spec_terms,
            "training_year": year_terms,
            "continuity": cont_terms,
            "size": size_terms,
        }
        m.minimize(
            w.specialty * sum(spec_terms)
            + w.training_year * sum(year_terms)
            + w.continuity * sum(cont_terms)
            + w.size * sum(size_terms)
        )

    def _band_terms(self, ks: list[int], lo: int, hi: int) -> list[cp_model.IntVar]:
        """Per group, how far the count of ``ks`` lies outside ``[lo, hi]``."""
        m, G, x = self.m, self.G, self.x
        out = []
        for g in range(G):
            count = sum(x[k][g] for k in ks)
            dev = m.new_int_var(0, max(lo, len(ks) - hi, 0), "")
            m.add(dev >= count - hi)
            if lo > 0:
                m.add(dev >= lo - count)
            self._hint(dev, _count_hint(ks, g, lambda c, lo=lo, hi=hi: _outside(c, lo, hi)))
            out.append(dev)
        return out

    def _hint(self, var: cp_model.IntVar, value: Callable[[list[int]], int]) -> None:
        self.hints.append((var, value))

    def add_hint(self, assignment: Assignment) -> None:
        """Warm start from a grouping (numbered by first member, as :func:`_to_assignment` does)."""
        idx = self.idx
        group_of = [0] * idx.n
        leader_pos = {leader.id: li for li, leader in enumerate(idx.leaders)}
        leader_of = [leader_pos[g.leader_id] for g in assignment.groups if g.leader_id is not None]
        for g, group in enumerate(assignment.groups):
            for rid in group.member_ids:
                group_of[idx.pos[rid]] = g
        for k in range(idx.n):
            for g in range(min(k, self.G - 1) + 1):
                self.m.add_hint(self.x[k][g], group_of[k] == g)
            self.m.add_hint(self.a[k], group_of[k])
            self.m.add_hint(self.top[k], max(group_of[: k + 1]))
        for li in range(len(idx.leaders)):
            for g in range(self.G):
                self.m.add_hint(self.y[li][g], leader_of[g] == li)
        for var, value in self.hints:
            self.m.add_hint(var, value(group_of))

    def assignment(self, solver: cp_model.CpSolver) -> Assignment:
        idx = self.idx
        group_of = [
            next(g for g in range(self.G) if solver.boolean_value(self.x[k][g])) for k in range(idx.n)
        ]
        leader_of = [
            next(li for li in range(len(idx.leaders)) if solver.boolean_value(self.y[li][g]))
            for g in range(self.G)
        ]
        return _to_assignment(idx, group_of, leader_of)


# ---------------------------------------------------------------------------------------------
# Orchestration
# ---------------------------------------------------------------------------------------------


class _Progress:
    """Serialises progress reports from solver threads and keeps fractions non-decreasing."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.last = 0.0
        self.lock = threading.Lock()

    def __call__(self, fraction: float, message: str) -> None:
        if self.callback is None:
            return
        with self.lock:
            self.last = max(self.last, min(1.0, fraction))
            self.callback(self.last, message)


class _SolutionReporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: _Progress, start: float, budget: float, base: float) -> None:
        super().__init__()
        self.progress, self.start, self.budget, self.base = progress, start, budget, base
        self.count = 0

    def fraction(self) -> float:
        elapsed = time.monotonic() - self.start
        return self.base + (1.0 - self.base) * min(0.99, elapsed / max(self.budget, 1e-9))

    def on_solution_callback(self) -> None:
        self.count += 1
        self.progress(
            self.fraction(),
            Message(f"Solution {self.count}: score {self.objective_value:.0f}, "
                    f"proven bound {self.best_objective_bound:.0f}", "progress_solution",
                    count=self.count, score=round(self.objective_value),
                    bound=round(self.best_objective_bound)),
        )


_GREEDY_SHARE = 0.15  # of the time limit; the solver gets the rest
_FULL_PORTFOLIO = 8  # from this many workers CP-SAT's default portfolio includes core search
_CORE_MAX_CELLS = 5_000  # residents × groups up to which core search pays off (bench: 120 × 17)
_WRAP_UP = 0.1  # seconds kept back for reading the solution and scoring it


def _solve(
    idx: _Index,
    g_count: int,
    hint: Assignment | None,
    *,
    deadline: float,
    workers: int,
    seed: int,
    progress: _Progress | None = None,
    base: float = 0.0,
    with_objective: bool = True,
) -> tuple[cp_model.CpSolver, _Model, int]:
    model = _Model(idx, g_count, with_objective=with_objective)
    if hint is not None:
        model.add_hint(hint)
    # Building the model takes time too (seconds at 500 residents): count it against the limit.
    time_limit = deadline - time.monotonic() - _WRAP_UP
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    if with_objective and workers < _FULL_PORTFOLIO and idx.n * g_count <= _CORE_MAX_CELLS:
        # On few threads the default portfolio spends them on LP search, whose relaxation of
        # this assignment model barely moves the bound. Core-based search proves lower bounds on
        # a sum of small penalties far faster (120 residents: optimal in seconds instead of a
        # gap near 100%); LNS still runs interleaved. On large models core search stalls and
        # LP + LNS find better groupings, so those keep the default portfolio.
        solver.parameters.subsolvers.extend(["core", "default_lp"])
    if progress is not None:
        reporter = _SolutionReporter(progress, time.monotonic(), time_limit, base)
        solver.best_bound_callback = lambda bound: progress(
            reporter.fraction(), Message(f"Proven bound {bound:.0f}", "progress_bound", bound=round(bound)))
        status = solver.solve(model.m, reporter)
    else:
        status = solver.solve(model.m)
    return solver, model, status


# Each rule family the diagnosis drops: its code (composition.RELAXED_RULES), its English name,
# and the problem without it.
_RELAXATIONS: tuple[tuple[str, str, Callable[[Problem], Problem]], ...] = (
    ("specialty_cap", "the cap per specialty",
     lambda p: replace(p, rules=replace(p.rules, max_per_specialty=None))),
    ("keep_apart", "the keep-apart pairs", lambda p: replace(p, rules=replace(p.rules, keep_apart=()))),
    ("keep_together", "the keep-together pairs",
     lambda p: replace(p, rules=replace(p.rules, keep_together=()))),
    (
        "conflicts", "the supervision/assessment conflicts",
        lambda p: replace(p, members=tuple(replace(m, conflicts=frozenset()) for m in p.members)),
    ),
    (
        "exclusions", "the intervisors' exclusions",
        lambda p: replace(
            p,
            leaders=tuple(
                replace(lead, forbidden_residents=frozenset(), forbidden_departments=frozenset())
                for lead in p.leaders
            ),
        ),
    ),
    (
        "sizes", "the group size range",
        lambda p: replace(p, rules=replace(p.rules, min_size=1, max_size=len(p.members))),
    ),
)


def _diagnose(problem: Problem, g_count: int, budget: float, workers: int) -> list[tuple[str, str]]:
    """After CP-SAT proved the rules infeasible: which single rule family, dropped, makes them
    feasible (each tried as a pure feasibility problem with a short time limit)."""
    fixed = replace(problem, rules=replace(problem.rules, n_groups=g_count))
    each = budget / len(_RELAXATIONS)
    culprits = []
    for code, name, relax in _RELAXATIONS:
        if each < 0.05:
            break
        relaxed = relax(fixed)
        if explain_infeasibility(relaxed):
            continue
        solver, _, status = _solve(
            _Index(relaxed),
            g_count,
            None,
            deadline=time.monotonic() + each,
            workers=workers,
            seed=0,
            with_objective=False,
        )
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            culprits.append((code, name))
    return culprits


def _infeasible(
    messages: Sequence[str], start: float, g_count: int | None, greedy_time: float = 0.0
) -> CompositionResult:
    return CompositionResult(
        status=Status.INFEASIBLE,
        assignment=None,
        objective=None,
        bound=None,
        gap=None,
        wall_time=time.monotonic() - start,
        greedy_objective=None,
        greedy_time=greedy_time,
        n_groups=g_count,
        messages=tuple(messages),
    )


def _counting_bound(idx: _Index, g_count: int) -> int:
    """A lower bound no grouping beats: specialty ``s`` with ``n_s`` residents over ``G`` groups
    has at least ``n_s - G`` residents beyond the first of their specialty in a group. Reported
    when it is better than the solver's (which has it too, once its LP runs)."""
    counts = Counter(idx.spec)
    return idx.problem.rules.weights.specialty * sum(max(0, c - g_count) for c in counts.values())


def _gap(objective: int, bound: float) -> float:
    return max(0.0, (objective - bound) / max(1.0, abs(objective)))


def compose(
    problem: Problem,
    *,
    time_limit: float = 30.0,
    workers: int = 2,
    seed: int = 0,
    on_progress: ProgressCallback | None = None,
) -> CompositionResult:
    """Compose groups: pre-checks, greedy warm start, CP-SAT; never worse than the greedy.

    ``time_limit`` (seconds) covers the whole call: the greedy gets up to 15% of it, the solver
    the rest; only when the solver proves the rules infeasible does a diagnosis (which single
    rule family, dropped, makes them feasible) take up to another ``max(1, 0.2 * time_limit)``.
    ``workers`` is CP-SAT's thread count (match the machine's cores). ``on_progress(fraction,
    message)`` is called from this and the solver's threads, one call at a time, with
    non-decreasing fractions, last with 1.0. User-caused infeasibility is reported in
    ``messages`` with status ``infeasible``, never raised.
    """
    start = time.monotonic()
    progress = _Progress(on_progress)
    progress(0.0, "Checking the rules")
    reasons = explain_infeasibility(problem)
    g_count = choose_group_count(problem)
    if reasons or g_count is None:
        progress(1.0, "The rules cannot be met")
        return _infeasible(reasons, start, g_count)
    idx = _Index(problem)

    greedy_start = time.monotonic()
    base = _GREEDY_SHARE
    hint = greedy(
        problem,
        seed,
        time_limit=time_limit * _GREEDY_SHARE,
        on_progress=lambda _f, msg: progress(0.05, msg),
    )
    greedy_time = time.monotonic() - greedy_start
    greedy_obj = objective_of(problem, hint) if hint is not None else None
    progress(base, Message(f"Greedy grouping scored {greedy_obj}", "progress_greedy", score=greedy_obj)
             if hint else Message("No greedy grouping found", "progress_no_greedy"))

    solver, model, status = _solve(
        idx,
        g_count,
        hint,
        deadline=start + time_limit,
        workers=workers,
        seed=seed,
        progress=progress,
        base=base,
    )
    result = _result(
        problem,
        idx,
        g_count,
        solver,
        model,
        status,
        hint,
        greedy_obj,
        greedy_time,
        start,
        workers,
        time_limit,
    )
    progress(1.0, Message(f"Done: {result.status}", "progress_done", status=str(result.status)))
    return result


def _result(
    problem: Problem,
    idx: _Index,
    g_count: int,
    solver: cp_model.CpSolver,
    model: _Model,
    status: int,
    hint: Assignment | None,
    greedy_obj: int | None,
    greedy_time: float,
    start: float,
    workers: int,
    time_limit: float,
) -> CompositionResult:
    if status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"invalid CP-SAT model: {model.m.validate()}")  # a bug, not the user's
    if status == cp_model.INFEASIBLE:
        budget = max(1.0, 0.2 * time_limit)
        culprits = _diagnose(problem, g_count, budget, workers)
        messages = [Message(f"the rules together cannot be met with {_plural(g_count, 'group')}",
                            "infeasible_with_groups", groups=g_count)]
        messages += [Message(f"without {name} a grouping would be possible", "possible_without", rule=code)
                     for code, name in culprits]
        return _infeasible(messages, start, g_count, greedy_time)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    bound = max(solver.best_objective_bound, _counting_bound(idx, g_count))
    candidates: list[tuple[int, str, Assignment]] = []
    if found:
        solved = model.assignment(solver)
        candidates.append((objective_of(problem, solved), "solver", solved))
    if hint is not None:
        candidates.append((greedy_obj if greedy_obj is not None else 0, "greedy", hint))
    if not candidates:
        return CompositionResult(
            status=Status.UNKNOWN,
            assignment=None,
            objective=None,
            bound=None,
            gap=None,
            wall_time=time.monotonic() - start,
            greedy_objective=None,
            greedy_time=greedy_time,
            n_groups=g_count,
            messages=("no grouping was found within the time limit; allow more time or relax the rules",),
        )
    # Prefer the solver's grouping on ties: it is the one the bound was proven against.
    objective, source, assignment = min(candidates, key=lambda c: (c[0], c[1] != "solver"))
    gap = _gap(objective, bound) if bound is not None else None
    optimal = status == cp_model.OPTIMAL or (gap is not None and gap == 0.0)
    return CompositionResult(
        status=Status.OPTIMAL if optimal else Status.FEASIBLE,
        assignment=assignment,
        objective=objective,
        bound=bound,
        gap=gap,
        wall_time=time.monotonic() - start,
        greedy_objective=greedy_obj,
        greedy_time=greedy_time,
        n_groups=g_count,
        source=source,
        breakdown=objective_breakdown(problem, assignment),
    )
