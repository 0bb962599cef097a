"""Keeping an uploaded file for a worker: the only thing a web request does with an upload.

``upload_store`` copies an upload (already checked for size and name by its form, see
``importers.uploads.upload_problem``) into the database a megabyte at a time, so the request
takes milliseconds and a megabyte of memory whatever the file; the worker that reads it calls
``upload_bytes``. Rows go with their import, or with the sweeper after ``UPLOAD_EXPIRY``.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import RosterImport, StoredUpload, StoredUploadChunk, TableImport, User

UPLOAD_EXPIRY = dt.timedelta(days=1)  # an upload nobody confirmed is forgotten after this
# A tabular import a worker has not finished in this time lost its worker (its task's hard
# limit is minutes): failed, so its page stops waiting.
TABLE_IMPORT_STUCK = dt.timedelta(hours=1)


@transaction.atomic
def upload_store(
    *, upload: UploadedFile, kind: str, by: User | None, roster_import: RosterImport | None = None,
    position: int = 0,
) -> StoredUpload:
    stored = StoredUpload.objects.create(
        kind=kind, filename=(upload.name or "upload")[:255], size=upload.size or 0, created_by=by,
        roster_import=roster_import, position=position)
    upload.seek(0)
    number = 0
    while chunk := upload.read(StoredUpload.CHUNK):
        StoredUploadChunk.objects.create(upload=stored, position=number, data=chunk)
        number += 1
    return stored


def upload_bytes(stored: StoredUpload) -> bytes:
    """The file as uploaded (in the worker: the web request never reads it whole)."""
    return b"".join(bytes(data) for data in
                    stored.chunks.order_by("position").values_list("data", flat=True))


def uploads_sweep(*, now: dt.datetime | None = None) -> int:
    """Forget uploads older than ``UPLOAD_EXPIRY`` (a preview nobody confirmed, a worker that
    died) and fail the imports that still waited for them; how many uploads went."""
    now = now or timezone.now()
    old = StoredUpload.objects.filter(created_at__lt=now - UPLOAD_EXPIRY)
    stuck = TableImport.objects.filter(status__in=TableImport.WORKING,
                                       status_changed_at__lt=now - TABLE_IMPORT_STUCK)
    expired = TableImport.objects.filter(upload__in=old).exclude(
        status__in=[TableImport.Status.DONE, TableImport.Status.FAILED])
    reason = _("The import stopped without finishing (its worker is gone, or nobody confirmed "
               "it within a day); nothing was imported. Upload the file again.")
    for imports in (stuck, expired):
        imports.update(status=TableImport.Status.FAILED, status_changed_at=now, finished_at=now,
                       problems=[{"line": None, "column": "", "value": "", "reason": reason}])
    old = old | StoredUpload.objects.filter(
        table_import__status=TableImport.Status.FAILED, table_import__finished_at=now)
    return old.delete()[1].get("residents.StoredUpload", 0)
