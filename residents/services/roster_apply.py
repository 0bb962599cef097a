"""Applying a confirmed roster import, in the worker: one transaction, bulk writes, progress
for the page (written and read here only), and the sweeper that fails imports whose worker died.

Upload (files kept, one ``RosterImportFile`` each) → check (status "checking", then
"checked" with its preview; a worker checks a bulk) → confirm (queued; a worker applies it)
→ done or failed. The progress bar counts files while an import is checked and rows while
it is applied, from one place (``report_progress``). All or nothing: the worker plans
again inside one transaction and applies the plan with bulk operations. Checking and
confirming are in ``roster_imports``; this module is what the task calls.
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..importers import rosters
from ..importers.uploads import Problem
from ..models import RosterCoverage, RosterEntry, RosterImport, RosterImportFile
from ..timezones import programme_zone
from .uploads import upload_bytes

ROSTER_CHUNK = 2000  # rows per bulk statement; progress is reported after each


class ImportSweptAway(Exception):
    """An import's worker outlived the sweeper's patience; its work is rolled back."""


class RosterImportRefused(ValidationError):
    """The roster cannot be imported; nothing was written. ``problems`` says why."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__([str(p) for p in self.problems])


def problems_json(problems) -> list[dict]:
    return [{"line": p.line, "column": p.column, "value": p.value, "reason": p.reason}
            for p in problems]


def stored_files(roster_import: RosterImport) -> list[rosters.RosterFile]:
    """An import's files as the importer reads them (an import from before files were kept
    one row each holds its one file in ``content``)."""
    files = [
        rosters.RosterFile(f.filename, f.content, f.file_format, f.resident_email)
        for f in roster_import.files.all()
    ]
    if not files and roster_import.content:
        files = [rosters.RosterFile(roster_import.filename, roster_import.content,
                                    roster_import.file_format,
                                    (roster_import.summary or {}).get("resident_email", ""))]
    return files


def import_period(roster_import: RosterImport) -> tuple[dt.datetime, dt.datetime] | None:
    if (roster_import.summary or {}).get("explicit_period") and roster_import.period_start:
        return roster_import.period_start, roster_import.period_end
    return None


PROGRESS_TIMEOUT = 3600  # seconds; longer than an import may run (ROSTER_IMPORT_RUN_LIMIT)


def _progress_key(pk: int) -> str:
    return f"roster-import:{pk}:done"


def report_progress(pk: int, done: int) -> None:
    """Tell the page how far the import is: files checked, or rows written so far.

    The cache is the one place progress is kept while an import runs. The rows themselves are
    written in one transaction, invisible to every other connection until it commits, so the
    page cannot count them; nor can the worker update ``RosterImport.done`` as it goes, since on
    SQLite the import's own transaction holds the only write lock. The cache is shared by the
    web processes and the workers: Redis with REDIS_URL, otherwise files under VAR_DIR (CACHES
    in settings; a cache in memory is private to each process, and under `make run` the bar
    would not move). ``RosterImport.done`` changes only with the status: all rows once done."""
    cache.set(_progress_key(pk), done, PROGRESS_TIMEOUT)


def clear_progress(pk: int) -> None:
    """Forget the reported progress (checking is over; applying counts afresh)."""
    cache.delete(_progress_key(pk))


def import_language(roster_import_id: int) -> str | None:
    """The language of the page the import was uploaded from (its worker writes in it)."""
    summary = RosterImport.objects.filter(pk=roster_import_id).values_list("summary", flat=True)
    return (summary.first() or {}).get("language") or None


def roster_import_done(roster_import: RosterImport) -> int:
    """How many of the import's rows are written (of its files checked, while it is checked):
    all once it is done, what its worker last reported while it runs, none before or after a
    failure."""
    if roster_import.status == RosterImport.Status.DONE:
        return roster_import.total
    if roster_import.status in (RosterImport.Status.RUNNING, RosterImport.Status.CHECKING):
        return min(cache.get(_progress_key(roster_import.pk)) or 0, roster_import.total)
    return 0


def _unpack_uploads(roster_import: RosterImport) -> list[Problem]:
    """The import's uploads as files, one row each: zips unpacked, text decoded; then the
    uploads are forgotten. In the worker: the web request only kept them."""
    uploads = list(roster_import.uploads.all())
    if not uploads:
        return []
    found: list[tuple[str, bytes]] = []
    problems: list[Problem] = []
    for upload in uploads:
        try:
            found += rosters.expand_files(upload.filename, upload_bytes(upload))
        except ValueError as error:
            problems.append(Problem(None, "", "", str(error)))
    if not problems and not found:
        problems.append(Problem(None, "", "", _("The upload holds no roster files (.ics or .csv).")))
    if len(found) > rosters.MAX_FILES:
        problems.append(Problem(None, "", "", _("At most %(limit)s files at once.")
                                % {"limit": rosters.MAX_FILES}))
    chosen = (roster_import.summary or {}).get("resident_email", "")
    rows = []
    for position, (name, data) in enumerate(found if not problems else []):
        file_format = rosters.guess_format(name, data)
        text, problem = rosters.roster_text(data, file_format)
        if problem is not None:
            problems.append(Problem(problem.line, problem.column, problem.value,
                                    f"{name}: {problem.reason}" if len(found) > 1 else problem.reason))
            continue
        rows.append(RosterImportFile(
            roster_import=roster_import, position=position, filename=name[:255],
            file_format=file_format, content=text,
            resident_email=chosen if len(found) == 1 else ""))
    if not problems:
        with transaction.atomic():
            RosterImportFile.objects.bulk_create(rows, batch_size=50)
            roster_import.uploads.all().delete()
            RosterImport.objects.filter(pk=roster_import.pk).update(
                total=len(rows), file_format=rows[0].file_format)
        roster_import.refresh_from_db()
    return problems


def roster_import_check_stored(*, roster_import_id: int) -> RosterImport:
    """Check an import's files (in the worker; the command checks in its own process): checked
    with its preview, or failed naming every problem. Safe to run twice: only an import being
    checked is checked."""
    roster_import = RosterImport.objects.get(pk=roster_import_id)
    if roster_import.status != RosterImport.Status.CHECKING:
        return roster_import
    problems = _unpack_uploads(roster_import)
    if problems:
        RosterImport.objects.filter(pk=roster_import.pk, status=RosterImport.Status.CHECKING).update(
            status=RosterImport.Status.FAILED, done=0, finished_at=timezone.now(),
            status_changed_at=timezone.now(), problems=problems_json(problems))
        roster_import.uploads.all().delete()
        roster_import.refresh_from_db()
        return roster_import
    files = list(roster_import.files.all())
    zone = programme_zone()
    bulk = rosters.check_roster_files(
        stored_files(roster_import), source=roster_import.source, tz=roster_import.summary["tz"],
        period=import_period(roster_import),
        progress=lambda n: report_progress(roster_import.pk, n),
    )
    clear_progress(roster_import.pk)
    problems = bulk.problems
    # Only an import still being checked changes: the sweeper may have failed it meanwhile.
    checking = RosterImport.objects.filter(pk=roster_import.pk, status=RosterImport.Status.CHECKING)
    with transaction.atomic():
        if problems:
            checking.update(
                status=RosterImport.Status.FAILED, done=0, finished_at=timezone.now(),
                status_changed_at=timezone.now(), problems=problems_json(problems))
        else:
            for row, checked in zip(files, bulk.files, strict=True):
                row.residents = [{"resident_id": c.resident_id, "name": c.name, "email": c.email}
                                 for c in checked.plan.residents]
                row.matched_by, row.resident_email = checked.matched_by, checked.resident_email[:254]
                row.period_start, row.period_end = checked.covered(zone) or (None, None)
                row.entries, row.overlaps = len(checked.parsed.rows), checked.parsed.overlaps
            RosterImportFile.objects.bulk_update(
                files, ["residents", "matched_by", "resident_email", "period_start", "period_end",
                        "entries", "overlaps"], batch_size=200)
            summary = roster_import.summary | bulk.summary | {
                "per_resident": [
                    {"resident_id": c.resident_id, "name": c.name, "email": c.email, "added": c.added,
                     "replaced": c.replaced, "removed": c.removed, "unchanged": c.unchanged}
                    for c in bulk.per_resident()
                ],
                "per_file": [checked.preview(zone) for checked in bulk.files],
            }
            checking.update(
                status=RosterImport.Status.CHECKED, status_changed_at=timezone.now(),
                period_start=bulk.period_start, period_end=bulk.period_end,
                total=bulk.total, done=0, summary=summary)
    roster_import.refresh_from_db()
    return roster_import


def roster_import_apply(*, roster_import_id: int):
    """Apply a queued import in one transaction; safe to call twice (the second does nothing).

    On any problem nothing is written and the import is marked failed with the reasons."""

    claimed = RosterImport.objects.filter(
        pk=roster_import_id, status=RosterImport.Status.QUEUED
    ).update(status=RosterImport.Status.RUNNING, done=0, status_changed_at=timezone.now())
    roster_import = RosterImport.objects.get(pk=roster_import_id)
    if not claimed:
        return roster_import
    try:
        with transaction.atomic():
            plan = rosters.check_roster_files(
                stored_files(roster_import), source=roster_import.source,
                tz=roster_import.summary["tz"], period=import_period(roster_import), lock=True,
            )
            if plan.problems:
                raise RosterImportRefused(plan.problems)
            if plan.digest != roster_import.summary.get("digest"):
                raise RosterImportRefused([Problem(None, "", "", _(
                    "The stored roster changed since this file was checked (another import?). "
                    "Nothing was imported; upload the file again to see what it would do now."
                ))])
            done = 0
            for chunk in rosters._chunks(plan.delete, ROSTER_CHUNK):
                RosterEntry.objects.filter(pk__in=chunk).delete()
                done += len(chunk)
                report_progress(roster_import.pk, done)
            for chunk in rosters._chunks(plan.update, ROSTER_CHUNK):
                for entry in chunk:
                    entry.roster_import_id = roster_import.pk
                RosterEntry.objects.bulk_update(
                    chunk, ["resident", "start", "end", "kind", "roster_import"]
                )
                done += len(chunk)
                report_progress(roster_import.pk, done)
            for chunk in rosters._chunks(plan.create, ROSTER_CHUNK):
                for entry in chunk:
                    entry.roster_import_id = roster_import.pk
                RosterEntry.objects.bulk_create(chunk)
                done += len(chunk)
                report_progress(roster_import.pk, done)
            _record_coverage(roster_import, plan)
            summary = roster_import.summary | plan.summary
            finished = RosterImport.objects.filter(
                pk=roster_import.pk, status=RosterImport.Status.RUNNING
            ).update(
                status=RosterImport.Status.DONE, total=plan.total, done=plan.total,
                summary=summary, content="", finished_at=timezone.now(),
            )
            roster_import.files.update(content="")
            if not finished:
                # The sweeper gave up on this import meanwhile and told the coordinator
                # nothing was imported: keep that true (the rollback undoes every row).
                raise ImportSweptAway
            transaction.on_commit(lambda: _after_roster_import(roster_import.pk))
    except ImportSweptAway:
        pass
    except RosterImportRefused as refused:
        RosterImport.objects.filter(pk=roster_import.pk).update(
            status=RosterImport.Status.FAILED, done=0, finished_at=timezone.now(),
            problems=problems_json(refused.problems),
        )
    finally:
        clear_progress(roster_import.pk)
    roster_import.refresh_from_db()
    return roster_import


def _record_coverage(roster_import: RosterImport, plan) -> None:
    """Each file covers its period for every resident it names: from now on their roster is
    known there (free unless an entry says otherwise). Older records of the same source that
    the new period holds whole are replaced, so importing again does not pile them up."""
    rows, zone = [], programme_zone()
    for checked in plan.files:
        covered = checked.covered(zone)
        if covered is None:
            continue
        start, end = covered
        ids = [change.resident_id for change in checked.plan.residents]
        RosterCoverage.objects.filter(resident_id__in=ids, source=roster_import.source,
                                      start__gte=start, end__lte=end).delete()
        rows += [RosterCoverage(resident_id=pk, start=start, end=end, source=roster_import.source,
                                roster_import_id=roster_import.pk) for pk in ids]
    RosterCoverage.objects.bulk_create(rows, batch_size=1000)


def _after_roster_import(pk: int) -> None:
    """Rosters changed: tell whoever plans around them (``signals.roster_imported``)."""
    signals.roster_imported.send(sender=RosterImport, roster_import_id=pk)


# How long an import may wait for a worker, and run, before the sweeper calls it failed. A
# running one gets the task's hard time limit plus a margin: by then its worker is gone
# (Celery kills it at the limit, without the task's own error handling) or it died earlier.
ROSTER_IMPORT_TIME_LIMIT = dt.timedelta(minutes=30)  # the task's time_limit (residents.tasks.rosters)
ROSTER_IMPORT_QUEUE_LIMIT = dt.timedelta(hours=1)
ROSTER_IMPORT_RUN_LIMIT = ROSTER_IMPORT_TIME_LIMIT + dt.timedelta(minutes=5)


def roster_imports_sweep(*, now: dt.datetime | None = None) -> int:
    """Fail imports stuck queued or running past their limit, so their pages stop waiting;
    how many. Running it again changes nothing: only queued and running imports are touched.

    A worker that picks a swept import up later finds it no longer queued and does nothing;
    one still running when swept cannot finish it (``roster_import_apply`` rolls back)."""
    def waited(status: str, limit: dt.timedelta) -> Q:
        # Imports queued before status_changed_at existed count from their upload.
        cutoff = now - limit
        return Q(status=status) & (
            Q(status_changed_at__lt=cutoff)
            | Q(status_changed_at__isnull=True, created_at__lt=cutoff)
        )

    now = now or timezone.now()
    stuck = RosterImport.objects.filter(
        waited(RosterImport.Status.QUEUED, ROSTER_IMPORT_QUEUE_LIMIT)
        | waited(RosterImport.Status.RUNNING, ROSTER_IMPORT_RUN_LIMIT)
        # Checking a bulk waits for a worker and then runs; it gets both limits.
        | waited(RosterImport.Status.CHECKING, ROSTER_IMPORT_QUEUE_LIMIT + ROSTER_IMPORT_RUN_LIMIT)
    )
    reason = _("The import stopped without finishing (its worker is gone); nothing was "
               "imported. Upload the file again.")
    return stuck.update(
        status=RosterImport.Status.FAILED, done=0, finished_at=now, status_changed_at=now,
        problems=[{"line": None, "column": "", "value": "", "reason": reason}],
    )


def roster_import_fail(*, roster_import_id: int, reason: str) -> None:
    """Mark an import that broke unexpectedly as failed, so its page stops waiting."""
    RosterImport.objects.filter(
        pk=roster_import_id,
        status__in=[RosterImport.Status.CHECKING, RosterImport.Status.QUEUED, RosterImport.Status.RUNNING]
    ).update(status=RosterImport.Status.FAILED, finished_at=timezone.now(),
             problems=[{"line": None, "column": "", "value": "", "reason": reason}])

