"""Sign-in with the hospital's identity provider (OpenID Connect), and switching local
passwords off.

mozilla-django-oidc runs the authorization-code flow (state, nonce and PKCE kept in the
session, the code exchanged at the token endpoint, the signing key taken from the provider's
JWKS). What it leaves to us, and this module adds:

- the endpoints come from the issuer's discovery document (``OIDC_ISSUER``), unless a setting
  names one, fetched on first use and cached, so no process talks to the provider at start-up;
- the ID token is checked for its issuer and audience (the library checks neither), its nonce,
  expiry and signature; userinfo must be about the same subject;
- a person is matched by e-mail address (trimmed, any case) to an existing, active account. An
  unknown address is refused, unless its domain is in ``OIDC_CREATE_USERS_FOR_DOMAINS``; then
  an account without role pages is created for the coordinator to give a role;
- every refusal says why, in words for the person at the log-in page (``SignInRefused``).

The password backend, and django-axes' throttling of it, are not involved: the provider checks
the password and throttles its own log-in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from .oidc import ProviderUnavailable, SignInRefused, enabled, provider_name
from .services.sign_in import user_create_from_sign_in

logger = logging.getLogger(__name__)

DISCOVERY_CACHE_SECONDS = 60 * 60
LEEWAY_SECONDS = 60  # clock difference tolerated between the provider and us


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str
    end_session_endpoint: str


def provider() -> Provider:
    """The provider's endpoints: each from its setting, else from the discovery document."""
    explicit = {
        "authorization_endpoint": settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
        "token_endpoint": settings.OIDC_OP_TOKEN_ENDPOINT,
        "jwks_uri": settings.OIDC_OP_JWKS_ENDPOINT,
        "userinfo_endpoint": settings.OIDC_OP_USER_ENDPOINT,
        "end_session_endpoint": settings.OIDC_OP_END_SESSION_ENDPOINT,
    }
    required = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    if all(explicit[name] for name in required):
        return Provider(issuer=settings.OIDC_ISSUER, **explicit)
    found = _discovery(settings.OIDC_ISSUER)
    if found.get("issuer", "").rstrip("/") != settings.OIDC_ISSUER:
        logger.error("OIDC discovery at %s names issuer %r", settings.OIDC_ISSUER, found.get("issuer"))
        raise ProviderUnavailable()
    values = {name: explicit[name] or found.get(name) or "" for name in explicit}
    if not all(values[name] for name in required):
        logger.error("OIDC discovery at %s lacks one of %s", settings.OIDC_ISSUER, required)
        raise ProviderUnavailable()
    return Provider(issuer=settings.OIDC_ISSUER, **values)


def _discovery(issuer: str) -> dict:
    key = f"oidc-discovery:{issuer}"
    document = cache.get(key)
    if document is None:
        try:
            response = requests.get(f"{issuer}/.well-known/openid-configuration",
                                    timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            logger.warning("OIDC discovery at %s failed: %s", issuer, error)
            raise ProviderUnavailable() from error
        cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


def normalise_email(value: object) -> str:
    return str(value or "").strip().lower()


class OIDCBackend(OIDCAuthenticationBackend):
    """The authentication backend for a person coming back from the provider.

    Listed in AUTHENTICATION_BACKENDS (when the provider is configured) so that the sessions it
    starts stay valid; ``authenticate`` answers only the sign-in callback, never a password.
    """

    def __init__(self, *args, **kwargs):
        # Not the library's __init__: it reads every endpoint from settings, and this class is
        # instantiated for every signed-in request; the endpoints are looked up when used.
        self.UserModel = get_user_model()

    # The attributes the library reads.
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)
    OIDC_RP_CLIENT_SECRET = property(lambda self: settings.OIDC_RP_CLIENT_SECRET)
    OIDC_RP_SIGN_ALGO = property(lambda self: settings.OIDC_RP_SIGN_ALGO)
    OIDC_RP_IDP_SIGN_KEY = None
    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: provider().token_endpoint)
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: provider().jwks_uri)
    OIDC_OP_USER_ENDPOINT = property(lambda self: provider().userinfo_endpoint)

    # Django's, not the library's: that one keeps a switched-off person signed in.
    get_user = ModelBackend.get_user

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None or password is not None or "nonce" not in kwargs or not enabled():
            return None  # a password log-in, or nothing to do with us
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = self._decode(token)
        nonce = kwargs.get("nonce")
        if not nonce or payload.get("nonce") != nonce:
            raise SuspiciousOperation("ID token refused: its nonce is not the one of this sign-in")
        return payload

    def _decode(self, token) -> dict:
        algorithm = self.OIDC_RP_SIGN_ALGO
        try:
            key = self.OIDC_RP_CLIENT_SECRET if algorithm.startswith("HS") else self._signing_key(token)
            payload = jwt.decode(
                token, key, algorithms=[algorithm], audience=self.OIDC_RP_CLIENT_ID,
                issuer=provider().issuer, leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from error
        audience = payload["aud"]
        if isinstance(audience, list) and len(audience) > 1 and payload.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token refused: issued to several parties, not authorised for us")
        return payload

    def _signing_key(self, token) -> jwt.PyJWK:
        """The provider's key that signed ``token``: the one its ``kid`` names, or, for a token
        without one (allowed when the provider has a single key), its only signing key."""
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        kid = jwt.get_unverified_header(token).get("kid")
        keys = [key for key in response.json().get("keys", []) if key.get("use", "sig") == "sig"]
        if kid is not None:
            keys = [key for key in keys if key.get("kid") == kid]
        if len(keys) != 1:
            raise SuspiciousOperation("ID token refused: no single key of the provider matches it")
        return jwt.PyJWK(keys[0])

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, with what the userinfo endpoint adds about the same subject."""
        endpoint = self.OIDC_OP_USER_ENDPOINT
        if not endpoint:
            return dict(payload)
        response = requests.get(endpoint, headers={"Authorization": f"Bearer {access_token}"},
                                timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        if response.headers.get("content-type", "").lower().startswith("application/jwt"):
            info = self._decode(response.text)
        else:
            info = response.json()
        if info.get("sub") != payload["sub"]:
            raise SuspiciousOperation("userinfo is about another subject than the ID token")
        return {**payload, **info}

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        email = normalise_email(claims.get(settings.OIDC_EMAIL_CLAIM))
        if "@" not in email:
            raise SignInRefused(_("%(provider)s did not tell us your e-mail address, so we cannot find "
                                  "your account.") % {"provider": capfirst(provider_name())})
        if claims.get("email_verified") is False:
            raise SignInRefused(_("%(provider)s has not verified your e-mail address %(email)s.")
                                % {"provider": capfirst(provider_name()), "email": email})
        user = self.UserModel.objects.filter(email__iexact=email).first()
        if user is None:
            domain = email.rsplit("@", 1)[1]
            if domain not in settings.OIDC_CREATE_USERS_FOR_DOMAINS:
                raise SignInRefused(_(
                    "There is no account for %(email)s here. Ask your programme's coordinator to add "
                    "you with this address.") % {"email": email})
            user = user_create_from_sign_in(email=email, first_name=str(claims.get("given_name") or ""),
                                            last_name=str(claims.get("family_name") or ""))
        if not user.is_active:
            raise SignInRefused(_("The account for %(email)s is switched off. Ask your programme's "
                                  "coordinator if this is a mistake.") % {"email": email})
        return user


def sign_in(request: HttpRequest, *, nonce: str, code_verifier: str | None):
    """The account of the person the provider sent back with ``code`` in the request: checked
    end to end, or ``SignInRefused`` with the reason."""
    try:
        user = OIDCBackend().authenticate(request, nonce=nonce, code_verifier=code_verifier)
    except SuspiciousOperation as error:
        logger.warning("OIDC sign-in refused: %s", error)
        raise SignInRefused(_("Your sign-in with %(provider)s could not be verified. Please try again.")
                            % {"provider": provider_name()}) from error
    except requests.RequestException as error:
        # The token exchange refused (a code for another client, used twice, expired) or the
        # provider could not be reached.
        logger.warning("OIDC sign-in failed at the provider: %s", error)
        raise SignInRefused(_("%(provider)s did not confirm your sign-in. Please try again.")
                            % {"provider": capfirst(provider_name())}) from error
    if user is None:
        raise SignInRefused(_("Your sign-in with %(provider)s could not be verified. Please try again.")
                            % {"provider": provider_name()})
    return user


def provider_logout_url(request: HttpRequest) -> str | None:
    """Where to send someone who logs out after signing in with the provider, so that their
    session there ends too (RP-initiated logout); None to end only ours."""
    id_token = request.session.get("oidc_id_token")
    if not (id_token and enabled() and settings.OIDC_LOGOUT_AT_PROVIDER):
        return None
    try:
        endpoint = provider().end_session_endpoint
    except SignInRefused:
        return None
    if not endpoint:
        return None
    query = urlencode({
        "id_token_hint": id_token,
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse(settings.LOGOUT_REDIRECT_URL)),
    })
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


class SignInStart(OIDCAuthenticationRequestView):
    """Redirects to the provider's authorization endpoint (GET /oidc/authenticate/?next=…)."""

    def __init__(self, **kwargs):
        # Not the library's __init__, which reads the endpoint from settings: it may come from
        # the provider's discovery document.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider().authorization_endpoint
        except SignInRefused as refusal:
            messages.error(request, refusal.message)
            return redirect("login")
        return super().get(request)
