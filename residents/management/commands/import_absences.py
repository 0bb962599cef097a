"""manage.py import_absences FILE [--dry-run]: the absence import page, from a shell.

Prints the preview (or every problem with its line and column, exiting with status 1, and
imports nothing). Columns: docs/imports.md.
"""

from residents.importers import absences, uploads
from residents.importers.commands import TableImportCommand


class Command(TableImportCommand):
    help = "Import intervisors' absences from a CSV file or .xlsx workbook (see docs/imports.md)."
    kind = uploads.ABSENCES
    check = staticmethod(lambda data: absences.check_absences_file(data)[0])
    apply = staticmethod(absences.absences_import)
