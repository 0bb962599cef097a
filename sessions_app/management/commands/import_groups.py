"""manage.py import_groups FILE [--dry-run]: the group import page, from a shell.

Every row goes through the group services, so every rule of a group is checked as on the group
pages. Prints the preview (or every refusal with its line, exiting with status 1, and imports
nothing). Columns: docs/imports.md.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from residents.importers import uploads
from residents.importers.commands import run_table_import
from sessions_app.importers import groups


class Command(BaseCommand):
    help = "Import groups and their members from a CSV file or .xlsx workbook (see docs/imports.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV (',', ';' or tab) or .xlsx.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check the file and print what would change; write nothing.")

    def handle(self, *args, file: Path, dry_run: bool, **options) -> None:
        run_table_import(
            self, file=file, kind=uploads.GROUPS, dry_run=dry_run,
            check=groups.check_groups_file, apply=groups.groups_import,
        )
