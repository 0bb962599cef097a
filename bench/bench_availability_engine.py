"""Benchmark: the bitset availability engine against the interval-based reference.

Draws a seeded year of rosters for 500 residents in 60 groups of about 8 from the demo
programme's patterns (``demo.patterns``: the weeks of shifts, holidays and group rhythms
``manage.py demo_data`` writes to the database), then finds the slots for every group over a
12-week horizon (spanning the March DST change, Easter and King's Day) with the engine and
with the reference, checks they agree slot for slot, and prints the times and the ratio.

    .venv/bin/python bench/bench_availability_engine.py [--seed 7] [--weeks 12]

Exit status 1 when engine and reference disagree. No Django: this times the engine alone.
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

from demo.patterns import (  # noqa: E402
    WEEKS,
    group_rhythm,
    intervisor_holidays,
    resident_year,
    roster_start,
    usual_time,
)
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
# The day the year is drawn for: the horizon starts the next day, as the app's does, on a
# Monday whose 12 weeks reach past the DST change, Easter, King's Day and Ascension.
TODAY = date(2026, 3, 1)
HORIZON_START = TODAY + timedelta(days=1)


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


def _utc(moment: datetime) -> datetime:
    # Rows come out of the database in UTC; the bench hands both sides the same.
    return moment.astimezone(UTC)


def _windows(stored: list[dict]) -> tuple[Window, ...]:
    """A group's candidate windows as stored (``IntervisionGroup.candidate_windows``)."""
    return tuple(Window(frozenset(w["weekdays"]), clock.fromisoformat(w["start"]),
                        clock.fromisoformat(w["end"])) for w in stored)


def generate_rosters(
    seed: int, residents: int = 500, groups: int = 60, today: date = TODAY, weeks: int = WEEKS
) -> World:
    """A seeded year of demo rosters for ``residents`` split into ``groups`` groups, two to
    an intervisor as in the demo, drawn as of ``today``."""
    rng = random.Random(seed)
    first_monday = roster_start(today)
    roster: list[Busy] = [
        Busy(person, _utc(shift.start), _utc(shift.end), shift.kind)
        for person in range(1, residents + 1)
        for shift in resident_year(rng, first_monday, AMS, weeks)
    ]
    people = list(range(1, residents + 1))
    rng.shuffle(people)
    holidays = [
        tuple((_utc(s), _utc(e)) for s, e in intervisor_holidays(rng, first_monday, AMS, weeks))
        for _ in range((groups + 1) // 2)
    ]
    plans = []
    for group_id in range(groups):
        rhythm = group_rhythm(rng)
        weekday, start = usual_time(rng, rhythm.windows)
        plans.append(
            GroupPlan(
                group_id=group_id,
                member_ids=tuple(sorted(people[group_id::groups])),
                intervisor_busy=holidays[group_id // 2],
                windows=_windows(rhythm.windows),
                duration=timedelta(minutes=rhythm.duration_minutes),
                cadence_weeks=rhythm.cadence_weeks,
                usual_weekday=weekday,
                usual_start=start,
            )
        )
    return World(roster=tuple(roster), groups=tuple(plans), residents=residents)


def group_requests(
    world: World, horizon_start: date = HORIZON_START, weeks: int = 12, seed: int = 0
) -> list[tuple[GroupRequest, list[Busy]]]:
    """Per group: the request and the roster rows a database query would return for it
    (members' entries from ``LOOKBACK`` before the horizon to its end)."""
    rng = random.Random(seed)
    start = _utc(datetime.combine(horizon_start, clock(0), AMS))
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
    print(f"reference: {reference_time:.2f} s for {groups} groups")
    print(f"agree: {agreeing}/{groups} groups, {slots:,} feasible slots")
    verdict = "ok" if ratio >= 20 else "BELOW TARGET"
    print(f"ratio: {ratio:.1f}x (target >= 20x) {verdict}")
    return 0 if agreeing == groups else 1


if __name__ == "__main__":
    sys.exit(main())
