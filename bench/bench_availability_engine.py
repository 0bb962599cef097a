"""Benchmark: the bitset availability engine against the interval-based reference.

Generates a seeded year of realistic rosters for 500 residents in 60 groups of about 8,
then finds the slots for every group over a 12-week horizon (spanning the March DST change,
Easter and King's Day) with the engine and with the reference, checks they agree slot for
slot, and prints the times and the ratio.

    .venv/bin/python bench/bench_availability_engine.py [--seed 7] [--weeks 12]

Exit status 1 when engine and reference disagree. ``generate_rosters`` and
``group_requests`` are reusable, e.g. by a Django-level benchmark.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

# Run as a plain script from anywhere: make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from planning.availability import (  # noqa: E402
    LOOKBACK,
    Busy,
    GroupRequest,
    Window,
    clear_caches,
    feasible_slots,
    suggest_slots,
)
from planning.reference import reference_feasible_slots  # noqa: E402

AMS = ZoneInfo("Europe/Amsterdam")
YEAR_START = date(2026, 1, 5)  # a Monday
HORIZON_START = date(2026, 3, 2)  # a Monday; 12 weeks reach past King's Day and Ascension


@dataclass(frozen=True)
class GroupPlan:
    """A group as the bench sees it: members, its intervisor's year, its habits."""

    group_id: int
    member_ids: tuple[int, ...]
    intervisor_busy: tuple[tuple[datetime, datetime], ...]
    windows: tuple[Window, ...]
    duration: timedelta
    cadence_weeks: int
    usual_weekday: int
    usual_start: clock


@dataclass(frozen=True)
class World:
    roster: tuple[Busy, ...]
    groups: tuple[GroupPlan, ...]
    residents: int


# --------------------------------------------------------------------------- generator


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """Local Amsterdam wall time → UTC, so generated shifts follow DST like real rosters."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMS).astimezone(UTC)


def _shift(person: int, day: date, start: tuple[int, int], hours: float, kind: str) -> Busy:
    begin = _at(day, *start)
    # Length in real hours: a night across the DST change is an hour shorter or longer on
    # the wall clock, as it is on the ward.
    return Busy(person, begin, begin + timedelta(hours=hours), kind)


def _day_week(rng: random.Random, person: int, monday: date) -> list[Busy]:
    """Mon–Fri day work, some afternoons in the outpatient clinic, the odd course day,
    sometimes one on-call evening and night, sometimes weekend duty."""
    entries: list[Busy] = []
    clinic_days = set(rng.sample(range(5), rng.randint(0, 2)))
    for offset in range(5):
        day = monday + timedelta(days=offset)
        if rng.random() < 0.04:
            entries.append(_shift(person, day, (9, 0), 8, "course"))
        elif offset in clinic_days:
            entries.append(_shift(person, day, (8, 0), 4.5, "day"))
            entries.append(_shift(person, day, (13, 0), 4, "outpatient"))
        else:
            start = rng.choice([(7, 30), (8, 0), (8, 0), (8, 30)])
            entries.append(_shift(person, day, start, rng.choice([8.5, 9, 9.5]), "day"))
    if rng.random() < 0.25:
        day = monday + timedelta(days=rng.randrange(4))
        entries.append(_shift(person, day, (17, 0), 15, "on_call"))
    if rng.random() < 0.25:
        for offset in (5, 6):
            entries.append(_shift(person, monday + timedelta(days=offset), (8, 0), 12, "weekend"))
    return entries


def _evening_week(person: int, monday: date) -> list[Busy]:
    return [_shift(person, monday + timedelta(days=d), (15, 0), 8.5, "evening") for d in range(5)]


def _night_week(rng: random.Random, person: int, monday: date) -> list[Busy]:
    """A series of 3–7 nights; the rest of the week is free (the rest rule does the rest)."""
    length = rng.randint(3, 7)
    first = monday + timedelta(days=0 if length > 4 else rng.choice([0, 3]))
    return [_shift(person, first + timedelta(days=d), (22, 0), 10.5, "night") for d in range(length)]


def _leave(person: int, monday: date, weeks: int) -> list[Busy]:
    start = _at(monday, 0)
    return [Busy(person, start, _at(monday + timedelta(weeks=weeks), 0), "leave")]


def _resident_year(rng: random.Random, person: int, start: date, weeks: int) -> list[Busy]:
    entries: list[Busy] = []
    week = 0
    while week < weeks:
        monday = start + timedelta(weeks=week)
        roll = rng.random()
        if roll < 0.09:
            span = min(rng.choice([1, 1, 2, 3]), weeks - week)
            entries += _leave(person, monday, span)
            week += span
            continue
        if roll < 0.21:
            entries += _night_week(rng, person, monday)
        elif roll < 0.31:
            entries += _evening_week(person, monday)
        else:
            entries += _day_week(rng, person, monday)
        week += 1
    return entries


def _intervisor_year(rng: random.Random, start: date, weeks: int) -> list[tuple[datetime, datetime]]:
    """An intervisor's own work: one fixed busy afternoon, a few appointments a week, and
    three weeks of holiday."""
    busy: list[tuple[datetime, datetime]] = []
    fixed_day = rng.randrange(5)
    holidays = set(rng.sample(range(weeks), 3))
    for week in range(weeks):
        monday = start + timedelta(weeks=week)
        if week in holidays:
            busy.append((_at(monday, 0), _at(monday + timedelta(days=7), 0)))
            continue
        fixed = monday + timedelta(days=fixed_day)
        busy.append((_at(fixed, 12), _at(fixed, 18)))
        for _ in range(rng.randint(1, 4)):
            day = monday + timedelta(days=rng.randrange(5))
            begin = _at(day, rng.randint(9, 18), rng.choice([0, 15, 30, 45]))
            busy.append((begin, begin + timedelta(minutes=rng.choice([60, 90, 120, 180]))))
    return busy


def _group_habits(rng: random.Random) -> tuple[tuple[Window, ...], timedelta, int, clock]:
    """(windows, duration, usual weekday, usual start) in the mix programmes use."""
    roll = rng.random()
    if roll < 0.6:
        windows = (Window(frozenset(range(5)), clock(16), clock(18)),)
        return windows, timedelta(minutes=rng.choice([90, 120])), rng.randrange(5), clock(16)
    if roll < 0.8:  # the protected education afternoon
        return (Window(frozenset({1}), clock(13), clock(17)),), timedelta(minutes=120), 1, clock(13)
    windows = (Window(frozenset({0, 3}), clock(12, 30), clock(17, 30)),)
    return windows, timedelta(minutes=90), rng.choice([0, 3]), clock(14)


def generate_rosters(
    seed: int, residents: int = 500, groups: int = 60, start: date = YEAR_START, weeks: int = 52
) -> World:
    """A seeded year of rosters for ``residents`` split into ``groups`` groups."""
    rng = random.Random(seed)
    roster: list[Busy] = []
    for person in range(1, residents + 1):
        roster += _resident_year(rng, person, start, weeks)
    people = list(range(1, residents + 1))
    rng.shuffle(people)
    plans = []
    for group_id in range(groups):
        windows, duration, weekday, usual_start = _group_habits(rng)
        plans.append(
            GroupPlan(
                group_id=group_id,
                member_ids=tuple(sorted(people[group_id::groups])),
                intervisor_busy=tuple(_intervisor_year(rng, start, weeks)),
                windows=windows,
                duration=duration,
                cadence_weeks=rng.randint(4, 8),
                usual_weekday=weekday,
                usual_start=usual_start,
            )
        )
    return World(roster=tuple(roster), groups=tuple(plans), residents=residents)


def group_requests(
    world: World, horizon_start: date = HORIZON_START, weeks: int = 12, seed: int = 0
) -> list[tuple[GroupRequest, list[Busy]]]:
    """Per group: the request and the roster rows a database query would return for it
    (members' entries from ``LOOKBACK`` before the horizon to its end)."""
    rng = random.Random(seed)
    start = _at(horizon_start, 0)
    end = start + timedelta(weeks=weeks)
    since = start - LOOKBACK - timedelta(days=1)
    by_person: dict[int, list[Busy]] = defaultdict(list)
    for entry in world.roster:
        if entry.end > since and entry.start < end:
            by_person[entry.person_id].append(entry)
    requests = []
    for plan in world.groups:
        usual = datetime.combine(
            horizon_start - timedelta(days=horizon_start.weekday() - plan.usual_weekday),
            plan.usual_start,
            AMS,
        )
        request = GroupRequest(
            member_ids=plan.member_ids,
            intervisor_busy=tuple((s, e) for s, e in plan.intervisor_busy if e > since and s < end),
            windows=plan.windows,
            duration=plan.duration,
            horizon_start=start,
            horizon_end=end,
            last_session_start=usual - timedelta(weeks=rng.randint(1, 6)),
            cadence_weeks=plan.cadence_weeks,
            usual_weekday=plan.usual_weekday,
            usual_start=plan.usual_start,
        )
        roster = [entry for pid in plan.member_ids for entry in by_person[pid]]
        requests.append((request, roster))
    return requests


# --------------------------------------------------------------------------- bench


def _timed(function, *args) -> tuple[float, object]:
    begin = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - begin, result


def _run_engine(requests):
    clear_caches()  # every run starts cold: no window expansion carried over between runs
    return [feasible_slots(request, roster) for request, roster in requests]


def _run_suggestions(requests):
    clear_caches()
    return [suggest_slots(request, roster) for request, roster in requests]


def _run_reference(requests):
    clear_caches()
    return [reference_feasible_slots(request, roster) for request, roster in requests]


def _covered(requests):
    """The same requests with every member's roster known for the whole horizon, as the
    database side passes them (``GroupRequest.member_known``): the unknown state costs this."""
    from dataclasses import replace

    return [
        (replace(request, member_known=tuple(
            ((request.horizon_start, request.horizon_end),) for _ in request.member_ids)), roster)
        for request, roster in requests
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--residents", type=int, default=500)
    parser.add_argument("--groups", type=int, default=60)
    parser.add_argument("--weeks", type=int, default=12, help="horizon length")
    args = parser.parse_args()

    generation, world = _timed(generate_rosters, args.seed, args.residents, args.groups)
    requests = group_requests(world, weeks=args.weeks, seed=args.seed)
    horizon_end = HORIZON_START + timedelta(weeks=args.weeks)
    print(
        f"data: {world.residents} residents, {len(world.groups)} groups, "
        f"{len(world.roster):,} roster entries for a year (generated in {generation:.1f} s)"
    )
    print(f"horizon: {HORIZON_START} .. {horizon_end} ({args.weeks} weeks, Europe/Amsterdam)")

    # The engine is fast enough for timer noise to matter: best of three runs.
    engine_runs = [_timed(_run_engine, requests) for _ in range(3)]
    engine_time, engine = min(engine_runs, key=lambda run: run[0])
    suggest_time = min(_timed(_run_suggestions, requests)[0] for _ in range(3))
    reference_time, reference = _timed(_run_reference, requests)
    covered = _covered(requests)
    covered_runs = [_timed(_run_engine, covered) for _ in range(3)]
    covered_time, with_coverage = min(covered_runs, key=lambda run: run[0])
    same = all(
        {(s.start, s.available) for s in a} == {(s.start, s.available) for s in b}
        for a, b in zip(engine, with_coverage, strict=True)
    )

    agreeing, slots = 0, 0
    for (request, _roster), mine, theirs in zip(requests, engine, reference, strict=True):
        ours = {(s.start, s.available, s.released) for s in mine}
        if ours == {(s.start, s.available, s.released) for s in theirs}:
            agreeing += 1
        else:
            print(f"DISAGREE: group with members {request.member_ids}")
        slots += len(ours)

    groups = len(requests)
    ratio = reference_time / engine_time
    print(f"engine: {engine_time:.3f} s for {groups} groups (feasible slots, best of 3)")
    print(f"engine suggest_slots: {suggest_time:.3f} s for {groups} groups (+ ranking, reasons)")
    print(f"engine with roster coverage: {covered_time:.3f} s for {groups} groups "
          f"(unknown state checked; same slots: {'yes' if same else 'NO'})")
    print(f"reference: {reference_time:.2f} s for {groups} groups")
    print(f"agree: {agreeing}/{groups} groups, {slots:,} feasible slots")
    verdict = "ok" if ratio >= 20 else "BELOW TARGET"
    print(f"ratio: {ratio:.1f}x (target >= 20x) {verdict}")
    return 0 if agreeing == groups and same else 1


if __name__ == "__main__":
    sys.exit(main())
