"""A resident's roster as a week or month with their sessions on it, and the workload table
per group: the people side's rosters seen next to groups and sessions."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from residents.access import coordinator_required, resident_for, role_required
from residents.models import Programme, Resident, User
from residents.selectors import workload as selectors
from residents.timezones import programme_tz_name, programme_zone

from ..models import IntervisionGroup, Membership, Session


@role_required(User.Role.COORDINATOR, User.Role.RESIDENT)
@require_GET
def resident_roster(request: HttpRequest, pk: int) -> HttpResponse:
    """Coordinators see every resident's roster, a resident only their own (404 otherwise)."""
    resident = resident_for(request.user, pk)
    programme = Programme.get()
    zone = programme_zone()
    today = timezone.localdate()
    try:
        anchor = dt.date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else today
    except ValueError:
        anchor = today
    view = "month" if request.GET.get("view") == "month" else "week"
    if view == "week":
        first = anchor - dt.timedelta(days=anchor.weekday())
        last = first + dt.timedelta(days=6)
        previous, following = first - dt.timedelta(weeks=1), first + dt.timedelta(weeks=1)
    else:
        month_start = anchor.replace(day=1)
        next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
        first = month_start - dt.timedelta(days=month_start.weekday())
        last = next_month - dt.timedelta(days=1)
        last += dt.timedelta(days=6 - last.weekday())
        previous = (month_start - dt.timedelta(days=1)).replace(day=1)
        following = next_month
    low = dt.datetime.combine(first, dt.time(0), zone)
    high = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), zone)
    sessions = Session.objects.visible_to(request.user).filter(
        participations__resident=resident, start__lt=high, end__gt=low,
    ).exclude(status=Session.Status.CANCELLED).select_related("group")
    days = selectors.roster_days(resident, first, last, tz=programme_tz_name(), sessions=sessions)
    if view == "month":
        for day in days:
            day.in_month = day.date.month == anchor.month
    weeks = [days[i:i + 7] for i in range(0, len(days), 7)]
    workload = selectors.workload_for([resident], now=timezone.now(), programme=programme)[resident.pk]
    return render(request, "residents/rosters/resident_roster.html", {
        "resident": resident, "view": view, "weeks": weeks, "anchor": anchor, "first": first,
        "last": last, "previous": previous, "following": following, "today": today,
        "workload": workload,
    })



# --- Workload ---------------------------------------------------------------------------------

@coordinator_required
@require_GET
def workload(request: HttpRequest) -> HttpResponse:
    """Workload per resident, for the whole programme or one group (a constant number of
    queries: groups, residents, their entries, the programme, group names)."""
    user = request.user
    today = timezone.localdate()
    groups = list(IntervisionGroup.objects.visible_to(user).active().order_by("name"))
    group = None
    residents = Resident.objects.visible_to(user).active().select_related("user").order_by(
        "user__last_name", "user__first_name")
    if request.GET.get("group"):
        group = next((g for g in groups if str(g.pk) == request.GET["group"]), None)
        if group is None:
            raise Http404
        residents = residents.filter(pk__in=Membership.objects.visible_to(user).on(today)
                                     .filter(group=group).values("resident_id"))
    residents = list(residents)
    loads = selectors.workload_for(residents, now=timezone.now())
    names = dict(Membership.objects.visible_to(user).on(today).filter(resident__in=residents)
                 .values_list("resident_id", "group__name"))
    rows = [(loads[r.pk], names.get(r.pk, "")) for r in residents]
    weeks = rows[0][0].weeks if rows else []
    return render(request, "residents/rosters/workload.html", {
        "rows": rows, "groups": groups, "group": group, "weeks": weeks,
        "heavy": selectors.HEAVY_WEEK_HOURS,
    })
