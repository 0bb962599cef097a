"""The shape of a demo year in plain Python: a resident's weeks of shifts, an intervisor's
holidays, the rhythm and candidate windows of a group.

No Django here, so the engine's own benchmark (``bench/bench_availability_engine.py``) draws
the same kind of year as the demo programme, which writes it to the database through
``demo.rosters`` and ``demo.groups``.

Times are local wall-clock times in the zone passed in: shifts follow DST as a ward's roster
does, and a night across a DST change is an hour shorter or longer in real time.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import NamedTuple
from zoneinfo import ZoneInfo

WEEKS = 52  # a year of rosters
WEEKS_BEFORE = 4  # rosters start this long before the reference date: the recent past shows

# The mix of candidate windows programmes use: after day work, the protected education
# afternoon, or early afternoons on two fixed days (day work and clinics give way to it).
# Stored as a group's ``candidate_windows``.
WINDOWS: list[list[dict]] = [
    [{"weekdays": [0, 1, 2, 3, 4], "start": "16:00", "end": "18:00"}],
    [{"weekdays": [0, 1, 2, 3, 4], "start": "16:00", "end": "18:00"}],
    [{"weekdays": [1], "start": "13:00", "end": "17:00"}],
    [{"weekdays": [0, 3], "start": "12:30", "end": "17:30"}],
    [{"weekdays": [0, 1, 2, 3, 4], "start": "13:00", "end": "18:00"}],
]


class Shift(NamedTuple):
    start: dt.datetime
    end: dt.datetime
    kind: str  # one of residents.models.RosterKind's values


class Rhythm(NamedTuple):
    """How a group meets: every ``cadence_weeks`` weeks for ``duration_minutes``, within
    ``windows``."""

    cadence_weeks: int
    duration_minutes: int
    windows: list[dict]


def roster_start(today: dt.date) -> dt.date:
    """The Monday the demo rosters start on: a few weeks before ``today``'s week."""
    return today - dt.timedelta(days=today.weekday(), weeks=WEEKS_BEFORE)


def _at(day: dt.date, zone: ZoneInfo, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def _shift(day: dt.date, zone: ZoneInfo, start: tuple[int, int], hours: float, kind: str) -> Shift:
    # Shift lengths are wall-clock lengths: a night across a DST change is 9 or 11 hours.
    end = dt.datetime.combine(day, dt.time(*start)) + dt.timedelta(hours=hours)
    return Shift(_at(day, zone, *start), end.replace(tzinfo=zone), kind)


def _week(rng: random.Random, monday: dt.date, zone: ZoneInfo) -> tuple[list[Shift], int]:
    """One week of one resident, and how many weeks it used (leave may take more)."""
    roll = rng.random()
    # About five weeks of leave a year, taken as one to three whole weeks at a time.
    if roll < 0.055:
        weeks = rng.choice([1, 1, 2, 3])
        end = _at(monday + dt.timedelta(weeks=weeks), zone, 0) - dt.timedelta(days=2)
        return [Shift(_at(monday, zone, 0), end, "leave")], weeks
    if roll < 0.155:  # a series of nights, Monday or Thursday on
        length = rng.randint(3, 5)
        first = monday + dt.timedelta(days=rng.choice([0, 3]) if length <= 4 else 0)
        return [_shift(first + dt.timedelta(days=d), zone, (22, 0), 10, "night")
                for d in range(length)], 1
    if roll < 0.225:
        return [_shift(monday + dt.timedelta(days=d), zone, (15, 30), 8, "evening")
                for d in range(5)], 1
    shifts = []
    clinic = set(rng.sample(range(5), rng.randint(0, 2)))
    for d in range(5):
        day = monday + dt.timedelta(days=d)
        if rng.random() < 0.03:
            shifts.append(_shift(day, zone, (9, 0), 8, "course"))
        elif d in clinic:
            shifts.append(_shift(day, zone, (8, 0), 4.5, "day"))
            shifts.append(_shift(day, zone, (13, 0), 4, "outpatient"))
        else:
            shifts.append(_shift(day, zone, rng.choice([(7, 30), (8, 0), (8, 30)]), 9, "day"))
    if rng.random() < 0.2:
        day = monday + dt.timedelta(days=rng.randrange(4))
        shifts.append(_shift(day, zone, (17, 30), 14.5, "on_call"))
    if rng.random() < 0.2:
        shifts += [_shift(monday + dt.timedelta(days=d), zone, (8, 0), 12, "weekend") for d in (5, 6)]
    return shifts, 1


def resident_year(rng: random.Random, first_monday: dt.date, zone: ZoneInfo,
                  weeks: int = WEEKS) -> list[Shift]:
    """``weeks`` weeks of one resident from ``first_monday``: day work with outpatient
    afternoons, weeks of evenings, series of nights, on-call evenings, weekend duty, courses
    and leave."""
    shifts: list[Shift] = []
    week = 0
    while week < weeks:
        these, used = _week(rng, first_monday + dt.timedelta(weeks=week), zone)
        shifts += these
        week += used
    return shifts


def intervisor_holidays(rng: random.Random, first_monday: dt.date, zone: ZoneInfo,
                        weeks: int = WEEKS) -> list[tuple[dt.datetime, dt.datetime]]:
    """Three whole weeks away, none in the first fortnight."""
    return [
        (_at(monday, zone, 0), _at(monday + dt.timedelta(days=7), zone, 0))
        for week in sorted(rng.sample(range(2, weeks), 3))
        for monday in [first_monday + dt.timedelta(weeks=week)]
    ]


def group_rhythm(rng: random.Random) -> Rhythm:
    """Most groups meet every six weeks for ninety minutes; some more or less often, longer."""
    return Rhythm(
        cadence_weeks=rng.choice([4, 6, 6, 6, 8]),
        duration_minutes=rng.choice([90, 90, 120]),
        windows=rng.choice(WINDOWS),
    )


def usual_time(rng: random.Random, windows: list[dict]) -> tuple[int, dt.time]:
    """The weekday and local start time a group has met at so far: in its first window."""
    window = (windows or [{}])[0]
    weekdays = [d for d in window.get("weekdays", []) if d < 5] or [1]
    return rng.choice(weekdays), dt.time.fromisoformat(window.get("start", "16:00"))
