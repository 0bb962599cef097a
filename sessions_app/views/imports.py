"""The group import page: the same upload → preview → confirm as the other imports."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from residents.access import coordinator_required
from residents.importers import uploads
from residents.views.imports import ImportPage, example_file, import_page

from ..importers import groups

GROUPS = ImportPage(
    session_key="group_import", url_name="group_import", done_url_name="group_list",
    title=gettext_lazy("Import groups"),
    columns_template="sessions_app/_group_import_columns.html",
    example_url_name="group_import_example", kind=uploads.GROUPS,
    check=groups.check_groups_file,
    apply=lambda data, digest: groups.groups_import(data, expected_digest=digest),
    done_message=gettext_lazy("Groups imported: %(summary)s."),
)


@coordinator_required
@require_http_methods(["GET", "POST"])
def group_import(request: HttpRequest) -> HttpResponse:
    return import_page(request, GROUPS)


@coordinator_required
@require_GET
def group_import_example(request: HttpRequest) -> HttpResponse:
    return example_file(groups.EXAMPLE_FILE)
