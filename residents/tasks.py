import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task
def heartbeat() -> str:
    """Beat's pulse: shows in the worker log that beat and a worker are running."""
    logger.info("heartbeat")
    return "ok"


# Long imports (a year for 500 residents) may take a while; no retries: a failed import is
# reported on its page and the coordinator decides whether to upload again.
@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=29 * 60)
def roster_import_apply(roster_import_id: int) -> str:
    """Apply a confirmed roster import (see ``services.roster_import_apply``)."""
    try:
        result = services.roster_import_apply(roster_import_id=roster_import_id)
    except Exception:
        services.roster_import_fail(
            roster_import_id=roster_import_id,
            reason="The import stopped with an unexpected error; nothing was imported.",
        )
        raise
    return result.status
