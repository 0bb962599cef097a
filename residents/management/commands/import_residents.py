"""manage.py import_residents FILE [--dry-run]: the upload page's import, from a shell.

Checks the whole file first and prints every problem with its line; with any problem nothing
is imported and the command exits with status 1. Otherwise it prints the preview (how the file
was read, the specialties and departments it creates, every new or changed resident) and,
unless --dry-run, imports. Columns: docs/imports.md.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from residents.importers import residents as importers
from residents.importers import uploads
from residents.importers.commands import read_file


class Command(BaseCommand):
    help = "Import residents from a CSV file or .xlsx workbook (see docs/imports.md); all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV (',', ';' or tab; UTF-8 or Windows-1252) or .xlsx.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check the file and print what would change; write nothing.")

    def handle(self, *args, file: Path, dry_run: bool, **options) -> None:
        data = read_file(file, uploads.RESIDENTS)

        plan = importers.check_residents_csv(data)
        if plan.problems:
            for problem in plan.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(plan.problems)} problem(s) in {file}; nothing was imported.")

        self._describe(plan)
        if dry_run:
            self.stdout.write(f"Dry run, nothing was imported. It would be: {plan.summary}.")
            return
        parsed = importers.read_residents_csv(data)
        try:
            summary = importers.residents_import(rows=parsed.rows)
        except importers.ImportRefused as refused:  # the database changed since the check
            for problem in refused.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(refused.problems)} problem(s); nothing was imported.") from None
        self.stdout.write(self.style.SUCCESS(f"Imported {file}: {summary}."))

    def _describe(self, plan: importers.ImportPlan) -> None:
        if plan.source:
            self.stdout.write(f"File: {plan.source}")
        if plan.ignored_columns:
            self.stdout.write(f"Ignored columns: {', '.join(plan.ignored_columns)}")
        if plan.new_specialties:
            self.stdout.write("New specialties: " + ", ".join(s.name for s in plan.new_specialties))
        if plan.new_departments:
            self.stdout.write("New departments: " + ", ".join(d.name for d in plan.new_departments))
        for change in plan.changes:
            row = change.row
            if change.action == importers.Change.CREATE:
                self.stdout.write(f"line {row.line}: new {row.email}")
            elif change.action == importers.Change.UPDATE:
                fields = "; ".join(f"{f.column}: {f.old} → {f.new}" for f in change.fields)
                self.stdout.write(f"line {row.line}: update {row.email} ({fields})")
