"""The personal calendar feed: the page with its address, resetting it, and the feed itself."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from residents.access import role_required
from residents.models import User

from .. import calendar
from ..selectors import sessions as selectors

signed_in = role_required(*User.Role.values)


@signed_in
@require_GET
def my_calendar(request: HttpRequest) -> HttpResponse:
    return render(request, "sessions_app/calendar/my_calendar.html", {
        "urls": calendar.feed_urls(request.user),
    })


@signed_in
@require_http_methods(["GET", "POST"])
def calendar_reset(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; the POST gives a new address and retires the old one."""
    if request.method == "POST":
        calendar.calendar_token_reset(user=request.user)
        messages.success(request, _("Your calendar has a new address. Subscribe to it again in your "
                                    "calendar app; the old address no longer works."))
        return redirect("my_calendar")
    return render(request, "sessions_app/calendar/reset.html")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No log-in (calendar apps cannot log in): the secret token is the credential, and an
    unknown or retired token answers 404 like any missing page."""
    user = selectors.feed_owner(token)
    if user is None:
        raise Http404
    sessions = selectors.feed_sessions(user, now=timezone.now())
    body = calendar.feed_ics(sessions=sessions, name=_("Intervision"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="intervision.ics"'
    # The address is a secret: no shared cache may keep the feed, and no search engine list it.
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
