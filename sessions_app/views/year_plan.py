"""Plan the year: for one group or for all of them, a session per cadence window between two
dates, shown as a preview and planned on confirmation (``services/year_plan.py``).

Coordinators only: a plan shows why members cannot come (their rosters), as the suggestions
page does. The preview runs in the request: on PostgreSQL it took 0.2 s for the demo programme
(16 groups, 110 members, a year: 169 windows) and 0.8–1.7 s for 250 residents in 34 groups.
Confirming writes every session with its participations and outbox rows: 1.6 s for the demo's
127, but 12–22 s for the 319 of 250 residents, so a worker plans it and the page shows its
progress, as the roster import does."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from residents.access import coordinator_required

from ..access import group_for, year_plan_run_for
from ..forms.year_plan import PeriodForm
from ..models import IntervisionGroup, YearPlanRun
from ..services import year_plan as services
from ..services.year_plan_queue import year_plan_confirm


@coordinator_required
@require_http_methods(["GET", "POST"])
def year_plan_all(request: HttpRequest) -> HttpResponse:
    groups = list(IntervisionGroup.objects.visible_to(request.user).active()
                  .select_related("intervisor__user"))
    return _year_plan(request, groups, group=None)


@coordinator_required
@require_http_methods(["GET", "POST"])
def group_year_plan(request: HttpRequest, pk: int) -> HttpResponse:
    group = group_for(request.user, pk, write=True)
    return _year_plan(request, [group], group=group)


def _year_plan(request: HttpRequest, groups: list[IntervisionGroup],
               group: IntervisionGroup | None) -> HttpResponse:
    back = ("group_year_plan", group.pk) if group else ("year_plan_all",)
    if request.method == "POST":
        form = PeriodForm(request.POST)
        if form.period is None:
            messages.error(request, " ".join(form.non_field_errors()) or _("Give the period again."))
            return redirect(*back)
        first, last = form.period
        if group is not None and not group.is_active:
            messages.error(request, _("%(group)s is no longer active.") % {"group": group})
            return redirect(*back)
        run = year_plan_confirm(groups=groups, group=group, first=first, last=last,
                                         fingerprint=request.POST.get("fingerprint", ""), by=request.user)
        return redirect("year_plan_run", pk=run.pk)
    form = PeriodForm(request.GET or None, initial=PeriodForm.a_year_from_tomorrow())
    plan = None
    if form.period is not None:
        first, last = form.period
        plan = services.year_plan_preview(groups=groups, first=first, last=last)
    return render(request, "sessions_app/year_plan/page.html", {
        "group": group, "form": form, "plan": plan, "groups": groups,
    })


@coordinator_required
@require_GET
def year_plan_run(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmed plan while a worker plans it, and its outcome."""
    run = year_plan_run_for(request.user, pk)
    planned, total = services.year_plan_run_progress(run)
    working = run.status in (YearPlanRun.Status.QUEUED, YearPlanRun.Status.RUNNING)
    again = reverse("group_year_plan", args=[run.group_id]) if run.group_id else reverse("year_plan_all")
    done = run.status == YearPlanRun.Status.DONE
    period = urlencode({"date_from": run.first_day.isoformat(), "date_to": run.last_day.isoformat()})
    context = {
        "run": run, "planned": planned, "total": total, "working": working, "Status": YearPlanRun.Status,
        "percent": round(100 * planned / total) if total else (100 if done else 0),
        "again": f"{again}?{period}",
    }
    if request.headers.get("HX-Request"):
        return render(request, "sessions_app/year_plan/_progress.html", context)
    return render(request, "sessions_app/year_plan/run.html", context)
