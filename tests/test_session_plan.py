"""Planning a session invites the group's current members and fills the outbox once."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sessions_app.models import Notification, Session, SessionStatusChange
from sessions_app.services import notifications
from sessions_app.services.sessions import session_plan, session_set_status

from .helpers import START

pytestmark = pytest.mark.usefixtures("clock")


def test_planning_invites_current_members_and_records_the_status(group, rosa, ruben, otto, cora):
    session = session_plan(group=group, start=START, by=cora)
    assert session.end == START + dt.timedelta(minutes=90)
    assert session.intervisor == group.intervisor
    assert {p.resident.user for p in session.participations.all()} == {rosa, ruben}
    assert SessionStatusChange.objects.get(session=session).to_status == "scheduled"


def test_planning_writes_rsvp_requests_and_reminders_once(group, rosa, ruben, cora, ivan):
    session = session_plan(group=group, start=START, by=cora)
    notifications.notify_session_scheduled(session=session)  # a second time: nothing new
    kinds = sorted(Notification.objects.filter(recipient=rosa).values_list("kind", flat=True))
    assert kinds == ["nudge_3d", "reminder_24h", "reminder_7d", "rsvp_request"]
    assert Notification.objects.filter(recipient=ivan, kind="attendance_prompt").count() == 1


def test_a_cancelled_session_cancels_its_pending_reminders(group, rosa, cora):
    session = session_plan(group=group, start=START, by=cora)
    session_set_status(session=session, status=Session.Status.CANCELLED, by=cora)
    pending = Notification.objects.filter(session=session, status="pending")
    assert list(pending.values_list("kind", flat=True).distinct()) == ["session_cancelled"]


def test_a_held_session_cannot_be_cancelled(group, cora):
    session = session_plan(group=group, start=START, by=cora)
    session_set_status(session=session, status=Session.Status.HELD, by=cora)
    with pytest.raises(ValidationError, match="A held session cannot become cancelled"):
        session_set_status(session=session, status=Session.Status.CANCELLED, by=cora)


def test_times_must_carry_a_zone(group, cora):
    with pytest.raises(ValueError, match="timezone-aware"):
        session_plan(group=group, start=dt.datetime(2026, 3, 17, 16, 0), by=cora)
