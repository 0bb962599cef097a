"""Accounts: "forgot your password", the worker's side (the page's is in ``password_reset``):
find the account a request names and announce it, so that ``sessions_app`` sends the link."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .. import signals
from ..models import PasswordResetRequest, User

# Requests whose task was lost (the broker was away) are handed on by the sweep after this.
LOST_AFTER = dt.timedelta(minutes=1)
KEPT_FOR = dt.timedelta(days=1)


@transaction.atomic
def password_reset_deliver(*, request_id: int, now: dt.datetime | None = None) -> str:
    """In the worker: claim the request, find the active account it names, announce it.
    Safe to run twice: the claim lets one run through."""
    now = now or timezone.now()
    claimed = PasswordResetRequest.objects.filter(
        pk=request_id, accepted=True, handled_at__isnull=True).update(handled_at=now)
    if not claimed:
        return "not claimed"
    email = PasswordResetRequest.objects.values_list("email", flat=True).get(pk=request_id)
    users = list(User.objects.filter(email__iexact=email, is_active=True))
    for user in users:
        signals.password_reset_requested.send(sender=PasswordResetRequest, user=user,
                                              request_id=request_id)
    return "announced" if users else "no such account"


def password_resets_sweep(*, now: dt.datetime | None = None) -> int:
    """Hand on requests whose task was lost; delete requests older than a day. Returns how
    many were handed on."""
    now = now or timezone.now()
    PasswordResetRequest.objects.filter(requested_at__lt=now - KEPT_FOR).delete()
    lost = PasswordResetRequest.objects.filter(
        accepted=True, handled_at__isnull=True, requested_at__lt=now - LOST_AFTER,
    ).values_list("pk", flat=True)
    handed = 0
    for pk in list(lost):
        handed += password_reset_deliver(request_id=pk, now=now) != "not claimed"
    return handed
