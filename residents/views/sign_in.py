"""Sign-in with the hospital's identity provider: the way out to it, the way back, and log-out.

mozilla-django-oidc's request view sends the person to the provider (state, nonce and PKCE
kept in the session); the way back is ours, so that a refusal is shown on the log-in page with
its reason instead of an error page. The flow itself is in residents/auth_oidc.py.
"""

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from .. import auth_oidc


class SignInStart(OIDCAuthenticationRequestView):
    """Redirects to the provider's authorization endpoint (GET /oidc/authenticate/?next=…)."""

    def __init__(self, **kwargs):
        # Not the library's __init__, which reads the endpoint from settings: it may come from
        # the provider's discovery document.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not auth_oidc.enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = auth_oidc.provider().authorization_endpoint
        except auth_oidc.SignInRefused as refusal:
            messages.error(request, refusal.message)
            return redirect("login")
        return super().get(request)


@require_GET
def sign_in_callback(request: HttpRequest) -> HttpResponse:
    """Where the provider sends the person back (GET /oidc/callback/?code=…&state=…)."""
    if not auth_oidc.enabled():
        raise Http404
    states = request.session.get("oidc_states") or {}
    # A state is used once: a replayed or forged callback finds nothing.
    started = states.pop(request.GET.get("state", ""), None)
    request.session["oidc_states"] = states
    if request.GET.get("error"):  # some providers send it without the state
        messages.error(request, _("Signing in with %(provider)s was cancelled or refused.")
                       % {"provider": auth_oidc.provider_name()})
        return redirect("login")
    if started is None or not request.GET.get("code"):
        messages.error(request, _("This sign-in has expired or was already used. Please sign in again."))
        return redirect("login")
    try:
        user = auth_oidc.sign_in(request, nonce=started["nonce"], code_verifier=started.get("code_verifier"))
    except auth_oidc.SignInRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("login")
    next_url = request.session.pop("oidc_login_next", None)  # checked by the request view
    auth.login(request, user, backend=auth_oidc.BACKEND)
    return redirect(next_url or resolve_url("home"))


class LogoutView(auth_views.LogoutView):
    """Django's log-out; after a sign-in with the provider it goes on to the provider's own
    log-out, so that the next person at this computer is asked for their password there."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        at_provider = auth_oidc.provider_logout_url(request)  # before the session is flushed
        response = super().post(request, *args, **kwargs)
        return redirect(at_provider) if at_provider else response
