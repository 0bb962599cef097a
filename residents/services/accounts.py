"""Accounts that are not residents or intervisors: the programme's coordinators.

The first coordinator of a new install is made from a shell (``manage.py create_coordinator``),
either with a password typed there or with an invitation e-mail whose link lets them choose
one. The invitation is Django's password-reset link (same token, same page, same expiry), so
there is one way to set a password and one setting for how long a link lasts.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from ..models import User

LANGUAGES = ("en", "nl")


def coordinator_email_check(email: str) -> str:
    """The address, normalised, if a new coordinator may have it; else ValidationError."""
    email = User.objects.normalize_email(email).strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        return email
    if existing.is_coordinator:
        raise ValidationError(
            {"email": _("%(email)s is already a coordinator.") % {"email": existing.email}}
        )
    # One address, one role: turning a resident or an intervisor into a coordinator would leave
    # their profile (groups, rosters, sessions they lead) attached to an account that no longer
    # has their pages.
    raise ValidationError({"email": _(
        "%(email)s already belongs to someone with the role %(role)s; a coordinator needs an "
        "address of their own."
    ) % {"email": existing.email, "role": existing.get_role_display()}})


@transaction.atomic
def coordinator_create(
    *,
    email: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    language: str = "en",
) -> User:
    """A new coordinator. With ``password=None`` the account has no usable password until the
    person chooses one through a link (``coordinator_invite``)."""
    email = coordinator_email_check(email)
    if language not in LANGUAGES:
        raise ValidationError({"language": _("Choose one of: %(languages)s.")
                               % {"languages": ", ".join(LANGUAGES)}})
    user = User(email=email, first_name=first_name, last_name=last_name,
                role=User.Role.COORDINATOR, language=language)
    if password is not None:
        try:
            password_validation.validate_password(password, user=user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from None
    return User.objects.create_user(
        email=email, password=password, first_name=first_name, last_name=last_name,
        role=User.Role.COORDINATOR, language=language,
    )


def set_password_url(user: User) -> str:
    """A link to choose a password: the password-reset page with a one-time token that expires
    after ``PASSWORD_RESET_TIMEOUT`` and stops working once a password is set."""
    path = reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    })
    return settings.SITE_URL + path


@transaction.atomic
def coordinator_invite(
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    language: str = "en",
) -> User:
    """A new coordinator without a password, and an e-mail with a link to choose one.

    The e-mail is sent before the account is committed, on purpose: this runs in the foreground
    of a shell, and when the mail server refuses, the person at the keyboard should find nothing
    made and simply run the command again once the e-mail settings are right.
    """
    user = coordinator_create(email=email, password=None, first_name=first_name,
                              last_name=last_name, language=language)
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    with translation.override(user.language):
        context = {"user": user, "url": set_password_url(user), "hours": hours,
                   "login_url": settings.SITE_URL + reverse("login")}
        subject = render_to_string("registration/coordinator_invite_subject.txt", context).strip()
        body = render_to_string("registration/coordinator_invite_email.txt", context)
    send_mail(subject, body, None, [user.email])
    return user
