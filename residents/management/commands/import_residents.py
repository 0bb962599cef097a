"""manage.py import_residents FILE [--dry-run]: the upload page's import, from a shell.

Checks the whole file first and prints every problem with its line; with any problem nothing
is imported and the command exits with status 1. Columns: docs/import-residents.md.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from residents.importers import residents as importers
from residents.importers import uploads


class Command(BaseCommand):
    help = "Import residents from a CSV file (see docs/import-residents.md); all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV file, UTF-8, comma or semicolon separated.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check the file and print what would change; write nothing.")

    def handle(self, *args, file: Path, dry_run: bool, **options) -> None:
        try:
            with file.open("rb") as f:
                data = uploads.read_limited(f, uploads.RESIDENTS)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}") from None

        plan = importers.check_residents_csv(data)
        if plan.problems:
            for problem in plan.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(plan.problems)} problem(s) in {file}; nothing was imported.")

        if dry_run:
            self._describe(plan, verbose=True)
            self.stdout.write(f"Dry run, nothing was imported. It would be: {plan.summary}.")
            return
        self._describe(plan, verbose=options["verbosity"] >= 2)
        parsed = importers.read_residents_csv(data)
        try:
            summary = importers.residents_import(rows=parsed.rows)
        except importers.ImportRefused as refused:  # the database changed since the check
            for problem in refused.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(refused.problems)} problem(s); nothing was imported.") from None
        self.stdout.write(self.style.SUCCESS(f"Imported {file}: {summary}."))

    def _describe(self, plan: importers.ImportPlan, *, verbose: bool) -> None:
        if not verbose:
            return
        for change in plan.changes:
            row = change.row
            if change.action == importers.Change.CREATE:
                self.stdout.write(f"line {row.line}: new {row.email}")
            elif change.action == importers.Change.UPDATE:
                fields = "; ".join(f"{f.column}: {f.old} → {f.new}" for f in change.fields)
                self.stdout.write(f"line {row.line}: update {row.email} ({fields})")
