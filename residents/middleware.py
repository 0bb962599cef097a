"""Session limits; log-in throttling (the django-axes backend and handler we use, and the hooks
axes uses to find the client, name the username and answer a lock-out); and the caching rule
for pages that carry personal data.

A signed-in session ends after ``SESSION_COOKIE_AGE`` seconds without a request (idle) and
``SESSION_ABSOLUTE_SECONDS`` after the log-in however busy it is (absolute).

Idle: rather than saving the session on every request (``SESSION_SAVE_EVERY_REQUEST``, a
database write per page view), the time of the last request is refreshed when it is more than
``SESSION_ACTIVITY_RESOLUTION`` seconds old. That save also renews the cookie and the expiry
stored with the session, so an active person stays signed in and an idle one is signed out
within that resolution of the limit — by the browser dropping the cookie, by the session store
expiring the row, and by this middleware, whichever comes first.
"""

from __future__ import annotations

import time

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .models import normalise_username

SIGNED_IN_AT = "_signed_in_at"
LAST_SEEN = "_last_seen"


@receiver(user_logged_in, dispatch_uid="residents.session_limits.stamp")
def stamp_log_in(sender, request, user, **kwargs) -> None:
    """Start both clocks at log-in (connected from ResidentsConfig.ready)."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN] = now


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            expired = self._expired(request, time.time())
            if expired:
                logout(request)
                messages.info(request, expired)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    @staticmethod
    def _expired(request: HttpRequest, now: float) -> str | None:
        session = request.session
        started = session.get(SIGNED_IN_AT)
        last_seen = session.get(LAST_SEEN)
        if started is None or last_seen is None:
            # A session from before these limits (or logged in without the signal): start now.
            session[SIGNED_IN_AT] = started or now
            session[LAST_SEEN] = now
            return None
        if now - float(started) > settings.SESSION_ABSOLUTE_SECONDS:
            return _("You were signed in for %(hours)s hours; please log in again.") % {
                "hours": settings.SESSION_ABSOLUTE_SECONDS // 3600}
        if now - float(last_seen) > settings.SESSION_COOKIE_AGE:
            return _("You were signed out after %(minutes)s minutes without activity; please log in "
                     "again.") % {"minutes": settings.SESSION_COOKIE_AGE // 60}
        if now - float(last_seen) > settings.SESSION_ACTIVITY_RESOLUTION:
            session[LAST_SEEN] = now  # saved at the end of the request, renewing the cookie
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address log-in throttling counts by. Behind the TLS proxy (BEHIND_PROXY) every
    request comes from the proxy, which appends the real client to X-Forwarded-For; only that
    last entry is trusted (a client can put anything in front of it)."""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked-out log-in: our page, saying for how long (429)."""
    from django.shortcuts import render

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' check, first in AUTHENTICATION_BACKENDS: refuses a locked-out username and
    address before any password is compared.

    Every log-in over HTTP (the log-in page, the admin's) passes the request. A call without
    one — ``Client.login`` in tests, a management command — has no address to count by;
    axes would raise there, we let the password backend decide alone.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def login_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username django-axes counts (AXES_USERNAME_CALLABLE): trimmed and case-folded, as
    log-in looks it up (``UserManager.get_by_natural_key``), so ``Rosa@…``, ``ROSA@…`` and
    `` rosa@…`` share one count."""
    field = settings.AXES_USERNAME_FORM_FIELD
    raw = credentials.get(field) if credentials else getattr(request, "data", request.POST).get(field)
    return None if raw is None else normalise_username(raw)


class LoginThrottleHandler(AxesDatabaseHandler):
    """django-axes' database handler with a second, higher limit for an address on its own.

    axes counts each set of AXES_LOCKOUT_PARAMETERS against one and the same failure limit, so
    it cannot say "5 for a username from an address, 20 for an address across usernames". The
    pair (username, address) stays axes' own count; this adds the address's failures over
    every username within the cool-off time (password spraying: a few passwords tried against
    many accounts). Once those reach AXES_ADDRESS_FAILURE_LIMIT the address counts as locked
    for every username: the failures reported are then the pair's limit, which is what axes
    compares, both before the password is checked and after a failure.

    A successful log-in clears only the pair's count, so an attacker who knows one password
    does not reset their address's count with it.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        address = request.axes_ip_address
        if address:
            from_address = AccessAttempt.objects.filter(
                ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
            ).aggregate(total=Sum("failures_since_start"))["total"] or 0
            if from_address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
                return max(failures, get_failure_limit(request, credentials))
        return failures


# Views whose pages carry personal data to someone who is not signed in: the signed link is
# the credential. The calendar feed is read by calendar apps, which keep a copy and ask again
# with If-None-Match / If-Modified-Since: "private" keeps it out of shared caches without
# forbidding the app's own copy (no-store would), so conditional requests keep working.
PRIVATE_WITHOUT_LOG_IN = {"answer_link": "no-store", "password_reset_confirm": "no-store",
                          "calendar_feed": "revalidate"}


class PrivateResponsesMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in person (pages,
    the attendance PDF, CSV and JSON downloads, the admin), so that neither a shared proxy nor
    the browser's disk keeps personal data; ``private`` on the feed (see above).

    Static files never reach this (WhiteNoise answers them earlier), and pages for someone not
    signed in (log-in, privacy statement) stay cacheable as they were.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
            return response
        match = getattr(request, "resolver_match", None)
        rule = PRIVATE_WITHOUT_LOG_IN.get(match.url_name if match else None)
        if rule == "no-store":
            patch_cache_control(response, private=True, no_store=True)
        elif rule == "revalidate":
            patch_cache_control(response, private=True)
        return response


class UserLanguageMiddleware:
    """A signed-in person's pages are in the language stored on their account, the one their
    e-mails are in, rather than whatever the browser's Accept-Language asks; a language chosen
    in this browser with the footer's form (the language cookie) still wins, and choosing one
    there while signed in stores it on the account as well. After ``AuthenticationMiddleware``;
    ``LocaleMiddleware`` has already picked the language for everyone else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        known = dict(settings.LANGUAGES)
        if request.method == "POST" and request.path == reverse("set_language"):
            chosen = request.POST.get("language", "")
            if chosen in known and chosen != user.language:
                get_user_model().objects.filter(pk=user.pk).update(language=chosen)
                user.language = chosen
        elif request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) not in known and user.language in known:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
