"""Composing groups with the planning engine: start a run, solve it in a worker, adjust the
proposal by moving residents, accept it as dated memberships.

A run's ``params`` hold the coordinator's choices and the cohort as it was when the run was
started (resident ids), so a proposal is always checked against the same residents. Everything
else (specialty, department, year, supervisors, intervisors' exclusions) is read from the
database every time the rules are checked, so a change made meanwhile shows up as a violation
before acceptance rather than as a surprise after it.

The engine (``sessions_app.planning.composition``) never touches the database. While it runs,
in a thread of its own, the task's thread writes its progress to the run row.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from residents.models import Intervisor, Resident, User

from ..models import CompositionRun, IntervisionGroup, Membership
from ..planning import composition as engine
from .groups import group_create, membership_add, membership_end

COHORT_UNGROUPED = "ungrouped"
COHORT_ALL = "all"
COHORT_START_YEAR = "start_year"
COHORTS = (COHORT_UNGROUPED, COHORT_ALL, COHORT_START_YEAR)

PROGRESS_EVERY = 0.5  # seconds between progress writes: enough for a page polling every second
WORKERS = 2  # CP-SAT threads; the workers run on small machines
# What a run may take beyond its solver's time limit before it counts as stuck: the wait for a
# free worker, reading the cohort, writing the result. Generous, since a run failed by mistake
# costs a coordinator a restart, and Celery's hard limit (CELERY_TASK_TIME_LIMIT, 10 minutes)
# has killed any task that ran this long anyway.
STUCK_MARGIN = dt.timedelta(minutes=10)


# --- The cohort and the problem ------------------------------------------------------------------

def cohort_queryset(*, cohort: str, on: dt.date, start_year: int | None = None):
    """Active residents a run may compose: those without a current or future group on ``on``,
    everyone, or those who started training in ``start_year``."""
    residents = Resident.objects.active()
    if cohort == COHORT_UNGROUPED:
        busy = Membership.objects.overlapping(on, None).values("resident")
        return residents.exclude(pk__in=busy)
    if cohort == COHORT_START_YEAR:
        return residents.filter(start_date__year=start_year)
    return residents


def replaces_groups(params: dict) -> bool:
    """A cohort of everyone (or a year) replaces the groups its residents are in now."""
    return params.get("cohort") != COHORT_UNGROUPED


def _retired_group_ids(resident_ids: set[int], on: dt.date) -> set[int]:
    """Active groups every current or future member of which is in the cohort: accepting the
    proposal empties them, so they are retired and their intervisors free again."""
    rows = (
        Membership.objects.overlapping(on, None)
        .filter(group__is_active=True)
        .values_list("group_id", "resident_id")
    )
    members: dict[int, set[int]] = {}
    for group_id, resident_id in rows:
        members.setdefault(group_id, set()).add(resident_id)
    return {g for g, who in members.items() if who <= resident_ids}


def _led_count(relation: str, retired: set[int]) -> Count:
    """Active groups an intervisor leads (as ``relation``) that stay after acceptance."""
    led = Q(**{f"{relation}__is_active": True})
    if retired:
        led &= ~Q(**{f"{relation}__pk__in": retired})
    return Count(relation, filter=led, distinct=True)


@dataclass(frozen=True)
class Snapshot:
    """A problem built from the database, with what the pages need to show it."""

    problem: engine.Problem
    residents: dict[int, Resident]
    intervisors: dict[int, Intervisor]


def build_problem(params: dict, *, on: dt.date | None = None) -> Snapshot:
    """The engine's problem for a run's parameters, read from the database now (6 queries)."""
    on = on or dt.date.fromisoformat(params["on"])
    ids = set(params["resident_ids"])
    residents = {
        r.pk: r
        for r in Resident.objects.filter(pk__in=ids).with_people().prefetch_related("supervisors")
    }
    by_user = {r.user_id: r.pk for r in residents.values()}
    previous: dict[int, str] = {}
    if params.get("keep_previous"):
        # The group each resident was in most recently before ``on`` (or is in on it).
        rows = (
            Membership.objects.filter(resident_id__in=ids, start_date__lte=on)
            .order_by("start_date", "pk").values_list("resident_id", "group_id")
        )
        previous = {rid: f"g{gid}" for rid, gid in rows}
    members = []
    supervisors_of: dict[int, set[int]] = {}
    for r in residents.values():
        supervisor_users = {u.pk for u in r.supervisors.all()}
        supervisors_of[r.pk] = supervisor_users
        members.append(engine.Member(
            id=r.pk, specialty=r.specialty.name, department=r.department.name,
            training_year=r.training_year, previous_group=previous.get(r.pk),
            conflicts=frozenset(by_user[u] for u in supervisor_users if u in by_user),
            name=r.user.get_full_name(),
        ))
    retired = _retired_group_ids(ids, on) if replaces_groups(params) else set()
    intervisors = {
        i.pk: i
        for i in Intervisor.objects.active().filter(pk__in=params["intervisor_ids"])
        .select_related("user")
        .prefetch_related("must_not_lead_residents", "must_not_lead_departments")
        .annotate(led=_led_count("groups", retired) + _led_count("co_led_groups", retired))
    }
    leaders = []
    for i in intervisors.values():
        supervised = {rid for rid, users in supervisors_of.items() if i.user_id in users}
        leaders.append(engine.Leader(
            id=i.pk, capacity=max(0, i.capacity - i.led),
            forbidden_residents=frozenset({r.pk for r in i.must_not_lead_residents.all()} | supervised),
            forbidden_departments=frozenset(d.name for d in i.must_not_lead_departments.all()),
            name=i.user.get_full_name(),
        ))
    members.sort(key=lambda m: m.id)
    leaders.sort(key=lambda leader: leader.id)
    rules = engine.Rules(
        min_size=params["min_size"], max_size=params["max_size"],
        max_per_specialty=params.get("max_per_specialty"),
        keep_together=tuple(tuple(p) for p in params.get("keep_together", [])),
        keep_apart=tuple(tuple(p) for p in params.get("keep_apart", [])),
        keep_previous=bool(params.get("keep_previous")),
        weights=engine.Weights(training_year=2 if params.get("spread_years", True) else 0),
    )
    problem = engine.Problem(members=tuple(members), leaders=tuple(leaders), rules=rules)
    return Snapshot(problem=problem, residents=residents, intervisors=intervisors)


def assignment_of(result: dict) -> engine.Assignment:
    return engine.Assignment(groups=tuple(
        engine.Group(member_ids=tuple(g["resident_ids"]), leader_id=g["intervisor_id"])
        for g in result.get("groups", [])
    ))


def proposal_check(run: CompositionRun, snapshot: Snapshot | None = None) -> list[engine.Violation]:
    """Every hard rule the run's current proposal breaks, against today's data."""
    snapshot = snapshot or build_problem(run.params)
    return engine.check_proposal(snapshot.problem, assignment_of(run.result))


# --- Starting and solving ----------------------------------------------------------------------

def _pairs(pairs: Iterable[tuple[Resident, Resident]]) -> list[list[int]]:
    return sorted({tuple(sorted((a.pk, b.pk))) for a, b in pairs if a.pk != b.pk})


@transaction.atomic
def composition_start(
    *,
    by: User,
    cohort: str,
    on: dt.date,
    start_year: int | None = None,
    min_size: int = 6,
    max_size: int = 8,
    max_per_specialty: int | None = 2,
    spread_years: bool = True,
    keep_together: Iterable[tuple[Resident, Resident]] = (),
    keep_apart: Iterable[tuple[Resident, Resident]] = (),
    intervisors: Iterable[Intervisor],
    keep_previous: bool = False,
    time_limit: int = 30,
) -> CompositionRun:
    """Record a run with the cohort as it is now and hand it to a worker after commit."""
    if cohort not in COHORTS:
        raise ValidationError({"cohort": _("Choose a cohort.")})
    if cohort == COHORT_START_YEAR and not start_year:
        raise ValidationError({"start_year": _("Choose the year the cohort started training.")})
    if min_size > max_size:
        raise ValidationError({"max_size": _("The maximum size must be at least the minimum size.")})
    resident_ids = sorted(
        cohort_queryset(cohort=cohort, on=on, start_year=start_year).values_list("pk", flat=True)
    )
    params = {
        "cohort": cohort, "on": on.isoformat(), "start_year": start_year,
        "min_size": min_size, "max_size": max_size, "max_per_specialty": max_per_specialty,
        "spread_years": spread_years, "keep_together": _pairs(keep_together),
        "keep_apart": _pairs(keep_apart), "intervisor_ids": sorted(i.pk for i in intervisors),
        "keep_previous": keep_previous, "time_limit": time_limit, "resident_ids": resident_ids,
    }
    run = CompositionRun.objects.create(created_by=by, params=params, message=_("Waiting for a worker"))
    from ..tasks.composition import compose_groups

    transaction.on_commit(lambda: compose_groups.delay(run.pk))
    return run


class _Latest:
    """The engine's latest progress report, handed from its threads to the task's thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fraction, self.message = 0.0, ""

    def __call__(self, fraction: float, message: str) -> None:
        with self.lock:
            self.fraction, self.message = fraction, message

    def read(self) -> tuple[float, str]:
        with self.lock:
            return self.fraction, self.message


def _write_progress(run_id: int, fraction: float, message: str) -> None:
    # Conditional: never move a finished run back, never move the bar backwards.
    CompositionRun.objects.filter(
        pk=run_id, status=CompositionRun.Status.RUNNING, progress__lte=fraction
    ).update(progress=min(1.0, max(0.0, fraction)), message=message[:300])


def result_json(result: engine.CompositionResult) -> dict:
    out = {
        "status": str(result.status), "objective": result.objective, "bound": result.bound,
        "gap": result.gap, "greedy_objective": result.greedy_objective,
        "greedy_time": round(result.greedy_time, 3), "wall_time": round(result.wall_time, 3),
        "n_groups": result.n_groups, "source": result.source, "messages": list(result.messages),
        "groups": [],
    }
    if result.assignment is not None:
        out["groups"] = [
            {"resident_ids": sorted(g.member_ids), "intervisor_id": g.leader_id}
            for g in result.assignment.groups
        ]
        out["solver_objective"] = result.objective
    if result.breakdown is not None:
        b = result.breakdown
        out["breakdown"] = {"specialty": b.specialty, "training_year": b.training_year,
                            "continuity": b.continuity, "size": b.size}
    return out


def composition_solve(*, run_id: int) -> str | None:
    """Solve a queued run (the worker's part). Safe to run twice: only the call that moves the
    run from queued to running solves it. Not one transaction: progress must be visible."""
    claimed = CompositionRun.objects.filter(pk=run_id, status=CompositionRun.Status.QUEUED).update(
        status=CompositionRun.Status.RUNNING, message=_("Reading the cohort and the rules")
    )
    if claimed != 1:
        return None
    run = CompositionRun.objects.get(pk=run_id)
    try:
        problem = build_problem(run.params).problem
        time_limit = float(run.params.get("time_limit", 30))
        latest = _Latest()
        outcome: dict = {}

        def solve() -> None:
            try:
                outcome["result"] = engine.compose(
                    problem, time_limit=time_limit, workers=WORKERS, on_progress=latest
                )
            except Exception as error:  # handed to the task's thread, which records it
                outcome["error"] = error

        worker = threading.Thread(target=solve, name=f"compose-{run_id}", daemon=True)
        started = time.monotonic()
        worker.start()
        while worker.is_alive():
            worker.join(PROGRESS_EVERY)
            fraction, message = latest.read()
            # Between solutions the engine is silent; the clock keeps the bar moving.
            clock = 0.95 * min(1.0, (time.monotonic() - started) / max(time_limit, 0.1))
            _write_progress(run_id, max(fraction, clock) if worker.is_alive() else fraction, message)
        if "error" in outcome:
            raise outcome["error"]
    except Exception as error:
        CompositionRun.objects.filter(pk=run_id).update(
            status=CompositionRun.Status.FAILED,
            message=(_("The solver failed: %(error)s") % {"error": error})[:300],
        )
        raise
    result: engine.CompositionResult = outcome["result"]
    if result.feasible:
        status, message = CompositionRun.Status.DONE, _("Proposal ready")
    elif result.status == engine.Status.INFEASIBLE:
        status, message = CompositionRun.Status.INFEASIBLE, _("The rules cannot all be met")
    else:
        status, message = CompositionRun.Status.FAILED, _("No grouping was found within the time limit")
    CompositionRun.objects.filter(pk=run_id, status=CompositionRun.Status.RUNNING).update(
        status=status, progress=1.0, message=message, result=result_json(result)
    )
    return status


@transaction.atomic
def composition_fail_stuck(*, now: dt.datetime | None = None) -> int:
    """Fail the runs still queued or running longer after they were started than their time
    limit plus ``STUCK_MARGIN``: their worker died (killed at the hard time limit, restarted,
    out of memory) or the broker lost the task, and nothing else would ever finish them.
    Returns how many were failed.

    Idempotent and safe against a worker that is still alive after all: each run is failed by
    a conditional update (still queued or running), so a second sweep changes nothing, a worker
    that finishes first keeps its result, and a task delivered after the sweep finds the run no
    longer queued and does nothing."""
    now = now or timezone.now()
    candidates = CompositionRun.objects.filter(
        status__in=[CompositionRun.Status.QUEUED, CompositionRun.Status.RUNNING],
        created_at__lt=now - STUCK_MARGIN,
    ).values_list("pk", "created_at", "params")
    failed = 0
    for pk, created_at, params in candidates:
        limit = dt.timedelta(seconds=float(params.get("time_limit", 30))) + STUCK_MARGIN
        if now - created_at <= limit:
            continue
        minutes = round(limit.total_seconds() / 60)
        failed += CompositionRun.objects.filter(
            pk=pk, status__in=[CompositionRun.Status.QUEUED, CompositionRun.Status.RUNNING]
        ).update(
            status=CompositionRun.Status.FAILED,
            message=_("No worker finished this run within %(minutes)d minutes; it was stopped. "
                      "Start the composition again.") % {"minutes": minutes},
        )
    return failed


# --- Adjusting and accepting ---------------------------------------------------------------------

def _lock_proposal(run: CompositionRun) -> CompositionRun:
    run = CompositionRun.objects.select_for_update().get(pk=run.pk)
    if run.status != CompositionRun.Status.DONE:
        raise ValidationError(_("This proposal can no longer be changed (%(status)s).")
                              % {"status": run.get_status_display()})
    return run


@transaction.atomic
def composition_move(*, run: CompositionRun, resident_id: int, to_group: int) -> list[engine.Violation]:
    """Move a resident to group ``to_group`` (1-based, as shown) and return the violations of
    the changed proposal; the move is kept either way, so a coordinator can fix it by the next."""
    run = _lock_proposal(run)
    groups = run.result["groups"]
    if not 1 <= to_group <= len(groups):
        raise ValidationError({"to_group": _("There is no group %(n)d.") % {"n": to_group}})
    source = next((g for g in groups if resident_id in g["resident_ids"]), None)
    if source is None:
        raise ValidationError({"resident": _("This resident is not in the proposal.")})
    target = groups[to_group - 1]
    if source is not target:
        source["resident_ids"].remove(resident_id)
        target["resident_ids"] = sorted([*target["resident_ids"], resident_id])
        run.result["moves"] = run.result.get("moves", 0) + 1
        snapshot = build_problem(run.params)
        run.result["objective"] = engine.objective_of(snapshot.problem, assignment_of(run.result))
        run.save(update_fields=["result"])
        return proposal_check(run, snapshot)
    return proposal_check(run)


def _next_group_names(year: int, count: int) -> list[str]:
    prefix = _("%(year)d group") % {"year": year}
    taken = set(IntervisionGroup.objects.filter(name__startswith=prefix).values_list("name", flat=True))
    names, n = [], 1
    while len(names) < count:
        name = f"{prefix} {n}"
        if name not in taken:
            names.append(name)
        n += 1
    return names


@transaction.atomic
def composition_accept(*, run: CompositionRun, start_date: dt.date, by: User) -> list[IntervisionGroup]:
    """Create the proposed groups and their memberships from ``start_date``, all or nothing.

    The rules are checked again first; then the group services check each group and member with
    their rows locked, and any refusal (data changed meanwhile) undoes everything.
    """
    run = _lock_proposal(run)
    violations = proposal_check(run)
    if violations:
        raise ValidationError([v.message for v in violations])
    params = run.params
    ids = set(params["resident_ids"])
    residents = {r.pk: r for r in Resident.objects.filter(pk__in=ids).select_related("user")}
    if replaces_groups(params):
        # The cohort's current groups end the day the new ones start.
        retired = _retired_group_ids(ids, start_date)
        for membership in Membership.objects.filter(resident_id__in=ids).overlapping(start_date, None):
            membership_end(membership=membership, on=start_date)
        IntervisionGroup.objects.filter(pk__in=retired).update(is_active=False)
    intervisors = {i.pk: i for i in Intervisor.objects.filter(pk__in=params["intervisor_ids"])}
    groups = run.result["groups"]
    created = []
    for name, proposed in zip(_next_group_names(start_date.year, len(groups)), groups, strict=True):
        group = group_create(
            name=name, intervisor=intervisors[proposed["intervisor_id"]],
            min_size=params["min_size"], max_size=params["max_size"],
        )
        for resident_id in proposed["resident_ids"]:
            membership_add(group=group, resident=residents[resident_id], start_date=start_date)
        created.append(group)
    run.status = CompositionRun.Status.ACCEPTED
    run.accepted_at = timezone.now()
    run.start_date = start_date
    run.result["accepted_group_ids"] = [g.pk for g in created]
    run.result["accepted_by"] = by.pk
    run.save(update_fields=["status", "accepted_at", "start_date", "result"])
    return created
