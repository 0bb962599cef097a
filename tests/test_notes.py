"""Confidential session notes: who may keep them, encryption at rest, the audit trail."""

import datetime as dt
import importlib
import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import SafeExceptionReporterFilter

from sessions_app import crypto
from sessions_app.models import NoteAccessEvent, NoteTheme, Session, SessionNote
from sessions_app.services import notes as services
from sessions_app.services.sessions import session_plan
from sessions_app.views.notes import session_notes

from .factories import IntervisorFactory
from .helpers import NOW, login

pytestmark = pytest.mark.usefixtures("clock")

SECRET = "Rosa talked about the night the patient in bed 12 died"
Action = NoteAccessEvent.Action


@pytest.fixture
def held(group, rosa, ruben, cora):
    start = NOW - dt.timedelta(days=1)
    return session_plan(group=group, start=start, by=cora)


@pytest.fixture
def upcoming(group, rosa, cora):
    start = NOW + dt.timedelta(days=3)
    return session_plan(group=group, start=start, by=cora)


def _url(session, name="session_notes"):
    return reverse(name, kwargs={"pk": session.pk})


def _write(client, session, body=SECRET, themes=()):
    return client.post(_url(session), {"body": body, "themes": [t.pk for t in themes]})


def _raw_notes_table() -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {SessionNote._meta.db_table}")  # noqa: S608 - our own table name
        return repr(cursor.fetchall())


def _raw_audit_table() -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {NoteAccessEvent._meta.db_table}")  # noqa: S608
        return repr(cursor.fetchall())


# --- writing and reading ------------------------------------------------------------------------

def test_the_intervisor_writes_a_note_with_themes_and_reads_it_back(ivan, held):
    client = login(ivan)
    workload = NoteTheme.objects.get_or_create(name="Workload")[0]
    response = _write(client, held, themes=[workload])
    assert response.status_code == 302
    note = SessionNote.objects.get(session=held, author=ivan)
    assert list(note.themes.all()) == [workload]
    page = client.get(_url(held))
    assert page.status_code == 200
    assert SECRET in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0") and "no-store" in page["Cache-Control"]


def test_the_data_migration_seeds_the_default_themes_once(db):
    from django.apps import apps

    migration = importlib.import_module("sessions_app.migrations.0004_default_note_themes")
    # Transactional tests elsewhere in the suite flush migration data, so seed it here again.
    migration.add_default_themes(apps, None)
    migration.add_default_themes(apps, None)
    names = list(NoteTheme.objects.values_list("name", flat=True))
    assert {"Workload", "Feedback culture", "Medical error", "Career doubts", "Conflict",
            "Patient death", "Professional identity"} <= set(names)
    assert len(names) == len(set(names))


def test_saving_again_changes_the_one_note_of_that_intervisor(ivan, held):
    client = login(ivan)
    _write(client, held, body="First version")
    _write(client, held, body="Second version")
    assert SessionNote.objects.filter(session=held).count() == 1
    assert crypto.decrypt(SessionNote.objects.get().body_encrypted) == "Second version"


def test_the_co_intervisor_reads_the_note_and_keeps_their_own(ivan, iris, group, held):
    group.co_intervisor = IntervisorFactory().user.intervisor
    group.save()
    co = group.co_intervisor.user
    _write(login(ivan), held)
    client = login(co)
    page = client.get(_url(held))
    assert page.status_code == 200 and SECRET in page.content.decode()
    assert _write(client, held, body="My own view of it").status_code == 302
    assert SessionNote.objects.filter(session=held).count() == 2
    # Deleting removes only one's own note.
    client.post(_url(held, "session_note_delete"))
    assert list(SessionNote.objects.values_list("author", flat=True)) == [ivan.pk]


def test_the_intervisor_of_an_open_session_keeps_its_notes(iris, ivan):
    start = NOW - dt.timedelta(hours=3)
    session = Session.objects.create(kind=Session.Kind.OPEN, intervisor=iris.intervisor, capacity=5,
                                     start=start, end=start + dt.timedelta(minutes=90))
    assert _write(login(iris), session).status_code == 302
    assert login(ivan).get(_url(session)).status_code == 404


def test_an_empty_note_is_refused_and_nothing_is_saved(ivan, held):
    response = _write(login(ivan), held, body="   ")
    assert response.status_code == 400
    assert "Write something" in response.content.decode()
    assert not SessionNote.objects.exists()


def test_no_note_before_the_session_has_started(ivan, upcoming):
    response = _write(login(ivan), upcoming)
    assert response.status_code == 409
    assert "once the session has started" in response.content.decode()
    assert not SessionNote.objects.exists()


def test_the_intervisor_deletes_their_note_after_confirming(ivan, held):
    client = login(ivan)
    _write(client, held)
    confirm = client.get(_url(held, "session_note_delete"))
    assert confirm.status_code == 200 and "deleted for good" in confirm.content.decode()
    assert SessionNote.objects.exists()
    assert client.post(_url(held, "session_note_delete")).status_code == 302
    assert not SessionNote.objects.exists()


def test_the_note_list_shows_sessions_but_no_note_text(ivan, held, upcoming):
    client = login(ivan)
    _write(client, held)
    events = NoteAccessEvent.objects.count()
    page = client.get(reverse("note_list")).content.decode()
    assert _url(held) in page and _url(upcoming) not in page  # not started yet
    assert SECRET not in page
    assert NoteAccessEvent.objects.count() == events  # nothing read, nothing to audit


# --- who is refused -----------------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["cora", "adam", "iris", "rosa", "otto"])
def test_everyone_else_is_refused_reading_writing_and_deleting(personas, held, persona):
    _write(login(personas["ivan"]), held)
    note = SessionNote.objects.get()
    client = login(personas[persona])
    before = NoteAccessEvent.objects.filter(action=Action.REFUSED).count()
    for response in [
        client.get(_url(held)),
        _write(client, held, body="overwritten"),
        client.get(_url(held, "session_note_delete")),
        client.post(_url(held, "session_note_delete")),
    ]:
        assert response.status_code == 404
        assert SECRET not in response.content.decode()
    refused = NoteAccessEvent.objects.filter(action=Action.REFUSED).order_by("at", "pk")
    assert refused.count() == before + 4
    assert {(e.actor_id, e.session_id) for e in refused} == {(personas[persona].pk, held.pk)}
    note.refresh_from_db()
    assert crypto.decrypt(note.body_encrypted) == SECRET
    assert SessionNote.objects.count() == 1


def test_a_forged_session_id_is_refused_like_any_other(ivan, db):
    response = login(ivan).get(reverse("session_notes", kwargs={"pk": 999999}))
    assert response.status_code == 404
    event = NoteAccessEvent.objects.get()
    assert (event.action, event.actor_id, event.session_id) == (Action.REFUSED, ivan.pk, 999999)


def test_an_intervisor_who_is_deactivated_is_refused(ivan, held):
    ivan.is_active = False
    ivan.save()
    assert not services.may_keep_notes(ivan, held)


def test_the_note_pages_answer_405_to_other_methods(ivan, held):
    client = login(ivan)
    assert client.put(_url(held)).status_code == 405
    assert client.delete(_url(held, "session_note_delete")).status_code == 405


# --- encryption at rest -------------------------------------------------------------------------

def test_raw_sql_over_the_notes_table_finds_no_plaintext(ivan, held):
    _write(login(ivan), held)
    raw = _raw_notes_table()
    assert "bed 12" not in raw and "patient" not in raw
    assert SessionNote.objects.get().body_encrypted.startswith("gAAAA")  # a Fernet token


def test_the_note_key_is_not_the_secret_key(settings):
    assert settings.SECRET_KEY not in settings.NOTES_ENCRYPTION_KEYS
    token = crypto.encrypt(SECRET)
    assert Fernet(settings.NOTES_ENCRYPTION_KEYS[0]).decrypt(token.encode()).decode() == SECRET


def test_after_rotation_old_notes_read_and_the_command_moves_them_to_the_new_key(settings, ivan, held):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.NOTES_ENCRYPTION_KEYS = [old_key]
    client = login(ivan)
    _write(client, held)
    old_token = SessionNote.objects.get().body_encrypted

    settings.NOTES_ENCRYPTION_KEYS = [new_key, old_key]
    assert SECRET in client.get(_url(held)).content.decode()  # the old key still reads
    assert not crypto.is_current(old_token)

    call_command("rotate_note_keys")
    token = SessionNote.objects.get().body_encrypted
    assert token != old_token and crypto.is_current(token)

    settings.NOTES_ENCRYPTION_KEYS = [new_key]  # the old key is gone for good
    assert SECRET in client.get(_url(held)).content.decode()
    call_command("rotate_note_keys")  # a second run rewrites nothing
    assert SessionNote.objects.get().body_encrypted == token


def test_a_note_under_a_removed_key_says_so_without_failing(settings, ivan, held):
    settings.NOTES_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    _write(login(ivan), held)
    settings.NOTES_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    page = login(ivan).get(_url(held))
    assert page.status_code == 200
    assert "cannot be read with the current keys" in page.content.decode()


def test_the_rotation_command_fails_loudly_on_notes_no_key_reads(settings, ivan, held):
    settings.NOTES_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    _write(login(ivan), held)
    settings.NOTES_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(Exception, match="could not be decrypted"):
        call_command("rotate_note_keys")


# --- the audit trail ----------------------------------------------------------------------------

def test_reads_writes_and_deletes_are_audited_without_the_text(ivan, held):
    client = login(ivan)
    _write(client, held)
    note_id = SessionNote.objects.get().pk
    _write(client, held, body=SECRET + " and more")
    client.get(_url(held))
    client.post(_url(held, "session_note_delete"))
    events = list(NoteAccessEvent.objects.order_by("at", "pk").values_list(
        "action", "actor", "note_id", "session_id", "path"))
    path = _url(held)
    assert events[:2] == [
        (Action.CREATE, ivan.pk, note_id, held.pk, path),
        (Action.UPDATE, ivan.pk, note_id, held.pk, path),
    ]
    assert (Action.READ, ivan.pk, note_id, held.pk, path) in events
    assert events[-1] == (Action.DELETE, ivan.pk, note_id, held.pk, _url(held, "session_note_delete"))
    raw = _raw_audit_table()
    assert "bed 12" not in raw and "gAAAA" not in raw
    assert all(str(e) and "bed 12" not in str(e) for e in NoteAccessEvent.objects.all())


def test_the_audit_survives_the_note(ivan, held):
    client = login(ivan)
    _write(client, held)
    client.post(_url(held, "session_note_delete"))
    assert NoteAccessEvent.objects.filter(action=Action.CREATE).exists()


def test_note_text_is_never_in_the_string_form_or_the_log(ivan, held, caplog):
    caplog.set_level(logging.DEBUG)
    client = login(ivan)
    _write(client, held)
    client.get(_url(held))
    note = SessionNote.objects.get()
    assert "bed 12" not in str(note) and "bed 12" not in repr(note)
    assert "bed 12" not in caplog.text


def test_error_reports_leave_out_the_posted_note(ivan, held):
    request = RequestFactory().post(_url(held), {"body": SECRET, "junk": "x"})
    request.user = ivan
    # An unknown theme makes the form invalid, so the view answers without needing messages.
    request.POST = request.POST.copy()
    request.POST.setlist("themes", ["999999"])
    response = session_notes(request, pk=held.pk)
    assert response.status_code == 400
    cleaned = SafeExceptionReporterFilter().get_post_parameters(request)
    assert cleaned["body"] != SECRET and set(cleaned["body"]) == {"*"}
