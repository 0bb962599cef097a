"""Keeping the programme's public holidays on its row."""

from celery import shared_task

from ..services.holidays import programme_holidays_refresh


@shared_task
def refresh_public_holidays() -> int:
    """Nightly: the public holidays of the programme's country for the years around today."""
    return len(programme_holidays_refresh().public_holidays["days"])
