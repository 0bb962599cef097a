"""Tasks of the suggestions area: the nightly digest and the clash check after imports."""

from celery import shared_task

from residents.models import RosterImport

from ..services import suggestions as services


@shared_task
def prepare_suggestions() -> int:
    """Nightly: suggestions for groups without a session planned within their cadence."""
    return len(services.suggestions_prepare_nightly())


@shared_task
def check_roster_clashes(roster_import_id: int | None = None) -> int:
    """After a roster import: flag planned sessions the new rosters rule out."""
    roster_import = None
    if roster_import_id is not None:
        roster_import = RosterImport.objects.filter(pk=roster_import_id).first()
        if roster_import is None:
            return 0
    return len(services.roster_clashes_check(roster_import=roster_import))
