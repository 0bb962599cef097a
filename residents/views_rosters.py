"""Roster pages: import (upload → preview → confirm → progress), a resident's roster as a
week or month, workload tables, and intervisors' absences."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sessions_app.models import IntervisionGroup, Membership, Session

from . import selectors, services
from .access import coordinator_required, role_required
from .forms import apply_errors
from .forms_rosters import IntervisorAbsenceForm, RosterUploadForm
from .importers import Problem
from .models import Intervisor, IntervisorAbsence, Programme, Resident, RosterImport, User

EXAMPLES = {
    "csv": ("roster.csv", "text/csv; charset=utf-8"),
    "ics": ("roster.ics", "text/calendar; charset=utf-8"),
}


# --- Import -----------------------------------------------------------------------------------

@coordinator_required
@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest) -> HttpResponse:
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "recent": RosterImport.objects.select_related("created_by")[:10]}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "residents/rosters/import.html", context, status=400)
        resident = form.cleaned_data["resident"]
        try:
            checked = services.roster_import_check(
                data=form.cleaned_data["file"], filename=request.FILES["file"].name,
                source=form.cleaned_data["source"], by=request.user,
                resident_email=resident.user.email if resident else "", period=form.period(),
            )
        except services.RosterImportRefused as refused:
            context["problems"] = refused.problems
            return render(request, "residents/rosters/import.html", context, status=400)
        return redirect("roster_import_detail", pk=checked.pk)
    return render(request, "residents/rosters/import.html", context)


def _progress(roster_import: RosterImport) -> tuple[int, int]:
    done = roster_import.done
    if roster_import.status == RosterImport.Status.RUNNING:
        done = max(done, cache.get(services.roster_progress_key(roster_import.pk)) or 0)
    if roster_import.status == RosterImport.Status.DONE:
        done = roster_import.total
    percent = round(100 * done / roster_import.total) if roster_import.total else (
        100 if roster_import.status == RosterImport.Status.DONE else 0)
    return done, percent


@coordinator_required
@require_GET
def roster_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    roster_import = get_object_or_404(RosterImport.objects.select_related("created_by"), pk=pk)
    done, percent = _progress(roster_import)
    problems = [Problem(**p) for p in roster_import.problems]
    context = {
        "imp": roster_import, "done": done, "percent": percent, "problems": problems,
        "summary": roster_import.summary, "Status": RosterImport.Status,
        "working": roster_import.status in (RosterImport.Status.QUEUED, RosterImport.Status.RUNNING),
    }
    if request.headers.get("HX-Request"):
        return render(request, "residents/rosters/_progress.html", context)
    return render(request, "residents/rosters/import_detail.html", context)


@coordinator_required
@require_POST
def roster_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    roster_import = get_object_or_404(RosterImport, pk=pk)
    if roster_import.status != RosterImport.Status.CHECKED:
        messages.info(request, _("This import was confirmed already."))
    else:
        services.roster_import_confirm(roster_import=roster_import, by=request.user)
        messages.success(request, _("The import is on its way; this page shows its progress."))
    return redirect("roster_import_detail", pk=pk)


@coordinator_required
@require_GET
def roster_import_example(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in EXAMPLES:
        raise Http404
    name, content_type = EXAMPLES[fmt]
    path = settings.BASE_DIR / "docs" / "examples" / name
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=content_type)


# --- A resident's roster ----------------------------------------------------------------------

def _resident_for(request: HttpRequest, pk: int) -> Resident:
    """Coordinators see every resident's roster, a resident only their own (404 otherwise)."""
    user = request.user
    resident = get_object_or_404(Resident.objects.select_related("user"), pk=pk)
    if user.is_coordinator or (user.is_resident and resident.user_id == user.pk):
        return resident
    raise Http404


@role_required(User.Role.COORDINATOR, User.Role.RESIDENT)
@require_GET
def resident_roster(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident_for(request, pk)
    programme = Programme.get()
    zone = ZoneInfo(programme.time_zone)
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
    sessions = Session.objects.filter(
        participations__resident=resident, start__lt=high, end__gt=low,
    ).exclude(status=Session.Status.CANCELLED).select_related("group")
    days = selectors.roster_days(resident, first, last, tz=programme.time_zone, sessions=sessions)
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


@role_required(User.Role.RESIDENT)
@require_GET
def my_roster(request: HttpRequest) -> HttpResponse:
    resident = get_object_or_404(Resident, user=request.user)
    return redirect("resident_roster", pk=resident.pk)


# --- Workload ---------------------------------------------------------------------------------

@coordinator_required
@require_GET
def workload(request: HttpRequest) -> HttpResponse:
    """Workload per resident, for the whole programme or one group (a constant number of
    queries: groups, residents, their entries, the programme, group names)."""
    today = timezone.localdate()
    groups = list(IntervisionGroup.objects.active().order_by("name"))
    group = None
    residents = Resident.objects.active().select_related("user").order_by(
        "user__last_name", "user__first_name")
    if request.GET.get("group"):
        group = next((g for g in groups if str(g.pk) == request.GET["group"]), None)
        if group is None:
            raise Http404
        residents = residents.filter(pk__in=Membership.objects.on(today).filter(group=group)
                                     .values("resident_id"))
    residents = list(residents)
    loads = selectors.workload_for(residents, now=timezone.now())
    names = dict(Membership.objects.on(today).filter(resident__in=residents)
                 .values_list("resident_id", "group__name"))
    rows = [(loads[r.pk], names.get(r.pk, "")) for r in residents]
    weeks = rows[0][0].weeks if rows else []
    return render(request, "residents/rosters/workload.html", {
        "rows": rows, "groups": groups, "group": group, "weeks": weeks,
        "heavy": selectors.HEAVY_WEEK_HOURS,
    })


# --- Intervisors' absences --------------------------------------------------------------------

def _intervisor_for(request: HttpRequest, pk: int) -> Intervisor:
    """Coordinators manage everyone's absences; an intervisor only their own (404 otherwise)."""
    intervisor = get_object_or_404(Intervisor.objects.select_related("user"), pk=pk)
    user = request.user
    if user.is_coordinator or (user.is_intervisor and intervisor.user_id == user.pk):
        return intervisor
    raise Http404


@role_required(User.Role.COORDINATOR, User.Role.INTERVISOR)
@require_http_methods(["GET", "POST"])
def intervisor_absences(request: HttpRequest, pk: int) -> HttpResponse:
    intervisor = _intervisor_for(request, pk)
    form = IntervisorAbsenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.intervisor_absence_add(intervisor=intervisor, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The absence was saved."))
            return redirect("intervisor_absences", pk=intervisor.pk)
    absences = IntervisorAbsence.objects.filter(
        intervisor=intervisor, end__gte=timezone.now() - dt.timedelta(days=30))
    status = 400 if request.method == "POST" else 200
    return render(request, "residents/rosters/absences.html",
                  {"intervisor": intervisor, "form": form, "absences": absences}, status=status)


@role_required(User.Role.INTERVISOR)
@require_GET
def my_absences(request: HttpRequest) -> HttpResponse:
    intervisor = get_object_or_404(Intervisor, user=request.user)
    return redirect("intervisor_absences", pk=intervisor.pk)


@role_required(User.Role.COORDINATOR, User.Role.INTERVISOR)
@require_POST
def intervisor_absence_delete(request: HttpRequest, pk: int, absence_pk: int) -> HttpResponse:
    intervisor = _intervisor_for(request, pk)
    absence = get_object_or_404(IntervisorAbsence, pk=absence_pk, intervisor=intervisor)
    services.intervisor_absence_delete(absence=absence)
    messages.success(request, _("The absence was removed."))
    return redirect("intervisor_absences", pk=intervisor.pk)
