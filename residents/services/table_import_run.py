"""The tabular imports in the worker: what ``residents.tasks.imports`` calls.

Reading and checking an upload (``table_import_check``) and applying a confirmed one
(``table_import_apply``); the web side, which only keeps the file and queues these, is
``table_imports``. Each kind is an ``Importer``: how to check a file, show its plan, and apply
it. The people side registers its own below; ``sessions_app`` registers the group import when
it starts (``residents`` never imports it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..importers import absences, intervisors, residents, uploads
from ..importers.uploads import ImportOutdated, ImportRefused, Problem
from ..models import ImportKind, TableImport
from .roster_apply import problems_json
from .uploads import upload_bytes


@dataclass(frozen=True)
class Importer:
    kind: str
    upload: uploads.UploadKind
    check: Callable[[bytes], object]  # a plan with .problems and .digest
    preview: Callable[[object], dict]  # the plan as the preview page shows it (JSON)
    # What was done: rows created, updated, unchanged; or ImportRefused or ImportOutdated.
    apply: Callable[[bytes, str], dict[str, int]]


IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> None:
    IMPORTERS[importer.kind] = importer


def _residents_apply(data: bytes, digest: str) -> str:
    parsed = residents.read_residents_csv(data)
    if parsed.problems:
        raise ImportRefused(parsed.problems)
    try:
        done = residents.residents_import(rows=parsed.rows, expected_digest=digest)
    except ImportOutdated as outdated:
        outdated.plan.source = parsed.source
        raise
    return {"created": done.created, "updated": done.updated, "unchanged": done.unchanged}


def counts(plan: uploads.TablePlan) -> dict[str, int]:
    return {"created": plan.count(uploads.PlannedRow.CREATE),
            "updated": plan.count(uploads.PlannedRow.UPDATE),
            "unchanged": plan.count(uploads.PlannedRow.UNCHANGED)}


register(Importer(
    ImportKind.RESIDENTS, uploads.RESIDENTS, residents.check_residents_csv,
    residents.preview_json, _residents_apply))
register(Importer(
    ImportKind.INTERVISORS, uploads.INTERVISORS,
    lambda data: intervisors.check_intervisors_file(data)[0], uploads.plan_json,
    lambda data, digest: counts(intervisors.intervisors_import(data, expected_digest=digest))))
register(Importer(
    ImportKind.ABSENCES, uploads.ABSENCES,
    lambda data: absences.check_absences_file(data)[0], uploads.plan_json,
    lambda data, digest: counts(absences.absences_import(data, expected_digest=digest))))


def _finish(table_import: TableImport, status: str, **fields) -> None:
    """End an import (done or failed) and forget its file."""
    now = timezone.now()
    TableImport.objects.filter(pk=table_import.pk).update(
        status=status, status_changed_at=now, finished_at=now, upload=None, **fields)
    if table_import.upload_id:
        table_import.upload.delete()


def table_import_check(*, table_import_id: int) -> TableImport:
    """Read and check the file (in the worker): checked with its preview, or failed naming
    every problem. Safe to run twice: only an import being checked is checked."""
    table_import = TableImport.objects.select_related("upload").get(pk=table_import_id)
    if table_import.status != TableImport.Status.CHECKING or table_import.upload is None:
        return table_import
    importer = IMPORTERS[table_import.kind]
    with translation.override(table_import.language or None):
        plan = importer.check(upload_bytes(table_import.upload))
        preview = importer.preview(plan) if not plan.problems else {}
    if plan.problems:
        _finish(table_import, TableImport.Status.FAILED, problems=problems_json(plan.problems))
    else:
        TableImport.objects.filter(pk=table_import.pk, status=TableImport.Status.CHECKING).update(
            status=TableImport.Status.CHECKED, status_changed_at=timezone.now(),
            preview=preview, digest=plan.digest)
    table_import.refresh_from_db()
    return table_import


def table_import_apply(*, table_import_id: int) -> TableImport:
    """Apply a confirmed import (in the worker) if it still does what its preview showed: done
    with what it did; failed naming the problems; or checked again, with the new preview,
    when the data changed meanwhile. Safe to run twice."""
    claimed = TableImport.objects.filter(
        pk=table_import_id, status=TableImport.Status.QUEUED
    ).update(status=TableImport.Status.RUNNING, status_changed_at=timezone.now())
    table_import = TableImport.objects.select_related("upload").get(pk=table_import_id)
    if not claimed or table_import.upload is None:
        return table_import
    importer = IMPORTERS[table_import.kind]
    with translation.override(table_import.language or None):
        try:
            done = importer.apply(upload_bytes(table_import.upload), table_import.digest)
        except ImportRefused as refused:
            _finish(table_import, TableImport.Status.FAILED,
                    problems=problems_json(refused.problems))
        except ImportOutdated as outdated:
            TableImport.objects.filter(pk=table_import.pk).update(
                status=TableImport.Status.CHECKED, status_changed_at=timezone.now(),
                outdated=True, preview=importer.preview(outdated.plan),
                digest=outdated.plan.digest)
        else:
            _finish(table_import, TableImport.Status.DONE, counts=done)
    table_import.refresh_from_db()
    return table_import


def table_import_fail(*, table_import_id: int, reason: str) -> None:
    """Mark an import whose worker broke unexpectedly as failed, so its page stops waiting."""
    table_import = TableImport.objects.select_related("upload").get(pk=table_import_id)
    if table_import.status in TableImport.WORKING:
        _finish(table_import, TableImport.Status.FAILED,
                problems=problems_json([Problem(None, "", "", reason)]))


def unexpected_error(table_import_id: int) -> str:
    language = TableImport.objects.filter(pk=table_import_id).values_list("language", flat=True)
    with translation.override(language.first() or None):
        return _("The import stopped with an unexpected error; nothing was imported.")

