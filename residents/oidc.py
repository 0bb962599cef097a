"""What the rest of the app asks about sign-in with the hospital's identity provider, without
loading the provider's client: whether it is on, what to call it, and local passwords switched
off (``LOCAL_PASSWORDS=0``).

The flow itself (discovery, the token exchange, the ID token's checks, the backend) is in
``residents/auth_oidc.py``, which brings mozilla-django-oidc, requests and PyJWT with it (about
14 MB in every process that imports it); it is imported only where a sign-in with the
provider actually happens, so a site without OIDC never loads it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import capfirst
from django.utils.translation import gettext as _

BACKEND = "residents.auth_oidc.OIDCBackend"


def enabled() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


def provider_name() -> str:
    """How the log-in page and the messages name the provider: "Sign in with …"."""
    return settings.OIDC_PROVIDER_NAME or _("your hospital account")


class SignInRefused(Exception):
    """Sign-in with the provider did not lead to an account; ``message`` says why, for the
    person who tried."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ProviderUnavailable(SignInRefused):
    def __init__(self):
        super().__init__(_("%(provider)s could not be reached. Please try again in a moment.")
                         % {"provider": capfirst(provider_name())})


def signed_in_at_provider(request: HttpRequest) -> bool:
    """Whether this person signed in with the provider, whose session may need ending too."""
    return bool(request.session.get("oidc_id_token") and enabled() and settings.OIDC_LOGOUT_AT_PROVIDER)


# --- Local passwords ------------------------------------------------------------------------

# The pages that log in with, set or reset a password typed here. The admin's own log-in
# (``admin:login``, staff only) is not among them: it is the administrators' way in.
PASSWORD_PAGES = {
    "password_reset", "password_reset_done", "password_reset_confirm", "password_reset_complete",
    "password_change", "password_change_done",
}


class LocalPasswordsMiddleware:
    """With LOCAL_PASSWORDS=0, refuses the log-in form's POST and every password page (403)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if settings.LOCAL_PASSWORDS:
            return None
        match = request.resolver_match
        name = match.url_name if match is not None and not match.namespace else None
        if name in PASSWORD_PAGES or (name == "login" and request.method == "POST"):
            return render(request, "registration/passwords_off.html", status=403)
        return None


def sign_in_options(request: HttpRequest) -> dict:
    """Template context: how the log-in page offers to sign in."""
    return {"sign_in_provider": provider_name() if enabled() else None,
            "local_passwords": settings.LOCAL_PASSWORDS}
