"""An intervisor records attendance and writes a confidential note; a coordinator who opens
the note's address is refused. No page on the way breaks the Content-Security-Policy."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from sessions_app import crypto
from sessions_app.models import NoteAccessEvent, NoteTheme, Notification, SessionNote
from sessions_app.services.sessions import session_plan

from .conftest import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_intervisor_records_attendance_and_writes_a_note_the_coordinator_cannot_open(
        page, ivan, cora, rosa, ruben, group):
    # The default themes come from a data migration, which transactional tests flush away.
    NoteTheme.objects.get_or_create(name="Workload")
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=3)
    session = session_plan(group=group, start=start, by=cora)
    session.participations.filter(resident=rosa.resident).update(rsvp="yes")  # prefilled present
    csp_errors = []
    page.on("console", lambda msg: csp_errors.append(msg.text)
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text else None)

    log_in(page, ivan.email, None)
    page.goto(f"{page.base}/sessions/{session.pk}/attendance/")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text(re.compile("Attendance for .* is saved"))).to_be_visible()

    page.get_by_role("link", name="Notes").first.click()
    page.get_by_role("link", name=re.compile("Write a note")).first.click()
    text = "The group talked about a hard night on call."
    note_box = page.get_by_role("textbox", name=re.compile(r"^\s*Note"))
    note_box.fill(text)
    page.get_by_label("Workload").check()
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Your note is saved.")).to_be_visible()
    expect(note_box).to_have_value(text)

    note = SessionNote.objects.get(session=session)
    assert "hard night" not in note.body_encrypted
    assert crypto.decrypt(note.body_encrypted).startswith("The group talked")
    # Recording attendance invited the one present to the anonymous evaluation.
    invited = Notification.objects.filter(kind="evaluation_invite", session=session)
    assert list(invited.values_list("recipient", flat=True)) == [rosa.pk]

    log_out(page)
    log_in(page, cora.email, None)
    response = page.goto(f"{page.base}/sessions/{session.pk}/notes/")
    assert response.status == 404
    expect(page.get_by_text("hard night")).to_have_count(0)
    refused = NoteAccessEvent.objects.get(action="refused")
    assert (refused.actor_id, refused.session_id) == (cora.pk, session.pk)
    assert csp_errors == []
