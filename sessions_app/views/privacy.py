"""The privacy page, a person's download of their own data, and erasing a resident."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from residents.access import coordinator_required, resident_for
from residents.models import Programme

from ..services.privacy import personal_data_export, resident_erase


def privacy(request: HttpRequest) -> HttpResponse:
    """Open to everyone, signed in or not: people should read it before they log in."""
    programme = Programme.get()
    return render(request, "privacy/privacy.html", {
        "retention_months": programme.note_retention_months,
        "threshold": programme.evaluation_threshold,
    })


@never_cache
@login_required
def privacy_export(request: HttpRequest) -> HttpResponse:
    data = personal_data_export(user=request.user)
    response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
                            content_type="application/json; charset=utf-8")
    name = f"intervision-my-data-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@coordinator_required
@require_http_methods(["GET", "POST"])
def resident_erase_view(request: HttpRequest, pk: int) -> HttpResponse:
    resident = resident_for(request.user, pk, write=True)
    if request.method == "POST":
        name = resident.user.get_full_name()
        pseudonym = resident_erase(resident=resident, by=request.user)
        messages.success(request, _("The personal data of %(name)s are erased; their attendance is kept as "
                                    "%(pseudonym)s.") % {"name": name, "pseudonym": pseudonym})
        return redirect("resident_list")
    return render(request, "privacy/resident_erase.html", {"resident": resident})
