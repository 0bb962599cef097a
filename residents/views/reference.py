"""The programme's specialties and departments, kept by coordinators: one list page for both,
and pages to add, rename and delete (only what nothing uses)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ..access import coordinator_required, reference_item_for
from ..forms.people import apply_errors
from ..forms.reference import ReferenceItemForm
from ..models import Department, Specialty
from ..selectors import reference as selectors
from ..services import reference as services

# The <refkind:kind> part of the URL → the model and the service that adds one.
MODELS = {"specialties": Specialty, "departments": Department}
CREATE = {"specialties": services.specialty_create, "departments": services.department_create}


@coordinator_required
@require_GET
def reference_data(request: HttpRequest) -> HttpResponse:
    return render(request, "residents/reference_data.html", {
        "specialties": selectors.specialties_with_uses(),
        "departments": selectors.departments_with_uses(),
    })


@coordinator_required
@require_http_methods(["GET", "POST"])
def reference_create(request: HttpRequest, kind: str) -> HttpResponse:
    form = ReferenceItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = CREATE[kind](name=form.cleaned_data["name"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” was added.") % {"name": item.name})
            return redirect(f"{reverse('reference_data')}#{kind}")
    return render(request, "residents/reference_form.html", {"form": form, "kind": kind},
                  status=400 if form.errors else 200)


@coordinator_required
@require_http_methods(["GET", "POST"])
def reference_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item = reference_item_for(request.user, MODELS[kind], pk, write=True)
    form = ReferenceItemForm(request.POST or None, initial={"name": item.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.reference_item_rename(item=item, name=form.cleaned_data["name"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The name was saved: “%(name)s”.") % {"name": item.name})
            return redirect(f"{reverse('reference_data')}#{kind}")
    return render(request, "residents/reference_form.html",
                  {"form": form, "kind": kind, "item": item},
                  status=400 if form.errors else 200)


@coordinator_required
@require_http_methods(["GET", "POST"])
def reference_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item = reference_item_for(request.user, MODELS[kind], pk, write=True)
    back = f"{reverse('reference_data')}#{kind}"
    if request.method == "POST":
        try:
            services.reference_item_delete(item=item)
        except ValidationError as error:  # it came into use since the page was shown
            return render(request, "residents/reference_delete.html", {
                "kind": kind, "item": item, "reasons": error.messages, "back": back,
            }, status=409)
        messages.success(request, _("“%(name)s” was deleted.") % {"name": item.name})
        return redirect(back)
    return render(request, "residents/reference_delete.html", {
        "kind": kind, "item": item, "reasons": selectors.reasons_not_to_delete(item), "back": back,
    })
