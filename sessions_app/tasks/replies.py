"""Tasks of the replies area: reading calendar apps' answers from the reply mailbox."""

import logging

from celery import shared_task

from ..mailbox import MailboxError
from ..services import replies as services

logger = logging.getLogger(__name__)


@shared_task
def fetch_replies() -> str:
    """Periodic: record the Accept / Decline / Maybe replies that arrived in the reply mailbox
    (``replies_fetch``). Without ``REPLY_MAILBOX_URL`` it does nothing. Safe to run twice and
    twice at once: each message is recorded once. A mailbox that cannot be read is tried again
    at the next run; nothing is lost meanwhile, the messages wait in the mailbox."""
    try:
        report = services.replies_fetch()
    except MailboxError as error:
        logger.warning("reply mailbox not read: %s", error)
        return f"mailbox not read: {error}"
    return str(report)
