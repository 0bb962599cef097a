"""The coordinator's session pages: planning one session (also from a suggestion), the list,
the session page, moving, cancelling with confirmation, the status flow, open sessions; and
who may see a session."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from sessions_app.models import Notification, Session, SessionStatusChange
from sessions_app.services.participation import participation_book
from sessions_app.services.sessions import series_plan, session_plan

from .factories import GroupFactory, MembershipFactory, ResidentFactory
from .helpers import AMS, NOW, START, edit_form, login, plan_form

pytestmark = pytest.mark.usefixtures("clock")




# --- Planning one session ------------------------------------------------------------------------

def test_it_plans_a_session_in_local_time_and_stores_utc(as_cora, group, rosa):
    response = as_cora.post(reverse("session_plan", args=[group.pk]), plan_form())
    session = Session.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("session_detail", args=[session.pk])
    assert session.start == dt.datetime(2026, 3, 24, 15, 0, tzinfo=dt.UTC)  # CET: UTC+1
    assert session.end - session.start == dt.timedelta(minutes=90)
    assert session.participations.get().resident.user == rosa


def test_the_plan_form_offers_the_groups_length_and_room(as_cora, group):
    group.default_duration_minutes = 120
    group.location = "Blue room"
    group.save()
    page = as_cora.get(reverse("session_plan", args=[group.pk])).content.decode()
    assert 'value="120"' in page
    assert 'value="Blue room"' in page


def test_a_suggestion_fills_in_the_plan_form(as_cora, group):
    query = urlencode({"start": "2026-04-07T16:00:00+02:00", "end": "2026-04-07T18:00:00+02:00"})
    response = as_cora.get(reverse("session_plan", args=[group.pk]) + "?" + query)
    form = response.context["form"]
    assert form.initial["date"] == dt.date(2026, 4, 7)
    assert form.initial["start_time"] == dt.time(16, 0)
    assert form.initial["duration_minutes"] == 120
    assert "The suggested time is filled in" in response.content.decode()


def test_a_suggestion_in_utc_is_shown_in_local_time(as_cora, group):
    query = urlencode({"start": "2026-04-07T14:00:00Z"})
    form = as_cora.get(reverse("session_plan", args=[group.pk]) + "?" + query).context["form"]
    assert form.initial["start_time"] == dt.time(16, 0)
    assert form.initial["duration_minutes"] == group.default_duration_minutes


def test_an_unreadable_suggestion_is_ignored(as_cora, group):
    response = as_cora.get(reverse("session_plan", args=[group.pk]) + "?start=tomorrow")
    assert response.status_code == 200
    assert "date" not in response.context["form"].initial


def test_it_refuses_a_time_the_clocks_skip(as_cora, group):
    response = as_cora.post(reverse("session_plan", args=[group.pk]),
                            plan_form(date="2026-03-29", start_time="02:30"))
    assert response.status_code == 200
    assert "does not exist" in str(response.context["form"].errors["start_time"])
    assert not Session.objects.exists()


def test_planning_a_proposed_session_sends_no_invitation(as_cora, group, rosa):
    as_cora.post(reverse("session_plan", args=[group.pk]), plan_form(status="proposed"))
    session = Session.objects.get()
    assert session.status == Session.Status.PROPOSED
    assert not Notification.objects.filter(kind="rsvp_request").exists()


# --- The list ------------------------------------------------------------------------------------

def test_the_list_shows_upcoming_sessions_and_filters_by_group(as_cora, planned, other_group, cora):
    other = session_plan(group=other_group, start=START + dt.timedelta(days=1), by=cora)
    page = as_cora.get(reverse("session_list")).context["page"]
    assert [s.pk for s in page] == [planned.pk, other.pk]
    page = as_cora.get(reverse("session_list"), {"group": other_group.pk}).context["page"]
    assert [s.pk for s in page] == [other.pk]


def test_the_list_separates_past_sessions(as_cora, group, cora):
    past = session_plan(group=group, start=NOW - dt.timedelta(days=7), by=cora)
    future = session_plan(group=group, start=START, by=cora)
    assert [s.pk for s in as_cora.get(reverse("session_list")).context["page"]] == [future.pk]
    page = as_cora.get(reverse("session_list"), {"when": "past"}).context["page"]
    assert [s.pk for s in page] == [past.pk]


def _many_sessions(group, cora, n):
    for i in range(n):
        session_plan(group=group, start=START + dt.timedelta(days=i), by=cora)


def test_the_list_costs_the_same_queries_for_5_and_50_sessions(as_cora, group, rosa, cora,
                                                               django_assert_num_queries):
    _many_sessions(group, cora, 5)
    # django session, user, count for the paginator, the page of sessions with their counts,
    # the groups for the filter
    with django_assert_num_queries(5):
        as_cora.get(reverse("session_list"))
    _many_sessions(group, cora, 45)
    with django_assert_num_queries(5):
        response = as_cora.get(reverse("session_list"))
    assert len(response.context["page"]) == 50


# --- The session page and who may see it ----------------------------------------------------------

def test_the_session_page_shows_time_place_and_history(as_cora, planned):
    page = as_cora.get(reverse("session_detail", args=[planned.pk])).content.decode()
    assert "16:00–17:30" in page
    assert "Room 4.12" in page
    assert 'id="status-history"' in page
    assert 'id="participation"' in page


@pytest.mark.parametrize("persona", ["rosa", "ivan", "cora"])
def test_the_session_page_opens_for_those_concerned(personas, planned, persona):
    assert login(personas[persona]).get(reverse("session_detail", args=[planned.pk])).status_code == 200


@pytest.mark.parametrize("persona", ["otto", "iris", "adam"])
def test_a_session_of_another_group_is_not_found(personas, planned, persona):
    assert login(personas[persona]).get(reverse("session_detail", args=[planned.pk])).status_code == 404


def test_residents_do_not_see_the_status_history(planned, rosa):
    page = login(rosa).get(reverse("session_detail", args=[planned.pk])).content.decode()
    assert 'id="status-history"' not in page
    assert 'id="session-actions"' not in page


def _open_session(iris, **kwargs):
    start = START + dt.timedelta(days=3)
    fields = {"kind": Session.Kind.OPEN, "intervisor": iris.intervisor, "capacity": 4,
              "start": start, "end": start + dt.timedelta(minutes=90), "location": "Room 1"}
    fields.update(kwargs)
    return Session.objects.create(**fields)


@pytest.mark.parametrize("persona, status", [("rosa", 200), ("otto", 200), ("iris", 200), ("ivan", 404)])
def test_open_sessions_are_visible_to_residents_and_their_intervisor(personas, persona, status):
    session = _open_session(personas["iris"])
    assert login(personas[persona]).get(reverse("session_detail", args=[session.pk])).status_code == status


# --- Planning pages refuse everyone but coordinators ---------------------------------------------

@pytest.mark.parametrize("persona", ["rosa", "ivan"])
@pytest.mark.parametrize("name", ["session_plan", "series_plan"])
def test_planning_pages_refuse_residents_and_intervisors(personas, persona, name, group):
    client = login(personas[persona])
    assert client.get(reverse(name, args=[group.pk])).status_code == 403
    assert client.post(reverse(name, args=[group.pk]), plan_form()).status_code == 403
    assert not Session.objects.exists()


@pytest.mark.parametrize("persona", ["rosa", "ivan"])
@pytest.mark.parametrize("name", ["session_edit", "session_cancel", "session_status"])
def test_changing_pages_refuse_residents_and_intervisors(personas, persona, name, planned):
    response = login(personas[persona]).post(reverse(name, args=[planned.pk]), {"status": "held"})
    assert response.status_code == 403
    planned.refresh_from_db()
    assert planned.status == Session.Status.SCHEDULED
    assert planned.sequence == 0


def test_the_status_change_is_a_post(as_cora, planned):
    assert as_cora.get(reverse("session_status", args=[planned.pk])).status_code == 405


def test_forged_session_ids_answer_404(as_cora):
    for name in ["session_detail", "session_edit", "session_cancel"]:
        assert as_cora.get(reverse(name, args=[999999])).status_code == 404


# --- Moving ----------------------------------------------------------------------------------------



def test_rescheduling_moves_the_session_raises_the_sequence_and_tells_everyone(as_cora, planned, rosa, ivan):
    response = as_cora.post(reverse("session_edit", args=[planned.pk]),
                            edit_form(planned, date="2026-03-19", start_time="17:00"))
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.start == dt.datetime(2026, 3, 19, 16, 0, tzinfo=dt.UTC)
    assert planned.sequence == 1
    told = set(Notification.objects.filter(kind="session_changed").values_list("recipient__email", flat=True))
    assert told == {"rosa@hospital.example", "ruben@hospital.example", "ivan@hospital.example"}


def test_saving_without_changes_does_not_raise_the_sequence(as_cora, planned):
    as_cora.post(reverse("session_edit", args=[planned.pk]), edit_form(planned))
    planned.refresh_from_db()
    assert planned.sequence == 0
    assert not Notification.objects.filter(kind="session_changed").exists()


def test_a_new_video_link_is_a_change_calendars_must_see(as_cora, planned):
    as_cora.post(reverse("session_edit", args=[planned.pk]),
                 edit_form(planned, video_url="https://meet.example/abc"))
    planned.refresh_from_db()
    assert planned.video_url == "https://meet.example/abc"
    assert planned.sequence == 1


def test_it_refuses_to_move_a_session_into_the_past(as_cora, planned):
    response = as_cora.post(reverse("session_edit", args=[planned.pk]),
                            edit_form(planned, date="2026-03-01"))
    assert response.status_code == 200
    assert "still to come" in response.content.decode()
    planned.refresh_from_db()
    assert planned.start == START


def test_the_rest_of_a_series_moves_by_the_same_days_in_local_time(as_cora, group, rosa, cora):
    # Every 2 weeks on Tuesday 16:00 from 17 March: 17/3, 31/3 (after the clocks changed), 14/4.
    series = series_plan(group=group, weekday=1, local_start=dt.time(16), duration_minutes=90,
                         cadence_weeks=2, first_date=dt.date(2026, 3, 16), count=3, by=cora)
    first, second, third = series.sessions.order_by("start")
    # Move the first to Thursday 15:00: all three move to Thursday 15:00 local.
    response = as_cora.post(reverse("session_edit", args=[first.pk]),
                            edit_form(first, date="2026-03-19", start_time="15:00", scope="following"))
    assert response.status_code == 302
    local = [s.start.astimezone(AMS) for s in series.sessions.order_by("start")]
    assert [(d.date().isoformat(), d.strftime("%H:%M")) for d in local] == [
        ("2026-03-19", "15:00"), ("2026-04-02", "15:00"), ("2026-04-16", "15:00"),
    ]
    assert set(series.sessions.values_list("sequence", flat=True)) == {1}


def test_moving_only_this_one_leaves_the_rest_of_the_series(as_cora, group, cora):
    series = series_plan(group=group, weekday=1, local_start=dt.time(16), duration_minutes=90,
                         cadence_weeks=2, first_date=dt.date(2026, 3, 16), count=3, by=cora)
    first, second, _third = series.sessions.order_by("start")
    as_cora.post(reverse("session_edit", args=[second.pk]), edit_form(second, start_time="17:00"))
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.start.astimezone(AMS).strftime("%H:%M") == "17:00"
    assert first.start.astimezone(AMS).strftime("%H:%M") == "16:00"
    assert first.sequence == 0


# --- Cancelling --------------------------------------------------------------------------------------

def test_cancelling_asks_for_confirmation_first(as_cora, planned):
    response = as_cora.get(reverse("session_cancel", args=[planned.pk]))
    assert response.status_code == 200
    assert "Cancel this session?" in response.content.decode()
    planned.refresh_from_db()
    assert planned.status == Session.Status.SCHEDULED


def test_cancelling_keeps_the_session_as_cancelled_and_tells_everyone(as_cora, planned, cora):
    response = as_cora.post(reverse("session_cancel", args=[planned.pk]), {"note": "Room flooded"})
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.status == Session.Status.CANCELLED
    assert planned.sequence == 1
    change = SessionStatusChange.objects.filter(session=planned).order_by("pk").last()
    assert (change.to_status, change.changed_by, change.note) == ("cancelled", cora, "Room flooded")
    assert Notification.objects.filter(kind="session_cancelled", session=planned).count() == 3
    page = as_cora.get(reverse("session_detail", args=[planned.pk])).content.decode()
    assert "This session is cancelled." in page
    assert as_cora.get(reverse("session_list")).context["page"][0] == planned


def test_cancelling_the_rest_of_a_series_spares_earlier_sessions(as_cora, group, cora):
    series = series_plan(group=group, weekday=1, local_start=dt.time(16), duration_minutes=90,
                         cadence_weeks=2, first_date=dt.date(2026, 3, 16), count=3, by=cora)
    first, second, third = series.sessions.order_by("start")
    as_cora.post(reverse("session_cancel", args=[second.pk]), {"scope": "following"})
    assert [s.status for s in series.sessions.order_by("start")] == ["scheduled", "cancelled", "cancelled"]


def test_a_cancelled_session_cannot_be_changed_again(as_cora, planned, cora):
    as_cora.post(reverse("session_cancel", args=[planned.pk]))
    response = as_cora.post(reverse("session_edit", args=[planned.pk]),
                            edit_form(planned, start_time="18:00"))
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.start == START
    assert planned.sequence == 1


# --- Status flow ---------------------------------------------------------------------------------

def test_confirming_a_proposed_session_invites_and_is_recorded(as_cora, group, rosa, cora):
    session = session_plan(group=group, start=START, status=Session.Status.PROPOSED, by=cora)
    as_cora.post(reverse("session_status", args=[session.pk]), {"status": "scheduled"})
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED
    assert session.sequence == 1  # tentative → confirmed in calendars
    assert [c.to_status for c in session.status_changes.order_by("pk")] == ["proposed", "scheduled"]
    assert Notification.objects.filter(kind="rsvp_request", recipient=rosa).exists()


def test_a_session_is_marked_held_only_once_it_has_started(as_cora, planned, cora, clock):
    as_cora.post(reverse("session_status", args=[planned.pk]), {"status": "held"})
    planned.refresh_from_db()
    assert planned.status == Session.Status.SCHEDULED
    clock.move_to(START + dt.timedelta(hours=2))
    client = login(cora)  # signed in again: two weeks later the old log-in has expired
    client.post(reverse("session_status", args=[planned.pk]), {"status": "held"})
    history = client.get(reverse("session_detail", args=[planned.pk])).context["history"]
    planned.refresh_from_db()
    assert planned.status == Session.Status.HELD
    assert [(c.from_status, c.to_status, c.changed_by.first_name) for c in history] == [
        ("", "scheduled", "Cora"), ("scheduled", "held", "Cora"),
    ]


# --- Open sessions ------------------------------------------------------------------------------------

def _open_form(iris, **overrides):
    data = {"title": "Make-up session", "intervisor": iris.intervisor.pk, "date": "2026-03-20",
            "start_time": "12:30", "duration_minutes": "90", "capacity": "6", "location": "Room 2",
            "video_url": "", "status": "scheduled"}
    data.update(overrides)
    return data


def test_the_coordinator_creates_an_open_session(as_cora, iris):
    response = as_cora.post(reverse("open_session_create"), _open_form(iris))
    session = Session.objects.get()
    assert response["Location"] == reverse("session_detail", args=[session.pk])
    assert (session.kind, session.capacity, session.intervisor, session.title) == (
        "open", 6, iris.intervisor, "Make-up session")
    assert session.start == dt.datetime(2026, 3, 20, 11, 30, tzinfo=dt.UTC)


def test_an_open_session_needs_a_place(as_cora, iris):
    response = as_cora.post(reverse("open_session_create"), _open_form(iris, location=""))
    assert "room or a video link" in response.content.decode()
    assert not Session.objects.exists()


def test_open_session_creation_refuses_residents(rosa, iris):
    assert login(rosa).post(reverse("open_session_create"), _open_form(iris)).status_code == 403
    assert not Session.objects.exists()


def test_seats_cannot_drop_below_the_bookings(as_cora, iris, rosa, otto):
    session = _open_session(iris, capacity=2)
    participation_book(session=session, resident=rosa.resident)
    participation_book(session=session, resident=otto.resident)
    response = as_cora.post(reverse("session_edit", args=[session.pk]), edit_form(session, capacity="1"))
    assert "2 seats are booked" in response.content.decode()
    session.refresh_from_db()
    assert session.capacity == 2


def test_more_seats_go_to_the_waitlist_in_order(as_cora, iris, rosa, otto, ruben):
    session = _open_session(iris, capacity=1)
    participation_book(session=session, resident=rosa.resident)
    participation_book(session=session, resident=otto.resident)
    participation_book(session=session, resident=ruben.resident)
    third = ResidentFactory()
    MembershipFactory(group=GroupFactory(), resident=third)
    participation_book(session=session, resident=third)
    as_cora.post(reverse("session_edit", args=[session.pk]), edit_form(session, capacity="3"))
    rows = {p.resident.user.first_name: (p.booking, p.waitlist_position)
            for p in session.participations.select_related("resident__user")}
    assert rows["Rosa"] == ("booked", None)
    assert rows["Otto"] == ("booked", None)
    assert rows["Ruben"] == ("booked", None)
    assert rows[third.user.first_name] == ("waitlisted", 1)
    session.refresh_from_db()
    assert session.sequence == 0  # only the seats changed: calendars see nothing new
    promoted = Notification.objects.filter(kind="waitlist_promoted")
    assert {n.recipient.first_name for n in promoted} == {"Otto", "Ruben"}
