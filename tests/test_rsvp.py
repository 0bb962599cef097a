"""Residents answer yes / no / maybe for their group's sessions, until the session starts."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from sessions_app.models import Participation, Session
from sessions_app.services.participation import participation_answer, participation_book
from sessions_app.services.sessions import session_plan, session_set_status

from .factories import MembershipFactory, ResidentFactory
from .helpers import NOW, START, login

pytestmark = pytest.mark.usefixtures("clock")


def _mine(session, user):
    return Participation.objects.get(session=session, resident=user.resident)


def test_a_resident_answers_yes_and_changes_to_no_with_a_reason(planned, rosa):
    participation_answer(session=planned, resident=rosa.resident, answer="yes")
    assert _mine(planned, rosa).rsvp == "yes"
    participation_answer(session=planned, resident=rosa.resident, answer="no", reason="clinical_duty")
    mine = _mine(planned, rosa)
    assert (mine.rsvp, mine.absence_reason, mine.answered_at) == ("no", "clinical_duty", NOW)
    assert Participation.objects.filter(session=planned, resident=rosa.resident).count() == 1


def test_it_refuses_a_no_without_a_reason(planned, rosa):
    with pytest.raises(ValidationError) as caught:
        participation_answer(session=planned, resident=rosa.resident, answer="no")
    assert "reason" in caught.value.error_dict
    assert _mine(planned, rosa).rsvp == ""


def test_yes_and_maybe_drop_an_earlier_reason(planned, rosa):
    participation_answer(session=planned, resident=rosa.resident, answer="no", reason="leave")
    participation_answer(session=planned, resident=rosa.resident, answer="maybe", reason="leave")
    mine = _mine(planned, rosa)
    assert (mine.rsvp, mine.absence_reason) == ("maybe", "")


def test_the_database_refuses_a_reason_without_a_no(planned, rosa):
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.filter(session=planned, resident=rosa.resident).update(
            rsvp="yes", absence_reason="illness"
        )


def test_it_refuses_to_change_an_answer_once_the_session_has_started(planned, rosa, clock):
    participation_answer(session=planned, resident=rosa.resident, answer="yes")
    clock.move_to(START)
    with pytest.raises(ValidationError, match="has started"):
        participation_answer(session=planned, resident=rosa.resident, answer="no", reason="illness")
    assert _mine(planned, rosa).rsvp == "yes"


def test_it_refuses_answers_for_proposed_and_cancelled_sessions(group, rosa, cora):
    proposed = session_plan(group=group, start=START, status=Session.Status.PROPOSED, by=cora)
    with pytest.raises(ValidationError, match="not scheduled yet"):
        participation_answer(session=proposed, resident=rosa.resident, answer="yes")
    cancelled = session_plan(group=group, start=START + dt.timedelta(days=7), by=cora)
    session_set_status(session=cancelled, status=Session.Status.CANCELLED, by=cora)
    with pytest.raises(ValidationError, match="was cancelled"):
        participation_answer(session=cancelled, resident=rosa.resident, answer="yes")


def test_a_member_who_joined_after_planning_can_answer(planned, group):
    newcomer = ResidentFactory()
    MembershipFactory(group=group, resident=newcomer, start_date=dt.date(2026, 3, 1))
    participation_answer(session=planned, resident=newcomer, answer="maybe")
    assert Participation.objects.get(session=planned, resident=newcomer).rsvp == "maybe"


def test_someone_outside_the_group_cannot_answer(planned, otto):
    with pytest.raises(ValidationError, match="not a member"):
        participation_answer(session=planned, resident=otto.resident, answer="yes")
    assert not Participation.objects.filter(session=planned, resident=otto.resident).exists()


def test_yes_is_refused_when_it_overlaps_a_booked_open_session(planned, rosa, iris):
    open_session = Session.objects.create(
        kind=Session.Kind.OPEN, intervisor=iris.intervisor, capacity=3, title="Drop-in",
        start=START + dt.timedelta(minutes=30), end=START + dt.timedelta(minutes=120),
    )
    participation_book(session=open_session, resident=rosa.resident)
    with pytest.raises(ValidationError, match="overlaps with Drop-in"):
        participation_answer(session=planned, resident=rosa.resident, answer="yes")
    participation_answer(session=planned, resident=rosa.resident, answer="no", reason="other")


# --- the page -----------------------------------------------------------------------------------

def test_the_page_records_an_answer_and_redirects(planned, rosa):
    client = login(rosa)
    url = reverse("session_rsvp", kwargs={"pk": planned.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, {"answer": "no", "reason": "illness"})
    assert response.status_code == 302
    assert (_mine(planned, rosa).rsvp, _mine(planned, rosa).absence_reason) == ("no", "illness")
    assert "Your answer is recorded: no." in client.get(url).content.decode()


def test_the_page_shows_the_missing_reason_and_saves_nothing(planned, rosa):
    response = login(rosa).post(reverse("session_rsvp", kwargs={"pk": planned.pk}), {"answer": "no"})
    assert response.status_code == 400
    assert "Tell us why you cannot come." in response.content.decode()
    assert _mine(planned, rosa).rsvp == ""


def test_the_page_answers_a_partial_update_with_the_block(planned, rosa):
    response = login(rosa).post(
        reverse("session_rsvp", kwargs={"pk": planned.pk}), {"answer": "yes"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith("<section") and "Your answer is recorded: yes." in body


def test_the_page_says_why_after_the_start_and_saves_nothing(planned, rosa, clock):
    clock.move_to(START + dt.timedelta(minutes=1))
    response = login(rosa).post(reverse("session_rsvp", kwargs={"pk": planned.pk}), {"answer": "yes"})
    assert response.status_code == 409
    assert "answers can no longer be changed" in response.content.decode()
    assert _mine(planned, rosa).rsvp == ""


def test_my_sessions_lists_the_residents_upcoming_sessions(planned, rosa, otto):
    participation_answer(session=planned, resident=rosa.resident, answer="maybe")
    body = login(rosa).get(reverse("my_sessions")).content.decode()
    assert "Tuesday group" in body and "Maybe" in body
    assert "Tuesday group" not in login(otto).get(reverse("my_sessions")).content.decode()


def test_other_residents_and_intervisors_cannot_use_the_page(planned, otto, ivan):
    url = reverse("session_rsvp", kwargs={"pk": planned.pk})
    assert login(otto).post(url, {"answer": "yes"}).status_code == 404
    assert login(ivan).get(url).status_code == 403
    assert login(otto).get(reverse("session_rsvp", kwargs={"pk": 999999})).status_code == 404


@pytest.mark.parametrize(("kind", "says", "reason"), [
    ("night", "Your roster: night shift", "clinical_duty"),
    ("on_call", "Your roster: on call", "clinical_duty"),
    ("leave", "Your roster: leave", "leave"),
    ("course", "Your roster: course", None),
    ("day", "Fits your roster once you are released from day duty", None),
])
def test_the_answer_page_shows_the_roster_and_preselects_the_reason_it_points_to(planned, rosa, kind, says,
                                                                                 reason):
    from residents.models import RosterEntry

    RosterEntry.objects.create(resident=rosa.resident, start=START - dt.timedelta(hours=2),
                               end=START + dt.timedelta(hours=6), kind=kind)
    response = login(rosa).get(reverse("session_rsvp", args=[planned.pk]))
    assert says in response.content.decode()
    assert response.context["form"]["reason"].value() == reason


def test_a_reason_already_given_is_kept_over_the_rosters(planned, rosa):
    from residents.models import RosterEntry

    participation_answer(session=planned, resident=rosa.resident, answer="no", reason="illness")
    RosterEntry.objects.create(resident=rosa.resident, start=START - dt.timedelta(hours=2),
                               end=START + dt.timedelta(hours=6), kind="leave")
    response = login(rosa).get(reverse("session_rsvp", args=[planned.pk]))
    assert response.context["form"]["reason"].value() == "illness"


def test_a_free_afternoon_fits_and_preselects_nothing(planned, rosa):
    response = login(rosa).get(reverse("session_rsvp", args=[planned.pk]))
    assert "Fits your roster" in response.content.decode()
    assert response.context["form"]["reason"].value() is None
