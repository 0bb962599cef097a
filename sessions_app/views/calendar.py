"""The personal calendar feed: the page with its address, resetting it, and the feed itself."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, quote_etag
from django.utils.http import http_date
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


@require_http_methods(["GET", "HEAD"])
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No log-in (calendar apps cannot log in): the secret token is the credential, and an
    unknown or retired token answers 404 like any missing page.

    Answered as a calendar server would: a strong ETag and Last-Modified from the events' own
    change times (one aggregate query), 304 without a body when the app's copy is current
    (Django's conditional-request handling reads If-None-Match and If-Modified-Since), HEAD with
    the headers of GET, and the owner's language whatever the request asks for."""
    user = selectors.feed_owner(token)
    if user is None:
        raise Http404
    now = timezone.now()
    state = selectors.feed_state(user, now=now)
    etag = quote_etag(calendar.feed_etag(user, state))
    last_modified = calendar.feed_last_modified(state)
    language = calendar.feed_language(user)
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        with translation.override(language):
            body = calendar.feed_ics(events=selectors.feed_events(user, now=now),
                                     name=_("Intervision"))
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="intervision.ics"'
        response["Content-Language"] = language
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    # The address is a secret: no shared cache may keep the feed, and no search engine list it.
    # Apps may keep it five minutes, then ask again with the ETag.
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
