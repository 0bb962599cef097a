"""Accounts: "forgot your password", the web side (the worker's is in
``password_reset_delivery``).

The page answers the same, in the same time, whatever is typed: the request only records what
was asked (``password_reset_request``: two counts and one insert) and hands it to a worker,
which looks for the account and, if there is an active one, announces it
(``signals.password_reset_requested``); ``sessions_app`` then sends the link through its outbox,
like every other e-mail, so a mail server that is slow or away delays the message and not the
page, and a failure shows on the Mail page.

Limits, per hour: ``PASSWORD_RESET_MAILS_PER_HOUR`` requests for one address are handed on,
and ``PASSWORD_RESET_REQUESTS_PER_CLIENT_PER_HOUR`` from one client over all addresses; what is
over either limit is recorded and goes no further. The count here is the cheap first gate; the
outbox counts the messages themselves again with the account's row locked, so concurrent
requests cannot get past it either.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import PasswordResetRequest, normalise_username

logger = logging.getLogger(__name__)

WINDOW = dt.timedelta(hours=1)


@transaction.atomic
def password_reset_request(*, email: str, client_address: str | None,
                           now: dt.datetime | None = None) -> PasswordResetRequest:
    """Record a request and, within the limits, hand it to a worker after commit."""
    now = now or timezone.now()
    email = normalise_username(email)
    recent = PasswordResetRequest.objects.filter(accepted=True, requested_at__gte=now - WINDOW)
    accepted = recent.filter(email=email).count() < settings.PASSWORD_RESET_MAILS_PER_HOUR and (
        client_address is None
        or recent.filter(client_address=client_address).count()
        < settings.PASSWORD_RESET_REQUESTS_PER_CLIENT_PER_HOUR
    )
    request = PasswordResetRequest.objects.create(
        email=email, client_address=client_address, requested_at=now, accepted=accepted)
    if accepted:
        pk = request.pk
        transaction.on_commit(lambda: _hand_to_worker(pk))
    return request


def _hand_to_worker(pk: int) -> None:
    # Celery loads here, when a web process first enqueues, not at start-up.
    from kombu.exceptions import OperationalError

    from ..tasks.accounts import deliver_password_reset

    try:
        deliver_password_reset.delay(pk)
    except OperationalError:
        # The broker is away: the page still answers as always, and the sweep hands the
        # request on once a worker runs again.
        logger.warning("password reset request %s: broker unavailable, left for the sweep", pk)
