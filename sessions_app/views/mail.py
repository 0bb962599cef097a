"""The Mail page: messages that failed or are late, why, and sending one again (coordinators)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from residents.access import coordinator_required

from ..access import notification_for
from ..selectors import notifications as selectors
from ..services import notifications as services

TEMPLATES = "sessions_app/mail/"
PAGE_SIZE = 50


@coordinator_required
@require_GET
def mail_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    page = Paginator(selectors.mail_problems(now), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, TEMPLATES + "list.html", {
        "page": page, "counts": selectors.mail_problem_counts(now),
        "delayed_after_minutes": int(selectors.DELAYED_AFTER.total_seconds() // 60),
        "failed_days": selectors.FAILED_SHOWN_FOR.days,
    })


@coordinator_required
@require_http_methods(["GET", "POST"])
def mail_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; the POST puts the message back in the outbox."""
    notification = notification_for(request.user, pk)
    if request.method == "POST":
        if services.notification_retry(notification=notification, by=request.user):
            messages.success(request, _("The message to %(name)s is queued again; it goes out within a "
                                        "few minutes.") % {"name": _recipient(notification)})
        else:
            messages.info(request, _("This message was sent or cancelled meanwhile; nothing to do."))
        return redirect("mail_list")
    return render(request, TEMPLATES + "retry.html", {"notification": notification})


def _recipient(notification) -> str:
    return notification.recipient.get_full_name() or notification.recipient.email
