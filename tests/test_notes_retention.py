"""Notes are deleted automatically a configurable time after their session."""

import datetime as dt

import pytest

from residents.models import Programme
from sessions_app.crypto import encrypt
from sessions_app.models import NoteAccessEvent, Session, SessionNote
from sessions_app.services.notes import months_before
from sessions_app.tasks.retention import purge_expired_notes

PURGE_DAY = dt.datetime(2026, 3, 15, 10, 0, tzinfo=dt.UTC)

pytestmark = [pytest.mark.now(PURGE_DAY), pytest.mark.usefixtures("clock")]


@pytest.fixture
def notes_at_ages(group, ivan):
    """Notes on sessions that ended 13, 12 (minus a day) and 2 months before PURGE_DAY."""
    made = {}
    for label, end in {"13 months": dt.datetime(2025, 2, 15, 10, tzinfo=dt.UTC),
                       "under 12 months": dt.datetime(2025, 3, 16, 10, tzinfo=dt.UTC),
                       "2 months": dt.datetime(2026, 1, 15, 10, tzinfo=dt.UTC)}.items():
        session = Session.objects.create(group=group, intervisor=group.intervisor, status=Session.Status.HELD,
                                         start=end - dt.timedelta(minutes=90), end=end)
        made[label] = SessionNote.objects.create(session=session, author=ivan, body_encrypted=encrypt(label))
    return made


def test_notes_older_than_the_retention_period_are_purged_with_an_audit_row(notes_at_ages):
    assert purge_expired_notes.apply().get() == 1
    assert set(SessionNote.objects.values_list("pk", flat=True)) == {
        notes_at_ages["under 12 months"].pk, notes_at_ages["2 months"].pk}
    event = NoteAccessEvent.objects.get()
    old = notes_at_ages["13 months"]
    assert (event.action, event.actor, event.note_id, event.session_id) == (
        NoteAccessEvent.Action.PURGE, None, old.pk, old.session_id)


def test_purging_twice_deletes_nothing_more(notes_at_ages):
    purge_expired_notes.apply()
    assert purge_expired_notes.apply().get() == 0
    assert NoteAccessEvent.objects.count() == 1


def test_the_programme_sets_the_retention_period(notes_at_ages):
    programme = Programme.get()
    programme.note_retention_months = 1
    programme.save()
    assert purge_expired_notes.apply().get() == 3
    assert not SessionNote.objects.exists()


def test_months_before_counts_calendar_months():
    assert months_before(dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC), 1) == dt.datetime(
        2026, 2, 28, 12, tzinfo=dt.UTC)
    january = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)
    assert months_before(january, 12) == dt.datetime(2025, 1, 15, tzinfo=dt.UTC)
    assert months_before(january, 13) == dt.datetime(2024, 12, 15, tzinfo=dt.UTC)
