"""manage.py import_roster FILE: the roster upload page's import, from a shell.

Checks the whole file first and prints every problem with its line or event; with any problem
nothing is imported and the command exits with status 1. Otherwise it applies the file in one
transaction, in this process (no worker needed). Formats: docs/import-rosters.md.
"""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from residents.importers import rosters, uploads
from residents.models import RosterImport
from residents.services import roster_apply, roster_imports
from residents.timezones import programme_zone


class Command(BaseCommand):
    help = "Import a roster from a CSV or iCalendar file (docs/import-rosters.md); all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", default="roster",
                            help="Name of the roster's source; re-imports of a source replace its period.")
        parser.add_argument("--resident", default="", help="E-mail of the resident an .ics file belongs to.")
        parser.add_argument("--format", choices=["csv", "ics"], help="Default: from the file name.")
        parser.add_argument("--from", dest="start", type=dt.date.fromisoformat,
                            help="First day of the period (default: the first day in the file).")
        parser.add_argument("--to", dest="end", type=dt.date.fromisoformat,
                            help="Last day of the period, inclusive.")
        parser.add_argument("--dry-run", action="store_true", help="Check and print; write nothing.")

    def handle(self, *args, file: Path, source: str, resident: str, dry_run: bool, **options) -> None:
        try:
            with file.open("rb") as f:
                data = uploads.read_limited(f, uploads.ROSTERS)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}") from None
        period = None
        if bool(options["start"]) != bool(options["end"]):
            raise CommandError("Give both --from and --to, or neither.")
        if options["start"]:
            zone = programme_zone()
            period = (dt.datetime.combine(options["start"], dt.time(0), zone),
                      dt.datetime.combine(options["end"] + dt.timedelta(days=1), dt.time(0), zone))
        file_format = options["format"] or rosters.guess_format(file.name, data)
        try:
            checked = roster_imports.roster_import_check(
                data=data, filename=file.name, source=source, by=None, resident_email=resident,
                period=period, file_format=file_format,
            )
        except roster_apply.RosterImportRefused as refused:
            self._fail(refused.problems, file)
        summary = checked.summary
        for row in summary["per_resident"]:
            if options["verbosity"] >= 2 or dry_run:
                self.stdout.write(f"{row['email']}: +{row['added']} ~{row['replaced']} "
                                  f"-{row['removed']} ={row['unchanged']}")
        described = (f"{summary['added']} added, {summary['replaced']} replaced, "
                     f"{summary['removed']} removed, {summary['unchanged']} unchanged, "
                     f"{summary['skipped']} skipped (days off)")
        if dry_run:
            checked.delete()
            self.stdout.write(f"Dry run, nothing was imported. It would be: {described}.")
            return
        roster_imports.roster_import_confirm(roster_import=checked, by=None)
        done = roster_apply.roster_import_apply(roster_import_id=checked.pk)
        if done.status != RosterImport.Status.DONE:
            self._fail([uploads.Problem(**p) for p in done.problems], file)
        self.stdout.write(self.style.SUCCESS(f"Imported {file}: {described}."))

    def _fail(self, problems, file: Path):
        for problem in problems:
            self.stderr.write(str(problem))
        raise CommandError(f"{len(problems)} problem(s) in {file}; nothing was imported.")
