"""Sign-in with the hospital's identity provider: the way out to it, the way back, and log-out.

mozilla-django-oidc's request view sends the person to the provider (state, nonce and PKCE
kept in the session); the way back is ours, so that a refusal is shown on the log-in page with
its reason instead of an error page. The flow itself is in residents/auth_oidc.py, loaded only
when a sign-in with the provider happens (residents/oidc.py says why).
"""

from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import oidc


@require_GET
def sign_in_start(request: HttpRequest) -> HttpResponse:
    """Redirects to the provider's authorization endpoint (GET /oidc/authenticate/?next=…)."""
    if not oidc.enabled():
        raise Http404
    from ..auth_oidc import SignInStart  # the provider's client, loaded where sign-in is on

    return SignInStart.as_view()(request)


@require_GET
def sign_in_callback(request: HttpRequest) -> HttpResponse:
    """Where the provider sends the person back (GET /oidc/callback/?code=…&state=…)."""
    if not oidc.enabled():
        raise Http404
    from .. import auth_oidc  # the provider's client, loaded where sign-in is on

    states = request.session.get("oidc_states") or {}
    # A state is used once: a replayed or forged callback finds nothing.
    started = states.pop(request.GET.get("state", ""), None)
    request.session["oidc_states"] = states
    if request.GET.get("error"):  # some providers send it without the state
        messages.error(request, _("Signing in with %(provider)s was cancelled or refused.")
                       % {"provider": oidc.provider_name()})
        return redirect("login")
    if started is None or not request.GET.get("code"):
        messages.error(request, _("This sign-in has expired or was already used. Please sign in again."))
        return redirect("login")
    try:
        user = auth_oidc.sign_in(request, nonce=started["nonce"], code_verifier=started.get("code_verifier"))
    except oidc.SignInRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("login")
    next_url = request.session.pop("oidc_login_next", None)  # checked by the request view
    auth.login(request, user, backend=oidc.BACKEND)
    return redirect(next_url or resolve_url("home"))


class LogoutView(auth_views.LogoutView):
    """Django's log-out; after a sign-in with the provider it goes on to the provider's own
    log-out, so that the next person at this computer is asked for their password there."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        at_provider = None
        if oidc.signed_in_at_provider(request):  # asked before the session is flushed
            from ..auth_oidc import provider_logout_url  # the provider's client

            at_provider = provider_logout_url(request)
        response = super().post(request, *args, **kwargs)
        return redirect(at_provider) if at_provider else response
