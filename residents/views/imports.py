"""The import pages: upload → preview → confirm, the same for every tabular import.

A page is described by an ``ImportPage`` (what it checks, what it applies, where it goes
after) and served by ``import_page``. The checked file waits in the session between the preview
and its confirmation, under a random token, so a stale or second preview cannot be confirmed by
mistake; the confirmation checks the file again and applies it only if it still does what the
preview showed. ``sessions_app`` serves its group import with the same function.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ..access import coordinator_required
from ..forms.imports import ConfirmImportForm, TableImportForm
from ..importers import absences, intervisors, uploads
from ..importers.uploads import ImportOutdated, ImportRefused, TablePlan


@dataclass(frozen=True)
class ImportPage:
    session_key: str
    url_name: str  # the page itself
    done_url_name: str  # where a confirmed import goes
    title: Promise
    columns_template: str  # the columns this import reads, for the upload page
    example_url_name: str
    kind: uploads.UploadKind
    check: Callable[[bytes], TablePlan]
    apply: Callable[[bytes, str], TablePlan]  # raises ImportRefused or ImportOutdated
    done_message: Promise  # with %(summary)s


def import_page(request: HttpRequest, page: ImportPage) -> HttpResponse:
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, page)
    if request.method == "GET":
        return _upload_page(request, page, TableImportForm(kind=page.kind))
    form = TableImportForm(request.POST, request.FILES, kind=page.kind)
    if not form.is_valid():
        return _upload_page(request, page, form, status=400)
    data = form.cleaned_data["file"]
    plan = page.check(data)
    if plan.problems:
        return _upload_page(request, page, TableImportForm(kind=page.kind), problems=plan.problems,
                            status=400)
    return _preview(request, page, plan, data)


def _upload_page(request, page: ImportPage, form, *, problems=(), status: int = 200) -> HttpResponse:
    return render(request, "residents/table_import.html", {
        "page": page, "form": form, "problems": problems,
    }, status=status)


def _preview(request, page: ImportPage, plan: TablePlan, data: bytes, *, outdated: bool = False):
    token = secrets.token_urlsafe(16)
    request.session[page.session_key] = {
        "token": token, "data": base64.b64encode(data).decode(), "digest": plan.digest,
    }
    return render(request, "residents/table_import_preview.html", {
        "page": page, "plan": plan, "form": ConfirmImportForm(initial={"token": token}),
        "outdated": outdated,
    })


def _confirm(request, page: ImportPage) -> HttpResponse:
    form = ConfirmImportForm(request.POST)
    pending = request.session.get(page.session_key)
    if not (form.is_valid() and pending
            and constant_time_compare(pending["token"], form.cleaned_data["token"])):
        messages.error(request, _("This preview has expired or was replaced by a newer one. "
                                  "Nothing was imported; upload the file again."))
        return redirect(page.url_name)
    data = base64.b64decode(pending["data"])
    try:
        plan = page.apply(data, pending["digest"])
    except ImportRefused as refused:
        del request.session[page.session_key]
        return _upload_page(request, page, TableImportForm(kind=page.kind),
                            problems=refused.problems, status=400)
    except ImportOutdated as outdated:
        return _preview(request, page, outdated.plan, data, outdated=True)
    del request.session[page.session_key]
    messages.success(request, page.done_message % {"summary": plan.summary})
    return redirect(page.done_url_name)


def example_file(path: Path) -> HttpResponse:
    return HttpResponse(
        path.read_bytes(), content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{path.name}"'},
    )


# --- The imports of this app ------------------------------------------------------------------

def _check_intervisors(data: bytes) -> TablePlan:
    return intervisors.check_intervisors_file(data)[0]


def _check_absences(data: bytes) -> TablePlan:
    return absences.check_absences_file(data)[0]


INTERVISORS = ImportPage(
    session_key="intervisor_import", url_name="intervisor_import", done_url_name="intervisor_list",
    title=gettext_lazy("Import intervisors"),
    columns_template="residents/_intervisor_import_columns.html",
    example_url_name="intervisor_import_example", kind=uploads.INTERVISORS,
    check=_check_intervisors,
    apply=lambda data, digest: intervisors.intervisors_import(data, expected_digest=digest),
    done_message=gettext_lazy("Intervisors imported: %(summary)s."),
)
ABSENCES = ImportPage(
    session_key="absence_import", url_name="absence_import", done_url_name="intervisor_list",
    title=gettext_lazy("Import intervisors' absences"),
    columns_template="residents/_absence_import_columns.html",
    example_url_name="absence_import_example", kind=uploads.ABSENCES,
    check=_check_absences,
    apply=lambda data, digest: absences.absences_import(data, expected_digest=digest),
    done_message=gettext_lazy("Absences imported: %(summary)s."),
)


@coordinator_required
@require_http_methods(["GET", "POST"])
def intervisor_import(request: HttpRequest) -> HttpResponse:
    return import_page(request, INTERVISORS)


@coordinator_required
@require_GET
def intervisor_import_example(request: HttpRequest) -> HttpResponse:
    return example_file(intervisors.EXAMPLE_FILE)


@coordinator_required
@require_http_methods(["GET", "POST"])
def absence_import(request: HttpRequest) -> HttpResponse:
    return import_page(request, ABSENCES)


@coordinator_required
@require_GET
def absence_import_example(request: HttpRequest) -> HttpResponse:
    return example_file(absences.EXAMPLE_FILE)
