"""Checking an uploaded roster file and queueing it for a worker once it is confirmed."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ..importers import rosters
from ..models import RosterImport, User
from ..timezones import programme_tz_name
from .roster_apply import RosterImportRefused


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
    """Check a roster file and keep it, with its preview, until it is confirmed.

    Raises ``RosterImportRefused`` listing every problem; then nothing is kept.
    """
    tz = programme_tz_name()
    file_format = file_format or rosters.guess_format(filename, data)
    source = source.strip() or "roster"
    parsed, plan = rosters.check_roster(
        data, file_format=file_format, source=source, tz=tz, resident_email=resident_email,
        period=period,
    )
    if plan.problems:
        raise RosterImportRefused(plan.problems)
    summary = plan.summary | {
        "tz": tz,
        "resident_email": resident_email.strip().lower(),
        "explicit_period": period is not None,
        "per_resident": [
            {"resident_id": c.resident_id, "name": c.name, "email": c.email, "added": c.added,
             "replaced": c.replaced, "removed": c.removed, "unchanged": c.unchanged}
            for c in plan.residents
        ],
    }
    return RosterImport.objects.create(
        created_by=by, filename=filename[:255], file_format=file_format, source=source[:100],
        content=parsed.text, status=RosterImport.Status.CHECKED, period_start=plan.period_start,
        period_end=plan.period_end, total=plan.total, done=0, summary=summary,
    )


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
