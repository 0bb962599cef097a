"""manage.py import_intervisors FILE [--dry-run]: the intervisor import page, from a shell.

Prints the preview (or every problem with its line and column, exiting with status 1, and
imports nothing). Columns: docs/imports.md.
"""

from residents.importers import intervisors, uploads
from residents.importers.commands import TableImportCommand


class Command(TableImportCommand):
    help = "Import intervisors from a CSV file or .xlsx workbook (see docs/imports.md); all or nothing."
    kind = uploads.INTERVISORS
    check = staticmethod(lambda data: intervisors.check_intervisors_file(data)[0])
    apply = staticmethod(intervisors.intervisors_import)
