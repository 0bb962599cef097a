"""Series are expanded in local time: 16:00 in Amsterdam stays 16:00 when the clocks change,
so the UTC time moves instead. Also the series page: rhythm, preview, confirm."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sessions_app.models import Session, SessionSeries
from sessions_app.services.sessions import series_days, series_plan, series_preview, session_plan

from .helpers import AMS

PLANNING_DAY = dt.datetime(2026, 2, 20, 9, 0, tzinfo=dt.UTC)  # a Friday, before every series below

pytestmark = [pytest.mark.now(PLANNING_DAY), pytest.mark.usefixtures("clock")]


def _utc_hours(series):
    return [(s.start.date().isoformat(), s.start.hour) for s in series.sessions.order_by("start")]


def test_a_spring_series_keeps_16_00_across_the_last_sunday_of_march(group, cora):
    # Every 2 weeks on Tuesday from 3 March to May; summer time starts on Sunday 29 March 2026.
    series = series_plan(group=group, weekday=1, local_start=dt.time(16), duration_minutes=90,
                         cadence_weeks=2, first_date=dt.date(2026, 3, 2), count=5, by=cora)
    assert _utc_hours(series) == [
        ("2026-03-03", 15), ("2026-03-17", 15),  # CET, UTC+1
        ("2026-03-31", 14), ("2026-04-14", 14), ("2026-04-28", 14),  # CEST, UTC+2
    ]
    for session in series.sessions.all():
        local = session.start.astimezone(AMS)
        assert (local.hour, local.minute) == (16, 0)
        assert session.end - session.start == dt.timedelta(minutes=90)


def test_an_autumn_series_keeps_16_00_across_the_last_sunday_of_october(group, cora):
    # Winter time starts on Sunday 25 October 2026.
    series = series_plan(group=group, weekday=3, local_start=dt.time(16), duration_minutes=120,
                         cadence_weeks=2, first_date=dt.date(2026, 10, 1), count=4, by=cora)
    assert _utc_hours(series) == [
        ("2026-10-01", 14), ("2026-10-15", 14),  # CEST
        ("2026-10-29", 15), ("2026-11-12", 15),  # CET
    ]
    assert {s.start.astimezone(AMS).hour for s in series.sessions.all()} == {16}


def test_the_series_starts_on_the_first_chosen_weekday_from_the_first_date(group, cora):
    # 2 March 2026 is a Monday; Thursday is weekday 3.
    assert series_days(weekday=3, first_date=dt.date(2026, 3, 2), cadence_weeks=6, count=3) == [
        dt.date(2026, 3, 5), dt.date(2026, 4, 16), dt.date(2026, 5, 28),
    ]


def test_the_series_is_recorded_and_linked_to_its_sessions(group, rosa, cora):
    series = series_plan(group=group, weekday=1, local_start=dt.time(16), duration_minutes=90,
                         cadence_weeks=6, first_date=dt.date(2026, 3, 2), count=4, by=cora)
    assert (series.weekday, series.cadence_weeks, series.count, series.first_date) == (
        1, 6, 4, dt.date(2026, 3, 3))
    assert series.sessions.count() == 4
    assert all(s.participations.filter(resident=rosa.resident).exists() for s in series.sessions.all())


def test_the_preview_flags_public_holidays_and_days_the_group_meets(group, cora):
    # King's Day, Monday 27 April 2026; a session already planned on Monday 11 May.
    session_plan(group=group, start=dt.datetime(2026, 5, 11, 8, 0, tzinfo=dt.UTC), by=cora)
    preview = series_preview(group=group, weekday=0, local_start=dt.time(16), duration_minutes=90,
                             cadence_weeks=2, first_date=dt.date(2026, 4, 13), count=3)
    assert [(p.day.isoformat(), bool(p.holiday), len(p.clashes)) for p in preview] == [
        ("2026-04-13", False, 0), ("2026-04-27", True, 0), ("2026-05-11", False, 1),
    ]
    assert [p.skipped_by_default for p in preview] == [False, True, True]


def test_left_out_dates_are_not_planned_and_the_others_are(group, cora):
    series = series_plan(group=group, weekday=0, local_start=dt.time(16), duration_minutes=90,
                         cadence_weeks=2, first_date=dt.date(2026, 4, 13), count=3,
                         skip=[dt.date(2026, 4, 27)], by=cora)
    days = [s.start.astimezone(AMS).date().isoformat() for s in series.sessions.order_by("start")]
    assert days == ["2026-04-13", "2026-05-11"]
    assert series.count == 2


def test_it_refuses_a_series_with_a_date_in_the_past(group, cora):
    with pytest.raises(ValidationError, match="has passed"):
        series_plan(group=group, weekday=0, local_start=dt.time(16), duration_minutes=90,
                    cadence_weeks=1, first_date=dt.date(2026, 2, 9), count=3, by=cora)
    assert not Session.objects.exists()
    assert not SessionSeries.objects.exists()


def test_it_refuses_a_series_that_leaves_out_every_date(group, cora):
    with pytest.raises(ValidationError, match="nothing to plan"):
        series_plan(group=group, weekday=0, local_start=dt.time(16), duration_minutes=90,
                    cadence_weeks=1, first_date=dt.date(2026, 3, 2), count=1,
                    skip=[dt.date(2026, 3, 2)], by=cora)


def test_it_refuses_a_local_time_the_clocks_skip(group, cora):
    with pytest.raises(ValidationError, match="does not exist"):
        series_plan(group=group, weekday=6, local_start=dt.time(2, 30), duration_minutes=60,
                    cadence_weeks=1, first_date=dt.date(2026, 3, 22), count=2, by=cora)
    assert not Session.objects.exists()


# --- The page: rhythm → preview → confirm ------------------------------------------------------

def _series_form(**overrides):
    data = {"weekday": "1", "start_time": "16:00", "duration_minutes": "90", "cadence_weeks": "2",
            "first_date": "2026-03-02", "count": "5", "location": "Room 4.12", "video_url": "",
            "status": "scheduled", "action": "preview"}
    data.update(overrides)
    return data


def test_the_page_shows_every_date_before_planning_anything(as_cora, group):
    response = as_cora.post(reverse("series_plan", args=[group.pk]), _series_form())
    assert response.status_code == 200
    page = response.content.decode()
    for day in ["Tue 3 Mar 2026", "Tue 17 Mar 2026", "Tue 31 Mar 2026",
                "Tue 14 Apr 2026", "Tue 28 Apr 2026"]:
        assert day in page
    assert page.count("16:00–17:30") == 5
    assert not Session.objects.exists()


def test_confirming_plans_the_ticked_dates(as_cora, group):
    days = ["2026-03-03", "2026-03-17", "2026-03-31", "2026-04-14", "2026-04-28"]
    data = _series_form(action="confirm")
    data["day"] = days
    data["keep"] = [d for d in days if d != "2026-03-31"]
    response = as_cora.post(reverse("series_plan", args=[group.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("group_detail", args=[group.pk])
    planned = [s.start.astimezone(AMS).date().isoformat() for s in Session.objects.order_by("start")]
    assert planned == ["2026-03-03", "2026-03-17", "2026-04-14", "2026-04-28"]


def test_changing_the_rhythm_after_the_preview_shows_the_dates_again(as_cora, group):
    data = _series_form(action="confirm", cadence_weeks="3")
    data["day"] = ["2026-03-03", "2026-03-17", "2026-03-31", "2026-04-14", "2026-04-28"]
    data["keep"] = data["day"]
    response = as_cora.post(reverse("series_plan", args=[group.pk]), data)
    assert response.status_code == 200
    assert "check them again" in response.content.decode()
    assert not Session.objects.exists()


def test_a_holiday_in_the_preview_is_unticked_and_named(as_cora, group):
    response = as_cora.post(reverse("series_plan", args=[group.pk]),
                            _series_form(weekday="0", first_date="2026-04-27", count="1"))
    page = response.content.decode()
    assert "Public holiday" in page
    assert [kept for _item, kept in response.context["preview"]] == [False]


def test_the_preview_names_who_the_rosters_rule_out_and_unticks_a_date_that_clashes(
        as_cora, group, rosa, ruben):
    from residents.models import IntervisorAbsence, Programme, RosterEntry

    Programme.get()
    # 17 March: Rosa on leave (1 of 2: more than a quarter, unticked). 31 March: the intervisor
    # is away. 14 April: Ruben works days, which give way (ticked, nothing said).
    RosterEntry.objects.create(resident=rosa.resident, start=dt.datetime(2026, 3, 16, tzinfo=AMS),
                               end=dt.datetime(2026, 3, 21, tzinfo=AMS), kind="leave")
    IntervisorAbsence.objects.create(intervisor=group.intervisor, start=dt.datetime(2026, 3, 30, tzinfo=AMS),
                                     end=dt.datetime(2026, 4, 4, tzinfo=AMS), reason="holiday")
    RosterEntry.objects.create(resident=ruben.resident, start=dt.datetime(2026, 4, 14, 8, tzinfo=AMS),
                               end=dt.datetime(2026, 4, 14, 17, tzinfo=AMS), kind="day")
    response = as_cora.post(reverse("series_plan", args=[group.pk]), _series_form())
    page = response.content.decode()
    kept = {item.day.isoformat(): ticked for item, ticked in response.context["preview"]}
    assert kept == {"2026-03-03": True, "2026-03-17": False, "2026-03-31": False,
                    "2026-04-14": True, "2026-04-28": True}
    assert "1 of 2 members cannot come: Rosa Resident (leave)" in page
    assert page.count("Intervisor not available") == 1
    assert "day duty" not in page
    assert not Session.objects.exists()


def test_the_roster_check_of_a_long_series_costs_the_same_queries_as_a_short_one(
        as_cora, group, rosa, django_assert_max_num_queries):
    # 15: the plan's reads include the members' roster coverage (where a roster is not known)
    with django_assert_max_num_queries(15) as short:
        as_cora.post(reverse("series_plan", args=[group.pk]), _series_form(count="2"))
    with django_assert_max_num_queries(len(short.captured_queries)):
        as_cora.post(reverse("series_plan", args=[group.pk]), _series_form(count="20"))
