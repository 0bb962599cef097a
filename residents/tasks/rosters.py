"""Tasks of the roster area: applying a confirmed import, failing imports whose worker died."""

from celery import shared_task
from django.utils import translation

from ..services import roster_apply as services
from ..services import uploads

# Long imports (a year for 500 residents) may take a while; no retries: a failed import is
# reported on its page and the coordinator decides whether to upload again. The hard limit
# kills the worker without the except below: sweep_stuck_roster_imports cleans up after it.
_IMPORT_LIMIT = int(services.ROSTER_IMPORT_TIME_LIMIT.total_seconds())


@shared_task(acks_late=True, time_limit=_IMPORT_LIMIT, soft_time_limit=_IMPORT_LIMIT - 60)
def roster_import_apply(roster_import_id: int) -> str:
    """Apply a confirmed roster import (see ``services.roster_import_apply``)."""
    try:
        with translation.override(services.import_language(roster_import_id)):
            result = services.roster_import_apply(roster_import_id=roster_import_id)
    except Exception:
        services.roster_import_fail(
            roster_import_id=roster_import_id,
            reason="The import stopped with an unexpected error; nothing was imported.",
        )
        raise
    return result.status


@shared_task
def sweep_stuck_roster_imports() -> int:
    """Fail roster imports whose worker died (see ``services.roster_imports_sweep``), and
    forget uploads nobody confirmed within a day (``uploads.uploads_sweep``)."""
    return services.roster_imports_sweep() + uploads.uploads_sweep()


@shared_task(acks_late=True, time_limit=_IMPORT_LIMIT, soft_time_limit=_IMPORT_LIMIT - 60)
def roster_import_check(roster_import_id: int) -> str:
    """Check the files of a bulk import (see ``services.roster_import_check_stored``)."""
    try:
        with translation.override(services.import_language(roster_import_id)):
            result = services.roster_import_check_stored(roster_import_id=roster_import_id)
    except Exception:
        services.roster_import_fail(
            roster_import_id=roster_import_id,
            reason="The check stopped with an unexpected error; nothing was imported.",
        )
        raise
    return result.status
