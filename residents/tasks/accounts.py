"""Tasks of the accounts area: the worker's side of "forgot your password"."""

from celery import shared_task

from ..services import password_reset_delivery as services


@shared_task
def deliver_password_reset(request_id: int) -> str:
    """Look for the account a reset request names (see ``services.password_reset_deliver``)."""
    return services.password_reset_deliver(request_id=request_id)


@shared_task
def sweep_password_resets() -> int:
    """Hand on requests whose task was lost; forget requests older than a day."""
    return services.password_resets_sweep()
