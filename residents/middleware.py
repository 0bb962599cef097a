"""Session limits, and log-in throttling: the django-axes backend we use, and the hooks axes
uses to find the client and answer a lock-out.

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

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

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
