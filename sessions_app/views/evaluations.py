"""Pages for anonymous evaluations: a resident's open evaluations and the form, and the
aggregated report for intervisors (their own groups) and coordinators."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from residents.access import role_required
from residents.forms.people import apply_errors
from residents.models import User

from ..access import evaluable_session_for
from ..forms.evaluations import EvaluationForm, ReportYearForm
from ..models import EvaluationReceipt
from ..selectors import evaluations as selectors
from ..services import evaluations as services

TEMPLATES = "sessions_app/evaluations/"
resident_required = role_required(User.Role.RESIDENT)


@resident_required
def my_evaluations(request: HttpRequest) -> HttpResponse:
    resident = request.user.resident
    return render(request, TEMPLATES + "my_evaluations.html", {
        "sessions": selectors.evaluations_open_for(resident, timezone.now()),
        "answered": EvaluationReceipt.objects.filter(resident=resident).count(),
    })


# The comment is what the resident wrote; error reports leave it out like a note.
@sensitive_post_parameters("comment")
@never_cache
@resident_required
@require_http_methods(["GET", "POST"])
def evaluation_form(request: HttpRequest, pk: int) -> HttpResponse:
    session = evaluable_session_for(request.user, pk)
    resident = request.user.resident
    refusal = services.evaluation_refusal(session=session, resident=resident)
    form = EvaluationForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if refusal:
            status = 409
        elif form.is_valid():
            try:
                services.evaluation_submit(session=session, resident=resident, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
                status = 409
            else:
                messages.success(request, _("Thank you. Your answers are stored without your name."))
                return redirect("my_evaluations")
        else:
            status = 400
    return render(request, TEMPLATES + "evaluation_form.html",
                  {"session": session, "form": form, "refusal": refusal}, status=status)


@never_cache
@role_required(User.Role.COORDINATOR, User.Role.INTERVISOR)
def evaluation_report(request: HttpRequest) -> HttpResponse:
    form = ReportYearForm(request.GET if "year" in request.GET else {"year": timezone.localdate().year})
    if not form.is_valid():
        return render(request, TEMPLATES + "report.html", {"form": form, "report": None}, status=400)
    report = selectors.evaluation_report(user=request.user, year=form.cleaned_data["year"])
    return render(request, TEMPLATES + "report.html", {
        "form": form, "report": report, "min_groups_for_themes": selectors.MIN_GROUPS_FOR_THEMES,
    })
