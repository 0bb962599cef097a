import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intervision.celery import app as celery_app
from sessions_app import selectors as group_selectors
from sessions_app.selectors_sessions import attach_next_sessions

from . import importers, services
from .access import coordinator_required
from .forms import IntervisorForm, ResidentForm, apply_errors
from .import_forms import ConfirmImportForm, ResidentImportForm
from .models import Intervisor, Resident, User


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    if user.is_coordinator:
        return render(request, "residents/home_coordinator.html", {
            "counts": group_selectors.programme_counts(today),
        })
    if user.is_resident or user.is_intervisor:
        cards = group_selectors.group_cards_for(user, today)
        # Each card lists the group's next sessions (sessions_app/selectors_sessions.py).
        attach_next_sessions([card.group for card in cards], now=timezone.now())
        return render(request, "residents/home_member.html", {"groups": cards})
    return render(request, "residents/home_other.html")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer; 503 naming what does not."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "down": say which and why
        checks["database"] = f"down: {exc.__class__.__name__}"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = f"down: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "down", **checks},
                        status=200 if healthy else 503)


# --- Residents ------------------------------------------------------------------------------

def _get_resident(pk: int) -> Resident:
    return get_object_or_404(Resident.objects.with_people(), pk=pk)


@coordinator_required
def resident_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    show = request.GET.get("show", "active")
    residents = Resident.objects.with_people().order_by("user__last_name", "user__first_name")
    if show == "active":
        residents = residents.active()
    elif show == "inactive":
        residents = residents.filter(user__is_active=False)
    if q:
        residents = residents.search(q)
    page = Paginator(residents, 50).get_page(request.GET.get("page"))
    groups = group_selectors.current_group_names(page.object_list, timezone.localdate())
    for resident in page.object_list:
        resident.current_group = groups.get(resident.pk, "")
    return render(request, "residents/resident_list.html", {"page": page, "q": q, "show": show})


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
    resident = _get_resident(pk)
    return render(request, "residents/resident_detail.html", {
        "resident": resident,
        "supervisors": resident.supervisors.all(),
        "memberships": resident.memberships.select_related("group").order_by("-start_date"),
    })


@coordinator_required
@require_http_methods(["GET", "POST"])
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _get_resident(pk)
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
    resident = _get_resident(pk)
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
        Intervisor.objects.select_related("user")
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
    intervisor = get_object_or_404(Intervisor.objects.select_related("user"), pk=pk)
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
    intervisor = get_object_or_404(Intervisor.objects.select_related("user"), pk=pk)
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
    plan = importers.check_residents_csv(form.cleaned_data["file"])
    if plan.problems:
        return _resident_import_problems(request, plan.problems)
    text, _problem = importers.decode(form.cleaned_data["file"])
    return _resident_import_preview(request, plan, text)


def _resident_import_problems(request: HttpRequest, problems: list[importers.Problem]) -> HttpResponse:
    return render(request, "residents/resident_import.html",
                  {"form": ResidentImportForm(), "problems": problems}, status=400)


def _resident_import_preview(
    request: HttpRequest, plan: importers.ImportPlan, text: str, *, outdated: bool = False
) -> HttpResponse:
    token = secrets.token_urlsafe(16)
    request.session[_IMPORT_SESSION_KEY] = {"token": token, "text": text, "digest": plan.digest}
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
    parsed = importers.read_residents_csv(pending["text"])
    try:
        if parsed.problems:
            raise importers.ImportRefused(parsed.problems)
        summary = importers.residents_import(rows=parsed.rows, expected_digest=pending["digest"])
    except importers.ImportRefused as refused:
        del request.session[_IMPORT_SESSION_KEY]
        return _resident_import_problems(request, refused.problems)
    except importers.ImportOutdated as outdated:
        return _resident_import_preview(request, outdated.plan, pending["text"], outdated=True)
    del request.session[_IMPORT_SESSION_KEY]
    messages.success(request, _("Residents imported: %(summary)s.") % {"summary": summary})
    return redirect("resident_list")


@coordinator_required
@require_GET
def resident_import_example(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        importers.EXAMPLE_FILE.read_bytes(), content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="residents.csv"'},
    )
