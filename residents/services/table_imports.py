"""The tabular imports (residents, intervisors, groups, absences), the web side.

Upload → check → confirm → apply, as the roster import: the web request only keeps the file
(``table_import_receive``) and queues a worker to read and check it; confirming a checked
import queues a worker to apply it (``table_import_confirm``). What the workers do is in
``table_import_run``; the page polls while a worker is at it.
"""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation

from ..models import TableImport, User
from .uploads import upload_store


def _enqueue(task_name: str, pk: int) -> None:
    # Celery loads here, when a web process first enqueues, not at start-up.
    from ..tasks import imports as tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.delay(pk))


@transaction.atomic
def table_import_receive(*, kind: str, upload: UploadedFile, by: User | None) -> TableImport:
    """Keep an upload (its size and name already checked) for a worker to check."""
    stored = upload_store(upload=upload, kind=kind, by=by)
    table_import = TableImport.objects.create(
        kind=kind, filename=stored.filename, upload=stored, created_by=by,
        status=TableImport.Status.CHECKING, status_changed_at=timezone.now(),
        language=translation.get_language() or "")
    _enqueue("table_import_check", table_import.pk)
    return table_import


@transaction.atomic
def table_import_confirm(*, table_import: TableImport, by: User | None) -> bool:
    """Queue a checked import for a worker; confirming twice queues it once."""
    claimed = TableImport.objects.filter(
        pk=table_import.pk, status=TableImport.Status.CHECKED
    ).update(status=TableImport.Status.QUEUED, status_changed_at=timezone.now())
    if claimed:
        _enqueue("table_import_apply", table_import.pk)
    return bool(claimed)


