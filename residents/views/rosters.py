"""Roster pages: import (upload → preview → confirm → progress), the way to one's own roster,
and intervisors' absences. A resident's roster with their sessions, and the workload table
with groups, are drawn by sessions_app (``views/rosters.py``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..access import (
    absence_for,
    coordinator_required,
    intervisor_for,
    may_manage_absences,
    refuse_unless,
    role_required,
    roster_import_for,
)
from ..forms.people import apply_errors
from ..forms.rosters import CoverageForm, IntervisorAbsenceForm, RosterUploadForm
from ..importers import uploads
from ..importers.uploads import Problem
from ..models import Intervisor, IntervisorAbsence, Resident, RosterImport, User
from ..selectors import coverage
from ..services import absences as absence_services
from ..services import roster_apply, roster_imports
from ..timezones import programme_zone

EXAMPLES = {
    "csv": ("roster.csv", "text/csv; charset=utf-8"),
    "ics": ("roster.ics", "text/calendar; charset=utf-8"),
}


# --- Import -----------------------------------------------------------------------------------

@coordinator_required
@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest) -> HttpResponse:
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    recent = RosterImport.objects.visible_to(request.user).select_related("created_by")[:10]
    context = {"form": form, "recent": recent}
    if request.method == "POST":
        if getattr(request, "upload_too_large", False):
            form.add_error(None, uploads.request_too_large())
            return render(request, "residents/rosters/import.html", context, status=413)
        if not form.is_valid():
            return render(request, "residents/rosters/import.html", context, status=400)
        resident = form.cleaned_data["resident"]
        received = roster_imports.roster_import_receive(
            uploads=form.cleaned_data["file"], source=form.cleaned_data["source"], by=request.user,
            resident_email=resident.user.email if resident else "", period=form.period(),
        )
        return redirect("roster_import_detail", pk=received.pk)
    return render(request, "residents/rosters/import.html", context)


def _progress(roster_import: RosterImport) -> tuple[int, int]:
    done = roster_apply.roster_import_done(roster_import)
    percent = round(100 * done / roster_import.total) if roster_import.total else (
        100 if roster_import.status == RosterImport.Status.DONE else 0)
    return done, percent


@coordinator_required
@require_GET
def roster_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    roster_import = roster_import_for(request.user, pk)
    done, percent = _progress(roster_import)
    problems = [Problem(**p) for p in roster_import.problems]
    context = {
        "imp": roster_import, "done": done, "percent": percent, "problems": problems,
        "summary": roster_import.summary, "Status": RosterImport.Status,
        "working": roster_import.status in (
            RosterImport.Status.CHECKING, RosterImport.Status.QUEUED, RosterImport.Status.RUNNING),
    }
    if request.headers.get("HX-Request"):
        response = render(request, "residents/rosters/_progress.html", context)
        if roster_import.status == RosterImport.Status.CHECKED:
            response["HX-Refresh"] = "true"  # checked by a worker: the whole page shows the preview
        return response
    return render(request, "residents/rosters/import_detail.html", context)


@coordinator_required
@require_POST
def roster_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    roster_import = roster_import_for(request.user, pk, write=True)
    if roster_import.status != RosterImport.Status.CHECKED:
        messages.info(request, _("This import was confirmed already."))
    else:
        roster_imports.roster_import_confirm(roster_import=roster_import, by=request.user)
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

@role_required(User.Role.RESIDENT)
@require_GET
def my_roster(request: HttpRequest) -> HttpResponse:
    resident = get_object_or_404(Resident.objects.visible_to(request.user), user=request.user)
    return redirect("resident_roster", pk=resident.pk)


# --- Intervisors' absences --------------------------------------------------------------------

@role_required(User.Role.COORDINATOR, User.Role.INTERVISOR)
@require_http_methods(["GET", "POST"])
def intervisor_absences(request: HttpRequest, pk: int) -> HttpResponse:
    """Coordinators manage everyone's absences; an intervisor only their own (404 otherwise)."""
    intervisor = intervisor_for(request.user, pk)
    if request.method == "POST":
        refuse_unless(may_manage_absences(request.user, intervisor))
    form = IntervisorAbsenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            absence_services.intervisor_absence_add(intervisor=intervisor, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The absence was saved."))
            return redirect("intervisor_absences", pk=intervisor.pk)
    absences = IntervisorAbsence.objects.visible_to(request.user).filter(
        intervisor=intervisor, end__gte=timezone.now() - dt.timedelta(days=30))
    status = 400 if request.method == "POST" else 200
    return render(request, "residents/rosters/absences.html",
                  {"intervisor": intervisor, "form": form, "absences": absences}, status=status)


@role_required(User.Role.INTERVISOR)
@require_GET
def my_absences(request: HttpRequest) -> HttpResponse:
    intervisor = get_object_or_404(Intervisor.objects.visible_to(request.user), user=request.user)
    return redirect("intervisor_absences", pk=intervisor.pk)


@role_required(User.Role.COORDINATOR, User.Role.INTERVISOR)
@require_POST
def intervisor_absence_delete(request: HttpRequest, pk: int, absence_pk: int) -> HttpResponse:
    intervisor = intervisor_for(request.user, pk)
    absence = absence_for(request.user, absence_pk, intervisor=intervisor, write=True)
    absence_services.intervisor_absence_delete(absence=absence)
    messages.success(request, _("The absence was removed."))
    return redirect("intervisor_absences", pk=intervisor.pk)


# --- Coverage ---------------------------------------------------------------------------------

@coordinator_required
@require_GET
def roster_coverage(request: HttpRequest) -> HttpResponse:
    """Per resident, the period their roster covers and the gaps in the planning horizon."""
    form = CoverageForm(request.GET or None)
    weeks = form.cleaned_data["weeks"] if form.is_valid() else CoverageForm.DEFAULT_WEEKS
    zone = programme_zone()
    today = timezone.localdate()
    start = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0), zone)
    end = start + dt.timedelta(weeks=weeks)
    rows = coverage.roster_coverage(horizon_start=start, horizon_end=end)
    context = {
        "rows": rows, "weeks": weeks, "form": form if form.is_bound else CoverageForm(),
        "horizon_first": start.date(), "horizon_last": (end - dt.timedelta(days=1)).date(),
        "with_gaps": sum(1 for row in rows if row.gaps),
    }
    return render(request, "residents/rosters/coverage.html", context,
                  status=200 if form.is_valid() or not form.is_bound else 400)
