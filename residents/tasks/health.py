"""Beat's pulse."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def heartbeat() -> str:
    """Beat's pulse: shows in the worker log that beat and a worker are running."""
    logger.info("heartbeat")
    return "ok"
