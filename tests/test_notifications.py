"""The outbox: what is written when a session is planned, and who is told what when a row falls
due. Who gets a reminder is decided when it is sent, from the answers as they are then."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from residents.models import User
from sessions_app.models import Attendance, Notification, Participation
from sessions_app.services import notifications
from sessions_app.services.notifications import Kind
from sessions_app.services.participation import participation_answer
from sessions_app.services.sessions import session_plan
from sessions_app.tasks.notifications import dispatch_notifications, enqueue_low_rsvp_digests

from .factories import MembershipFactory, ResidentFactory, UserFactory

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday
START = dt.datetime(2026, 3, 17, 15, 0, tzinfo=dt.UTC)  # Tuesday 16:00 in Amsterdam
END = START + dt.timedelta(minutes=90)

pytestmark = pytest.mark.usefixtures("celery_eager")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def session(group, rosa, ruben, cora):
    return session_plan(group=group, start=START, by=cora)


def _rows(**filters):
    return Notification.objects.filter(**filters)


def _dispatch_at(moment, traveller):
    traveller.move_to(moment)
    mail.outbox.clear()
    dispatch_notifications.apply()
    return {(m.to[0], m.extra_headers["X-Intervision-Notification"]) for m in mail.outbox}


def _recipients(kind=None):
    """Who got an e-mail (of ``kind``) in the last dispatch."""
    ids = None if kind is None else {str(pk) for pk in _rows(kind=kind).values_list("pk", flat=True)}
    return sorted(m.to[0] for m in mail.outbox
                  if ids is None or m.extra_headers["X-Intervision-Notification"] in ids)


def test_planning_a_session_writes_requests_reminders_and_the_attendance_prompt(session, rosa, ruben, ivan):
    residents = {rosa.pk, ruben.pk}
    assert set(_rows(kind=Kind.RSVP_REQUEST).values_list("recipient", flat=True)) == residents
    for kind, due in [
        (Kind.REMINDER_7D, START - dt.timedelta(days=7)),
        (Kind.NUDGE_3D, START - dt.timedelta(days=3)),
        (Kind.REMINDER_24H, START - dt.timedelta(hours=24)),
    ]:
        rows = _rows(kind=kind)
        assert set(rows.values_list("recipient", flat=True)) == residents, kind
        assert {r.due_at for r in rows} == {due}, kind
    prompt = _rows(kind=Kind.ATTENDANCE_PROMPT).get()
    assert (prompt.recipient, prompt.due_at) == (ivan, END + dt.timedelta(hours=1))
    invitation = _rows(kind=Kind.SESSION_SCHEDULED).get()
    assert (invitation.recipient, invitation.due_at) == (ivan, NOW)
    assert set(_rows().values_list("scope", flat=True)) == {f"session:{session.pk}:seq:0"}


def test_the_intervisors_who_lead_a_group_are_invited_and_no_one_else(group, rosa, ivan, iris, cora, _frozen):
    group.co_intervisor = iris.intervisor
    group.save()
    session_plan(group=group, start=START, by=cora)
    assert _dispatch_at(NOW, _frozen) >= {
        (ivan.email, str(_rows(kind=Kind.SESSION_SCHEDULED, recipient=ivan).get().pk)),
        (iris.email, str(_rows(kind=Kind.SESSION_SCHEDULED, recipient=iris).get().pk)),
    }
    assert _recipients(Kind.SESSION_SCHEDULED) == sorted([ivan.email, iris.email])


def test_an_intervisor_who_no_longer_leads_the_session_is_not_invited(session, ivan, iris, _frozen):
    session.intervisor = iris.intervisor
    session.save()
    _dispatch_at(NOW, _frozen)
    assert _recipients(Kind.SESSION_SCHEDULED) == []
    invitation = _rows(kind=Kind.SESSION_SCHEDULED, recipient=ivan).get()
    assert invitation.last_error == "no longer leads the session"


def test_recording_the_same_event_twice_adds_no_rows(session):
    before = _rows().count()
    notifications.notify_session_scheduled(session=session)
    assert _rows().count() == before


def test_a_reminder_that_would_fall_due_in_the_past_is_not_written(group, rosa, cora):
    session_plan(group=group, start=NOW + dt.timedelta(days=2), by=cora)
    assert set(_rows().values_list("kind", flat=True)) == {
        Kind.SESSION_SCHEDULED, Kind.RSVP_REQUEST, Kind.REMINDER_24H, Kind.ATTENDANCE_PROMPT,
    }


def test_reminders_go_to_yes_maybe_and_unanswered_but_not_to_no(session, rosa, ruben, _frozen):
    third = ResidentFactory(user__email="tess@hospital.example")
    MembershipFactory(group=session.group, resident=third)
    Participation.objects.create(session=session, resident=third)
    notifications.notify_session_scheduled(session=session)
    participation_answer(session=session, resident=rosa.resident, answer="yes")
    participation_answer(session=session, resident=ruben.resident, answer="no", reason="clinical_duty")

    _dispatch_at(START - dt.timedelta(days=7), _frozen)
    assert _recipients(Kind.REMINDER_7D) == ["rosa@hospital.example", "tess@hospital.example"]
    skipped = _rows(kind=Kind.REMINDER_7D, recipient=ruben).get()
    assert (skipped.status, skipped.last_error) == ("cancelled", "answered no")

    participation_answer(session=session, resident=third, answer="maybe")
    _dispatch_at(START - dt.timedelta(hours=24), _frozen)
    assert _recipients(Kind.REMINDER_24H) == ["rosa@hospital.example", "tess@hospital.example"]


def test_an_answer_given_after_the_row_was_written_still_counts(session, rosa, ruben, _frozen):
    # The rows were written for both when the session was planned; ruben says no only later.
    participation_answer(session=session, resident=ruben.resident, answer="no", reason="leave")
    _dispatch_at(START - dt.timedelta(hours=24), _frozen)
    assert _recipients(Kind.REMINDER_24H) == ["rosa@hospital.example"]


def test_a_late_reminder_gives_way_to_the_day_before_one(session, _frozen):
    # The dispatcher was down all week: only the day-before reminder goes out.
    _dispatch_at(START - dt.timedelta(hours=23), _frozen)
    assert _recipients(Kind.REMINDER_24H) == ["rosa@hospital.example", "ruben@hospital.example"]
    assert _recipients(Kind.REMINDER_7D) == _recipients(Kind.NUDGE_3D) == []
    assert set(_rows(kind__in=[Kind.REMINDER_7D, Kind.NUDGE_3D]).values_list("last_error", flat=True)) == {
        "too late: a later reminder has taken its place"
    }


def test_the_nudge_goes_only_to_those_who_have_not_answered(session, rosa, ruben, _frozen):
    participation_answer(session=session, resident=rosa.resident, answer="maybe")
    _dispatch_at(START - dt.timedelta(days=3), _frozen)
    assert _recipients(Kind.NUDGE_3D) == ["ruben@hospital.example"]
    assert _rows(kind=Kind.NUDGE_3D, recipient=rosa).get().last_error == "already answered"


def test_the_attendance_prompt_goes_to_the_intervisor_an_hour_after_the_end(session, ivan, _frozen):
    _dispatch_at(END + dt.timedelta(minutes=59), _frozen)
    assert not [m for m in mail.outbox if m.to == [ivan.email]]
    _dispatch_at(END + dt.timedelta(hours=1), _frozen)
    assert [m.to for m in mail.outbox] == [[ivan.email]]
    assert "record" in mail.outbox[0].subject.lower()
    assert f"/sessions/{session.pk}/attendance/" in mail.outbox[0].body


def test_no_attendance_prompt_once_attendance_is_recorded(session, ivan, _frozen):
    Participation.objects.filter(session=session).update(attendance=Attendance.PRESENT)
    _dispatch_at(END + dt.timedelta(hours=2), _frozen)
    assert not [m for m in mail.outbox if m.to == [ivan.email]]
    assert _rows(kind=Kind.ATTENDANCE_PROMPT).get().last_error == "attendance already recorded"


def test_an_inactive_user_gets_nothing(session, rosa, _frozen):
    User.objects.filter(pk=rosa.pk).update(is_active=False)
    _dispatch_at(START - dt.timedelta(hours=24), _frozen)
    assert _recipients(Kind.RSVP_REQUEST) + _recipients(Kind.REMINDER_24H) == ["ruben@hospital.example"] * 2
    assert set(_rows(recipient=rosa).values_list("status", "last_error")) == {
        ("cancelled", "recipient inactive")
    }


def test_a_row_whose_scope_names_an_older_sequence_is_not_sent(session, rosa, _frozen):
    # A reminder for the time before a move that was already handed to a worker when the
    # session moved: the check at sending time catches it.
    session.sequence = 1
    session.save(update_fields=["sequence"])
    _dispatch_at(START - dt.timedelta(days=7), _frozen)
    assert mail.outbox == []
    assert set(_rows(kind=Kind.REMINDER_7D).values_list("last_error", flat=True)) == {
        "stale: the session changed since"
    }


def test_a_reminder_for_a_session_that_has_started_is_not_sent(session, _frozen):
    # The dispatcher was down for a day: the 24-hour reminder is no use any more.
    _dispatch_at(START + dt.timedelta(minutes=5), _frozen)
    assert _recipients(Kind.REMINDER_24H) == []
    assert set(_rows(kind=Kind.REMINDER_24H).values_list("status", "last_error")) == {
        ("cancelled", "too late: the session has started")
    }


def test_a_kind_without_templates_fails_and_says_why(rosa):
    row = Notification.objects.create(kind="no_such_kind", recipient=rosa, scope="x", due_at=NOW)
    dispatch_notifications.apply()
    row.refresh_from_db()
    assert row.status == "failed"
    assert row.last_error.startswith("no template")


# --- The coordinators' weekly digest ------------------------------------------------------------

def test_the_digest_names_sessions_with_few_answers_and_who_has_not_answered(session, cora, rosa, _frozen):
    participation_answer(session=session, resident=rosa.resident, answer="yes")
    _frozen.move_to(START - dt.timedelta(days=8))  # the Monday eight days before
    enqueue_low_rsvp_digests.apply()
    dispatch_notifications.apply()
    [digest] = [m for m in mail.outbox if m.to == [cora.email]]
    assert "1 upcoming session with few answers" in digest.subject
    assert "Tuesday group" in digest.body
    assert "yes 1, maybe 0, no 0, no answer 1 (minimum size 6)" in digest.body
    assert "Not answered yet: Ruben Resident" in digest.body
    assert "Rosa" not in digest.body.split("Not answered yet:")[1]


def test_one_digest_per_coordinator_per_week(session, cora, _frozen):
    UserFactory(role=User.Role.COORDINATOR, is_active=False)
    _frozen.move_to(dt.datetime(2026, 3, 9, 6, 30, tzinfo=dt.UTC))
    enqueue_low_rsvp_digests.apply()
    enqueue_low_rsvp_digests.apply()
    assert list(_rows(kind=Kind.LOW_RSVP_DIGEST).values_list("recipient", "scope")) == [
        (cora.pk, "week:2026-W11")
    ]


def test_no_digest_when_every_session_is_well_answered(session, cora, rosa, ruben, _frozen):
    session.group.min_size = 2
    session.group.save()
    participation_answer(session=session, resident=rosa.resident, answer="yes")
    participation_answer(session=session, resident=ruben.resident, answer="yes")
    _frozen.move_to(START - dt.timedelta(days=8))
    enqueue_low_rsvp_digests.apply()
    dispatch_notifications.apply()
    assert not [m for m in mail.outbox if m.to == [cora.email]]
    assert _rows(kind=Kind.LOW_RSVP_DIGEST).get().last_error == "nothing to report"
