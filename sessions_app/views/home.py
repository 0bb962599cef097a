"""Everyone's start page after log-in, saying what to do next: the coordinator's overview with
what needs attention, the resident's answers and sessions, the intervisor's attendance and notes
(the reads are ``selectors/home.py``)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ..forms.participation import REASONS
from ..selectors import home as home_selectors
from ..selectors import programme as programme_selectors
from ..selectors.notifications import mail_problem_counts


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    if user.is_coordinator:
        counts = programme_selectors.programme_counts(timezone.localdate(now))
        return render(request, "residents/home_coordinator.html", {
            "counts": counts,
            "steps": programme_selectors.setup_steps(counts),
            "mail": mail_problem_counts(now),
            "attention": home_selectors.coordinator_attention(now),
        })
    if user.is_resident:
        page = home_selectors.resident_home(user, now)
        return render(request, "residents/home_resident.html", {
            "home": page, "groups": page.groups, "reasons": REASONS,
        })
    if user.is_intervisor:
        page = home_selectors.intervisor_home(user, now)
        return render(request, "residents/home_intervisor.html", {"home": page, "groups": page.groups})
    return render(request, "residents/home_other.html")
