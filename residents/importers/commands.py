"""What the import commands share: read a file no further than its limit, print the preview
or every problem, exit non-zero on a refused file. Each command names its checker and writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from . import uploads
from .uploads import ImportRefused, TablePlan


def read_file(file: Path, kind: uploads.UploadKind) -> bytes:
    try:
        with file.open("rb") as f:
            return uploads.read_limited(f, kind)
    except OSError as error:
        raise CommandError(f"Cannot read {file}: {error.strerror or error}") from None


class TableImportCommand(BaseCommand):
    """``manage.py import_… FILE [--dry-run]`` for one tabular import: a subclass names its
    ``kind`` (the upload's limits), ``check`` (bytes → the plan, nothing written) and ``apply``
    (bytes → what was done, all or nothing) as static methods."""

    kind: uploads.UploadKind
    check: Callable[[bytes], TablePlan]
    apply: Callable[[bytes], TablePlan]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV (',', ';' or tab) or .xlsx.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check the file and print what would change; write nothing.")

    def handle(self, *args, file: Path, dry_run: bool, **options) -> None:
        run_table_import(self, file=file, kind=self.kind, dry_run=dry_run, check=self.check, apply=self.apply)


def run_table_import(
    command: BaseCommand, *, file: Path, kind: uploads.UploadKind, dry_run: bool,
    check: Callable[[bytes], TablePlan], apply: Callable[[bytes], TablePlan],
) -> None:
    data = read_file(file, kind)
    plan = check(data)
    if plan.problems:
        fail(command, plan.problems, file)
    for line in plan.describe():
        command.stdout.write(line)
    if dry_run:
        command.stdout.write(f"Dry run, nothing was imported. It would be: {plan.summary}.")
        return
    try:
        done = apply(data)
    except ImportRefused as refused:  # the database changed since the check
        fail(command, refused.problems, file)
    command.stdout.write(command.style.SUCCESS(f"Imported {file}: {done.summary}."))


def fail(command: BaseCommand, problems, file: Path):
    for problem in problems:
        command.stderr.write(str(problem))
    raise CommandError(f"{len(problems)} problem(s) in {file}; nothing was imported.")
