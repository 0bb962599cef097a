"""Planning or moving a session by hand checks the rosters first. A time that rules out the
intervisor or more than a quarter of the members is not planned until the coordinator has seen
who cannot come and why, and has ticked "plan it anyway" for that very time. A time that only
some members miss is planned, and the coordinator is told who cannot come."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from residents.models import IntervisorAbsence, Programme, RosterEntry
from sessions_app.models import Session
from sessions_app.services.sessions import session_plan

from .factories import MembershipFactory, ResidentFactory
from .helpers import AMS, edit_form, login, plan_form

TUESDAY = dt.datetime(2026, 3, 24, 16, 0, tzinfo=AMS)  # the time the forms below ask for

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def four(group, rosa, ruben):
    """rosa and ruben and two more: nobody has duty yet."""
    Programme.get()
    return [rosa.resident, ruben.resident] + [
        MembershipFactory(group=group, resident=ResidentFactory(user__first_name=name,
                                                                user__last_name="Member")).resident
        for name in ("Mila", "Noor")
    ]


def _night_before(resident, day: dt.datetime):
    """A night ending at 08:00 on ``day``: 14 h of rest run until 22:00."""
    end = day.replace(hour=8, minute=0)
    RosterEntry.objects.create(resident=resident, start=end - dt.timedelta(hours=10), end=end,
                               kind="night")




def _warned_for(response) -> str:
    page = response.content.decode()
    marker = 'name="warned_for" value="'
    return page[page.index(marker) + len(marker):].split('"', 1)[0]


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_it_asks_before_planning_when_two_of_four_members_are_off_after_nights(as_cora, group, four):
    _night_before(four[0], TUESDAY)
    RosterEntry.objects.create(resident=four[1], start=TUESDAY - dt.timedelta(days=1),
                               end=TUESDAY + dt.timedelta(days=2), kind="leave")
    response = as_cora.post(reverse("session_plan", args=[group.pk]), plan_form())
    assert response.status_code == 200
    assert not Session.objects.exists()
    page = response.content.decode()
    assert "The rosters rule this time out" in page
    assert "2 of 4 members cannot come:" in page
    assert "Rosa Resident (rest after nights)" in page
    assert "Ruben Resident (leave)" in page
    assert "Mila" not in page.split('id="roster-check"')[1].split("</div>")[0]
    assert reverse("group_suggestions", args=[group.pk]) in page


def test_ticking_plan_anyway_for_the_time_shown_plans_it_and_says_who_cannot_come(as_cora, group, four):
    _night_before(four[0], TUESDAY)
    _night_before(four[1], TUESDAY)
    first = as_cora.post(reverse("session_plan", args=[group.pk]), plan_form())
    response = as_cora.post(reverse("session_plan", args=[group.pk]),
                            plan_form(plan_anyway="1", warned_for=_warned_for(first)))
    session = Session.objects.get()
    assert response.status_code == 302
    assert session.start == TUESDAY
    assert ("2 of 4 members cannot come: Rosa Resident (rest after nights); "
            "Ruben Resident (rest after nights).") in _messages(response)


def test_plan_anyway_ticked_for_another_time_asks_again(as_cora, group, four):
    _night_before(four[0], TUESDAY)
    _night_before(four[1], TUESDAY)
    _night_before(four[0], TUESDAY + dt.timedelta(days=1))
    _night_before(four[1], TUESDAY + dt.timedelta(days=1))
    first = as_cora.post(reverse("session_plan", args=[group.pk]), plan_form())
    # The coordinator changes the date in the same form and ticks the box: the warning was
    # about Tuesday, not Wednesday.
    response = as_cora.post(reverse("session_plan", args=[group.pk]),
                            plan_form(date="2026-03-25", plan_anyway="1", warned_for=_warned_for(first)))
    assert response.status_code == 200
    assert not Session.objects.exists()
    assert _warned_for(response).startswith("2026-03-25T16:00:00+01:00/")


def test_it_asks_when_the_intervisor_is_absent_even_if_every_member_can_come(as_cora, group, four):
    IntervisorAbsence.objects.create(intervisor=group.intervisor, start=TUESDAY - dt.timedelta(days=1),
                                     end=TUESDAY + dt.timedelta(days=1), reason="holiday")
    response = as_cora.post(reverse("session_plan", args=[group.pk]), plan_form())
    assert not Session.objects.exists()
    assert "The intervisor is not available then" in response.content.decode()


def test_it_asks_when_the_intervisor_leads_another_session_then(as_cora, group, other_group, four, cora):
    other_group.intervisor = group.intervisor
    other_group.save()
    session_plan(group=other_group, start=TUESDAY + dt.timedelta(minutes=30), by=cora)
    response = as_cora.post(reverse("session_plan", args=[group.pk]), plan_form())
    assert Session.objects.count() == 1
    assert "The intervisor is not available then" in response.content.decode()


def test_one_member_of_four_on_leave_is_planned_at_once_and_named(as_cora, group, four):
    RosterEntry.objects.create(resident=four[2], start=TUESDAY - dt.timedelta(days=1),
                               end=TUESDAY + dt.timedelta(days=1), kind="leave")
    response = as_cora.post(reverse("session_plan", args=[group.pk]), plan_form())
    assert response.status_code == 302
    assert Session.objects.get().start == TUESDAY
    assert "1 of 4 members cannot come: Mila Member (leave)." in _messages(response)


def test_day_work_gives_way_and_asks_nothing(as_cora, group, four):
    for resident in four:
        RosterEntry.objects.create(resident=resident, start=TUESDAY.replace(hour=8),
                                   end=TUESDAY.replace(hour=17), kind="day")
    response = as_cora.post(reverse("session_plan", args=[group.pk]), plan_form())
    assert response.status_code == 302
    assert not [m for m in _messages(response) if "cannot come" in m]


def test_a_bad_form_is_not_checked_against_the_rosters(as_cora, group, four, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = as_cora.post(reverse("session_plan", args=[group.pk]), plan_form(date="not a date"))
    assert response.status_code == 200
    assert "roster-check" not in response.content.decode()


def test_the_check_costs_a_fixed_number_of_queries_whatever_the_roster(as_cora, group, four,
                                                                       django_assert_max_num_queries):
    for day in range(20):
        for resident in four:
            start = TUESDAY - dt.timedelta(days=day, hours=8)
            RosterEntry.objects.create(resident=resident, start=start, end=start + dt.timedelta(hours=4),
                                       kind="day")
    _night_before(four[0], TUESDAY)
    _night_before(four[1], TUESDAY)
    with django_assert_max_num_queries(14):
        response = as_cora.post(reverse("session_plan", args=[group.pk]), plan_form())
    assert "2 of 4 members cannot come:" in response.content.decode()


# --- Moving --------------------------------------------------------------------------------------



@pytest.fixture
def planned(group, four, cora):
    return session_plan(group=group, start=TUESDAY, by=cora)


def test_moving_into_nights_asks_first_and_keeps_the_old_time(as_cora, planned, four):
    thursday = TUESDAY + dt.timedelta(days=2)
    _night_before(four[0], thursday)
    _night_before(four[3], thursday)
    url = reverse("session_edit", args=[planned.pk])
    response = as_cora.post(url, edit_form(planned, date="2026-03-26"))
    assert response.status_code == 200
    assert "2 of 4 members cannot come:" in response.content.decode()
    planned.refresh_from_db()
    assert (planned.start, planned.sequence) == (TUESDAY, 0)

    confirmed = as_cora.post(reverse("session_edit", args=[planned.pk]), edit_form(
        planned, date="2026-03-26", plan_anyway="1", warned_for=_warned_for(response)))
    assert confirmed.status_code == 302
    planned.refresh_from_db()
    assert planned.start == thursday


def test_a_session_is_not_in_its_own_way_when_it_moves_by_half_an_hour(as_cora, planned):
    response = as_cora.post(reverse("session_edit", args=[planned.pk]),
                            edit_form(planned, start_time="16:30"))
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.start == TUESDAY + dt.timedelta(minutes=30)


def test_changing_only_the_room_of_a_clashing_session_asks_nothing(as_cora, planned, four):
    _night_before(four[0], TUESDAY)
    _night_before(four[1], TUESDAY)
    url = reverse("session_edit", args=[planned.pk])
    response = as_cora.post(url, edit_form(planned, location="Room 2"))
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.location == "Room 2"


def test_the_warning_speaks_dutch(group, four, cora):
    from .helpers import plan_form

    _night_before(four[0], TUESDAY)
    _night_before(four[1], TUESDAY)
    client = login(cora)
    client.cookies["django_language"] = "nl"
    with translation.override("nl"):
        response = client.post(reverse("session_plan", args=[group.pk]), plan_form(),
                               HTTP_ACCEPT_LANGUAGE="nl")
    page = response.content.decode()
    assert "Rosa Resident (rust na nachtdiensten)" in page


# --- Moving the rest of a series -------------------------------------------------------------------

@pytest.fixture
def series(group, four, cora):
    from sessions_app.services.sessions import series_plan

    # Tuesdays 24 March, 7 April and 21 April at 16:00.
    return series_plan(group=group, weekday=1, local_start=dt.time(16), duration_minutes=90,
                       cadence_weeks=2, first_date=dt.date(2026, 3, 23), count=3, by=cora)


def test_moving_the_rest_of_a_series_checks_every_later_date(as_cora, series, four):
    first = series.sessions.order_by("start").first()
    # Moving Tuesday to Thursday: the second session lands on Thursday 9 April, when two of
    # four are off after nights. The first and third dates are fine.
    _night_before(four[0], dt.datetime(2026, 4, 9, tzinfo=AMS))
    _night_before(four[1], dt.datetime(2026, 4, 9, tzinfo=AMS))
    url = reverse("session_edit", args=[first.pk])
    response = as_cora.post(url, edit_form(first, date="2026-03-26", scope="following"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The rosters rule out later dates of the series" in page
    later = page.split('id="later-clashes"')[1].split("</ul>")[0]
    assert "Thu 9 Apr 2026, 16:00" in later and "2 of 4 members cannot come" in later
    assert "Rosa Resident: rest after nights" in later
    assert "23 Apr" not in later
    assert [s.start.astimezone(AMS).day for s in series.sessions.order_by("start")] == [24, 7, 21]

    confirmed = as_cora.post(url, edit_form(first, date="2026-03-26", scope="following", plan_anyway="1",
                                             warned_for=_warned_for(response)))
    assert confirmed.status_code == 302
    assert [s.start.astimezone(AMS).day for s in series.sessions.order_by("start")] == [26, 9, 23]


def test_a_series_does_not_stand_in_its_own_way_when_it_moves_by_an_hour(as_cora, series):
    first = series.sessions.order_by("start").first()
    response = as_cora.post(reverse("session_edit", args=[first.pk]),
                            edit_form(first, start_time="17:00", scope="following"))
    assert response.status_code == 302
    assert {s.start.astimezone(AMS).hour for s in series.sessions.all()} == {17}


def test_moving_only_one_session_of_a_series_checks_only_that_one(as_cora, series, four):
    first = series.sessions.order_by("start").first()
    _night_before(four[0], dt.datetime(2026, 4, 9, tzinfo=AMS))
    _night_before(four[1], dt.datetime(2026, 4, 9, tzinfo=AMS))
    response = as_cora.post(reverse("session_edit", args=[first.pk]),
                            edit_form(first, date="2026-03-26", scope="this"))
    assert response.status_code == 302


def test_moving_a_series_so_a_later_date_falls_in_the_hour_the_clocks_skip_moves_nothing(
        as_cora, group, cora):
    from sessions_app.services.sessions import series_plan

    # Saturdays 14 and 28 March at 02:30; moved to Sunday, the second would be 02:30 on
    # 29 March, which does not exist in Amsterdam.
    series = series_plan(group=group, weekday=5, local_start=dt.time(2, 30), duration_minutes=90,
                         cadence_weeks=2, first_date=dt.date(2026, 3, 14), count=2, by=cora)
    first = series.sessions.order_by("start").first()
    response = as_cora.post(reverse("session_edit", args=[first.pk]),
                            edit_form(first, date="2026-03-15", scope="following"))
    assert response.status_code == 200
    assert "does not exist" in response.content.decode()
    assert [s.start.astimezone(AMS).day for s in series.sessions.order_by("start")] == [14, 28]
