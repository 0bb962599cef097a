from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..access import coordinator_required, intervisor_for, resident_for
from ..forms.imports import ResidentImportForm
from ..forms.people import IntervisorForm, ResidentForm, apply_errors
from ..importers import residents as importers
from ..importers import uploads
from ..models import ImportKind, Intervisor, User
from ..services import people as services
from .imports import ImportPage, import_page

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

RESIDENTS = ImportPage(
    kind=ImportKind.RESIDENTS, url_name="resident_import", done_url_name="resident_list",
    title=gettext_lazy("Import residents"), columns_template="",
    example_url_name="resident_import_example", upload=uploads.RESIDENTS,
    done_message=gettext_lazy("Residents imported: %(summary)s."),
    upload_template="residents/resident_import.html",
    preview_template="residents/resident_import_preview.html", form_class=ResidentImportForm,
)


@coordinator_required
@require_http_methods(["GET", "POST"])
def resident_import(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return import_page(request, RESIDENTS, pk)


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
