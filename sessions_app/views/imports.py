"""The group import page: the same upload → check → preview → confirm as the other imports."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from residents.access import coordinator_required
from residents.importers import uploads
from residents.models import ImportKind
from residents.views.imports import ImportPage, example_file, import_page

from ..importers import groups

GROUPS = ImportPage(
    kind=ImportKind.GROUPS, url_name="group_import", done_url_name="group_list",
    title=gettext_lazy("Import groups"),
    columns_template="sessions_app/_group_import_columns.html",
    example_url_name="group_import_example", upload=uploads.GROUPS,
    done_message=gettext_lazy("Groups imported: %(summary)s."),
)


@coordinator_required
@require_http_methods(["GET", "POST"])
def group_import(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return import_page(request, GROUPS, pk)


@coordinator_required
@require_GET
def group_import_example(request: HttpRequest) -> HttpResponse:
    return example_file(groups.EXAMPLE_FILE)
