"""Tasks of the notes area: deleting notes once their retention period has passed."""

from celery import shared_task

from ..services import notes as services


@shared_task
def purge_expired_notes() -> int:
    """Nightly: delete the notes of sessions that ended longer ago than the programme keeps
    them (``Programme.note_retention_months``). Running it twice deletes nothing more."""
    return services.notes_purge_expired()
