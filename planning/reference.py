"""A deliberately simple reference for the availability engine: no bitsets, no grid.

It walks every quarter hour of the horizon, asks "is this a slot start inside a window?",
and for each member checks every roster entry with a plain interval-overlap test on UTC
datetimes. It is the obvious code, not tuned for speed, and easy to trust: tests and the
benchmark compare ``availability.feasible_slots`` against it slot for slot.

It shares only the input dataclasses with the engine, never its logic — not even the rest
periods after nights, which are recomputed here from the rule's wording.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

from planning.availability import DEFAULT_RULES, Busy, GroupRequest, Rules

QUARTER = timedelta(minutes=15)


@dataclass(frozen=True)
class ReferenceSlot:
    start: datetime  # UTC
    end: datetime
    available: frozenset[int]
    released: frozenset[int]


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def reference_rest_periods(
    nights: list[tuple[datetime, datetime]], rules: Rules
) -> list[tuple[datetime, datetime]]:
    """14 h after each night; 46 h after the last night of a series of 3 or more.

    A night continues a series when it starts at most ``rules.series_gap`` after the
    previous night ends.
    """
    nights = sorted(nights)
    periods = []
    series_so_far = 0
    for i, (start, end) in enumerate(nights):
        if i > 0 and start - nights[i - 1][1] <= rules.series_gap:
            series_so_far += 1
        else:
            series_so_far = 1
        is_last_of_series = i == len(nights) - 1 or nights[i + 1][0] - end > rules.series_gap
        if is_last_of_series and series_so_far >= rules.series_length:
            periods.append((end, end + rules.rest_after_series))
        else:
            periods.append((end, end + rules.rest_after_night))
    return periods


def _busy_by_member(
    request: GroupRequest, roster: Iterable[Busy], rules: Rules
) -> dict[int, list[tuple[datetime, datetime, bool]]]:
    """Per member: (start, end, gives_way) in UTC, rest periods included (never give way)."""
    busy: dict[int, list[tuple[datetime, datetime, bool]]] = {
        pid: [] for pid in request.member_ids
    }
    nights: dict[int, list[tuple[datetime, datetime]]] = {pid: [] for pid in request.member_ids}
    for entry in roster:
        if entry.person_id not in busy:
            continue
        start, end = entry.start.astimezone(UTC), entry.end.astimezone(UTC)
        if end <= start:
            continue
        busy[entry.person_id].append((start, end, entry.kind in rules.give_way_kinds))
        if entry.kind == "night":
            nights[entry.person_id].append((start, end))
    for pid, member_nights in nights.items():
        for start, end in reference_rest_periods(member_nights, rules):
            busy[pid].append((start, end, False))
    return busy


def _closed_dates(request: GroupRequest, rules: Rules, zone: ZoneInfo) -> set[date]:
    closed = set(request.closed_dates)
    if rules.country:
        first = request.horizon_start.astimezone(zone).year
        last = request.horizon_end.astimezone(zone).year
        closed |= set(holidays.country_holidays(rules.country, years=range(first, last + 1)))
    return closed


def _in_some_window(start: datetime, request: GroupRequest, zone: ZoneInfo) -> bool:
    day = start.astimezone(zone).date()
    for window in request.windows:
        if day.weekday() not in window.weekdays:
            continue
        window_start = datetime.combine(day, window.start, zone)
        window_end = datetime.combine(day, window.end, zone)
        if window_start <= start and start + request.duration <= window_end:
            return True
    return False


def reference_feasible_slots(
    request: GroupRequest, roster: Iterable[Busy], rules: Rules = DEFAULT_RULES
) -> list[ReferenceSlot]:
    """Every feasible slot by start time: the intervisor free, enough members free."""
    zone = ZoneInfo(rules.tz)
    closed = _closed_dates(request, rules, zone)
    busy = _busy_by_member(request, roster, rules)
    intervisor = [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in request.intervisor_busy]
    required = math.ceil(round(rules.min_share * len(request.member_ids), 9))
    horizon_start = request.horizon_start.astimezone(UTC)
    horizon_end = request.horizon_end.astimezone(UTC)

    # First quarter hour (counted from the Unix epoch) at or after the horizon start.
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    start = epoch + -((epoch - horizon_start) // QUARTER) * QUARTER
    slots = []
    while start + request.duration <= horizon_end:
        end = start + request.duration
        if (
            start.astimezone(zone).date() not in closed
            and _in_some_window(start, request, zone)
            and not any(_overlaps(start, end, s, e) for s, e in intervisor)
        ):
            available, released = set(), set()
            for pid, entries in busy.items():
                touching = [gives_way for s, e, gives_way in entries if _overlaps(start, end, s, e)]
                if all(touching):  # nothing touches, or only duty that gives way
                    available.add(pid)
                    if touching:
                        released.add(pid)
            if len(available) >= required:
                slots.append(ReferenceSlot(start, end, frozenset(available), frozenset(released)))
        start += QUARTER
    return slots
