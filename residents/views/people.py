import base64
import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..access import coordinator_required, intervisor_for, resident_for
from ..forms.imports import ConfirmImportForm, ResidentImportForm
from ..forms.people import IntervisorForm, ResidentForm, apply_errors
from ..importers import residents as importers
from ..models import Intervisor, User
from ..services import people as services

# --- Residents ------------------------------------------------------------------------------

@coordinator_required
@require_http_methods(["GET", "POST"])
def resident_create(request: HttpRequest) -> HttpResponse:
    form = ResidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.resident_create(**form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": resident.user})
            return redirect("resident_detail", pk=resident.pk)
    return render(request, "residents/resident_form.html", {"form": form})


@coordinator_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = resident_for(request.user, pk)
    return render(request, "residents/resident_detail.html", {
        "resident": resident,
        "supervisors": resident.supervisors.all(),
        "memberships": resident.memberships.select_related("group").order_by("-start_date"),
    })


@coordinator_required
@require_http_methods(["GET", "POST"])
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = resident_for(request.user, pk, write=True)
    form = ResidentForm(request.POST or None, resident=resident)
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_update(resident=resident, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Changes to %(name)s were saved.") % {"name": resident.user})
            return redirect("resident_detail", pk=resident.pk)
    return render(request, "residents/resident_form.html", {"form": form, "resident": resident})


@coordinator_required
@require_http_methods(["GET", "POST"])
def resident_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    resident = resident_for(request.user, pk, write=True)
    if request.method == "POST":
        services.resident_deactivate(resident=resident)
        messages.success(request, _("%(name)s was deactivated and has left their group.")
                         % {"name": resident.user})
        return redirect("resident_detail", pk=resident.pk)
    return render(request, "residents/confirm.html", {
        "title": _("Deactivate %(name)s?") % {"name": resident.user},
        "body": _("They will no longer be able to log in, and they leave their group today. "
                  "Their history is kept; you can reactivate them later."),
        "button": _("Deactivate"),
        "cancel_url": reverse("resident_detail", args=[resident.pk]),
    })


@coordinator_required
@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk, role__in=[User.Role.RESIDENT, User.Role.INTERVISOR])
    services.user_reactivate(user=user)
    messages.success(request, _("%(name)s can log in again.") % {"name": user})
    if user.is_resident:
        return redirect("resident_detail", pk=user.resident.pk)
    return redirect("intervisor_list")


# --- Intervisors ----------------------------------------------------------------------------

@coordinator_required
def intervisor_list(request: HttpRequest) -> HttpResponse:
    intervisors = (
        Intervisor.objects.visible_to(request.user).select_related("user")
        .prefetch_related("groups", "co_led_groups")
        .order_by("-user__is_active", "user__last_name")
    )
    return render(request, "residents/intervisor_list.html", {"intervisors": intervisors})


@coordinator_required
@require_http_methods(["GET", "POST"])
def intervisor_create(request: HttpRequest) -> HttpResponse:
    form = IntervisorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            intervisor = services.intervisor_create(**form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": intervisor.user})
            return redirect("intervisor_list")
    return render(request, "residents/intervisor_form.html", {"form": form})


@coordinator_required
@require_http_methods(["GET", "POST"])
def intervisor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    intervisor = intervisor_for(request.user, pk, write=True)
    form = IntervisorForm(request.POST or None, intervisor=intervisor)
    if request.method == "POST" and form.is_valid():
        try:
            services.intervisor_update(intervisor=intervisor, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Changes to %(name)s were saved.") % {"name": intervisor.user})
            return redirect("intervisor_list")
    return render(request, "residents/intervisor_form.html",
                  {"form": form, "intervisor": intervisor})


@coordinator_required
@require_http_methods(["GET", "POST"])
def intervisor_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    intervisor = intervisor_for(request.user, pk, write=True)
    if request.method == "POST":
        try:
            services.intervisor_deactivate(intervisor=intervisor)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%(name)s was deactivated.") % {"name": intervisor.user})
        return redirect("intervisor_list")
    return render(request, "residents/confirm.html", {
        "title": _("Deactivate %(name)s?") % {"name": intervisor.user},
        "body": _("They will no longer be able to log in. An intervisor who still leads a group "
                  "cannot be deactivated."),
        "button": _("Deactivate"),
        "cancel_url": reverse("intervisor_list"),
    })


# --- Import ---------------------------------------------------------------------------------

# The checked file waits in the session between the preview and its confirmation, under a
# random token, so a stale or second preview cannot be confirmed by mistake.
_IMPORT_SESSION_KEY = "resident_import"


@coordinator_required
@require_http_methods(["GET", "POST"])
def resident_import(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and "token" in request.POST:
        return _resident_import_confirm(request)
    if request.method == "GET":
        return render(request, "residents/resident_import.html", {"form": ResidentImportForm()})
    form = ResidentImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "residents/resident_import.html", {"form": form}, status=400)
    data = form.cleaned_data["file"]
    plan = importers.check_residents_csv(data)
    if plan.problems:
        return _resident_import_problems(request, plan.problems)
    return _resident_import_preview(request, plan, data)


def _resident_import_problems(request: HttpRequest, problems: list[importers.Problem]) -> HttpResponse:
    return render(request, "residents/resident_import.html",
                  {"form": ResidentImportForm(), "problems": problems}, status=400)


def _resident_import_preview(
    request: HttpRequest, plan: importers.ImportPlan, data: bytes, *, outdated: bool = False
) -> HttpResponse:
    token = secrets.token_urlsafe(16)
    # The file as uploaded (CSV or a workbook), so the confirmation reads exactly it again.
    request.session[_IMPORT_SESSION_KEY] = {
        "token": token, "data": base64.b64encode(data).decode(), "digest": plan.digest,
    }
    return render(request, "residents/resident_import_preview.html", {
        "plan": plan,
        "summary": plan.summary,
        "created": plan.by_action(importers.Change.CREATE),
        "updated": plan.by_action(importers.Change.UPDATE),
        "unchanged": plan.by_action(importers.Change.UNCHANGED),
        "form": ConfirmImportForm(initial={"token": token}),
        "outdated": outdated,
    })


def _resident_import_confirm(request: HttpRequest) -> HttpResponse:
    form = ConfirmImportForm(request.POST)
    pending = request.session.get(_IMPORT_SESSION_KEY)
    if not (form.is_valid() and pending
            and constant_time_compare(pending["token"], form.cleaned_data["token"])):
        messages.error(request, _("This preview has expired or was replaced by a newer one. "
                                  "Nothing was imported; upload the file again."))
        return redirect("resident_import")
    # Check again: specialties, people and supervisors may have changed since the preview.
    data = base64.b64decode(pending["data"])
    parsed = importers.read_residents_csv(data)
    try:
        if parsed.problems:
            raise importers.ImportRefused(parsed.problems)
        summary = importers.residents_import(rows=parsed.rows, expected_digest=pending["digest"])
    except importers.ImportRefused as refused:
        del request.session[_IMPORT_SESSION_KEY]
        return _resident_import_problems(request, refused.problems)
    except importers.ImportOutdated as outdated:
        outdated.plan.source = parsed.source
        return _resident_import_preview(request, outdated.plan, data, outdated=True)
    del request.session[_IMPORT_SESSION_KEY]
    messages.success(request, _("Residents imported: %(summary)s.") % {"summary": summary})
    return redirect("resident_list")


@coordinator_required
@require_GET
def resident_import_example_nl(request: HttpRequest) -> HttpResponse:
    """The example as Dutch Excel saves it: ';', CRLF, byte order mark, Dutch headers."""
    return HttpResponse(
        importers.EXAMPLE_FILE_NL.read_bytes(), content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="residents-nl.csv"'},
    )


@coordinator_required
@require_GET
def resident_import_example(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        importers.EXAMPLE_FILE.read_bytes(), content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="residents.csv"'},
    )
