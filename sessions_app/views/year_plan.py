"""Plan the year: for one group or for all of them, a session per cadence window between two
dates, shown as a preview and planned on confirmation (``services/year_plan.py``).

Coordinators only: a plan shows why members cannot come (their rosters), as the suggestions
page does. Both steps run in the request: on the demo programme (16 groups, 110 members, a
year of rosters; 169 windows) on PostgreSQL, the preview of every group over a year takes
0.2 s and confirming its 127 sessions (each with its participations and outbox rows) 1.6 s."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from residents.access import coordinator_required

from ..access import group_for
from ..forms.year_plan import PeriodForm
from ..models import IntervisionGroup
from ..services import year_plan as services


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
        try:
            planned = services.year_plan_apply(groups=groups, first=first, last=last, by=request.user,
                                               fingerprint=request.POST.get("fingerprint", ""))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            query = urlencode({"date_from": first.isoformat(), "date_to": last.isoformat()})
            return redirect(f"{reverse(back[0], args=back[1:])}?{query}")
        messages.success(request, ngettext("%(n)s session is planned; the members are invited.",
                                           "%(n)s sessions are planned; the members are invited.",
                                           len(planned)) % {"n": len(planned)})
        return redirect("group_detail", pk=group.pk) if group else redirect("group_list")
    form = PeriodForm(request.GET or None, initial=PeriodForm.a_year_from_tomorrow())
    plan = None
    if form.period is not None:
        first, last = form.period
        plan = services.year_plan_preview(groups=groups, first=first, last=last)
    return render(request, "sessions_app/year_plan/page.html", {
        "group": group, "form": form, "plan": plan, "groups": groups,
    })
