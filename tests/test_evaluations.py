"""Anonymous evaluations: invitations after attendance, answering once, aggregates above the
threshold only."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from residents.models import Programme, Resident, User
from sessions_app import emails
from sessions_app.crypto import encrypt
from sessions_app.models import (
    Attendance,
    Evaluation,
    EvaluationReceipt,
    NoteTheme,
    Notification,
    Participation,
    Session,
    SessionNote,
)
from sessions_app.services.participation import AttendanceEntry, attendance_record
from sessions_app.services.sessions import session_plan

from .factories import GroupFactory, MembershipFactory, ResidentFactory
from .helpers import NOW, login

pytestmark = pytest.mark.usefixtures("clock")

ANSWERS = {"safety": 4, "depth": 3, "guidance": 5, "value": 4, "exhaustion": 2,
           "comment": "Good to hear others"}


@pytest.fixture
def held(group, rosa, ruben, ivan, cora):
    """Yesterday's session of the Tuesday group: rosa present, ruben absent."""
    start = NOW - dt.timedelta(days=1)
    session = session_plan(group=group, start=start, by=cora)
    rows = {p.resident.user: p for p in session.participations.select_related("resident__user")}
    attendance_record(session=session, by=ivan, entries=[
        AttendanceEntry(rows[rosa].pk, Attendance.PRESENT),
        AttendanceEntry(rows[ruben].pk, Attendance.ABSENT)])
    return session


def _form_url(session):
    return reverse("evaluation_form", kwargs={"pk": session.pk})


def _invites(session):
    return Notification.objects.filter(kind=Notification.Kind.EVALUATION_INVITE, session=session)


# --- invitations --------------------------------------------------------------------------------

def test_recording_attendance_invites_those_present_only(held, rosa):
    assert list(_invites(held).values_list("recipient", flat=True)) == [rosa.pk]


def test_correcting_attendance_invites_the_newly_present_once(held, rosa, ruben, ivan):
    rows = {p.resident.user: p for p in held.participations.select_related("resident__user")}
    for _twice in range(2):
        attendance_record(session=held, by=ivan, entries=[
            AttendanceEntry(rows[rosa].pk, Attendance.PRESENT),
            AttendanceEntry(rows[ruben].pk, Attendance.PRESENT)])
    assert sorted(_invites(held).values_list("recipient", flat=True)) == sorted([rosa.pk, ruben.pk])


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_invitation_links_to_the_form_and_promises_anonymity(held, rosa, language):
    rosa.language = language
    rosa.save()
    notification = _invites(held).get()
    message = emails.compose(notification=notification, participation=None)
    assert _form_url(held) in message.body
    assert ("without your name" if language == "en" else "zonder je naam") in message.body
    assert message.alternatives[0][0].count(_form_url(held)) == 1


# --- answering ----------------------------------------------------------------------------------

def test_a_resident_who_was_present_answers_once_without_a_link_to_them(held, rosa):
    client = login(rosa)
    page = client.get(_form_url(held))
    assert page.status_code == 200 and "without your name" in page.content.decode()
    response = client.post(_form_url(held), ANSWERS)
    assert response.status_code == 302
    evaluation = Evaluation.objects.get()
    assert (evaluation.session_id, evaluation.safety, evaluation.comment) == (
        held.pk, 4, "Good to hear others")
    assert type(evaluation.submitted_on) is dt.date  # the day only, no time
    assert EvaluationReceipt.objects.filter(session=held, resident=rosa.resident).exists()

    again = client.post(_form_url(held), ANSWERS)
    assert again.status_code == 409
    assert "already evaluated" in again.content.decode()
    assert Evaluation.objects.count() == 1


def test_an_answer_holds_nothing_that_points_to_a_person():
    related = {f.related_model for f in Evaluation._meta.get_fields() if f.is_relation}
    assert related == {Session}
    assert not {User, Resident} & related


def test_the_receipt_is_unique_per_session_and_resident(held, rosa):
    EvaluationReceipt.objects.create(session=held, resident=rosa.resident)
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationReceipt.objects.create(session=held, resident=rosa.resident)


@pytest.mark.parametrize("data", [
    {},
    {**ANSWERS, "safety": 6},
    {**ANSWERS, "depth": "lots"},
    {**ANSWERS, "comment": "x" * 2001},
])
def test_bad_answers_are_explained_and_nothing_is_stored(held, rosa, data):
    response = login(rosa).post(_form_url(held), data)
    assert response.status_code == 400
    assert "is-invalid" in response.content.decode() or "text-danger" in response.content.decode()
    assert not Evaluation.objects.exists() and not EvaluationReceipt.objects.exists()


@pytest.mark.parametrize("persona", ["ruben", "otto"])
def test_who_was_not_present_cannot_evaluate(held, personas, persona):
    client = login(personas[persona])
    assert client.get(_form_url(held)).status_code == 404
    assert client.post(_form_url(held), ANSWERS).status_code == 404
    assert not Evaluation.objects.exists()


def test_the_evaluation_closes_after_thirty_days(held, rosa, clock):
    clock.move_to(held.end + dt.timedelta(days=31))
    response = login(rosa).post(_form_url(held), ANSWERS)
    assert response.status_code == 409 and "has closed" in response.content.decode()
    assert not Evaluation.objects.exists()


def test_the_resident_sees_what_is_open_to_evaluate(held, rosa):
    client = login(rosa)
    assert _form_url(held) in client.get(reverse("my_evaluations")).content.decode()
    client.post(_form_url(held), ANSWERS)
    page = client.get(reverse("my_evaluations")).content.decode()
    assert _form_url(held) not in page and "You have evaluated one session." in page


# --- the report ---------------------------------------------------------------------------------

def _answers(session, n, comment="A comment"):
    for i in range(n):
        Evaluation.objects.create(session=session, safety=5, depth=4, guidance=3, value=(i % 5) + 1,
                                  exhaustion=2, comment=f"{comment} {i}", submitted_on=session.start.date())


def _report(user, year=None):
    url = reverse("evaluation_report") + (f"?year={year}" if year else "")
    return login(user).get(url)


def test_four_answers_show_nothing_and_say_why(held, ivan, cora):
    _answers(held, 4)
    for user in (ivan, cora):
        page = _report(user).content.decode()
        assert "Nothing is shown yet: this needs at least 5 answers" in page
        assert "4 answers" not in page and "A comment" not in page and "4.0" not in page


def test_five_answers_show_means_and_distributions(held, ivan, cora):
    _answers(held, 5)
    page = _report(ivan).content.decode()
    assert "5 answers" in page and "Nothing is shown yet" not in page
    assert "5.0" in page and "3.0" in page  # safety and guidance means
    report = _report(cora).context["report"]
    unit = next(u for u in report.units if u.name == "Tuesday group")
    value = next(i for i in unit.items if i.field == "value")
    assert value.counts == [1, 1, 1, 1, 1] and value.mean == 3.0


def test_comments_go_to_the_groups_intervisor_only_and_only_above_the_threshold(held, ivan, iris, cora):
    _answers(held, 4)
    assert "A comment" not in _report(ivan).content.decode()
    _answers(held, 1, comment="Late one")
    assert "A comment 3" in _report(ivan).content.decode()
    assert "Late one" in _report(ivan).content.decode()
    assert "A comment" not in _report(cora).content.decode()
    assert "Tuesday group" not in _report(iris).content.decode()


def test_the_programme_sets_the_threshold(held, ivan):
    programme = Programme.get()
    programme.evaluation_threshold = 6
    programme.save()
    _answers(held, 5)
    assert "Nothing is shown yet: this needs at least 6 answers" in _report(ivan).content.decode()


def test_the_coordinators_total_adds_up_only_the_groups_shown(held, cora, other_group, otto):
    _answers(held, 5)
    hidden = Session.objects.create(group=other_group, intervisor=other_group.intervisor,
                                    start=held.start, end=held.end, status=Session.Status.HELD)
    _answers(hidden, 2)
    report = _report(cora).context["report"]
    assert report.total.answers == 5
    units = {u.name: u for u in report.units}
    assert units["Tuesday group"].shown and not units["Thursday group"].shown
    assert units["Thursday group"].answers == 0  # hidden, and so is its count


def test_a_year_outside_the_list_is_answered_with_a_message(cora):
    response = _report(cora, year="1999")
    assert response.status_code == 400
    assert "Choose one of the years" in response.content.decode()


def test_the_report_is_for_intervisors_and_coordinators(rosa, adam):
    assert _report(rosa).status_code == 403
    assert _report(adam).status_code == 403


def _tagged_note(group, theme, author, start):
    session = Session.objects.create(group=group, intervisor=group.intervisor, start=start,
                                     end=start + dt.timedelta(hours=1), status=Session.Status.HELD)
    note = SessionNote.objects.create(session=session, author=author, body_encrypted=encrypt("secret words"))
    note.themes.add(theme)


def test_coordinators_see_theme_counts_across_three_groups_or_more_never_text(held, ivan, cora):
    workload = NoteTheme.objects.get_or_create(name="Workload")[0]
    start = held.start
    _tagged_note(held.group, workload, ivan, start)
    other = GroupFactory(name="Wednesday group")
    _tagged_note(other, workload, other.intervisor.user, start)
    page = _report(cora).content.decode()
    assert "theme counts appear once notes from at least 3 groups" in page and "Workload: 2" not in page
    third = GroupFactory(name="Friday group")
    _tagged_note(third, NoteTheme.objects.get_or_create(name="Conflict")[0], third.intervisor.user, start)
    page = _report(cora).content.decode()
    assert "Workload: 2" in page and "Conflict: 1" in page
    assert "secret words" not in page
    assert "Themes in session notes" not in _report(ivan).content.decode()


def test_the_report_takes_a_fixed_number_of_queries(held, cora, django_assert_max_num_queries):
    for i in range(4):
        group = GroupFactory(name=f"Extra {i}")
        MembershipFactory(group=group, resident=ResidentFactory())
        session = Session.objects.create(group=group, intervisor=group.intervisor, start=held.start,
                                         end=held.end, status=Session.Status.HELD)
        _answers(session, 5)
    client = login(cora)
    # session + user, programme, groups, the aggregate, two for the themes (+ savepoints)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("evaluation_report")).status_code == 200


def test_participation_rows_stay_untouched_by_answering(held, rosa):
    before = list(Participation.objects.values())
    login(rosa).post(_form_url(held), ANSWERS)
    assert list(Participation.objects.values()) == before
