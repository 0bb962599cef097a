"""``manage.py demo_data`` loads a realistic programme whose groups obey the group rules, with
half a year of sessions behind it and three months ahead.

The demo is built once for the module (``demo``), for a fixed moment with the clock stopped
there, inside a transaction that is rolled back when the module ends; every test runs in a
savepoint within it, as Django's ``setUpTestData`` does, so a test that changes or reloads the
data leaves the next one the same programme, whatever day the suite runs on.
"""

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Q
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from demo.build import demo_build
from demo.rosters import DEMO_SOURCE
from residents.models import Intervisor, Programme, Resident, RosterEntry, Specialty, User
from sessions_app import crypto
from sessions_app.forms.dashboard import default_period
from sessions_app.models import (
    AbsenceReason,
    Attendance,
    Booking,
    Evaluation,
    EvaluationReceipt,
    IntervisionGroup,
    Membership,
    Notification,
    Participation,
    Rsvp,
    Session,
    SessionNote,
    SessionStatusChange,
)
from sessions_app.selectors.dashboard import Filters, evaluations
from sessions_app.selectors.evaluations import evaluations_open_for
from sessions_app.selectors.participation import attendance_statement
from sessions_app.services.groups import intervisor_conflicts
from sessions_app.services.notifications import notifications_hand_out
from sessions_app.services.participation import may_record_attendance

from .helpers import login

LOGINS = [
    "coordinator@intervision.example",
    "resident@intervision.example",
    "intervisor@intervision.example",
    "admin@intervision.example",
]
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
NOW = dt.datetime(2026, 10, 14, 11, 0, tzinfo=dt.UTC)  # a Wednesday, 13:00 in Amsterdam


def load(*args: str) -> str:
    out = StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "residents": Resident.objects.count(),
        "intervisors": Intervisor.objects.count(),
        "groups": IntervisionGroup.objects.count(),
        "memberships": Membership.objects.count(),
        "supervision": Resident.supervisors.through.objects.count(),
        "sessions": Session.objects.count(),
        "status changes": SessionStatusChange.objects.count(),
        "participations": Participation.objects.count(),
        "evaluations": Evaluation.objects.count(),
        "receipts": EvaluationReceipt.objects.count(),
        "notes": SessionNote.objects.count(),
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    # The clock stays at NOW for every test of the module: the demo is built for that moment,
    # and the tests compare it with timezone.now() and localdate().
    with time_machine.travel(NOW, tick=False), django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=FAST_HASHER):
            demo_build(now=NOW)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db):
    """The demo programme, for one test (its changes are rolled back after it)."""


def sanne() -> Resident:
    return Resident.objects.select_related("user").get(user__email="resident@intervision.example")


def known_intervisor() -> User:
    return User.objects.get(email="intervisor@intervision.example")


# --- people and groups ----------------------------------------------------------------------------

def test_it_loads_a_programme_of_realistic_size(loaded):
    assert Resident.objects.count() == 120
    assert Specialty.objects.filter(residents__isnull=False).distinct().count() == 12
    assert Intervisor.objects.count() == 8
    assert User.objects.filter(role=User.Role.STAFF).count() == 20
    assert IntervisionGroup.objects.count() == 16
    placed = Membership.objects.on(timezone.localdate()).count()
    assert 100 <= placed <= 120
    assert Resident.objects.filter(memberships__isnull=True).exists()


def test_every_group_is_within_its_size(loaded):
    today = timezone.localdate()
    for group in IntervisionGroup.objects.all():
        size = group.memberships.on(today).count()
        assert 6 <= group.min_size <= size <= group.max_size <= 8, group.name


def test_no_member_supervises_another_member(loaded):
    today = timezone.localdate()
    # The data must exercise the rule: some residents supervise other residents.
    assert User.objects.filter(role=User.Role.RESIDENT, supervisees__isnull=False).exists()
    for group in IntervisionGroup.objects.all():
        members = [m.resident for m in group.memberships.on(today).select_related("resident")]
        member_users = {r.user_id for r in members}
        for resident in members:
            supervisors = set(resident.supervisors.values_list("pk", flat=True))
            assert not supervisors & member_users, f"{resident} is supervised within {group}"


def test_no_intervisor_leads_someone_they_must_not(loaded):
    today = timezone.localdate()
    assert Intervisor.objects.filter(must_not_lead_departments__isnull=False).exists()
    assert Intervisor.objects.filter(must_not_lead_residents__isnull=False).exists()
    for group in IntervisionGroup.objects.all():
        members = [m.resident for m in group.memberships.on(today).select_related("resident")]
        for intervisor in group.intervisors():
            assert intervisor_conflicts(intervisor, members) == [], group.name


def test_no_intervisor_leads_more_groups_than_their_capacity(loaded):
    for intervisor in Intervisor.objects.all():
        led = IntervisionGroup.objects.active().led_by(intervisor.user).count()
        assert 1 <= led <= intervisor.capacity, intervisor


def test_the_known_logins_work(loaded):
    for email in LOGINS:
        assert authenticate(username=email, password="intervision") is not None, email


def test_everyone_else_has_no_usable_password(loaded):
    others = User.objects.exclude(email__in=LOGINS)
    assert not any(user.has_usable_password() for user in others)


def test_the_known_resident_is_in_a_group_the_known_intervisor_leads(loaded):
    resident = User.objects.get(email="resident@intervision.example")
    groups = IntervisionGroup.objects.with_member(resident, timezone.localdate())
    assert groups.led_by(known_intervisor()).exists()
    assert User.objects.get(email="admin@intervision.example").is_superuser


# --- sessions -------------------------------------------------------------------------------------

def test_every_group_has_sessions_held_and_sessions_ahead(loaded):
    now = timezone.now()
    for group in IntervisionGroup.objects.all():
        sessions = group.sessions.all()
        held = sessions.filter(status=Session.Status.HELD, start__lt=now)
        ahead = sessions.filter(status=Session.Status.SCHEDULED, start__gt=now)
        assert held.count() >= 3, group.name
        assert ahead.exists(), group.name
        assert not sessions.filter(start__lt=now - dt.timedelta(weeks=27)).exists(), group.name
        assert not sessions.filter(start__gt=now + dt.timedelta(weeks=15)).exists(), group.name
    assert Session.objects.filter(status=Session.Status.CANCELLED).exists()


def test_held_sessions_have_attendance_for_everyone_invited(loaded):
    held = Participation.objects.filter(session__status=Session.Status.HELD)
    assert held.exists()
    assert not held.filter(attendance=Attendance.UNKNOWN).exists()
    recorded = Counter(held.values_list("attendance", flat=True))
    # Mostly present, but not everyone: the climate view needs absences to show.
    assert recorded[Attendance.PRESENT] > 0.7 * sum(recorded.values())
    assert recorded[Attendance.EXCUSED] and recorded[Attendance.ABSENT]
    # Nobody recorded for a session still to come.
    assert not Participation.objects.filter(
        session__start__gt=timezone.now()).exclude(attendance=Attendance.UNKNOWN).exists()


def test_clinical_duty_keeps_residents_of_two_departments_away_most(loaded):
    clinical = Counter(Participation.objects.filter(
        rsvp=Rsvp.NO, absence_reason=AbsenceReason.CLINICAL_DUTY, session__start__lt=timezone.now(),
    ).values_list("resident__department__name", flat=True))
    top_two = [name for name, _n in clinical.most_common(2)]
    assert set(top_two) == {"Emergency Department", "Anaesthesiology and ICU"}
    assert sum(clinical[name] for name in top_two) > 0.5 * sum(clinical.values())


def test_upcoming_sessions_are_partly_answered(loaded):
    ahead = Participation.objects.filter(
        session__kind=Session.Kind.GROUP, session__start__gt=timezone.now())
    answers = Counter(ahead.values_list("rsvp", flat=True))
    assert answers[Rsvp.NONE] and answers[Rsvp.YES] and answers[Rsvp.NO]


def test_no_intervisor_leads_two_sessions_at_once(loaded):
    sessions = Session.objects.exclude(status=Session.Status.CANCELLED).select_related("group")
    spans: dict[int, list[tuple]] = {}
    for session in sessions:
        leaders = {session.intervisor_id}
        if session.group_id and session.group.co_intervisor_id:
            leaders.add(session.group.co_intervisor_id)
        for leader in leaders:
            spans.setdefault(leader, []).append((session.start, session.end))
    for leader, times in spans.items():
        times.sort()
        for (_s1, e1), (s2, _e2) in zip(times, times[1:], strict=False):
            assert e1 <= s2, f"intervisor {leader} leads two sessions at {s2}"


def test_open_sessions_have_seats_booked_and_one_has_a_waitlist(loaded):
    open_sessions = Session.objects.filter(kind=Session.Kind.OPEN, status=Session.Status.SCHEDULED)
    assert open_sessions.count() >= 2
    booked = [s.participations.filter(booking=Booking.BOOKED).count() for s in open_sessions]
    assert all(n >= 1 for n in booked)
    full = [s for s, n in zip(open_sessions, booked, strict=True) if n == s.capacity]
    assert len(full) == 1
    waiting = full[0].participations.filter(booking=Booking.WAITLISTED).order_by("waitlist_position")
    assert list(waiting.values_list("waitlist_position", flat=True)) == [1, 2]


# --- evaluations and notes ------------------------------------------------------------------------

def test_most_groups_pass_the_evaluation_threshold_and_some_do_not(loaded):
    today = timezone.localdate()
    start, end = default_period(today)
    found = evaluations(Filters(start=start, end=end))
    assert found.threshold == Programme.get().evaluation_threshold == 5
    shown = [row.label for row in found.groups if row.averages is not None]
    hidden = [row.label for row in found.groups if row.averages is None]
    assert len(shown) >= 12
    assert hidden
    assert found.overall.averages is not None


def test_every_evaluation_has_a_receipt_from_someone_present(loaded):
    assert Evaluation.objects.count() == EvaluationReceipt.objects.count() > 100
    receipts = EvaluationReceipt.objects.values_list("session", "resident")
    present = set(Participation.objects.filter(attendance=Attendance.PRESENT)
                  .values_list("session", "resident"))
    assert set(receipts) <= present


def test_notes_are_encrypted_themed_and_by_the_groups_intervisors(loaded):
    notes = SessionNote.objects.select_related("session__group__intervisor").prefetch_related("themes")
    assert notes.count() >= 10
    groups = set()
    for note in notes:
        text = crypto.decrypt(note.body_encrypted)
        assert text and text not in note.body_encrypted
        assert note.themes.exists()
        assert note.author_id == note.session.group.intervisor.user_id
        assert note.created_at > note.session.end
        groups.add(note.session.group_id)
    assert len(groups) >= 3  # enough for the coordinators' theme counts to show


# --- the outbox -----------------------------------------------------------------------------------

def test_nothing_already_due_is_left_to_send(loaded):
    now = timezone.now()
    assert not Notification.objects.filter(status=Notification.Status.PENDING, due_at__lte=now).exists()
    # The first dispatcher run finds nothing to hand out.
    assert notifications_hand_out(now=now) == []
    # The history's messages are kept, cancelled, and say why.
    history = Notification.objects.filter(session__start__lt=now - dt.timedelta(days=7))
    assert history.exists()
    assert not history.exclude(status=Notification.Status.CANCELLED).exists()
    # Reminders for the sessions ahead are still to be sent when they fall due.
    assert Notification.objects.filter(status=Notification.Status.PENDING, session__start__gt=now).exists()


# --- the known accounts ---------------------------------------------------------------------------

def test_the_known_resident_has_a_session_to_answer(loaded):
    open_questions = Participation.objects.filter(
        resident=sanne(), rsvp=Rsvp.NONE, session__status=Session.Status.SCHEDULED,
        session__start__gt=timezone.now(), session__kind=Session.Kind.GROUP,
    )
    assert open_questions.exists()


def test_the_known_resident_has_a_session_to_evaluate_and_attendance_to_show(loaded):
    now = timezone.now()
    resident = sanne()
    to_evaluate = evaluations_open_for(resident, now)
    assert len(to_evaluate) == 1
    assert Notification.objects.filter(kind=Notification.Kind.EVALUATION_INVITE,
                                       recipient=resident.user, session=to_evaluate[0]).exists()
    today = timezone.localdate()
    statement = attendance_statement(resident, today - dt.timedelta(weeks=27), today)
    assert len(statement.rows) >= 4
    assert EvaluationReceipt.objects.filter(resident=resident).exists()  # she answered before


def test_the_known_intervisor_has_a_session_waiting_for_attendance(loaded):
    user = known_intervisor()
    now = timezone.now()
    waiting = Session.objects.filter(
        Q(intervisor__user=user) | Q(group__co_intervisor__user=user),
        status=Session.Status.SCHEDULED, end__lte=now,
    )
    assert waiting.count() == 1
    session = waiting.get()
    assert now - session.end < dt.timedelta(days=4)
    assert may_record_attendance(user, session)
    assert not session.participations.exclude(attendance=Attendance.UNKNOWN).exists()


def test_the_dashboard_renders_for_the_demo_coordinator(loaded):
    coordinator = User.objects.get(email="coordinator@intervision.example")
    response = login(coordinator).get(reverse("dashboard"))
    assert response.status_code == 200
    assert "Emergency Department" in response.content.decode()


def test_the_demo_groups_began_before_their_history_so_the_cadence_figures_are_real(loaded):
    from sessions_app.selectors.dashboard import Filters, group_rows

    first_session = Session.objects.filter(group__isnull=False).order_by("start").first()
    assert IntervisionGroup.objects.filter(created_at__gt=first_session.start).count() == 0
    filters = Filters(start=NOW.date() - dt.timedelta(days=365), end=NOW.date())
    rows = group_rows(filters, NOW.date(), attendance={})  # cadence only
    assert rows and all(row.expected > 0 for row in rows)
    assert any(row.cadence_kept for row in rows)


# --- running it -----------------------------------------------------------------------------------

def test_running_it_twice_creates_nothing_new(loaded, settings):
    settings.DEBUG = True
    before = counts()
    notifications = Notification.objects.count()
    output = load()
    assert "already loaded" in output
    assert "resident@intervision.example" in output
    assert counts() == before
    assert Notification.objects.count() == notifications


def test_a_site_loaded_before_the_demo_had_sessions_gets_them(loaded, settings):
    settings.DEBUG = True
    before = counts()
    times = sorted(Session.objects.values_list("intervisor__user__email", "start", "status"))
    Session.objects.all().delete()
    output = load()
    assert "Added the demo sessions" in output
    assert counts() == before
    # The same sessions as when they were built with the rest.
    assert sorted(Session.objects.values_list("intervisor__user__email", "start", "status")) == times


def test_a_site_loaded_before_the_demo_had_rosters_gets_them(loaded, settings):
    settings.DEBUG = True
    demo_rosters = RosterEntry.objects.filter(source=DEMO_SOURCE)
    shifts = sorted(demo_rosters.values_list("resident__user__email", "start", "end", "kind"))
    demo_rosters.delete()
    output = load()
    assert f"Added {len(shifts)} demo roster entries" in output
    assert sorted(demo_rosters.values_list("resident__user__email", "start", "end", "kind")) == shifts


def test_reset_loads_the_same_programme_again(loaded, settings):
    settings.DEBUG = True
    before = counts()
    emails = set(User.objects.values_list("email", flat=True))
    load("--reset")
    assert counts() == before
    assert set(User.objects.values_list("email", flat=True)) == emails


def test_it_refuses_to_run_with_debug_off(loaded, settings):
    settings.DEBUG = False
    before = counts()
    with pytest.raises(CommandError, match="DEBUG"):
        load("--reset")
    assert counts() == before


def test_force_runs_it_with_debug_off(loaded, settings):
    settings.DEBUG = False
    assert "already loaded" in load("--force")


PAGES = [
    ("coordinator@intervision.example", ["home", "dashboard", "session_list", "group_list",
                                         "evaluation_report", "resident_list", "workload"]),
    ("resident@intervision.example", ["home", "my_sessions", "my_evaluations", "attendance_statement",
                                      "open_sessions", "my_roster"]),
    ("intervisor@intervision.example", ["home", "note_list", "evaluation_report"]),
]


@pytest.mark.parametrize(("email", "names"), PAGES, ids=[email.split("@")[0] for email, _n in PAGES])
def test_the_main_pages_render_on_the_demo_data(loaded, email, names):
    client = login(User.objects.get(email=email))
    for name in names:
        # Some pages send a person on to their current week or month first.
        assert client.get(reverse(name), follow=True).status_code == 200, name


def test_the_known_intervisor_can_open_attendance_and_notes_of_their_sessions(loaded):
    user = known_intervisor()
    client = login(user)
    waiting = Session.objects.get(intervisor__user=user, status=Session.Status.SCHEDULED,
                                  end__lte=timezone.now())
    assert client.get(reverse("session_attendance", args=[waiting.pk])).status_code == 200
    noted = SessionNote.objects.filter(author=user).select_related("session").first()
    response = client.get(reverse("session_notes", args=[noted.session_id]))
    assert response.status_code == 200
    assert crypto.decrypt(noted.body_encrypted)[:40] in response.content.decode()


def test_the_known_resident_can_open_the_evaluation_left_for_her(loaded):
    resident = sanne()
    (session,) = evaluations_open_for(resident, timezone.now())
    assert login(resident.user).get(reverse("evaluation_form", args=[session.pk])).status_code == 200
