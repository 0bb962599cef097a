"""Sending the outbox. Tasks take ids and call the services in ``services/notifications.py``;
every one of them is safe to run twice (see that module for how)."""

from __future__ import annotations

import logging

from celery import shared_task

from ..services import notifications

logger = logging.getLogger(__name__)

# One dispatcher run hands out at most this many rows; the rest wait for the next run, so a
# backlog is fed to the workers in slices instead of flooding the broker at once.
DISPATCH_LIMIT = 5000


@shared_task
def dispatch_notifications(limit: int = DISPATCH_LIMIT) -> int:
    """Beat, every two minutes: put back rows whose worker died, then hand every due row to a
    worker. Returns how many were handed out."""
    notifications.notifications_reclaim_stuck()
    handed = 0
    # One broker connection for the whole run rather than one from the pool per message.
    with dispatch_notifications.app.producer_or_acquire() as producer:
        while handed < limit:
            ids = notifications.notifications_hand_out(
                limit=min(notifications.HAND_OUT_BATCH, limit - handed))
            if not ids:
                break
            for pk in ids:
                send_notification.apply_async((pk,), producer=producer)
            handed += len(ids)
    return handed


# acks_late: a worker that dies mid-task leaves the message on the broker to be delivered
# again; the claim in notification_send makes that second delivery a no-op if the first got
# as far as claiming. Temporary SMTP failures are retried through the outbox (a later due_at),
# not by Celery, so a retry survives a broker restart too.
@shared_task(acks_late=True)
def send_notification(notification_id: int) -> str:
    outcome = notifications.notification_send(notification_id=notification_id)
    if outcome != "sent":
        logger.info("notification %s: %s", notification_id, outcome)
    return outcome


@shared_task
def enqueue_low_rsvp_digests() -> None:
    """Beat, Monday morning: one digest of poorly answered sessions per coordinator."""
    notifications.low_rsvp_digests_enqueue()
