"""The import pages: upload → check → preview → confirm → done, the same for every tabular
import.

A page is described by an ``ImportPage`` (its kind, templates, where it goes after) and served
by ``import_page``. The request only keeps the file (its size and name checked); a worker
reads and checks it while the page shows a progress bar, then the page shows the preview;
confirming queues it for a worker, which applies it only if it still does what the preview
showed (``services.table_imports`` queues, ``services.table_import_run`` works).
``sessions_app`` serves its group import with the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ..access import coordinator_required, table_import_for
from ..forms.imports import TableImportForm
from ..importers import absences, intervisors, uploads
from ..importers.uploads import Problem
from ..models import ImportKind, TableImport
from ..services import table_imports


@dataclass(frozen=True)
class ImportPage:
    kind: str  # an ImportKind
    url_name: str  # the upload page; "<url_name>_detail" is one import's page
    done_url_name: str  # where a finished import leads
    title: Promise
    columns_template: str  # the columns this import reads, for the upload page
    example_url_name: str
    upload: uploads.UploadKind
    done_message: Promise  # with %(summary)s
    upload_template: str = "residents/table_import.html"
    preview_template: str = "residents/table_import_preview.html"
    form_class: type[TableImportForm] = TableImportForm

    @property
    def detail_url_name(self) -> str:
        return f"{self.url_name}_detail"


def import_page(request: HttpRequest, page: ImportPage, pk: int | None = None) -> HttpResponse:
    if pk is not None:
        return _detail(request, page, pk)
    if request.method == "GET":
        return _upload_page(request, page, page.form_class(kind=page.upload))
    form = page.form_class(request.POST, request.FILES, kind=page.upload)
    if getattr(request, "upload_too_large", False):
        form.add_error(None, uploads.request_too_large())
        return _upload_page(request, page, form, status=413)
    if not form.is_valid():
        return _upload_page(request, page, form, status=400)
    received = table_imports.table_import_receive(
        kind=page.kind, upload=form.cleaned_data["file"], by=request.user)
    return redirect(page.detail_url_name, pk=received.pk)


def _upload_page(request, page: ImportPage, form, *, problems=(), status: int = 200) -> HttpResponse:
    return render(request, page.upload_template, {
        "page": page, "form": form, "problems": problems,
    }, status=status)


def _detail(request: HttpRequest, page: ImportPage, pk: int) -> HttpResponse:
    if request.method == "POST":
        table_import = table_import_for(request.user, pk, kind=page.kind, write=True)
        if not table_imports.table_import_confirm(table_import=table_import, by=request.user):
            messages.info(request, _("This import was confirmed already."))
        return redirect(page.detail_url_name, pk=pk)
    table_import = table_import_for(request.user, pk, kind=page.kind)
    status = table_import.status
    context = {"page": page, "imp": table_import, "Status": TableImport.Status,
               "working": status in TableImport.WORKING}
    if request.headers.get("HX-Request"):
        response = render(request, "residents/_table_import_progress.html", context)
        if status not in TableImport.WORKING:
            response["HX-Refresh"] = "true"  # the worker is done: the whole page shows it
        return response
    if status == TableImport.Status.CHECKED:
        preview = table_import.preview
        plan = uploads.plan_from_json(preview) if "rows" in preview else preview
        return render(request, page.preview_template, context | {
            "plan": plan, "outdated": table_import.outdated})
    if status == TableImport.Status.FAILED:
        problems = [Problem(**p) for p in table_import.problems]
        return _upload_page(request, page, page.form_class(kind=page.upload), problems=problems)
    if status == TableImport.Status.DONE:
        summary = _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % {
            "created": table_import.counts.get("created", 0),
            "updated": table_import.counts.get("updated", 0),
            "unchanged": table_import.counts.get("unchanged", 0)}
        messages.success(request, page.done_message % {"summary": summary})
        return redirect(page.done_url_name)
    return render(request, "residents/table_import_progress.html", context)


def example_file(path: Path) -> HttpResponse:
    return HttpResponse(
        path.read_bytes(), content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{path.name}"'},
    )


# --- The imports of this app ------------------------------------------------------------------

INTERVISORS = ImportPage(
    kind=ImportKind.INTERVISORS, url_name="intervisor_import", done_url_name="intervisor_list",
    title=gettext_lazy("Import intervisors"),
    columns_template="residents/_intervisor_import_columns.html",
    example_url_name="intervisor_import_example", upload=uploads.INTERVISORS,
    done_message=gettext_lazy("Intervisors imported: %(summary)s."),
)
ABSENCES = ImportPage(
    kind=ImportKind.ABSENCES, url_name="absence_import", done_url_name="intervisor_list",
    title=gettext_lazy("Import intervisors' absences"),
    columns_template="residents/_absence_import_columns.html",
    example_url_name="absence_import_example", upload=uploads.ABSENCES,
    done_message=gettext_lazy("Absences imported: %(summary)s."),
)


@coordinator_required
@require_http_methods(["GET", "POST"])
def intervisor_import(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return import_page(request, INTERVISORS, pk)


@coordinator_required
@require_GET
def intervisor_import_example(request: HttpRequest) -> HttpResponse:
    return example_file(intervisors.EXAMPLE_FILE)


@coordinator_required
@require_http_methods(["GET", "POST"])
def absence_import(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return import_page(request, ABSENCES, pk)


@coordinator_required
@require_GET
def absence_import_example(request: HttpRequest) -> HttpResponse:
    return example_file(absences.EXAMPLE_FILE)
