"""Accounts that sign-in with the hospital's identity provider creates (residents/auth_oidc.py).

Only for an address in a domain the programme allows (``OIDC_CREATE_USERS_FOR_DOMAINS``), and
only as supervising staff: an account with no pages of its own until the coordinator gives it a
role. The password is unusable; the person signs in through the provider.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ..models import User


def user_create_from_sign_in(*, email: str, first_name: str, last_name: str) -> User:
    """The account for ``email`` (lower-cased), created now unless a parallel sign-in did first."""
    email = email.strip().lower()
    first_name = first_name.strip()[:100] or email.split("@", 1)[0][:100]
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=None, first_name=first_name,
                                            last_name=last_name.strip()[:100], role=User.Role.STAFF)
    except IntegrityError:  # the same person signing in twice at once: the other one created it
        return User.objects.get(email__iexact=email)
