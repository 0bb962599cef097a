"""Tasks of the composition area: solving a composition run."""

from celery import shared_task

from ..services import composition as services


@shared_task(acks_late=True)
def compose_groups(run_id: int) -> str | None:
    """Solve a queued composition run; a second delivery finds it claimed and does nothing."""
    return services.composition_solve(run_id=run_id)
