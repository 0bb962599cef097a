"""Solving a composition run, in the worker: the planning engine runs in a thread of its own
while the task's thread writes its progress to the run row; and failing runs whose worker died.

The solver (``planning.solver``, OR-Tools) is imported inside ``composition_solve``: only the
worker that solves a composition loads OR-Tools and pandas, never a web process.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from planning import composition as engine

from ..composition_text import say, stored
from ..models import CompositionRun
from ..selectors.composition import build_problem

PROGRESS_EVERY = 0.5  # seconds between progress writes: enough for a page polling every second
WORKERS = 2  # CP-SAT threads; the workers run on small machines
# What a run may take beyond its solver's time limit before it counts as stuck: the wait for a
# free worker, reading the cohort, writing the result. Generous, since a run failed by mistake
# costs a coordinator a restart, and Celery's hard limit (CELERY_TASK_TIME_LIMIT, 10 minutes)
# has killed any task that ran this long anyway.
STUCK_MARGIN = dt.timedelta(minutes=10)


class _Latest:
    """The engine's latest progress report, handed from its threads to the task's thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fraction, self.message = 0.0, ""

    def __call__(self, fraction: float, message: str) -> None:
        with self.lock:
            self.fraction, self.message = fraction, message

    def read(self) -> tuple[float, str]:
        """The latest report, said in the task thread's language (the engine's threads have
        none of their own: translation is per thread)."""
        with self.lock:
            fraction, message = self.fraction, self.message
        return fraction, say(message)


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
        "n_groups": result.n_groups, "source": result.source,
        "messages": [str(m) for m in result.messages],
        # the same sentences as code and parameters, said in the reader's language on the page
        "reasons": [stored(m) for m in result.messages],
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
    run from queued to running solves it. Not one transaction: progress must be visible. The
    progress and outcome lines are written in the language of the coordinator who started it."""
    language = (CompositionRun.objects.filter(pk=run_id)
                .values_list("created_by__language", flat=True).first())
    with translation.override(language or settings.LANGUAGE_CODE):
        return _solve(run_id)


def _solve(run_id: int) -> str | None:
    from planning import solver  # OR-Tools and pandas load here, in the solving worker only

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
                outcome["result"] = solver.compose(
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
