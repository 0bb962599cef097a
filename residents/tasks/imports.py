"""Tasks of the tabular imports: checking an upload, applying a confirmed one."""

from celery import shared_task

from ..importers import uploads
from ..services import table_import_run as services

# Reading is bounded by each kind's own limits (rows, line length, seconds); the task's limit
# is the backstop. No retries: a failed import is reported on its page.
_LIMIT = max(kind.max_seconds for kind in (uploads.RESIDENTS, uploads.INTERVISORS,
                                           uploads.GROUPS, uploads.ABSENCES)) * 3


@shared_task(acks_late=True, time_limit=_LIMIT, soft_time_limit=_LIMIT - 30)
def table_import_check(table_import_id: int) -> str:
    try:
        return services.table_import_check(table_import_id=table_import_id).status
    except Exception:
        services.table_import_fail(table_import_id=table_import_id,
                                   reason=services.unexpected_error(table_import_id))
        raise


@shared_task(acks_late=True, time_limit=_LIMIT, soft_time_limit=_LIMIT - 30)
def table_import_apply(table_import_id: int) -> str:
    try:
        return services.table_import_apply(table_import_id=table_import_id).status
    except Exception:
        services.table_import_fail(table_import_id=table_import_id,
                                   reason=services.unexpected_error(table_import_id))
        raise
