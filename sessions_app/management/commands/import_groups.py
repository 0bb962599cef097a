"""manage.py import_groups FILE [--dry-run]: the group import page, from a shell.

Every row goes through the group services, so every rule of a group is checked as on the group
pages. Prints the preview (or every refusal with its line, exiting with status 1, and imports
nothing). Columns: docs/imports.md.
"""

from residents.importers import uploads
from residents.importers.commands import TableImportCommand
from sessions_app.importers import groups


class Command(TableImportCommand):
    help = "Import groups and their members from a CSV file or .xlsx workbook (see docs/imports.md)."
    kind = uploads.GROUPS
    check = staticmethod(groups.check_groups_file)
    apply = staticmethod(groups.groups_import)
