"""The privacy page, downloading one's own data, and erasing a resident."""

import datetime as dt
import json

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from residents.models import RosterEntry, User
from sessions_app.crypto import encrypt
from sessions_app.models import (
    Attendance,
    Evaluation,
    EvaluationReceipt,
    Notification,
    Participation,
    Session,
    SessionClash,
    SessionNote,
)

from .factories import PASSWORD, UserFactory
from .helpers import login


@pytest.fixture
def history(rosa, otto, ivan, group):
    """A held session rosa attended and evaluated, a note on it, a roster entry, a clash."""
    start = dt.datetime(2026, 2, 3, 15, tzinfo=dt.UTC)
    session = Session.objects.create(group=group, intervisor=group.intervisor, start=start,
                                     end=start + dt.timedelta(minutes=90), status=Session.Status.HELD)
    Participation.objects.create(session=session, resident=rosa.resident, rsvp="yes",
                                 attendance=Attendance.PRESENT)
    Evaluation.objects.create(session=session, safety=5, depth=5, guidance=5, value=5, exhaustion=1,
                              comment="Only I would write this", submitted_on=start.date())
    EvaluationReceipt.objects.create(session=session, resident=rosa.resident)
    SessionNote.objects.create(session=session, author=ivan, body_encrypted=encrypt("Rosa's story"))
    RosterEntry.objects.create(resident=rosa.resident, kind="night", start=start - dt.timedelta(days=2),
                               end=start - dt.timedelta(days=1, hours=16))
    rosa.resident.supervisors.add(UserFactory(role=User.Role.STAFF, first_name="Sam", last_name="Supervisor"))
    SessionClash.objects.create(session=session, detected_at=start, unavailable=[
        {"resident_id": rosa.resident.pk, "name": "Rosa Resident", "reasons": ["night shift"]}])
    return session


def test_the_privacy_page_is_readable_logged_out_and_speaks_to_each_role(db):
    page = Client().get(reverse("privacy")).content.decode()
    for heading in ["If you are a resident", "If you are an intervisor", "If you are a coordinator"]:
        assert heading in page
    assert reverse("privacy_export") not in page  # the download needs a log-in


def test_the_privacy_page_offers_the_download_when_signed_in(rosa):
    assert reverse("privacy_export") in login(rosa).get(reverse("privacy")).content.decode()


def test_a_resident_downloads_everything_stored_about_them(rosa, history):
    response = login(rosa).get(reverse("privacy_export"))
    assert response["Content-Disposition"].startswith('attachment; filename="intervision-my-data-')
    data = json.loads(response.content)
    assert data["account"]["email"] == "rosa@hospital.example"
    assert [m["group"] for m in data["memberships"]] == ["Tuesday group"]
    assert data["participations"][0]["attendance"] == "present"
    assert data["evaluations_answered"]["sessions"] == [history.pk]
    assert data["roster_entries"][0]["kind"] == "night"
    assert data["resident"]["supervisors"] == ["Sam Supervisor"]
    text = response.content.decode()
    assert "Only I would write this" not in text  # anonymous answers cannot be linked
    assert "story" not in text and "gAAAA" not in text  # no notes
    assert "otto" not in text.lower()


def test_an_intervisor_downloads_their_data_without_notes(ivan, history):
    data = login(ivan).get(reverse("privacy_export")).json()
    assert data["intervisor"]["groups_led"] == ["Tuesday group"]
    assert "story" not in json.dumps(data)


def test_erasing_asks_first(cora, rosa):
    page = login(cora).get(reverse("resident_erase", kwargs={"pk": rosa.resident.pk}))
    assert "cannot be undone" in page.content.decode()
    assert User.objects.get(pk=rosa.pk).email == "rosa@hospital.example"


def test_a_coordinator_erases_a_resident_and_attendance_stays_under_a_pseudonym(cora, rosa, history):
    AccessAttempt.objects.create(username="rosa@hospital.example", ip_address="10.0.0.1", user_agent="x",
                                 failures_since_start=2, get_data="", post_data="")
    Notification.objects.create(kind="reminder_7d", recipient=rosa, session=history, scope="x",
                                due_at=history.start)
    token = rosa.calendar_token
    resident_pk = rosa.resident.pk
    response = login(cora).post(reverse("resident_erase", kwargs={"pk": resident_pk}))
    assert response.status_code == 302

    user = User.objects.get(pk=rosa.pk)
    assert user.email.startswith("erased-") and user.email.endswith("@invalid")
    assert "Rosa" not in user.get_full_name()
    assert user.first_name == "Erased"
    assert not user.is_active and not user.has_usable_password()
    assert user.calendar_token != token
    assert not user.resident.supervisors.exists()
    assert not RosterEntry.objects.filter(resident_id=resident_pk).exists()
    assert not Notification.objects.filter(recipient=user).exists()
    assert not AccessAttempt.objects.filter(username="rosa@hospital.example").exists()
    assert user.resident.memberships.get().end_date is not None
    # Attendance stays, linked to the pseudonymised record.
    participation = Participation.objects.get(resident_id=resident_pk)
    assert participation.attendance == Attendance.PRESENT
    assert EvaluationReceipt.objects.filter(resident_id=resident_pk).exists()
    assert "Rosa" not in json.dumps(SessionClash.objects.get().unavailable)
    assert not Client().login(username="rosa@hospital.example", password=PASSWORD)
    assert "Rosa Resident" not in login(cora).get(reverse("resident_list")).content.decode()


@pytest.mark.parametrize("persona", ["ivan", "rosa", "adam"])
def test_only_coordinators_erase(personas, persona):
    rosa = personas["rosa"]
    response = login(personas[persona]).post(reverse("resident_erase", kwargs={"pk": rosa.resident.pk}))
    assert response.status_code == 403
    assert User.objects.get(pk=rosa.pk).email == "rosa@hospital.example"


def test_erasing_an_unknown_resident_answers_404(as_cora):
    assert as_cora.post(reverse("resident_erase", kwargs={"pk": 999999})).status_code == 404
