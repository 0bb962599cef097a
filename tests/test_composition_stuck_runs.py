"""Composition runs whose worker died: a periodic sweep fails them once they are queued or running
well past their time limit, names why, and changes nothing the second time."""

import datetime as dt

import pytest
import time_machine

from sessions_app.models import CompositionRun
from sessions_app.services import composition_solve as solve
from sessions_app.tasks.composition import fail_stuck_compositions

pytestmark = pytest.mark.django_db

STARTED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _run(cora, status, *, time_limit=30) -> CompositionRun:
    with time_machine.travel(STARTED, tick=False):
        return CompositionRun.objects.create(
            created_by=cora, status=status, progress=0.4, message="Solving",
            params={"time_limit": time_limit, "resident_ids": []},
        )


def _sweep_at(moment: dt.datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return solve.composition_fail_stuck()


def _after(seconds: float) -> dt.datetime:
    return STARTED + dt.timedelta(seconds=seconds)


LIMIT_30 = 30 + solve.STUCK_MARGIN.total_seconds()  # a 30-second run, plus the margin


def test_it_leaves_a_run_alone_until_its_time_limit_and_the_margin_have_passed(cora):
    run = _run(cora, CompositionRun.Status.RUNNING)
    assert _sweep_at(_after(LIMIT_30)) == 0
    run.refresh_from_db()
    assert run.status == CompositionRun.Status.RUNNING


@pytest.mark.parametrize("status", [CompositionRun.Status.QUEUED, CompositionRun.Status.RUNNING])
def test_it_fails_a_queued_or_running_run_past_its_limit_and_says_why(cora, status):
    run = _run(cora, status)
    assert _sweep_at(_after(LIMIT_30 + 1)) == 1
    run.refresh_from_db()
    assert run.status == CompositionRun.Status.FAILED
    assert "No worker finished this run within 10 minutes" in run.message
    assert "Start the composition again" in run.message
    assert run.progress == 0.4  # the bar stays where the worker left it


def test_a_longer_time_limit_gives_the_run_longer(cora):
    patient = _run(cora, CompositionRun.Status.RUNNING, time_limit=300)
    assert _sweep_at(_after(LIMIT_30 + 60)) == 0
    assert _sweep_at(_after(300 + solve.STUCK_MARGIN.total_seconds() + 1)) == 1
    patient.refresh_from_db()
    assert patient.status == CompositionRun.Status.FAILED
    assert "within 15 minutes" in patient.message


@pytest.mark.parametrize("status", [
    CompositionRun.Status.DONE, CompositionRun.Status.INFEASIBLE, CompositionRun.Status.FAILED,
    CompositionRun.Status.ACCEPTED,
])
def test_it_never_touches_a_finished_run(cora, status):
    run = _run(cora, status)
    assert _sweep_at(_after(86_400)) == 0
    run.refresh_from_db()
    assert (run.status, run.message) == (status, "Solving")


def test_a_second_sweep_changes_nothing(cora):
    run = _run(cora, CompositionRun.Status.RUNNING)
    assert _sweep_at(_after(LIMIT_30 + 1)) == 1
    run.refresh_from_db()
    first = (run.status, run.message)
    assert _sweep_at(_after(LIMIT_30 + 600)) == 0
    run.refresh_from_db()
    assert (run.status, run.message) == first


def test_a_task_delivered_after_the_sweep_does_not_solve_the_failed_run(cora):
    run = _run(cora, CompositionRun.Status.QUEUED)
    _sweep_at(_after(LIMIT_30 + 1))
    assert solve.composition_solve(run_id=run.pk) is None
    run.refresh_from_db()
    assert run.status == CompositionRun.Status.FAILED


def test_the_periodic_task_sweeps(cora, celery_eager):
    stuck = _run(cora, CompositionRun.Status.RUNNING)
    fresh = _run(cora, CompositionRun.Status.RUNNING)
    CompositionRun.objects.filter(pk=fresh.pk).update(created_at=_after(LIMIT_30))
    with time_machine.travel(_after(LIMIT_30 + 1), tick=False):
        assert fail_stuck_compositions.delay().get() == 1
    assert CompositionRun.objects.get(pk=stuck.pk).status == CompositionRun.Status.FAILED
    assert CompositionRun.objects.get(pk=fresh.pk).status == CompositionRun.Status.RUNNING
