"""The availability engine, rule by rule.

Personas: a group of four residents — anna, bram, cees and dirk — led by an intervisor.
Unless a test says otherwise the group meets Mon–Fri 16:00–18:00 Amsterdam time, and the
horizon is the quiet week of Monday 1 to Friday 5 June 2026 (no public holidays, CEST).
"""

import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from planning.availability import (
    AVAILABLE,
    DEFAULT_RULES,
    RELEASED,
    UNAVAILABLE,
    Busy,
    GroupRequest,
    Rules,
    Slot,
    Window,
    availability_matrix,
    feasible_slots,
    rest_after_nights,
    suggest_slots,
)
from planning.reference import reference_feasible_slots

AMS = ZoneInfo("Europe/Amsterdam")
ANNA, BRAM, CEES, DIRK = 1, 2, 3, 4
GROUP = (ANNA, BRAM, CEES, DIRK)
WEEKDAYS = frozenset(range(5))
LATE_AFTERNOON = Window(WEEKDAYS, time(16), time(18))


def local(day: date | str, hour: int = 0, minute: int = 0) -> datetime:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMS)


def request(**changes) -> GroupRequest:
    fields = {
        "member_ids": GROUP,
        "intervisor_busy": (),
        "windows": (LATE_AFTERNOON,),
        "duration": timedelta(minutes=120),
        "horizon_start": local("2026-06-01"),
        "horizon_end": local("2026-06-06"),
    }
    fields.update(changes)
    return GroupRequest(**fields)


def night(person: int, day: str) -> Busy:
    """A 22:00–08:00 night shift starting on ``day``."""
    start = local(day, 22)
    return Busy(person, start, start + timedelta(hours=10), "night")


def duty(person: int, kind: str, day: str, start_hour: int, end_hour: int) -> Busy:
    return Busy(person, local(day, start_hour), local(day, end_hour), kind)


def slot(day: str, hour: int, minute: int = 0, minutes: int = 90) -> Slot:
    start = local(day, hour, minute).astimezone(UTC)
    return Slot(start, start + timedelta(minutes=minutes))


def state_of(person: int, at: Slot, roster, rules: Rules = DEFAULT_RULES):
    return availability_matrix(request(), roster, [at], rules).cell(person, 0)


def local_starts(suggestions) -> list[str]:
    return [s.start.astimezone(AMS).strftime("%a %d %H:%M") for s in suggestions]


# --------------------------------------------------------------------------- nights and rest


def test_it_never_suggests_a_slot_during_a_night_shift():
    early = Window(WEEKDAYS, time(6), time(10))
    roster = [night(BRAM, "2026-06-01")]  # Mon 22:00 – Tue 08:00
    suggestions = suggest_slots(
        request(member_ids=(BRAM,), windows=(early,)), roster, limit=100, max_per_day=None
    )
    assert suggestions
    tuesday_morning = (local("2026-06-02", 6), local("2026-06-02", 10))
    assert not [s for s in suggestions if tuesday_morning[0] <= s.start < tuesday_morning[1]]


def test_a_member_during_a_night_shift_is_unavailable_because_of_the_night_shift():
    status = state_of(BRAM, slot("2026-06-02", 6), [night(BRAM, "2026-06-01")])
    assert status.state == UNAVAILABLE
    assert status.reasons == ("night shift",)


def test_it_keeps_a_member_resting_for_14_hours_after_a_single_night():
    roster = [night(BRAM, "2026-06-01")]  # ends Tue 08:00, rest until Tue 22:00
    during = state_of(BRAM, slot("2026-06-02", 20, 30), roster)  # 20:30–22:00
    after = state_of(BRAM, slot("2026-06-02", 22), roster)  # 22:00–23:30
    assert (during.state, during.reasons) == (UNAVAILABLE, ("rest after nights",))
    assert after.state == AVAILABLE


def test_it_keeps_a_member_resting_for_46_hours_after_three_consecutive_nights():
    roster = [night(BRAM, day) for day in ("2026-06-01", "2026-06-02", "2026-06-03")]
    # The last night ends Thu 4 June 08:00; 46 hours later is Sat 6 June 06:00.
    friday_afternoon = state_of(BRAM, slot("2026-06-05", 16), roster)
    just_before = state_of(BRAM, slot("2026-06-06", 4, 30), roster)  # 04:30–06:00
    just_after = state_of(BRAM, slot("2026-06-06", 6), roster)
    assert friday_afternoon.reasons == ("rest after nights",)
    assert just_before.state == UNAVAILABLE
    assert just_after.state == AVAILABLE


def test_two_consecutive_nights_only_need_14_hours_rest():
    roster = [night(BRAM, day) for day in ("2026-06-01", "2026-06-02")]  # ends Wed 08:00
    assert state_of(BRAM, slot("2026-06-03", 20, 30), roster).state == UNAVAILABLE
    assert state_of(BRAM, slot("2026-06-03", 22), roster).state == AVAILABLE


def test_nights_with_a_night_off_in_between_are_not_a_series():
    # Mon, Wed and Fri nights: 38 hours between them, more than the 24 h series gap.
    roster = [night(BRAM, day) for day in ("2026-06-01", "2026-06-03", "2026-06-05")]
    assert state_of(BRAM, slot("2026-06-06", 22), roster).state == AVAILABLE

    loose_series = Rules(series_gap=timedelta(hours=48))
    assert state_of(BRAM, slot("2026-06-06", 22), roster, loose_series).state == UNAVAILABLE


def test_the_series_length_and_rest_periods_are_configurable():
    nights = [night(BRAM, day) for day in ("2026-06-01", "2026-06-02")]
    rules = Rules(series_length=2, rest_after_series=timedelta(hours=60))
    periods = rest_after_nights([(n.start, n.end) for n in nights], rules)
    assert periods == [
        (local("2026-06-02", 8), local("2026-06-02", 22)),
        (local("2026-06-03", 8), local("2026-06-05", 20)),
    ]


def test_rest_after_a_night_across_the_spring_dst_change_counts_real_hours():
    # Sat 28 March 23:00 CET – Sun 01:00 CET; rest 14 real hours → 15:00 UTC = 16:00 CEST
    # (wall-clock arithmetic would wrongly end it at 15:00 local).
    roster = [Busy(BRAM, local("2026-03-28", 23), local("2026-03-29", 1), "night")]
    before = state_of(BRAM, slot("2026-03-29", 15, minutes=60), roster)
    after = state_of(BRAM, slot("2026-03-29", 16, minutes=60), roster)
    assert before.reasons == ("rest after nights",)
    assert after.state == AVAILABLE


# --------------------------------------------------------------------------- give way


def test_day_duty_and_outpatient_clinic_give_way_and_are_reported_as_must_be_released():
    roster = [
        duty(CEES, "day", "2026-06-01", 8, 17),
        duty(DIRK, "outpatient", "2026-06-01", 13, 17),
    ]
    monday = request(windows=(Window(frozenset({0}), time(16), time(18)),))
    [suggestion] = suggest_slots(monday, roster)
    assert suggestion.attending == 4
    assert {(s.person_id, s.reasons) for s in suggestion.released} == {
        (CEES, ("day duty",)),
        (DIRK, ("outpatient clinic",)),
    }
    assert suggestion.unavailable == ()


def test_the_give_way_kinds_are_configurable():
    roster = [duty(CEES, "course", "2026-06-01", 9, 17), duty(DIRK, "day", "2026-06-01", 8, 17)]
    at = slot("2026-06-01", 16)
    courses_give_way = Rules(give_way_kinds=frozenset({"day", "outpatient", "course"}))
    nothing_gives_way = Rules(give_way_kinds=frozenset())

    assert state_of(CEES, at, roster).state == UNAVAILABLE
    assert state_of(CEES, at, roster, courses_give_way).state == RELEASED
    assert state_of(DIRK, at, roster, nothing_gives_way).reasons == ("day duty",)
    assert state_of(DIRK, at, roster, nothing_gives_way).state == UNAVAILABLE


@pytest.mark.parametrize(
    ("kind", "state", "words"),
    [
        ("night", UNAVAILABLE, "night shift"),
        ("evening", UNAVAILABLE, "evening shift"),
        ("on_call", UNAVAILABLE, "on call"),
        ("weekend", UNAVAILABLE, "weekend duty"),
        ("leave", UNAVAILABLE, "leave"),
        ("course", UNAVAILABLE, "course"),
        ("other", UNAVAILABLE, "other duty"),
        ("day", RELEASED, "day duty"),
        ("outpatient", RELEASED, "outpatient clinic"),
    ],
)
def test_it_explains_each_kind_of_duty_in_plain_words(kind, state, words):
    # Ends with the slot, so a night's rest period does not add a second reason.
    roster = [Busy(ANNA, local("2026-06-01", 15), local("2026-06-01", 17, 30), kind)]
    status = state_of(ANNA, slot("2026-06-01", 16), roster)
    assert (status.state, status.reasons) == (state, (words,))


def test_an_unavailable_member_is_not_also_listed_for_duty_that_gives_way():
    roster = [duty(ANNA, "day", "2026-06-01", 8, 17), duty(ANNA, "on_call", "2026-06-01", 16, 23)]
    status = state_of(ANNA, slot("2026-06-01", 16), roster)
    assert (status.state, status.reasons) == (UNAVAILABLE, ("on call",))


def test_suggestions_list_every_unavailable_member_with_reasons_and_the_counts():
    roster = [duty(ANNA, "leave", "2026-06-01", 0, 23), duty(CEES, "day", "2026-06-01", 8, 17)]
    monday = request(windows=(Window(frozenset({0}), time(16), time(18)),))
    [suggestion] = suggest_slots(monday, roster)
    assert suggestion.member_count == 4
    assert suggestion.available == (BRAM, CEES, DIRK)
    assert [(s.person_id, s.reasons) for s in suggestion.unavailable] == [(ANNA, ("leave",))]
    assert [s.person_id for s in suggestion.released] == [CEES]


def test_a_duty_ending_just_after_a_quarter_hour_blocks_only_that_quarter():
    roster = [Busy(ANNA, local("2026-06-01", 14), local("2026-06-01", 16, 5), "evening")]
    assert state_of(ANNA, slot("2026-06-01", 16), roster).state == UNAVAILABLE
    assert state_of(ANNA, slot("2026-06-01", 16, 15), roster).state == AVAILABLE


# --------------------------------------------------------------------------- calendar


def test_it_skips_kings_day():
    week = request(horizon_start=local("2026-04-27"), horizon_end=local("2026-04-29"))
    days = {s.start.astimezone(AMS).date() for s in feasible_slots(week, [])}
    assert days == {date(2026, 4, 28)}  # Monday 27 April is King's Day

    no_holidays = {s.start.astimezone(AMS).date() for s in feasible_slots(week, [], Rules(country=None))}
    assert no_holidays == {date(2026, 4, 27), date(2026, 4, 28)}


def test_it_skips_christmas_and_extra_closed_dates():
    every_day = Window(frozenset(range(7)), time(16), time(18))
    christmas = request(
        windows=(every_day,),
        horizon_start=local("2026-12-23"),
        horizon_end=local("2026-12-28"),
        closed_dates=frozenset({date(2026, 12, 24)}),
    )
    days = {s.start.astimezone(AMS).date() for s in feasible_slots(christmas, [])}
    assert days == {date(2026, 12, 23), date(2026, 12, 27)}


@pytest.mark.parametrize(
    ("first", "last", "expected_utc_hours"),
    [
        # Last Sunday of March 2026 is the 29th: 16:00 CET = 15:00Z, then 16:00 CEST = 14:00Z.
        ("2026-03-26", "2026-03-31", {26: 15, 27: 15, 28: 15, 29: 14, 30: 14, 31: 14}),
        # Last Sunday of October 2026 is the 25th: back from 14:00Z to 15:00Z.
        ("2026-10-22", "2026-10-27", {22: 14, 23: 14, 24: 14, 25: 15, 26: 15, 27: 15}),
    ],
)
def test_a_16_oclock_window_stays_16_oclock_local_across_dst(first, last, expected_utc_hours):
    every_day_at_four = Window(frozenset(range(7)), time(16), time(18))
    horizon = request(
        windows=(every_day_at_four,),
        horizon_start=local(first),
        horizon_end=local(last, 23),
    )
    starts = [s.start for s in feasible_slots(horizon, [])]  # 120 min: one slot per day
    assert {s.day: s.hour for s in starts} == expected_utc_hours
    assert all(s.minute == 0 for s in starts)
    assert {s.astimezone(AMS).time() for s in starts} == {time(16)}


def test_slots_start_on_the_quarter_hour_and_fit_entirely_in_the_window():
    window = Window(frozenset({1}), time(13, 5), time(17))  # Tuesday afternoon
    tuesday = request(windows=(window,), duration=timedelta(minutes=90))
    starts = [s.start.astimezone(AMS).time() for s in feasible_slots(tuesday, [])]
    assert starts[0] == time(13, 15)
    assert starts[-1] == time(15, 30)
    assert len(starts) == 10


# --------------------------------------------------------------------------- share


def test_it_requires_three_of_four_members_by_default():
    roster = [duty(person, "leave", "2026-06-01", 0, 23) for person in (ANNA, BRAM)]
    monday = request(windows=(Window(frozenset({0}), time(16), time(18)),))
    assert feasible_slots(monday, roster) == []
    assert len(feasible_slots(monday, roster, Rules(min_share=0.5))) == 1


def test_min_share_rounds_up_without_float_surprises():
    assert Rules(min_share=0.7).required_members(10) == 7
    assert Rules(min_share=0.75).required_members(8) == 6
    assert Rules(min_share=0.75).required_members(9) == 7
    assert Rules(min_share=0).required_members(5) == 0


def test_it_never_suggests_a_slot_when_the_intervisor_is_busy():
    busy = (
        (local("2026-06-01"), local("2026-06-04")),  # Mon–Wed
        (local("2026-06-04", 17, 45), local("2026-06-04", 18)),  # the end of Thursday's slot
    )
    starts = local_starts(suggest_slots(request(intervisor_busy=busy), []))
    assert starts == ["Fri 05 16:00"]


# --------------------------------------------------------------------------- ranking


def test_it_ranks_slots_where_more_members_can_come_first():
    roster = [duty(DIRK, "leave", day, 0, 23) for day in ("2026-06-01", "2026-06-02")]
    starts = local_starts(suggest_slots(request(), roster))
    assert starts == ["Wed 03 16:00", "Thu 04 16:00", "Fri 05 16:00", "Mon 01 16:00", "Tue 02 16:00"]


def test_it_prefers_members_not_just_off_nights_but_attendance_comes_first():
    # Bram's night ends Wed 08:00: resting on Wednesday, tired on Thursday (32 h later),
    # fine on Friday (56 h later).
    suggestions = suggest_slots(request(), [night(BRAM, "2026-06-02")])
    assert local_starts(suggestions) == [
        "Mon 01 16:00",
        "Tue 02 16:00",
        "Fri 05 16:00",
        "Thu 04 16:00",
        "Wed 03 16:00",
    ]
    assert suggestions[3].fatigued == (BRAM,)


def test_it_prefers_members_not_in_a_heavy_week():
    mondays_and_fridays = request(windows=(Window(frozenset({0, 4}), time(16), time(18)),))
    # 40 h of day shifts Tue–Fri and 28 h of weekend duty before Monday 1 June: 68 hours.
    heavy = [duty(CEES, "day", f"2026-05-{d}", 7, 17) for d in (26, 27, 28, 29)] + [
        duty(CEES, "weekend", f"2026-05-{d}", 7, 21) for d in (30, 31)
    ]
    suggestions = suggest_slots(mondays_and_fridays, heavy)
    assert local_starts(suggestions) == ["Fri 05 16:00", "Mon 01 16:00"]
    assert suggestions[1].fatigued == (CEES,)


def test_leave_does_not_make_a_week_heavy():
    mondays_and_fridays = request(windows=(Window(frozenset({0, 4}), time(16), time(18)),))
    leave = [Busy(CEES, local("2026-05-25"), local("2026-06-01", 8), "leave")]
    suggestions = suggest_slots(mondays_and_fridays, leave)
    assert local_starts(suggestions) == ["Mon 01 16:00", "Fri 05 16:00"]


def test_it_prefers_the_date_that_fits_the_cadence():
    six_weeks_after = request(
        last_session_start=local("2026-04-23", 16), cadence_weeks=6
    )  # target: Thursday 4 June
    suggestions = suggest_slots(six_weeks_after, [])
    assert local_starts(suggestions) == [
        "Thu 04 16:00",
        "Wed 03 16:00",
        "Fri 05 16:00",
        "Tue 02 16:00",
        "Mon 01 16:00",
    ]
    assert [s.cadence_distance_days for s in suggestions] == [0, 1, 1, 2, 3]


def test_fatigue_weighs_more_than_the_cadence():
    six_weeks_after = request(last_session_start=local("2026-04-23", 16), cadence_weeks=6)
    suggestions = suggest_slots(six_weeks_after, [night(BRAM, "2026-06-02")])
    assert local_starts(suggestions)[:4] == [
        "Fri 05 16:00",
        "Tue 02 16:00",
        "Mon 01 16:00",
        "Thu 04 16:00",
    ]


def test_it_keeps_the_usual_weekday_and_start_time_when_all_else_is_equal():
    usual = request(
        duration=timedelta(minutes=90), usual_weekday=3, usual_start=time(16, 30)
    )  # Thursdays 16:30
    suggestions = suggest_slots(usual, [])
    assert local_starts(suggestions) == [
        "Thu 04 16:30",
        "Mon 01 16:30",
        "Tue 02 16:30",
        "Wed 03 16:30",
        "Fri 05 16:30",
    ]
    assert [s.habit_breaks for s in suggestions] == [0, 1, 1, 1, 1]


def test_the_cadence_weighs_more_than_the_usual_weekday():
    usual_monday = request(
        last_session_start=local("2026-04-23", 16), cadence_weeks=6, usual_weekday=0
    )
    assert local_starts(suggest_slots(usual_monday, []))[0] == "Thu 04 16:00"


def test_it_returns_at_most_limit_suggestions():
    assert len(suggest_slots(request(), [], limit=3)) == 3


def test_it_offers_at_most_two_non_overlapping_slots_per_day_by_default():
    education_afternoon = Window(frozenset({1}), time(13), time(17))
    tuesday = request(windows=(education_afternoon,), duration=timedelta(minutes=90))
    assert local_starts(suggest_slots(tuesday, [])) == ["Tue 02 13:00", "Tue 02 14:30"]
    assert local_starts(suggest_slots(tuesday, [], max_per_day=1)) == ["Tue 02 13:00"]
    every_quarter = suggest_slots(tuesday, [], limit=3, max_per_day=None)
    assert local_starts(every_quarter) == ["Tue 02 13:00", "Tue 02 13:15", "Tue 02 13:30"]


# --------------------------------------------------------------------------- matrix


def test_the_matrix_shows_every_member_in_every_slot():
    roster = [night(BRAM, "2026-06-01"), duty(CEES, "day", "2026-06-01", 8, 17)]
    slots = [slot("2026-06-01", 16), slot("2026-06-02", 16)]
    busy = ((local("2026-06-02", 17), local("2026-06-02", 18)),)
    matrix = availability_matrix(request(intervisor_busy=busy), roster, slots)

    assert matrix.member_ids == GROUP
    assert [[cell.state for cell in row] for row in matrix.rows] == [
        [AVAILABLE, AVAILABLE],
        [AVAILABLE, UNAVAILABLE],
        [RELEASED, AVAILABLE],
        [AVAILABLE, AVAILABLE],
    ]
    assert matrix.cell(BRAM, 1).reasons == ("rest after nights",)
    assert matrix.intervisor_free == (True, False)


# --------------------------------------------------------------------------- reference


def test_the_engine_and_the_reference_agree_on_a_busy_week():
    roster = [
        night(BRAM, "2026-05-31"),
        night(BRAM, "2026-06-01"),
        night(BRAM, "2026-06-02"),
        duty(CEES, "day", "2026-06-02", 8, 17),
        duty(DIRK, "evening", "2026-06-04", 16, 23),
        duty(ANNA, "outpatient", "2026-06-05", 13, 16),
    ]
    wide = request(windows=(Window(WEEKDAYS, time(12), time(20)),))
    engine = {(s.start, s.available, s.released) for s in feasible_slots(wide, roster)}
    reference = {
        (s.start, s.available, s.released) for s in reference_feasible_slots(wide, roster)
    }
    assert engine == reference
    assert len(engine) > 50


def test_empty_and_backwards_entries_block_nothing_as_in_the_reference():
    # They overlap no slot; marking the quarter hour they sit in would block 16:00.
    roster = [
        Busy(ANNA, local("2026-06-01", 16, 5), local("2026-06-01", 16, 5), "course"),
        Busy(BRAM, local("2026-06-01", 16, 10), local("2026-06-01", 16, 5), "leave"),
        Busy(CEES, local("2026-06-01", 3), local("2026-06-01", 3), "night"),
    ]
    engine = {(s.start, s.available, s.released) for s in feasible_slots(request(), roster)}
    reference = {
        (s.start, s.available, s.released) for s in reference_feasible_slots(request(), roster)
    }
    assert engine == reference
    first = min(engine)
    assert first[0] == local("2026-06-01", 16) and first[1] == frozenset(GROUP)


# --------------------------------------------------------------------------- validation


def test_it_rejects_unknown_kinds_naive_times_and_off_grid_durations():
    with pytest.raises(ValueError, match="unknown roster kind"):
        Busy(ANNA, local("2026-06-01", 8), local("2026-06-01", 9), "nap")
    with pytest.raises(ValueError, match="timezone-aware"):
        Busy(ANNA, datetime(2026, 6, 1, 8), local("2026-06-01", 9), "day")
    with pytest.raises(ValueError, match="multiple of 15"):
        request(duration=timedelta(minutes=100))
    with pytest.raises(ValueError, match="unknown give-way"):
        Rules(give_way_kinds=frozenset({"rest"}))


# --------------------------------------------------------------------------- footprint


def test_the_engine_plans_without_numpy():
    # The web process runs the engine in the request; numpy alone would cost a worker ~12 MB.
    code = (
        "import sys\n"
        "from planning import availability, reference\n"
        "assert 'numpy' not in sys.modules, sorted(m for m in sys.modules if 'numpy' in m)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)  # noqa: S603
    assert done.returncode == 0, done.stderr
