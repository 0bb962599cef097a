"""An intervisor deletes their own note on a session after confirming; the co-intervisor who
wrote none is told so, and the coordinator cannot reach the delete page at all."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app import crypto
from sessions_app.models import NoteAccessEvent, Session, SessionNote

from .conftest import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_intervisor_deletes_their_note_after_confirming(page, cora, ivan, iris, group, rosa):
    group.co_intervisor = iris.intervisor
    group.save()
    end = timezone.now() - dt.timedelta(days=1)
    session = Session.objects.create(group=group, intervisor=ivan.intervisor, status=Session.Status.HELD,
                                     start=end - dt.timedelta(minutes=90), end=end)
    note = SessionNote.objects.create(session=session, author=ivan,
                                      body_encrypted=crypto.encrypt("Rosa spoke about a patient who died."))

    log_in(page, ivan.email, None)
    page.get_by_role("link", name="Notes").first.click()
    page.locator("#note-sessions tr").filter(has_text="Tuesday group").get_by_role(
        "link", name="Open notes").click()
    expect(page.get_by_text("Rosa spoke about a patient who died.").first).to_be_visible()
    page.get_by_role("link", name="Delete note").click()
    expect(page.get_by_role("heading", name="Delete your note on Tuesday group?")).to_be_visible()
    expect(page.get_by_text("The note is deleted for good; it cannot be brought back.")).to_be_visible()

    # Keeping it changes nothing.
    page.get_by_role("link", name="Keep it").click()
    expect(page.get_by_role("heading", name="Notes: Tuesday group")).to_be_visible()
    assert SessionNote.objects.filter(pk=note.pk).exists()

    page.get_by_role("link", name="Delete note").click()
    page.get_by_role("button", name="Delete my note").click()
    expect(page.get_by_text("Your note is deleted.")).to_be_visible()
    expect(page.get_by_role("heading", name="Write your note")).to_be_visible()
    expect(page.get_by_text("Rosa spoke about a patient who died.")).to_have_count(0)
    assert not SessionNote.objects.exists()
    deleted = NoteAccessEvent.objects.get(action="delete")
    assert (deleted.actor_id, deleted.note_id) == (ivan.pk, note.pk)
    delete_url = f"{page.base}/sessions/{session.pk}/notes/delete/"
    log_out(page)

    # Iris co-leads the group but wrote no note: there is nothing of hers to delete.
    log_in(page, iris.email, None)
    expect(page.get_by_role("heading", name="Welcome, Iris")).to_be_visible()
    page.goto(delete_url)
    expect(page.get_by_text("You have no note on this session.")).to_be_visible()
    expect(page.get_by_role("heading", name="Notes: Tuesday group")).to_be_visible()
    log_out(page)

    # The coordinator never reaches notes, not even to delete one.
    log_in(page, cora.email, None)
    expect(page.get_by_role("heading", name="Programme overview")).to_be_visible()
    response = page.goto(delete_url)
    assert response.status == 404
    expect(page.get_by_role("button", name="Delete my note")).to_have_count(0)
