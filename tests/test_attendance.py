"""After the session its intervisor records who was there, pre-filled from the answers; the
coordinator sees the answers per session and the attendance, but records nothing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sessions_app.models import Participation, Session, SessionStatusChange
from sessions_app.services.participation import (
    AttendanceEntry,
    attendance_prefill,
    attendance_record,
    participation_answer,
    participation_book,
)
from sessions_app.services.sessions import session_plan, session_set_status

from .factories import GroupFactory, IntervisorFactory, MembershipFactory, ResidentFactory
from .helpers import START, login

AFTER = START + dt.timedelta(hours=2)

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def session(planned, rosa, ruben):
    """The planned session, answered: rosa comes, ruben has clinical duty."""
    participation_answer(session=planned, resident=rosa.resident, answer="yes")
    participation_answer(session=planned, resident=ruben.resident, answer="no", reason="clinical_duty")
    return planned


@pytest.fixture
def after(clock):
    clock.move_to(AFTER)


def _row(session, user):
    return Participation.objects.get(session=session, resident=user.resident)


def _entries(session, **by_name):
    rows = Participation.objects.filter(session=session).select_related("resident__user")
    return [AttendanceEntry(p.pk, *by_name[p.resident.user.first_name.lower()]) for p in rows]


def test_the_form_is_prefilled_from_the_answers(session, rosa, ruben, group):
    unanswered = ResidentFactory()
    MembershipFactory(group=group, resident=unanswered)
    Participation.objects.create(session=session, resident=unanswered)
    prefill = {p.resident_id: attendance_prefill(p) for p in session.participations.all()}
    assert prefill == {rosa.resident.pk: "present", ruben.resident.pk: "excused", unanswered.pk: "absent"}


def test_the_intervisor_records_everyone_at_once_and_the_session_becomes_held(session, ivan, after, rosa,
                                                                              ruben):
    rows = attendance_record(session=session,
                             entries=_entries(session, rosa=("present", True), ruben=("absent",)), by=ivan)
    assert [(p.attendance, p.left_early) for p in rows] == [("present", True), ("absent", False)]
    rosas = _row(session, rosa)
    assert (rosas.attendance_recorded_by, rosas.attendance_recorded_at) == (ivan, AFTER)
    session.refresh_from_db()
    assert session.status == Session.Status.HELD
    change = SessionStatusChange.objects.filter(session=session).last()
    assert (change.to_status, change.changed_by) == ("held", ivan)


def test_recording_again_corrects_the_record(session, ivan, after, ruben):
    first = _entries(session, rosa=("present",), ruben=("absent",))
    attendance_record(session=session, entries=first, by=ivan)
    corrected = _entries(session, rosa=("present",), ruben=("excused",))
    attendance_record(session=session, entries=corrected, by=ivan)
    assert _row(session, ruben).attendance == "excused"


def test_a_co_intervisor_records_too(ivan, iris, rosa, cora, clock):
    group = GroupFactory(intervisor=ivan.intervisor, co_intervisor=iris.intervisor)
    resident = ResidentFactory(user__first_name="Sam")
    MembershipFactory(group=group, resident=resident)
    session = session_plan(group=group, start=START, by=cora)
    clock.move_to(AFTER)
    attendance_record(session=session, entries=_entries(session, sam=("present",)), by=iris)
    assert Participation.objects.get(session=session).attendance == "present"


def test_it_refuses_anyone_but_the_sessions_intervisors(session, iris, cora, rosa, after):
    for person in (iris, cora, rosa):
        with pytest.raises(ValidationError, match="Only the session's intervisors"):
            entries = _entries(session, rosa=("present",), ruben=("absent",))
            attendance_record(session=session, entries=entries, by=person)
    assert not Participation.objects.filter(session=session).exclude(attendance="").exists()


def test_it_refuses_before_the_start_and_for_cancelled_sessions(session, ivan, cora, clock):
    entries = _entries(session, rosa=("present",), ruben=("absent",))
    clock.move_to(START - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError, match="once the session has started"):
        attendance_record(session=session, entries=entries, by=ivan)
    session_set_status(session=session, status=Session.Status.CANCELLED, by=cora)
    clock.move_to(AFTER)
    with pytest.raises(ValidationError, match="took place"):
        attendance_record(session=session, entries=entries, by=ivan)


def test_it_refuses_an_incomplete_list_or_a_stranger_and_saves_nothing(session, ivan, otto, other_group,
                                                                        cora, clock):
    elsewhere = session_plan(group=other_group, start=START, by=cora)
    clock.move_to(AFTER)
    rosas = Participation.objects.get(session=session, resident__user__first_name="Rosa")
    with pytest.raises(ValidationError, match="everyone"):
        attendance_record(session=session, entries=[AttendanceEntry(rosas.pk, "present")], by=ivan)
    stranger = Participation.objects.get(session=elsewhere)
    with pytest.raises(ValidationError, match="not part of this session"):
        attendance_record(session=session, entries=[*_entries(session, rosa=("present",), ruben=("absent",)),
                                                    AttendanceEntry(stranger.pk, "present")], by=ivan)
    with pytest.raises(ValidationError, match="Only someone present"):
        entries = _entries(session, rosa=("present",), ruben=("absent", True))
        attendance_record(session=session, entries=entries, by=ivan)
    assert not Participation.objects.exclude(attendance="").exists()
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED


def test_an_open_session_records_the_booked_only(iris, rosa, ruben, otto, clock):
    session = Session.objects.create(kind=Session.Kind.OPEN, intervisor=iris.intervisor, capacity=2,
                                     start=START, end=START + dt.timedelta(minutes=90))
    for user in (rosa, ruben, otto):
        participation_book(session=session, resident=user.resident)
    clock.move_to(AFTER)
    entries = _entries(session, rosa=("present",), ruben=("present",), otto=("present",))
    with pytest.raises(ValidationError, match="not part of this session"):
        attendance_record(session=session, entries=entries, by=iris)  # otto waits for a seat
    attendance_record(session=session, entries=entries[:2], by=iris)
    assert _row(session, rosa).attendance == "present"
    assert _row(session, otto).attendance == ""


# --- the attendance page ------------------------------------------------------------------------

def _form_data(session, **by_name):
    data = {}
    for p in Participation.objects.filter(session=session).select_related("resident__user"):
        value = by_name[p.resident.user.first_name.lower()]
        data[f"attendance_{p.pk}"] = value[0]
        if len(value) > 1 and value[1]:
            data[f"left_early_{p.pk}"] = "on"
    return data


def test_the_page_is_prefilled_and_saves_the_whole_list(session, ivan, after, rosa, ruben):
    client = login(ivan)
    url = reverse("session_attendance", kwargs={"pk": session.pk})
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form[f"attendance_{_row(session, rosa).pk}"].value() == "present"
    assert form[f"attendance_{_row(session, ruben).pk}"].value() == "excused"
    response = client.post(url, _form_data(session, rosa=("present", True), ruben=("absent",)), follow=True)
    assert "Attendance for Tuesday group is saved." in response.content.decode()
    assert (_row(session, rosa).left_early, _row(session, ruben).attendance) == (True, "absent")


def test_the_page_shows_a_mistake_and_saves_nothing(session, ivan, after, ruben):
    response = login(ivan).post(reverse("session_attendance", kwargs={"pk": session.pk}),
                                _form_data(session, rosa=("present",), ruben=("absent", True)))
    assert response.status_code == 400
    assert "Only someone present can have left early." in response.content.decode()
    assert not Participation.objects.exclude(attendance="").exists()


def test_before_the_start_the_page_says_when_recording_opens(session, ivan):
    body = login(ivan).get(reverse("session_attendance", kwargs={"pk": session.pk})).content.decode()
    assert "Attendance can be recorded from the start of the session." in body
    assert "Save attendance" not in body


def test_the_coordinator_sees_but_cannot_record(session, cora, after):
    client = login(cora)
    url = reverse("session_attendance", kwargs={"pk": session.pk})
    body = client.get(url).content.decode()
    assert "Save attendance" not in body and "Rosa Resident" in body
    assert client.post(url, _form_data(session, rosa=("present",), ruben=("absent",))).status_code == 403
    assert not Participation.objects.exclude(attendance="").exists()


def test_other_intervisors_get_404_and_residents_403(session, iris, rosa, after):
    url = reverse("session_attendance", kwargs={"pk": session.pk})
    assert login(iris).get(url).status_code == 404
    assert login(iris).post(url, {}).status_code == 404
    assert login(rosa).get(url).status_code == 403
    other_leader = IntervisorFactory().user
    assert login(other_leader).get(reverse("session_answers", kwargs={"pk": session.pk})).status_code == 404


# --- the coordinator's view of the answers ------------------------------------------------------

def test_the_coordinator_sees_who_answered_what_and_who_did_not(session, cora, group):
    silent = ResidentFactory(user__first_name="Silke", user__last_name="Silent")
    MembershipFactory(group=group, resident=silent)
    Participation.objects.create(session=session, resident=silent)
    response = login(cora).get(reverse("session_answers", kwargs={"pk": session.pk}))
    answers = response.context["answers"]
    assert [p.resident.user.first_name for p in answers.yes] == ["Rosa"]
    assert [(p.resident.user.first_name, p.absence_reason) for p in answers.no] == [
        ("Ruben", "clinical_duty")
    ]
    assert [p.resident.user.first_name for p in answers.unanswered] == ["Silke"]
    assert answers.reasons == {"Clinical duty": 1}
    body = response.content.decode()
    assert "Yes: 1" in body and "No: 1" in body and "Not answered: 1" in body and "Clinical duty" in body


def test_the_answers_page_needs_the_same_queries_for_a_big_group(session, cora, group,
                                                                 django_assert_num_queries):
    from residents.models import Programme

    Programme.get()
    client = login(cora)
    url = reverse("session_answers", kwargs={"pk": session.pk})
    # log-in session, user, the session with its group and intervisors, the participations,
    # the programme's rules and the participants' rosters at the session's time
    with django_assert_num_queries(6):
        client.get(url)
    for n in range(12):
        resident = ResidentFactory()
        MembershipFactory(group=group, resident=resident)
        Participation.objects.create(session=session, resident=resident,
                                     rsvp="no" if n % 2 else "", absence_reason="leave" if n % 2 else "")
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.context["answers"].total == 14


def test_the_coordinator_sees_where_a_roster_contradicts_an_answer_and_the_intervisor_does_not(
        session, cora, ivan, rosa, ruben):
    from residents.models import RosterEntry

    # Rosa said yes but is now rostered for an evening shift; Ruben said no and works days.
    RosterEntry.objects.create(resident=rosa.resident, start=START - dt.timedelta(hours=1),
                               end=START + dt.timedelta(hours=8), kind="evening")
    RosterEntry.objects.create(resident=ruben.resident, start=START - dt.timedelta(hours=7),
                               end=START + dt.timedelta(hours=2), kind="day")
    url = reverse("session_answers", kwargs={"pk": session.pk})
    body = login(cora).get(url).content.decode()
    rows = {name: body.split(name, 1)[1].split("</tr>", 1)[0] for name in ("Rosa", "Ruben")}
    assert "Roster then" in body
    assert '<span class="text-danger">evening shift</span>' in rows["Rosa"]
    assert "to be released from day duty" in rows["Ruben"]
    as_intervisor = login(ivan).get(url).content.decode()
    assert "Roster then" not in as_intervisor and "evening shift" not in as_intervisor


def test_the_session_page_block_links_each_role_to_its_pages(session, cora, ivan, rosa):
    from django.template.loader import render_to_string

    def links(user):
        return render_to_string("sessions_app/participation/_session_links.html",
                                {"session": session, "user": user})

    answers = reverse("session_answers", kwargs={"pk": session.pk})
    attendance = reverse("session_attendance", kwargs={"pk": session.pk})
    assert answers in links(cora) and attendance in links(ivan)
    assert reverse("session_rsvp", kwargs={"pk": session.pk}) in links(rosa)
    assert answers not in links(rosa)
