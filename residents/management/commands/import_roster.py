"""manage.py import_roster FILE_OR_DIR …: the roster upload page's import, from a shell.

Takes any number of files, folders (every .ics and .csv inside, sub-folders included) and
.zip archives. Each .ics file is matched to its resident by its events' ATTENDEE, else by an
e-mail address in its name (``r011.özdemir@hospital.example.ics``). Checks every file first
and prints every problem, naming its file; with any problem nothing is imported and the
command exits with status 1 (all or nothing). Otherwise it prints the matches (file →
resident, entries, period, overlaps kept) and applies all files in one transaction, in this
process (no worker needed). Formats: docs/import-rosters.md.
"""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from residents.importers import rosters, uploads
from residents.models import RosterImport
from residents.services import roster_apply, roster_imports
from residents.timezones import programme_zone


def _files_in(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*")
                      if p.is_file() and p.name.lower().endswith(rosters.ROSTER_SUFFIXES + (".zip",)))
    return [path]


class Command(BaseCommand):
    help = ("Import rosters from CSV or iCalendar files, folders of them or .zip archives "
            "(docs/import-rosters.md); all or nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="FILE_OR_DIR")
        parser.add_argument("--source", default="roster",
                            help="Name of the roster's source; re-imports of a source replace its period.")
        parser.add_argument("--resident", default="",
                            help="E-mail of the resident a single .ics file belongs to.")
        parser.add_argument("--format", choices=["csv", "ics"], help="Default: from each file's name.")
        parser.add_argument("--from", dest="start", type=dt.date.fromisoformat,
                            help="First day of the period (default: each file's first day).")
        parser.add_argument("--to", dest="end", type=dt.date.fromisoformat,
                            help="Last day of the period, inclusive.")
        parser.add_argument("--dry-run", action="store_true", help="Check and print; write nothing.")

    def handle(self, *args, paths: list[Path], source: str, resident: str, dry_run: bool,
               **options) -> None:
        files = self._read(paths, options["format"] or "")
        if resident:
            if len(files) != 1:
                raise CommandError("--resident names the owner of a single file; several files "
                                   "are matched by ATTENDEE or by their names.")
            files[0].resident_email = resident
        period = None
        if bool(options["start"]) != bool(options["end"]):
            raise CommandError("Give both --from and --to, or neither.")
        if options["start"]:
            zone = programme_zone()
            period = (dt.datetime.combine(options["start"], dt.time(0), zone),
                      dt.datetime.combine(options["end"] + dt.timedelta(days=1), dt.time(0), zone))
        label = paths[0] if len(paths) == 1 else f"{len(files)} files"
        try:
            checked = roster_imports.roster_import_upload(files=files, source=source, by=None,
                                                          period=period)
        except roster_apply.RosterImportRefused as refused:
            self._fail(refused.problems, label)
        checked = roster_imports.roster_import_check_stored(roster_import_id=checked.pk)
        if checked.status != RosterImport.Status.CHECKED:
            problems = [uploads.Problem(**p) for p in checked.problems]
            checked.delete()
            self._fail(problems, label)
        summary = checked.summary
        verbose = options["verbosity"] >= 2 or dry_run
        for file in summary["per_file"]:
            if verbose:
                whose = ", ".join(r["email"] for r in file["residents"])
                overlaps = f", {file['overlaps']} overlaps kept" if file["overlaps"] else ""
                self.stdout.write(f"{file['name']} → {whose} (by {file['matched_by']}): "
                                  f"{file['entries']} entries, {file['first_day']} – "
                                  f"{file['last_day']}{overlaps}")
        if verbose:
            for row in summary["per_resident"]:
                self.stdout.write(f"{row['email']}: +{row['added']} ~{row['replaced']} "
                                  f"-{row['removed']} ={row['unchanged']}")
        described = (f"{summary['added']} added, {summary['replaced']} replaced, "
                     f"{summary['removed']} removed, {summary['unchanged']} unchanged, "
                     f"{summary['skipped']} skipped (days off), {summary['overlaps']} overlaps kept")
        if dry_run:
            checked.delete()
            self.stdout.write(f"Dry run, nothing was imported. It would be: {described}.")
            return
        roster_imports.roster_import_confirm(roster_import=checked, by=None)
        done = roster_apply.roster_import_apply(roster_import_id=checked.pk)
        if done.status != RosterImport.Status.DONE:
            self._fail([uploads.Problem(**p) for p in done.problems], label)
        self.stdout.write(self.style.SUCCESS(
            f"Imported {label} ({summary['files']} file(s)): {described}."))

    def _read(self, paths: list[Path], file_format: str) -> list[rosters.RosterFile]:
        files = []
        for given in paths:
            if not given.exists():
                raise CommandError(f"Cannot read {given}: no such file or folder")
            for path in _files_in(given):
                try:
                    with path.open("rb") as f:
                        data = uploads.read_limited(f, uploads.ROSTERS)
                    expanded = rosters.expand_files(path.name, data)
                except OSError as error:
                    raise CommandError(f"Cannot read {path}: {error.strerror or error}") from None
                except ValueError as error:
                    raise CommandError(str(error)) from None
                files += [rosters.RosterFile(name, content, file_format) for name, content in expanded]
        if not files:
            raise CommandError("No roster files (.ics, .csv or .zip) found.")
        return files

    def _fail(self, problems, label):
        for problem in problems:
            self.stderr.write(str(problem))
        raise CommandError(f"{len(problems)} problem(s) in {label}; nothing was imported.")
