"""Tasks of the composition area: solving a composition run, failing runs whose worker died."""

from celery import shared_task

from ..services import composition_solve as services


@shared_task(acks_late=True)
def compose_groups(run_id: int) -> str | None:
    """Solve a queued composition run; a second delivery finds it claimed and does nothing."""
    return services.composition_solve(run_id=run_id)


@shared_task
def fail_stuck_compositions() -> int:
    """Periodic: fail the runs left queued or running by a worker that died, so the page
    stops showing them as solving (``composition_fail_stuck``). Running it twice changes nothing."""
    return services.composition_fail_stuck()
