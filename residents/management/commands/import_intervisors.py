"""manage.py import_intervisors FILE [--dry-run]: the intervisor import page, from a shell.

Prints the preview (or every problem with its line and column, exiting with status 1, and
imports nothing). Columns: docs/imports.md.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from residents.importers import intervisors, uploads
from residents.importers.commands import run_table_import


class Command(BaseCommand):
    help = "Import intervisors from a CSV file or .xlsx workbook (see docs/imports.md); all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV (',', ';' or tab) or .xlsx.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check the file and print what would change; write nothing.")

    def handle(self, *args, file: Path, dry_run: bool, **options) -> None:
        run_table_import(
            self, file=file, kind=uploads.INTERVISORS, dry_run=dry_run,
            check=lambda data: intervisors.check_intervisors_file(data)[0],
            apply=intervisors.intervisors_import,
        )
