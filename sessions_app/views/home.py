"""Everyone's start page after log-in: the coordinator's overview, a member's groups."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ..selectors import groups as group_selectors
from ..selectors import programme as programme_selectors
from ..selectors.notifications import mail_problem_counts
from ..selectors.sessions import attach_next_sessions


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    if user.is_coordinator:
        counts = programme_selectors.programme_counts(today)
        return render(request, "residents/home_coordinator.html", {
            "counts": counts,
            "steps": programme_selectors.setup_steps(counts),
            "mail": mail_problem_counts(timezone.now()),
        })
    if user.is_resident or user.is_intervisor:
        cards = group_selectors.group_cards_for(user, today)
        # Each card lists the group's next sessions.
        attach_next_sessions([card.group for card in cards], now=timezone.now())
        return render(request, "residents/home_member.html", {"groups": cards})
    return render(request, "residents/home_other.html")
