"""Taking roster files in (one, several, a folder, a zip), checking them, and queueing them
for a worker once confirmed.

Upload → check → confirm → apply. The web request only keeps what was uploaded
(``roster_import_receive``); a worker unpacks, decodes and checks it
(``residents.tasks.rosters.roster_import_check``) while the page shows the progress bar that
applying uses too: the web request returns at once, whatever the files hold. The command
(``import_roster``) checks in its own process with ``roster_import_check``.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation

from ..importers import rosters
from ..importers.uploads import Problem
from ..models import ImportKind, RosterImport, RosterImportFile, User
from ..timezones import programme_tz_name
from .roster_apply import (
    RosterImportRefused,
    roster_import_check_stored,
)
from .uploads import upload_store


@transaction.atomic
def roster_import_upload(
    *, files: list[rosters.RosterFile], source: str, by: User | None,
    period: tuple[dt.datetime, dt.datetime] | None = None,
) -> RosterImport:
    """Keep the files of an import, unchecked (status "checking"), one row each.

    A file that cannot be decoded at all (too large, not text) refuses the import here,
    named, so nothing is kept."""
    source = source.strip() or "roster"
    names = [f.name for f in files]
    label = names[0] if len(names) == 1 else f"{len(names)} files ({names[0]} …)"
    roster_import = RosterImport.objects.create(
        created_by=by, filename=label[:255], source=source[:100],
        file_format=(files[0].file_format or rosters.guess_format(files[0].name, files[0].data))
        if files else "ics",
        status=RosterImport.Status.CHECKING, status_changed_at=timezone.now(),
        period_start=period[0] if period else None, period_end=period[1] if period else None,
        total=len(files), done=0,
        summary={"tz": programme_tz_name(), "explicit_period": period is not None},
    )
    rows, problems = [], []
    for position, roster_file in enumerate(files):
        file_format = roster_file.file_format or rosters.guess_format(roster_file.name, roster_file.data)
        text, problem = rosters.roster_text(roster_file.data, file_format)
        if problem is not None:
            problems.append(Problem(problem.line, problem.column, problem.value,
                                    f"{roster_file.name}: {problem.reason}" if len(files) > 1
                                    else problem.reason))
            continue
        rows.append(RosterImportFile(
            roster_import=roster_import, position=position, filename=roster_file.name[:255],
            file_format=file_format, content=text,
            resident_email=roster_file.resident_email.strip().lower()[:254],
        ))
    if problems:
        raise RosterImportRefused(problems)
    RosterImportFile.objects.bulk_create(rows, batch_size=200)
    return roster_import


@transaction.atomic
def roster_import_receive(
    *, uploads: list[UploadedFile], source: str, by: User | None, resident_email: str = "",
    period: tuple[dt.datetime, dt.datetime] | None = None,
) -> RosterImport:
    """Take an upload in: keep its files as uploaded (status "checking") and leave unpacking,
    decoding and checking them to a worker, on commit. The request reads nothing of a file, so
    no roster holds a web process, however large or however often it repeats."""
    source = source.strip() or "roster"
    names = [u.name or "upload" for u in uploads]
    label = names[0] if len(names) == 1 else f"{len(names)} files ({names[0]} …)"
    roster_import = RosterImport.objects.create(
        created_by=by, filename=label[:255], source=source[:100],
        file_format="ics" if names[0].lower().endswith((".ics", ".ical", ".ifb")) else "csv",
        status=RosterImport.Status.CHECKING, status_changed_at=timezone.now(),
        period_start=period[0] if period else None, period_end=period[1] if period else None,
        total=len(uploads), done=0,
        summary={"tz": programme_tz_name(), "explicit_period": period is not None,
                 "resident_email": resident_email.strip().lower()[:254],
                 # The worker writes its messages in the language of the page.
                 "language": translation.get_language() or ""},
    )
    for position, upload in enumerate(uploads):
        upload_store(upload=upload, kind=ImportKind.ROSTERS, by=by, roster_import=roster_import,
                     position=position)
    # Celery loads here, when a web process first enqueues, not at start-up.
    from ..tasks.rosters import roster_import_check as check_task

    pk = roster_import.pk
    transaction.on_commit(lambda: check_task.delay(pk))
    return roster_import


@transaction.atomic
def roster_import_check(
    *,
    data: bytes | str,
    filename: str,
    source: str,
    by: User | None,
    resident_email: str = "",
    period: tuple[dt.datetime, dt.datetime] | None = None,
    file_format: str | None = None,
):
    """Check one roster file now and keep it, with its preview, until it is confirmed.

    Raises ``RosterImportRefused`` listing every problem; then nothing is kept.
    """
    roster_import = roster_import_upload(
        files=[rosters.RosterFile(filename, data, file_format or "", resident_email)],
        source=source, by=by, period=period)
    checked = roster_import_check_stored(roster_import_id=roster_import.pk)
    if checked.status == RosterImport.Status.FAILED:
        raise RosterImportRefused([Problem(**p) for p in checked.problems])
    return checked


@transaction.atomic
def roster_import_confirm(*, roster_import, by: User | None):
    """Queue a checked import for a worker; confirming twice queues it once."""
    # Celery loads here, when a web process first enqueues, not at start-up.
    from ..tasks.rosters import roster_import_apply as apply_task

    claimed = RosterImport.objects.filter(
        pk=roster_import.pk, status=RosterImport.Status.CHECKED
    ).update(status=RosterImport.Status.QUEUED, status_changed_at=timezone.now())
    if claimed:
        pk = roster_import.pk
        transaction.on_commit(lambda: apply_task.delay(pk))
    roster_import.refresh_from_db()
    return roster_import
