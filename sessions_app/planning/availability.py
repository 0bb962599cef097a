"""Availability and slot suggestion: rosters in, ranked candidate slots out.

Pure Python, no Django: the caller turns model rows into the plain dataclasses below.

How it works
------------
1. **Grid.** Time is cut into 15-minute cells counted in real (UTC) quarter hours from an
   origin just before the horizon (the origin lies ``LOOKBACK`` earlier, so fatigue can look
   at the week before a slot). Counting real quarter hours keeps the arithmetic right across
   DST changes: a night in the short March night simply has fewer cells. The 15-minute UTC
   grid is also the local 15-minute grid in every zone in current use.
2. **Bitsets.** Every person's roster becomes Python ints used as bitsets, one per kind of
   duty plus one for the rest after nights. An entry marks every cell it touches, so an entry
   ending at 16:05 blocks the 16:00 cell. Because slots start and end on cell edges, "the slot
   touches a busy cell" is *exactly* "the slot overlaps the busy interval" — the engine and the
   interval-based reference in ``reference.py`` agree slot for slot.
3. **Windows.** Candidate windows (weekdays, local start, local end) are expanded day by day
   in the programme's local time (``Rules.tz``), so a 16:00 window stays 16:00 local across
   DST. Public holidays of ``Rules.country`` and the request's closed dates are skipped.
   Slots start on the grid, inside the window and the horizon, and must end inside both.
4. **Feasibility.** For a slot of ``n`` cells, ``spread(busy, n)`` marks every start whose
   slot would touch a busy cell; a handful of shifts and ORs per person replaces a loop over
   slots. A slot is feasible when the intervisor is free and at least
   ``ceil(min_share * members)`` members are free of every duty that does not give way;
   members are counted for all starts at once with bit-sliced counters (``_count``), so
   only feasible starts are visited one by one.

Rules of the domain
-------------------
* Kinds in ``Rules.give_way_kinds`` (default: day work and outpatient clinics) give way to
  protected intervision time: such a member counts as available but is listed as "must be
  released". Every other kind, and the rest after nights, makes a member unavailable.
* Rest after nights (Dutch working-hours rules): ``rest_after_night`` (14 h) after every night
  shift; ``rest_after_series`` (46 h) after the last night of a series of ``series_length``
  (3) or more. Two nights belong to the same series when the next one starts at most
  ``series_gap`` (24 h) after the previous one ends: a normal 22:00–08:00 night followed by
  another the same evening (a 14 h gap) continues the series, a night off (a 38 h gap) ends
  it. Only the kind ``night`` counts; on-call duty does not start a rest period.

Ranking
-------
Feasible slots are sorted by, in order:

1. attendance — members who can come (including those who must be released), more first;
2. fatigue — fewer of those attending who are *just off nights* (a night-shift cell in the
   ``fatigue_after_night`` (48 h) before the slot) or *in a heavy week* (more than
   ``heavy_week_hours`` (48) rostered non-leave hours in the 7 days before the slot);
3. cadence fit — days between the slot's local date and ``last_session_start + cadence_weeks
   weeks``, fewer first (all zero when there is no last session or cadence);
4. habit — 0, 1 or 2 for keeping or breaking the usual weekday and the usual local start
   time (only those that are given);
5. start time, earlier first, so the order is deterministic.

Then suggestions are taken from the top, at most ``max_per_day`` (default 2) per local
calendar day, and never two that overlap on the same day: with a 16:00–18:00 window and a 90
minute session, that means one suggestion per afternoon instead of 16:00, 16:15 and 16:30 of
the same afternoon. ``max_per_day=None`` switches the spreading off.

Caller's duty: pass the roster from at least ``horizon_start - LOOKBACK`` (rest after a series
of nights and fatigue look back that far) to ``horizon_end``; older entries are harmless.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

CELL = timedelta(minutes=15)
SECONDS_PER_CELL = 900
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# How far before the horizon the grid starts: the heavy-week rule looks back 7 days.
LOOKBACK = timedelta(days=8)

KINDS = frozenset(
    {"day", "evening", "night", "on_call", "weekend", "leave", "course", "outpatient", "other"}
)
REST = "rest"  # pseudo-kind for the rest period after nights; it never gives way

# Plain words for each reason, in the order reasons are listed (the weightiest first).
REASONS: dict[str, str] = {
    "night": "night shift",
    REST: "rest after nights",
    "on_call": "on call",
    "evening": "evening shift",
    "weekend": "weekend duty",
    "leave": "leave",
    "course": "course",
    "other": "other duty",
    "day": "day duty",
    "outpatient": "outpatient clinic",
}

AVAILABLE = "available"
RELEASED = "released"  # available, but must be released from give-way duty
UNAVAILABLE = "unavailable"


# --------------------------------------------------------------------------- inputs


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


@dataclass(frozen=True, slots=True)
class Busy:
    """One roster entry: ``person_id`` has duty ``kind`` from ``start`` to ``end``."""

    person_id: int
    start: datetime
    end: datetime
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown roster kind {self.kind!r}; expected one of {sorted(KINDS)}")
        _require_aware(self.start, "Busy.start")
        _require_aware(self.end, "Busy.end")


@dataclass(frozen=True)
class Window:
    """A weekly candidate window in local time, e.g. Mon–Fri 16:00–18:00 (0 = Monday)."""

    weekdays: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.weekdays <= frozenset(range(7)):
            raise ValueError(f"weekdays must be within 0..6, got {sorted(self.weekdays)}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("window times are local wall-clock times without tzinfo")
        if not self.start < self.end:
            raise ValueError("a window must end after it starts on the same day")


@dataclass(frozen=True)
class Rules:
    """Programme-wide settings; the defaults follow the Dutch working-hours rules."""

    give_way_kinds: frozenset[str] = frozenset({"day", "outpatient"})
    rest_after_night: timedelta = timedelta(hours=14)
    rest_after_series: timedelta = timedelta(hours=46)
    series_length: int = 3
    series_gap: timedelta = timedelta(hours=24)
    min_share: float = 0.75
    country: str | None = "NL"
    tz: str = "Europe/Amsterdam"
    fatigue_after_night: timedelta = timedelta(hours=48)
    heavy_week_hours: float = 48

    def __post_init__(self) -> None:
        if not self.give_way_kinds <= KINDS:
            raise ValueError(f"unknown give-way kinds {sorted(self.give_way_kinds - KINDS)}")
        if not 0 <= self.min_share <= 1:
            raise ValueError("min_share must be between 0 and 1")
        if self.series_length < 1:
            raise ValueError("series_length must be at least 1")
        if self.fatigue_after_night > LOOKBACK:
            raise ValueError(f"fatigue_after_night cannot look back more than {LOOKBACK}")

    def required_members(self, member_count: int) -> int:
        """How many members must be able to come: ``ceil(min_share * members)``."""
        # Fraction avoids 0.7 * 10 == 7.000000000000001 rounding up to 8.
        share = Fraction(self.min_share).limit_denominator(10_000)
        return math.ceil(share * member_count)


DEFAULT_RULES = Rules()


@dataclass(frozen=True)
class GroupRequest:
    """What to plan: one group's members, intervisor, windows and habits over a horizon."""

    member_ids: tuple[int, ...]
    intervisor_busy: tuple[tuple[datetime, datetime], ...]
    windows: tuple[Window, ...]
    duration: timedelta
    horizon_start: datetime
    horizon_end: datetime
    last_session_start: datetime | None = None
    cadence_weeks: int | None = None
    usual_weekday: int | None = None
    usual_start: time | None = None
    closed_dates: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        _require_aware(self.horizon_start, "horizon_start")
        _require_aware(self.horizon_end, "horizon_end")
        if self.last_session_start is not None:
            _require_aware(self.last_session_start, "last_session_start")
        for start, end in self.intervisor_busy:
            _require_aware(start, "intervisor_busy start")
            _require_aware(end, "intervisor_busy end")
        if self.horizon_end <= self.horizon_start:
            raise ValueError("the horizon must end after it starts")
        if self.duration <= timedelta(0) or self.duration % CELL:
            raise ValueError("duration must be a positive multiple of 15 minutes")
        if len(set(self.member_ids)) != len(self.member_ids):
            raise ValueError("member_ids contains duplicates")


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True, order=True)
class Slot:
    """A time slot in UTC."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class FeasibleSlot:
    """A slot the intervisor can lead and enough members can attend (before ranking)."""

    start: datetime
    end: datetime
    available: frozenset[int]  # who can come, including those who must be released
    released: frozenset[int]  # available, but only after release from give-way duty


@dataclass(frozen=True)
class MemberStatus:
    """One member in one slot: available, released (from the duty in reasons) or not."""

    person_id: int
    state: str  # AVAILABLE, RELEASED or UNAVAILABLE
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """A ranked slot that explains itself."""

    start: datetime
    end: datetime
    member_count: int
    available: tuple[int, ...]  # who can come, including those listed in released
    released: tuple[MemberStatus, ...]  # must be released from day duty / outpatient clinic
    unavailable: tuple[MemberStatus, ...]  # with the reasons in plain words
    fatigued: tuple[int, ...]  # attending, but just off nights or in a heavy week
    cadence_distance_days: int | None  # None when the group has no last session or cadence
    habit_breaks: int  # 0..2: usual weekday and/or usual start time not kept

    @property
    def slot(self) -> Slot:
        return Slot(self.start, self.end)

    @property
    def attending(self) -> int:
        return len(self.available)


@dataclass(frozen=True)
class AvailabilityMatrix:
    """Members × slots, for the grid view: ``rows[m][s]`` is member ``m`` in slot ``s``."""

    slots: tuple[Slot, ...]
    member_ids: tuple[int, ...]
    rows: tuple[tuple[MemberStatus, ...], ...]
    intervisor_free: tuple[bool, ...]

    def cell(self, person_id: int, slot_index: int) -> MemberStatus:
        return self.rows[self.member_ids.index(person_id)][slot_index]


# --------------------------------------------------------------------------- public API


def feasible_slots(
    request: GroupRequest, roster: Iterable[Busy], rules: Rules = DEFAULT_RULES
) -> list[FeasibleSlot]:
    """Every feasible slot in the horizon, by start time, with who can come."""
    plan = _Plan(request, roster, rules)
    return [
        FeasibleSlot(
            start=plan.grid.when(i),
            end=plan.grid.when(i + plan.cells),
            available=frozenset(available),
            released=frozenset(released),
        )
        for i, available, released in plan.feasible()
    ]


def suggest_slots(
    request: GroupRequest,
    roster: Iterable[Busy],
    rules: Rules = DEFAULT_RULES,
    limit: int = 10,
    max_per_day: int | None = 2,
) -> list[Suggestion]:
    """The ``limit`` best slots, ranked as the module docstring describes."""
    plan = _Plan(request, roster, rules)
    ranked = sorted(plan.ranking_entries(), key=lambda entry: entry.key)
    chosen = _spread_over_days(ranked, plan, limit, max_per_day)
    return [plan.explain(entry) for entry in chosen]


def availability_matrix(
    request: GroupRequest,
    roster: Iterable[Busy],
    slots: Sequence[Slot],
    rules: Rules = DEFAULT_RULES,
) -> AvailabilityMatrix:
    """Each member's state in each of ``slots`` (any slots, e.g. from ``suggest_slots``).

    Slots off the 15-minute grid are widened to it, so a busy edge inside a partly used cell
    counts as overlapping — the safe side for a grid view.
    """
    slots = tuple(slots)
    grid = _Grid.covering(slots) if slots else _Grid.for_horizon(request)
    profiles = _build_profiles(request.member_ids, roster, grid, rules)
    intervisor = _intervisor_bits(request, grid)
    masks = [grid.mask(slot.start, slot.end) for slot in slots]
    rows = tuple(
        tuple(_status(pid, profiles[pid], mask, rules) for mask in masks)
        for pid in request.member_ids
    )
    return AvailabilityMatrix(
        slots=slots,
        member_ids=tuple(request.member_ids),
        rows=rows,
        intervisor_free=tuple(not intervisor & mask for mask in masks),
    )


def clear_caches() -> None:
    """Forget cached window expansions and holidays (benchmarks time cold runs with it)."""
    _window_starts.cache_clear()
    _public_holidays.cache_clear()


def rest_after_nights(
    nights: Iterable[tuple[datetime, datetime]], rules: Rules = DEFAULT_RULES
) -> list[tuple[datetime, datetime]]:
    """Rest periods owed after one person's night shifts, as (start, end) pairs.

    14 h after each night, 46 h after the last night of a series of 3 or more (see the
    module docstring for what makes a series); both configurable in ``rules``.
    """
    ordered = sorted((_utc(start), _utc(end)) for start, end in nights if end > start)
    periods: list[tuple[datetime, datetime]] = []
    run = 0
    for index, (start, end) in enumerate(ordered):
        previous_end = ordered[index - 1][1] if index else None
        run = run + 1 if previous_end is not None and start - previous_end <= rules.series_gap else 1
        following = ordered[index + 1][0] if index + 1 < len(ordered) else None
        ends_series = following is None or following - end > rules.series_gap
        rest = (
            rules.rest_after_series
            if ends_series and run >= rules.series_length
            else rules.rest_after_night
        )
        periods.append((end, end + rest))
    return periods


# --------------------------------------------------------------------------- the grid


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _floor_to_cell(value: datetime) -> datetime:
    return EPOCH + ((value - EPOCH) // CELL) * CELL


class _Grid:
    """``cells`` quarter hours from ``origin`` (UTC, on a quarter hour).

    Indices come from POSIX timestamps, which count real seconds whatever the zone: the
    arithmetic stays right across DST without thinking about it, and it is several times
    faster than timedelta arithmetic in the hot loop.
    """

    __slots__ = ("origin", "cells", "origin_ts")

    def __init__(self, origin: datetime, cells: int) -> None:
        self.origin = origin
        self.cells = cells
        self.origin_ts = origin.timestamp()

    @classmethod
    def spanning(cls, start: datetime, end: datetime) -> _Grid:
        origin = _floor_to_cell(_utc(start) - LOOKBACK)
        return cls(origin, -((origin - end) // CELL))

    @classmethod
    def for_horizon(cls, request: GroupRequest) -> _Grid:
        return cls.spanning(request.horizon_start, request.horizon_end)

    @classmethod
    def covering(cls, slots: Sequence[Slot]) -> _Grid:
        return cls.spanning(min(slot.start for slot in slots), max(slot.end for slot in slots))

    def floor(self, value: datetime) -> int:
        return int((value.timestamp() - self.origin_ts) // SECONDS_PER_CELL)

    def ceil(self, value: datetime) -> int:
        return -int((self.origin_ts - value.timestamp()) // SECONDS_PER_CELL)

    def when(self, index: int) -> datetime:
        return self.origin + index * CELL

    def mask(self, start: datetime, end: datetime) -> int:
        """Bits of every cell that [start, end) touches, clipped to the grid."""
        low = max(0, self.floor(start))
        high = min(self.cells, self.ceil(end))
        return ((1 << (high - low)) - 1) << low if high > low else 0


def _spread(bits: int, width: int) -> int:
    """Bit i set iff any of bits i .. i+width-1 is set: the starts a busy cell blocks.

    Doubling the covered width each step needs log2(width) shifts instead of width.
    """
    covered = 1
    while covered < width:
        step = min(covered, width - covered)
        bits |= bits >> step
        covered += step
    return bits


def _set_bits(bits: int) -> list[int]:
    """Indices of the set bits, lowest first.

    str.find over the binary digits runs in C; peeling off the lowest bit would cost a
    big-int operation per bit.
    """
    digits = bin(bits)  # "0b1…": the most significant digit first
    top = len(digits) - 1  # the position of bit 0
    found = []
    index = digits.find("1", 2)
    while index >= 0:
        found.append(top - index)
        index = digits.find("1", index + 1)
    found.reverse()
    return found


def _count(bitsets: Iterable[int]) -> list[int]:
    """Per bit position, how many of ``bitsets`` have it set, as binary digit planes.

    ``planes[j]`` holds digit j of every position's count: adding a bitset is a ripple-carry
    addition done for all positions at once, a few big-int operations per member.
    """
    planes: list[int] = []
    for carry in bitsets:
        for j, plane in enumerate(planes):
            planes[j], carry = plane ^ carry, plane & carry
            if not carry:
                break
        if carry:
            planes.append(carry)
    return planes


def _at_least(threshold: int, planes: list[int], universe: int) -> int:
    """Positions in ``universe`` whose count (see ``_count``) is at least ``threshold``.

    Compares every position's count with the threshold digit by digit from the top:
    ``equal`` holds the positions whose leading digits match it so far.
    """
    if threshold.bit_length() > len(planes):
        return 0 if threshold else universe
    greater, equal = 0, universe
    for j in range(len(planes) - 1, -1, -1):
        if threshold >> j & 1:
            equal &= planes[j]
        else:
            greater |= equal & planes[j]
            equal &= ~planes[j]
    return greater | equal


# --------------------------------------------------------------------------- per person


@dataclass
class _Profile:
    """One person's roster as bitsets on the grid."""

    layers: dict[str, int]  # kind (or REST) -> bitset, for the reasons
    blocking: int = 0  # every kind that does not give way, plus rest
    giving_way: int = 0
    worked: int = 0  # every rostered kind except leave, for the heavy-week rule


def _build_profiles(
    member_ids: Sequence[int], roster: Iterable[Busy], grid: _Grid, rules: Rules
) -> dict[int, _Profile]:
    layers_of: dict[int, dict[str, int]] = {pid: {} for pid in member_ids}
    nights: dict[int, list[tuple[datetime, datetime]]] = {pid: [] for pid in member_ids}
    mine = [entry for entry in roster if entry.person_id in layers_of]
    # The engine's hot loop (hundreds of entries per group). Timestamps are taken with map()
    # and grid.mask() is inlined because here the interpreter's overhead per entry costs
    # more than the big-int operations themselves.
    origin_ts, cells = grid.origin_ts, grid.cells
    lows = map(datetime.timestamp, [entry.start for entry in mine])
    highs = map(datetime.timestamp, [entry.end for entry in mine])
    for entry, start_ts, end_ts in zip(mine, lows, highs, strict=True):
        kind = entry.kind
        if kind == "night":
            # Nights before the grid still matter: they can start a rest period inside it.
            nights[entry.person_id].append((entry.start, entry.end))
        low = int((start_ts - origin_ts) // SECONDS_PER_CELL)
        high = -int((origin_ts - end_ts) // SECONDS_PER_CELL)
        if low < 0:
            low = 0
        if high > cells:
            high = cells
        if high > low:
            layers = layers_of[entry.person_id]
            layers[kind] = layers.get(kind, 0) | (((1 << (high - low)) - 1) << low)
    profiles = {}
    for pid, layers in layers_of.items():
        rest = 0
        for start, end in rest_after_nights(nights[pid], rules):
            rest |= grid.mask(start, end)
        if rest:
            layers[REST] = rest
        profile = profiles[pid] = _Profile(layers)
        for kind, bits in layers.items():
            if kind in rules.give_way_kinds:
                profile.giving_way |= bits
            else:
                profile.blocking |= bits
            if kind != "leave" and kind != REST:
                profile.worked |= bits
    return profiles


def _intervisor_bits(request: GroupRequest, grid: _Grid) -> int:
    bits = 0
    for start, end in request.intervisor_busy:
        bits |= grid.mask(start, end)
    return bits


def _status(pid: int, profile: _Profile, mask: int, rules: Rules) -> MemberStatus:
    touching = [kind for kind in REASONS if profile.layers.get(kind, 0) & mask]
    blocking = [REASONS[k] for k in touching if k not in rules.give_way_kinds]
    if blocking:
        return MemberStatus(pid, UNAVAILABLE, tuple(blocking))
    if touching:
        return MemberStatus(pid, RELEASED, tuple(REASONS[k] for k in touching))
    return MemberStatus(pid, AVAILABLE)


# --------------------------------------------------------------------------- windows


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))


def _closed_dates(
    extra: frozenset[date], country: str | None, first: date, last: date
) -> set[date]:
    closed = set(extra)
    if country:
        for year in range(first.year, last.year + 1):
            closed |= _public_holidays(country, year)
    return closed


def _candidate_starts(request: GroupRequest, rules: Rules, cells: int) -> int:
    """Bits of every cell of the horizon's grid where a slot may start: inside a window
    and the horizon, on a day that is not closed."""
    return _window_starts(
        request.windows,
        request.horizon_start,
        request.horizon_end,
        request.closed_dates,
        cells,
        rules.tz,
        rules.country,
    )


# A programme plans all its groups over one horizon, and groups share a handful of windows:
# the expansion (a zoneinfo lookup per window and day) is done once per distinct set.
@lru_cache(maxsize=256)
def _window_starts(
    windows: tuple[Window, ...],
    horizon_start: datetime,
    horizon_end: datetime,
    closed_dates: frozenset[date],
    cells: int,
    tz: str,
    country: str | None,
) -> int:
    grid = _Grid.spanning(horizon_start, horizon_end)
    zone = ZoneInfo(tz)
    first = horizon_start.astimezone(zone).date()
    last = horizon_end.astimezone(zone).date()
    closed = _closed_dates(closed_dates, country, first, last)
    horizon_low = grid.ceil(horizon_start)
    horizon_high = grid.floor(horizon_end) - cells  # last start that still fits
    starts = 0
    day = first
    while day <= last:
        if day not in closed:
            for window in windows:
                if day.weekday() in window.weekdays:
                    # Local wall time → UTC here is what keeps 16:00 at 16:00 across DST.
                    low = max(horizon_low, grid.ceil(datetime.combine(day, window.start, zone)))
                    end = datetime.combine(day, window.end, zone)
                    high = min(horizon_high, grid.floor(end) - cells)
                    if high >= low:
                        starts |= ((1 << (high - low + 1)) - 1) << low
        day += timedelta(days=1)
    return starts


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class _Ranked:
    index: int  # start cell
    key: tuple[int, int, int, int, int]
    available: tuple[int, ...]
    fatigued: tuple[int, ...]
    cadence_distance: int | None
    habit_breaks: int


class _Plan:
    """One request's grid and bitsets, shared by feasibility, ranking and explanations."""

    def __init__(self, request: GroupRequest, roster: Iterable[Busy], rules: Rules) -> None:
        self.request = request
        self.rules = rules
        self.zone = ZoneInfo(rules.tz)
        self.grid = _Grid.for_horizon(request)
        self.cells = request.duration // CELL
        self.profiles = _build_profiles(request.member_ids, roster, self.grid, rules)
        self.intervisor = _intervisor_bits(request, self.grid)

    def slot_mask(self, index: int) -> int:
        return ((1 << self.cells) - 1) << index

    def feasible(self, with_released: bool = True) -> list[tuple[int, list[int], list[int]]]:
        """(start cell, available member ids, released member ids) per feasible slot.

        Members are counted for all candidate starts at once with bit-sliced counters, so
        only the (usually few) feasible starts are ever visited one by one.
        """
        starts = _candidate_starts(self.request, self.rules, self.cells)
        starts &= ~_spread(self.intervisor, self.cells)
        free = {
            pid: starts & ~_spread(self.profiles[pid].blocking, self.cells)
            for pid in self.request.member_ids
        }
        required = self.rules.required_members(len(self.request.member_ids))
        feasible = _at_least(required, _count(free.values()), starts)
        available: dict[int, list[int]] = {i: [] for i in _set_bits(feasible)}
        released: dict[int, list[int]] = {i: [] for i in available}
        for pid, bits in free.items():
            bits &= feasible
            for i in _set_bits(bits):
                available[i].append(pid)
            if with_released:
                giving_way = _spread(self.profiles[pid].giving_way, self.cells)
                for i in _set_bits(bits & giving_way):
                    released[i].append(pid)
        return [(i, members, released[i]) for i, members in available.items()]

    def ranking_entries(self) -> Iterator[_Ranked]:
        target = self._cadence_target()
        for index, members, _released in self.feasible(with_released=False):
            fatigued = tuple(pid for pid in members if self._is_fatigued(pid, index))
            local = self.grid.when(index).astimezone(self.zone)
            distance = abs((local.date() - target).days) if target else None
            breaks = self._habit_breaks(local)
            key = (-len(members), len(fatigued), distance or 0, breaks, index)
            yield _Ranked(index, key, tuple(members), fatigued, distance, breaks)

    def _cadence_target(self) -> date | None:
        last, weeks = self.request.last_session_start, self.request.cadence_weeks
        if last is None or weeks is None:
            return None
        return last.astimezone(self.zone).date() + timedelta(weeks=weeks)

    def _habit_breaks(self, local: datetime) -> int:
        usual_day, usual_start = self.request.usual_weekday, self.request.usual_start
        breaks = 0
        if usual_day is not None and local.weekday() != usual_day:
            breaks += 1
        if usual_start is not None and local.time().replace(tzinfo=None) != usual_start:
            breaks += 1
        return breaks

    def _is_fatigued(self, pid: int, index: int) -> bool:
        profile = self.profiles[pid]
        night_cells = -(-self.rules.fatigue_after_night // CELL)
        before = max(0, index - night_cells)
        if (profile.layers.get("night", 0) >> before) & ((1 << (index - before)) - 1):
            return True
        week = 7 * 24 * 4
        start = max(0, index - week)
        worked_cells = ((profile.worked >> start) & ((1 << (index - start)) - 1)).bit_count()
        return worked_cells / 4 > self.rules.heavy_week_hours

    def local_date(self, index: int) -> date:
        return self.grid.when(index).astimezone(self.zone).date()

    def explain(self, entry: _Ranked) -> Suggestion:
        mask = self.slot_mask(entry.index)
        statuses = [
            _status(pid, self.profiles[pid], mask, self.rules) for pid in self.request.member_ids
        ]
        return Suggestion(
            start=self.grid.when(entry.index),
            end=self.grid.when(entry.index + self.cells),
            member_count=len(self.request.member_ids),
            available=entry.available,
            released=tuple(s for s in statuses if s.state == RELEASED),
            unavailable=tuple(s for s in statuses if s.state == UNAVAILABLE),
            fatigued=entry.fatigued,
            cadence_distance_days=entry.cadence_distance,
            habit_breaks=entry.habit_breaks,
        )


def _spread_over_days(
    ranked: Sequence[_Ranked], plan: _Plan, limit: int, max_per_day: int | None
) -> list[_Ranked]:
    """Take from the top, at most ``max_per_day`` non-overlapping slots per local day."""
    chosen: list[_Ranked] = []
    per_day: dict[date, list[int]] = defaultdict(list)
    for entry in ranked:
        if len(chosen) >= limit:
            break
        if max_per_day is not None:
            day = plan.local_date(entry.index)
            taken = per_day[day]
            if len(taken) >= max_per_day or any(
                abs(entry.index - other) < plan.cells for other in taken
            ):
                continue
            taken.append(entry.index)
        chosen.append(entry)
    return chosen
