"""Availability and slot suggestion: rosters in, ranked candidate slots out.

Plain Python (the standard library only) and no Django: the caller turns model rows into the
plain dataclasses below. A roster entry may also be a plain ``(person_id, start, end, kind)``
tuple, the order of ``Busy``'s fields, as a database cursor returns it (unchecked: the
database's constraints already hold what ``Busy.__post_init__`` checks), with start and end
as aware datetimes or as POSIX seconds. Planning many groups from one roster, build a
``Roster`` once and pass it to every call: each request then finds its members' rows already
read, sorted, and with the rest after nights added.

How it works
------------
1. **Grid.** Time is cut into 15-minute cells counted in real (UTC) quarter hours from an
   origin just before the horizon (the origin lies ``LOOKBACK`` earlier, so fatigue can look
   at the week before a slot). Counting real quarter hours keeps the arithmetic right across
   DST changes: a night in the short March night simply has fewer cells. The 15-minute UTC
   grid is also the local 15-minute grid in every zone in current use. An entry marks every
   cell it touches, so an entry ending at 16:05 blocks the 16:00 cell. Because slots start and
   end on cell edges, "the slot touches a busy cell" is *exactly* "the slot overlaps the busy
   interval" — the engine and the interval-based reference in ``reference.py`` agree slot for
   slot.
2. **Windows.** Candidate windows (weekdays, local start, local end) are expanded day by day
   in the programme's local time (``Rules.tz``), so a 16:00–18:00 window stays 16:00 local
   across DST. Public holidays of ``Rules.country`` and the request's closed dates are
   skipped. Slots start on the grid, inside the window and the horizon, and must end inside
   both. The expansion is cached per set of windows: groups share a handful.
3. **Only the cells that matter.** Feasibility never looks outside the candidate slots, so
   it works on those cells alone (``_Space``), renumbered without the gaps: about 8 of every
   96 cells for a 16:00–18:00 window. Every bitset is that much shorter, and entries that
   touch none of those cells (most nights, evenings, weekends) drop out after two look-ups.
4. **Bitsets.** Each person's entries are read once (``_Person``) into *epoch cells*, quarter
   hours counted from 1970: [floor(start), ceil(end)) of every entry, with the rest after
   nights as rows of their own, kept as lists of ints (a tuple per row would be tens of
   thousands of small objects for the garbage collector). A grid's origin is itself a
   quarter hour, so a grid cell is an epoch cell minus the origin's: a ``Roster`` reads
   everybody before it knows any grid, and sorts each person's rows so that a binary search
   skips those far from the grid (the year planner asks one roster about many short
   horizons). Per request, each row becomes a run of bits through ``_Space.rank`` (grid cell
   -> cell of the space), OR-ed into Python ints, bit c for cell c of the space: per member
   one bitset per kind (``_layers_on``), whence one bitset of blocking duty (every kind that
   does not give way, and rest) and one of duty that gives way, plus one for the intervisor.
   A slot of ``n`` cells starting at cell s is blocked when a busy cell lies in s .. s+n-1,
   so the blocked starts are a bitset OR-ed with itself shifted right (``_spread``, log2 n
   shifts). Free members are counted at every start at once by adding the members' bitsets
   as binary numbers, one digit per bitset (``_Tally``), so only feasible starts are ever
   visited one by one, and who comes there is read per pattern of members (``_columns``).
   Reading an entry (no ``timestamp()`` call: datetimes become time since the epoch, and
   seconds from the database are divided as they are) is the only per-entry work besides
   those look-ups; a ``Roster`` reads each entry once for all the groups planned together.
5. **Ranking** needs the week before each feasible slot: rather than grid-wide bitsets, the
   fatigue rules ask the union of a member's nights (or of their worked duty) whether, or
   how many of, the cells of [a, b) it covers, by binary search over the union's blocks
   (``_Cover``, made in the same pass over a member's rows as their bitsets). These
   questions are the costly part, so ranking is lazy (``_Plan.ranked``): one level of
   attendance at a time, and within it the slots in the order of the keys after fatigue,
   offered in rounds by how many members are tired, asking member by member only as far as
   that needs, until ``limit`` slots are taken. Most heavy-week questions need no search:
   a week's work changes by at most one cell when the week moves by one, so a member's last
   count settles any start whose distance from it is less than that count's distance from
   the limit. The result is exactly that of sorting all feasible slots by all keys first.
   Reasons for the chosen slots come from each member's bitsets per kind, tested against
   each slot's bits (``availability_matrix`` does the same for any slots).

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

1. attendance — members who can come (including those who must be released), more first; a
   member whose roster does not cover the slot (``GroupRequest.member_known``) is *unknown*
   and does not count, so missing data weighs against a slot as a busy member does;
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
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from functools import lru_cache
from itertools import accumulate, compress
from operator import attrgetter, sub
from typing import NamedTuple
from zoneinfo import ZoneInfo

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
# No roster covers the slot and no duty is known there: not counted free (missing data is not
# availability), not busy either. Only when the request says what the rosters cover.
UNKNOWN = "unknown"


# --------------------------------------------------------------------------- inputs


def _require_aware(value: datetime, name: str) -> None:
    if value.utcoffset() is None:  # also None when there is no tzinfo at all
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
class HolidayList:
    """Public holidays of ``country`` for every year from ``first_year`` to ``last_year``."""

    country: str
    first_year: int
    last_year: int
    dates: frozenset[date]

    def covers(self, country: str, year: int) -> bool:
        return country == self.country and self.first_year <= year <= self.last_year


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
    # The country's public holidays for some years, worked out beforehand (a programme keeps
    # them on its row). Years outside it are worked out here, from ``country``.
    known_holidays: HolidayList | None = None
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
    # Per member (in the order of ``member_ids``), the spans their roster covers. A slot that
    # leaves a member's spans, where no duty of theirs is known, finds them UNKNOWN: counted
    # against the slot like a busy member. None: every roster is complete (all known).
    member_known: tuple[tuple[tuple[datetime, datetime], ...], ...] | None = None

    def __post_init__(self) -> None:
        _require_aware(self.horizon_start, "horizon_start")
        _require_aware(self.horizon_end, "horizon_end")
        if self.last_session_start is not None:
            _require_aware(self.last_session_start, "last_session_start")
        for start, end in self.intervisor_busy:
            # Checked inline: a busy intervisor has hundreds of spans, and this runs for each.
            if start.utcoffset() is None or end.utcoffset() is None:
                _require_aware(start, "intervisor_busy start")
                _require_aware(end, "intervisor_busy end")
        if self.horizon_end <= self.horizon_start:
            raise ValueError("the horizon must end after it starts")
        if self.duration <= timedelta(0) or self.duration % CELL:
            raise ValueError("duration must be a positive multiple of 15 minutes")
        if len(set(self.member_ids)) != len(self.member_ids):
            raise ValueError("member_ids contains duplicates")
        if self.member_known is not None and len(self.member_known) != len(self.member_ids):
            raise ValueError("member_known needs one tuple of spans per member")


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True, order=True)
class Slot:
    """A time slot in UTC."""

    start: datetime
    end: datetime


class FeasibleSlot(NamedTuple):
    """A slot the intervisor can lead and enough members can attend (before ranking).

    A named tuple: a horizon holds thousands, and one is made five times faster than a
    frozen dataclass (9,428 for 60 groups: 2.7 ms instead of 17 ms)."""

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
    unknown: tuple[int, ...] = ()  # no roster covers the slot for them (see UNKNOWN)

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
    request: GroupRequest, roster: Iterable[Busy] | Roster, rules: Rules = DEFAULT_RULES
) -> list[FeasibleSlot]:
    """Every feasible slot in the horizon, by start time, with who can come."""
    return list(map(FeasibleSlot._make, _Plan(request, roster, rules).feasible()))


def suggest_slots(
    request: GroupRequest,
    roster: Iterable[Busy] | Roster,
    rules: Rules = DEFAULT_RULES,
    limit: int = 10,
    max_per_day: int | None = 2,
) -> list[Suggestion]:
    """The ``limit`` best slots, ranked as the module docstring describes."""
    plan = _Plan(request, roster, rules, fatigue=True)
    return plan.explain(plan.ranked(limit, max_per_day))


def availability_matrix(
    request: GroupRequest,
    roster: Iterable[Busy] | Roster,
    slots: Sequence[Slot],
    rules: Rules = DEFAULT_RULES,
) -> AvailabilityMatrix:
    """Each member's state in each of ``slots`` (any slots, e.g. from ``suggest_slots``).

    Slots off the 15-minute grid are widened to it, so a busy edge inside a partly used cell
    counts as overlapping — the safe side for a grid view.
    """
    slots = tuple(slots)
    grid = _Grid.covering(slots) if slots else _Grid.for_horizon(request)
    space = _Space.keeping(grid, _union(grid.mask(slot.start, slot.end) for slot in slots))
    people = _people(request.member_ids, roster, rules)
    layers = [
        {name: bits for name, bits in zip(_LAYERS, mine, strict=True) if bits}
        for mine in _layers_on(people, space)
    ]
    intervisor = _span_bits(request.intervisor_busy, space)
    masks = [space.mask(slot.start, slot.end) for slot in slots]
    known = _known_bits(request, space)
    rows = tuple(
        tuple(_status(pid, mine, mask, rules, known[at]) for mask in masks)
        for at, (pid, mine) in enumerate(zip(request.member_ids, layers, strict=True))
    )
    return AvailabilityMatrix(
        slots=slots,
        member_ids=tuple(request.member_ids),
        rows=rows,
        intervisor_free=tuple(not intervisor & mask for mask in masks),
    )


def clear_caches() -> None:
    """Forget cached window expansions and holidays (benchmarks time cold runs with it)."""
    _candidates.cache_clear()
    _per_cell.cache_clear()
    public_holidays.cache_clear()


def rest_after_nights(
    nights: Iterable[tuple[datetime, datetime]], rules: Rules = DEFAULT_RULES
) -> list[tuple[datetime, datetime]]:
    """Rest periods owed after one person's night shifts, as (start, end) pairs.

    14 h after each night, 46 h after the last night of a series of 3 or more (see the
    module docstring for what makes a series); both configurable in ``rules``.
    """
    ordered = sorted((_utc(start), _utc(end)) for start, end in nights if end > start)
    return _rest_after(ordered, rules.series_gap, rules.rest_after_night, rules.rest_after_series, rules)


def _rest_after(nights, gap, after_night, after_series, rules: Rules) -> list:
    """(end, end + rest) per night of ``nights`` (one person's, sorted), in that order.

    Shared by ``rest_after_nights`` (datetimes and timedeltas) and the engine (seconds) so
    the rule lives in one place. A night continues the series of the one before it when it
    starts at most ``gap`` after that one ends; the last night of a series of
    ``rules.series_length`` or more earns ``after_series``, every other ``after_night``.
    """
    rests = []
    length = rules.series_length
    count = len(nights)
    first = 0  # where the current series started
    for at, (_start, end) in enumerate(nights):
        last = at + 1 == count or nights[at + 1][0] - end > gap
        rests.append((end, end + (after_series if last and at - first + 1 >= length else after_night)))
        if last:
            first = at + 1
    return rests


# --------------------------------------------------------------------------- the grid


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _floor_to_cell(value: datetime) -> datetime:
    return EPOCH + ((value - EPOCH) // CELL) * CELL


class _Grid:
    """``cells`` quarter hours from ``origin`` (UTC, on a quarter hour).

    Indices come from POSIX timestamps, which count real seconds whatever the zone: the
    arithmetic stays right across DST without thinking about it. Counted from the epoch
    rather than the origin, the same quarter hours are a person's *epoch cells*
    (``_Person``); ``first`` is the origin's, so grid cell = epoch cell - ``first``.
    """

    __slots__ = ("origin", "cells", "origin_ts", "first")

    def __init__(self, origin: datetime, cells: int) -> None:
        self.origin = origin
        self.cells = cells
        self.origin_ts = origin.timestamp()
        self.first = int(self.origin_ts // SECONDS_PER_CELL)  # exact: the origin is on a cell edge

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

    def touched(self, start: datetime, end: datetime) -> tuple[int, int]:
        """[low, high): the cells that [start, end) touches, clipped to the grid."""
        return max(0, self.floor(start)), min(self.cells, self.ceil(end))

    def mask(self, start: datetime, end: datetime) -> int:
        """Bits of every cell that [start, end) touches, clipped to the grid."""
        low, high = self.touched(start, end)
        return ((1 << (high - low)) - 1) << low if high > low else 0


class _Space:
    """The cells of a grid that can matter, renumbered 0, 1, 2, … without the gaps.

    Feasibility only ever looks at cells inside some candidate slot: a 16:00–18:00 window
    keeps 8 of every 96 cells, so bitsets over these cells alone are an order of magnitude
    shorter, and roster entries that touch none of them (most nights, evenings and weekends)
    drop out before any bit is set. A slot's cells are consecutive on the grid and stay
    consecutive here, which is all that ``_spread`` and slot masks need.
    """

    __slots__ = ("grid", "kept", "rank")

    def __init__(self, grid: _Grid, kept: list[int], rank: list[int]) -> None:
        self.grid = grid
        self.kept = kept  # space cell -> grid cell
        self.rank = rank  # grid cell c (0 ..= cells) -> how many kept cells lie before c

    @classmethod
    def keeping(cls, grid: _Grid, bits: int) -> _Space:
        """The space of the grid cells set in ``bits``."""
        flags = _flags(bits, grid.cells)
        # A running sum over the flags as bytes of 0 and 1 counts the kept cells.
        rank = list(accumulate(flags.encode().translate(_DIGITS), initial=0))
        return cls(grid, _ones(flags), rank)

    @property
    def size(self) -> int:
        return len(self.kept)

    def cell(self, grid_cell: int) -> int:
        """The space cell of a kept grid cell."""
        return self.rank[grid_cell]

    def mask(self, start: datetime, end: datetime) -> int:
        """Bits of every kept cell that [start, end) touches."""
        low, high = self.grid.touched(start, end)
        if high <= low:
            return 0
        low, high = self.rank[low], self.rank[high]
        return ((1 << (high - low)) - 1) << low


_DIGITS = bytes.maketrans(b"01", b"\x00\x01")


def _flags(bits: int, width: int) -> str:
    """An int's lowest ``width`` bits as a string of "0" and "1", bit 0 first."""
    return bin(bits)[:1:-1][:width].ljust(width, "0")


def _ones(flags: str) -> list[int]:
    """Where ``flags`` (as ``_flags`` writes them) holds a "1", in order."""
    found: list[int] = []
    for run in _RUN.finditer(flags):
        found += range(*run.span())
    return found


_RUN = re.compile("1+")


_ONE = "1".__eq__


def _columns(rows: Sequence[int], where: int, size: int) -> tuple[list[int], list[tuple[str, ...]]]:
    """The positions set in ``where``, in order, and at each which of ``rows`` have it set:
    a column of "0" and "1", one per row (the bitsets transposed by ``zip``)."""
    flags = _flags(where, size)
    positions = _ones(flags)
    if not rows:
        return positions, [()] * len(positions)
    return positions, list(compress(zip(*[_flags(row, size) for row in rows], strict=True), map(_ONE, flags)))


def _union(masks: Iterable[int]) -> int:
    bits = 0
    for mask in masks:
        bits |= mask
    return bits


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


class _Tally:
    """For every bit position at once, how many of some bitsets have it set.

    The bitsets are added as binary numbers, one bit position per column: ``digits[k]`` holds
    bit k of every position's count (a ripple-carry adder on bitsets). ``at_least`` then
    compares every count with a number, from the top digit down: a handful of operations on
    whole bitsets, however many positions there are.
    """

    __slots__ = ("digits", "everywhere")

    def __init__(self, rows: Iterable[int], everywhere: int) -> None:
        self.everywhere = everywhere  # the positions counted (rows have no bits outside)
        digits: list[int] = []
        for row in rows:
            carry = row
            for k, digit in enumerate(digits):
                digits[k], carry = digit ^ carry, digit & carry
                if not carry:
                    break
            if carry:
                digits.append(carry)
        self.digits = digits

    def at_least(self, required: int) -> int:
        """The positions counted at least ``required`` times."""
        digits = self.digits
        if required <= 0:
            return self.everywhere
        if required.bit_length() > len(digits):
            return 0
        # Positions whose count so far (its top digits) is above required's, and those equal.
        above, equal = 0, self.everywhere
        for k in range(len(digits) - 1, -1, -1):
            if required >> k & 1:
                equal &= digits[k]
            else:
                above |= equal & digits[k]
                equal &= ~digits[k]
        return above | equal


# --------------------------------------------------------------------------- per person

# Layers are numbered so a row holds its kind as a small int: one per kind, then REST.
_LAYERS: tuple[str, ...] = (*sorted(KINDS), REST)
_LAYER_CODE = {name: code for code, name in enumerate(_LAYERS)}
_NIGHT, _LEAVE, _REST = _LAYER_CODE["night"], _LAYER_CODE["leave"], _LAYER_CODE[REST]
# Explanations list reasons in REASONS's order: each layer's place in it.
_REASON_ORDER: tuple[str, ...] = tuple(REASONS)
_REASON_OF_LAYER: tuple[int, ...] = tuple(_REASON_ORDER.index(name) for name in _LAYERS)
_WEEK_CELLS = 7 * 24 * 4
# Per layer: does it count as worked for the heavy-week rule? Every rostered kind but leave.
_WORKED: tuple[bool, ...] = tuple(name not in ("leave", REST) for name in _LAYERS)


_BUSY_FIELDS = ("person_id", "start", "end", "kind")
_PERSON, _START, _END, _KIND = map(attrgetter, _BUSY_FIELDS)


def _is_row_tuple(entry: object) -> bool:
    """A plain tuple, or a named one with Busy's fields in Busy's order (read by position)."""
    return isinstance(entry, tuple) and getattr(type(entry), "_fields", _BUSY_FIELDS) == _BUSY_FIELDS


@lru_cache(maxsize=64)
def _gives_way(kinds: frozenset[str]) -> tuple[bool, ...]:
    """Per layer: does it give way under these rules? (REST never does.)"""
    return tuple(name in kinds for name in _LAYERS)


# The unions of one person's worked duty and of their nights in epoch cells, for the fatigue
# rules: (work's lows, work's highs, work covered before each block, nights' lows, nights'
# highs). Those rules look a whole week back from each slot, where grid-wide bitsets would
# be needed; they are only asked at the feasible starts, so each union is kept as disjoint
# sorted blocks and asked by binary search, with no per-cell work at all. A block of no
# length leads, far before any roster, so every point asked about has a block at or before
# it. See ``_Plan.ranked`` for the questions.
_Cover = tuple[list[int], list[int], list[int], list[int], list[int]]
_FAR = -(1 << 62)
# The cover of someone with no rows at all: no work, no nights.
_NO_COVER: _Cover = ([_FAR], [_FAR], [0, 0], [_FAR], [_FAR])


class _Person:
    """One person's roster, rest after nights included, read for any grid.

    Row i is [``lo[i]``, ``hi[i]``) in epoch cells, of layer ``layer[i]``: three lists of
    ints rather than a tuple per row, because tens of thousands of small containers kept at
    once would set off the garbage collector over the whole process. The rows as rostered
    come first, the rest after nights from ``rostered`` on. Indexed (as a ``Roster`` keeps
    them, to be asked many times), each of the two parts is sorted by ``lo`` for binary
    searches, and ``reach`` is the length of the longest row, so rows starting ``reach`` or
    more before a point end before it. Read for one request, they are left as they came.
    """

    __slots__ = ("lo", "hi", "layer", "rostered", "indexed", "reach")

    def __init__(self, rows: list[int], nights: list[tuple[float, float]], rules: Rules,
                 indexed: bool = True) -> None:
        """``rows``: low, high and layer of every entry, one after the other, as ``_read``
        writes them; ``nights``: the nights' (start, end) in seconds, for the rest after
        them. Both lists are the caller's to give away."""
        lo, hi, layer = rows[0::3], rows[1::3], rows[2::3]
        if indexed:
            lo, hi, layer = _by_low(lo, hi, layer)
        self.rostered = len(lo)
        if nights:
            # It needs every night, also those before any grid: they can start rest inside it.
            nights.sort()
            rests = _rest_after(nights, rules.series_gap.total_seconds(),
                                rules.rest_after_night.total_seconds(),
                                rules.rest_after_series.total_seconds(), rules)
            # Sorted by the nights' ends, as the nights are: by their starts, and one ends
            # before the next starts (else they overlap, and then they are sorted below).
            rest_lo = [math.floor(end / SECONDS_PER_CELL) for end, _until in rests]
            rest_hi = [math.ceil(until / SECONDS_PER_CELL) for _end, until in rests]
            rest_layer = [_REST] * len(rests)
            if indexed:
                rest_lo, rest_hi, rest_layer = _by_low(rest_lo, rest_hi, rest_layer)
            lo += rest_lo
            hi += rest_hi
            layer += rest_layer
        self.indexed = indexed
        self.reach = max(map(sub, hi, lo)) if indexed else 0
        self.lo, self.hi, self.layer = lo, hi, layer

    def __len__(self) -> int:
        return len(self.lo)

    def near(self, begin: int, end: int) -> tuple[list[int], list[int], list[int]]:
        """(lo, hi, layer) of the rows, or of fewer as long as all that touch [begin, end)
        are there."""
        lo, hi, layer = self.lo, self.hi, self.layer
        if not self.indexed:
            return lo, hi, layer
        # Rows starting ``reach`` or more before ``begin`` end before it: in each sorted part,
        # the rows that may touch [begin, end) are one run.
        split, since = self.rostered, begin - self.reach
        if lo[0] > since and lo[split - 1] < end and (
                split == len(lo) or (lo[split] > since and lo[-1] < end)):
            return lo, hi, layer  # all of them: no copies
        first = bisect_right(lo, since, 0, split)
        last = bisect_left(lo, end, first, split)
        rest = bisect_right(lo, since, split)
        rest_last = bisect_left(lo, end, rest)
        if rest == rest_last:
            return lo[first:last], hi[first:last], layer[first:last]
        return (lo[first:last] + lo[rest:rest_last], hi[first:last] + hi[rest:rest_last],
                layer[first:last] + layer[rest:rest_last])


def _by_low(lo: list[int], hi: list[int], layer: list[int]) -> tuple[list[int], list[int], list[int]]:
    """The rows sorted by ``lo`` (as they are, when they already are)."""
    if lo == sorted(lo):
        return lo, hi, layer
    order = sorted(range(len(lo)), key=lo.__getitem__)
    return [lo[i] for i in order], [hi[i] for i in order], [layer[i] for i in order]


def _read(
    roster: Iterable[Busy], wanted: Iterable[int] | None = None
) -> dict[int, tuple[list[int], list[tuple[float, float]]]]:
    """Rows in epoch cells and nights in seconds (``_Person``'s input) by person id, for the
    people in ``wanted`` or for everybody.

    Entries are ``Busy``, objects with its attributes, or tuples in its field order as a
    database cursor returns them; start and end are aware datetimes or already POSIX seconds
    (numbers), the cheapest form a database can hand over. Empty entries overlap nothing and
    are dropped. This is the engine's per-entry work, so it is written out for each form.
    """
    entries = roster if isinstance(roster, Sequence) else list(roster)
    everybody = wanted is None
    found: dict[int, tuple[list, list]] = {} if everybody else {pid: ([], []) for pid in wanted}
    if not entries:
        return found
    if _is_row_tuple(entries[0]):
        rows: Iterable[tuple] = entries
        first = entries[0][1]
    else:
        # Four attributes read at once make a tuple per entry; zip hands the same one back.
        rows = zip(map(_PERSON, entries), map(_START, entries), map(_END, entries),
                   map(_KIND, entries), strict=True)
        first = entries[0].start
    get, code, night, cell = found.get, _LAYER_CODE, _NIGHT, SECONDS_PER_CELL
    if isinstance(first, datetime):
        epoch, per_day = EPOCH, 86400 // cell
        for pid, start, end, kind in rows:
            person = get(pid)
            if person is None:
                if not everybody:
                    continue
                person = found[pid] = ([], [])
            # As timedeltas since the epoch: exact in any zone, and without an offset to look
            # up for UTC datetimes (what a database hands over), cheaper than timestamp().
            start -= epoch
            end -= epoch
            if end <= start:
                continue
            layer = code[kind]
            seconds = end.seconds
            # A day is 96 whole cells; a cell holds whole seconds, so the microseconds only
            # matter to the ceiling.
            person[0].extend((
                start.days * per_day + start.seconds // cell,
                end.days * per_day + (seconds // cell + 1 if end.microseconds else -(-seconds // cell)),
                layer,
            ))
            if layer == night:
                # total_seconds() of the time since the epoch is what timestamp() returns.
                person[1].append((start.total_seconds(), end.total_seconds()))
        return found
    if type(first) is not float:  # ints, Decimals: read as floats
        rows = ((pid, float(start), float(end), kind) for pid, start, end, kind in rows)
    # floor(s / 900) is the floor of the true quotient: seconds that are not a multiple of 900
    # lie at least a unit in their last place away from one, more than the rounding of the
    # division can make up. So is the ceiling.
    floor, ceil = math.floor, math.ceil
    for pid, start, end, kind in rows:
        person = get(pid)
        if person is None:
            if not everybody:
                continue
            person = found[pid] = ([], [])
        if end <= start:
            continue
        layer = code[kind]
        person[0].extend((floor(start / cell), ceil(end / cell), layer))
        if layer == night:
            person[1].append((start, end))
    return found


def _people(member_ids: Sequence[int], roster: Iterable[Busy] | Roster, rules: Rules) -> list[_Person | None]:
    """The members' rosters in the order of ``member_ids`` (None: no rows at all)."""
    if isinstance(roster, Roster):
        return roster.duty(member_ids, rules)
    found = _read(roster, member_ids)
    # Read for this request only: not worth an index for binary searches (``_Person.near``).
    return [_Person(*found[pid], rules, indexed=False) if found[pid][0] else None for pid in member_ids]


class Roster:
    """Many people's roster entries, read once and shared by many requests.

    Planning all groups of a programme reads one roster for everybody; reading it per group
    would read every entry again for every group it is passed to. Built once (rest after
    nights included, for ``rules``), it hands each request its members' rows as they are.
    Accepts what ``suggest_slots`` accepts; other people's entries are simply never asked for.
    """

    __slots__ = ("rules", "_people")

    def __init__(self, entries: Iterable[Busy], rules: Rules = DEFAULT_RULES) -> None:
        self.rules = rules
        self._people = {pid: _Person(rows, nights, rules) for pid, (rows, nights) in _read(entries).items()}

    def __len__(self) -> int:
        """Rows held, rest periods included."""
        return sum(map(len, self._people.values()))

    def duty(self, member_ids: Sequence[int], rules: Rules) -> list[_Person | None]:
        """The members' rows, in the order of ``member_ids`` (None: none at all)."""
        if rules != self.rules:
            raise ValueError("this roster was prepared for other rules (rest periods differ)")
        return list(map(self._people.get, member_ids))


def _layers_on(people: Sequence[_Person | None], space: _Space,
               covers: list[_Cover] | None = None) -> list[list[int]]:
    """Per person, a bitset on ``space`` per layer (index: the layer's code) of the cells
    their rows touch: what feasibility and the reasons are made of.

    Given ``covers`` (a list), also appends each person's ``_Cover``, right for questions
    inside the grid, made in the same pass over the rows: ranking asks them, and a second
    pass cost about as much again. Each row of work extends the last block of the union it
    overlaps or touches, or starts a new one, so the rows must come sorted by ``lo``: a
    Roster keeps them so (the rest after nights last, which is no work), rows read for one
    request are sorted here."""
    grid = space.grid
    first, last, rank = grid.first, grid.first + grid.cells, space.rank
    size = rank[-1]
    worked, night = _WORKED, _NIGHT
    found = []
    for person in people:
        layers = [0] * len(_LAYERS)
        found.append(layers)
        if person is None:
            if covers is not None:
                covers.append(_NO_COVER)
            continue
        rows = person.near(first, last)
        fold = covers is not None
        if fold:
            if not person.indexed:
                rows = _by_low(*rows)
            worked_low, worked_high, nights_low, nights_high = [_FAR], [_FAR], [_FAR], [_FAR]
            top = night_top = _FAR  # where the last block of each ends
        for low, high, layer in zip(*rows, strict=True):
            if high <= first or low >= last:
                continue  # the fatigue rules too only ask inside the grid
            if fold and worked[layer]:
                if low > top:
                    worked_low.append(low)
                    worked_high.append(high)
                    top = high
                elif high > top:
                    worked_high[-1] = top = high
                if layer == night:
                    if low > night_top:
                        nights_low.append(low)
                        nights_high.append(high)
                        night_top = high
                    elif high > night_top:
                        nights_high[-1] = night_top = high
            # Clipped to the grid, then counted in kept cells: empty between kept cells.
            low = rank[low - first] if low > first else 0
            high = rank[high - first] if high < last else size
            if high > low:
                layers[layer] |= ((1 << (high - low)) - 1) << low
        if fold:
            before = list(accumulate(map(sub, worked_high, worked_low), initial=0))
            covers.append((worked_low, worked_high, before, nights_low, nights_high))
    return found


def _duty_bits(layers: list[int], gives_way: tuple[bool, ...]) -> tuple[int, int]:
    """One person's (blocking, give-way) bitsets from their layers."""
    blocking = giving = 0
    for bits, gives in zip(layers, gives_way, strict=True):
        if gives:
            giving |= bits
        else:
            blocking |= bits
    return blocking, giving


def _epoch_cells(start: datetime, end: datetime) -> tuple[int, int]:
    """[floor, ceiling) of [start, end) in epoch cells, as ``_read`` counts them."""
    start -= EPOCH
    end -= EPOCH
    seconds = end.seconds
    return (
        start.days * 96 + start.seconds // SECONDS_PER_CELL,
        end.days * 96 + (seconds // SECONDS_PER_CELL + 1 if end.microseconds
                         else -(-seconds // SECONDS_PER_CELL)),
    )


def _span_bits(spans: Iterable[tuple[datetime, datetime]], space: _Space) -> int:
    """The cells of ``space`` that some of ``spans`` touches (``_Space.mask`` for many)."""
    grid = space.grid
    first, last, rank = grid.first, grid.first + grid.cells, space.rank
    bits = 0
    for start, end in spans:
        low, high = _epoch_cells(start, end)
        low = rank[min(low - first, grid.cells)] if low > first else 0
        high = rank[max(high - first, 0)] if high < last else rank[-1]
        if high > low:
            bits |= ((1 << (high - low)) - 1) << low
    return bits


def _known_bits(request: GroupRequest, space: _Space) -> list[int | None]:
    """Per member, the bitset of cells their roster covers (None: all of them)."""
    if request.member_known is None:
        return [None] * len(request.member_ids)
    return [_span_bits(spans, space) for spans in request.member_known]


def _status(pid: int, layers: dict[str, int], mask: int, rules: Rules,
            known: int | None = None) -> MemberStatus:
    touching = [kind for kind in REASONS if layers.get(kind, 0) & mask]
    blocking = [REASONS[k] for k in touching if k not in rules.give_way_kinds]
    if blocking:
        return MemberStatus(pid, UNAVAILABLE, tuple(blocking))
    if touching:
        return MemberStatus(pid, RELEASED, tuple(REASONS[k] for k in touching))
    if known is not None and mask & ~known:
        return MemberStatus(pid, UNKNOWN)
    return MemberStatus(pid, AVAILABLE)


# --------------------------------------------------------------------------- windows


@lru_cache(maxsize=64)
def public_holidays(country: str, year: int) -> dict[date, str]:
    """The public holidays of ``country`` (ISO 3166) in ``year``, with their names; empty for
    a country the holidays package does not know."""
    # The holidays package loads every country it knows (about 17 MB) on first use: import it
    # only here, so a process that plans with a stored HolidayList never loads it.
    import holidays

    try:
        return dict(holidays.country_holidays(country, years=year))
    except NotImplementedError:
        return {}


def holiday_list(country: str, first_year: int, last_year: int) -> HolidayList:
    dates = {day for year in range(first_year, last_year + 1) for day in public_holidays(country, year)}
    return HolidayList(country, first_year, last_year, frozenset(dates))


def _closed_dates(
    extra: frozenset[date], country: str | None, known: HolidayList | None, first: date, last: date
) -> set[date]:
    closed = set(extra)
    if country:
        for year in range(first.year, last.year + 1):
            if known is not None and known.covers(country, year):
                closed |= known.dates
            else:
                closed |= set(public_holidays(country, year))
    return closed


class _Candidates:
    """Where slots of one length may start over a horizon, and the cells they can cover."""

    __slots__ = ("space", "starts", "cells", "zone", "_calendar", "_times")

    def __init__(self, space: _Space, starts: int, cells: int, zone: ZoneInfo) -> None:
        self.space = space  # every grid cell some candidate slot covers
        self.starts = starts  # bit c: may a slot start at cell c of ``space``?
        self.cells = cells  # a slot's length
        self.zone = zone
        self._calendar: dict[int, tuple[int, int, int]] = {}
        self._times: dict[int, tuple[datetime, datetime]] = {}

    def times(self, at: int) -> tuple[datetime, datetime]:
        """Start and end (UTC) of the slot starting at cell ``at`` of ``space``, made once for
        all the groups sharing these windows."""
        found = self._times.get(at)
        if found is None:
            index = self.space.kept[at]
            found = self._times[at] = (self._moment(index), self._moment(index + self.cells))
        return found

    def _moment(self, index: int) -> datetime:
        """Grid cell ``index`` as a moment, made once for all the window sets over the grid."""
        grid = self.space.grid
        moments = _per_cell(grid.origin, grid.cells, "moments")
        found = moments.get(index)
        if found is None:
            found = moments[index] = grid.when(index)
        return found

    def calendar(self, at: int) -> tuple[int, int, int]:
        """The local calendar day (ordinal), weekday and second of the day of a start (a cell
        of ``space``).

        Ranking reads them for every feasible start of every group sharing these windows:
        converting each start to local time once, on first use, is enough. (Every group
        computes the same values, so a race between two threads is harmless.)
        """
        found = self._calendar.get(at)
        if found is None:
            grid, index = self.space.grid, self.space.kept[at]
            # Window sets over one horizon share most of their starts: the conversion is
            # shared with them too, per grid cell.
            shared = _per_cell(grid.origin, grid.cells, self.zone.key)
            found = shared.get(index)
            if found is None:
                local = grid.when(index).astimezone(self.zone)
                second = local.hour * 3600 + local.minute * 60 + local.second
                found = shared[index] = (local.toordinal(), local.weekday(), second)
            self._calendar[at] = found
        return found


@lru_cache(maxsize=32)
def _per_cell(origin: datetime, cells: int, what: str) -> dict[int, object]:
    """Values per cell of a grid, filled as they are met and shared by every window set over
    that grid: its moments (``what`` "moments") or its local calendar in the zone ``what``."""
    return {}


def _candidates_for(request: GroupRequest, rules: Rules, cells: int) -> _Candidates:
    return _candidates(
        request.windows,
        request.horizon_start,
        request.horizon_end,
        request.closed_dates,
        cells,
        rules.tz,
        rules.country,
        rules.known_holidays,
    )


# A programme plans all its groups over one horizon, and groups share a handful of windows:
# the expansion (a zoneinfo lookup per window and day) is done once per distinct set. Each
# entry keeps a rank list over the whole grid (about 220 KB for 12 weeks of a weekday window,
# measured with tracemalloc), so a long-lived web or worker process keeps at most a few dozen:
# every day's horizon is a new key, and 256 of them would hold some 57 MB.
@lru_cache(maxsize=32)
def _candidates(
    windows: tuple[Window, ...],
    horizon_start: datetime,
    horizon_end: datetime,
    closed_dates: frozenset[date],
    cells: int,
    tz: str,
    country: str | None,
    known_holidays: HolidayList | None,
) -> _Candidates:
    grid = _Grid.spanning(horizon_start, horizon_end)
    starts = _window_starts(
        grid, windows, horizon_start, horizon_end, closed_dates, cells, tz, country, known_holidays
    )
    # Cell c is covered iff a slot starts in c-cells+1 .. c: shift the starts up by
    # cells-1, then _spread marks every cell with a shifted start in c .. c+cells-1.
    space = _Space.keeping(grid, _spread(starts << (cells - 1), cells) if starts else 0)
    # The starts renumbered into the space: the start flags of the kept cells, in order.
    flags = _flags(starts, grid.cells)
    kept_flags = "".join([flags[cell] for cell in space.kept])
    return _Candidates(space, int(kept_flags[::-1] or "0", 2), cells, ZoneInfo(tz))


def _window_starts(
    grid: _Grid,
    windows: tuple[Window, ...],
    horizon_start: datetime,
    horizon_end: datetime,
    closed_dates: frozenset[date],
    cells: int,
    tz: str,
    country: str | None,
    known_holidays: HolidayList | None = None,
) -> int:
    """Bits of every grid cell where a slot may start: inside a window and the horizon, on
    a day that is not closed."""
    zone = ZoneInfo(tz)
    first = horizon_start.astimezone(zone).date()
    last = horizon_end.astimezone(zone).date()
    closed = _closed_dates(closed_dates, country, known_holidays, first, last)
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


@dataclass(frozen=True, slots=True)
class _Ranked:
    index: int  # start cell on the grid
    available: tuple[int, ...]
    fatigued: tuple[int, ...]
    cadence_distance: int | None
    habit_breaks: int
    unknown: tuple[int, ...] = ()


class _Plan:
    """One request's grid and members' bitsets, shared by feasibility, ranking and
    explanations.

    Feasibility and explanations work on the candidate cells only (``_Space``); the fatigue
    rules look at whole days before a slot and ask ``_Cover``, only when ranking.
    """

    def __init__(self, request: GroupRequest, roster: Iterable[Busy] | Roster, rules: Rules,
                 fatigue: bool = False) -> None:
        self.request = request
        self.rules = rules
        self.zone = ZoneInfo(rules.tz)
        self.cells = request.duration // CELL
        self.candidates = candidates = _candidates_for(request, rules, self.cells)
        self.space = candidates.space
        self.grid = self.space.grid
        self.starts = candidates.starts
        self.members = len(request.member_ids)
        self.people = _people(request.member_ids, roster, rules)
        # Per member, what the fatigue rules ask (``_Cover``), when ranking will ask it.
        self.covers: list[_Cover] | None = [] if fatigue else None
        self.layers = _layers_on(self.people, self.space, self.covers)
        gives_way = _gives_way(rules.give_way_kinds)
        # Per member: duty that blocks (rest included) and duty that gives way, as bitsets.
        self.duty = [_duty_bits(mine, gives_way) for mine in self.layers]
        self.intervisor = _span_bits(request.intervisor_busy, self.space)
        self.unknown: list[int] | None = None

    def _unknown(self, blocked: list[int], giving: list[int]) -> list[int] | None:
        """Per member, the starts where the slot leaves the spans their roster covers and no
        duty of theirs touches it, or None when every roster is complete."""
        known = self.request.member_known
        if known is None:
            return None
        # Most rosters cover the whole horizon: only the others are looked at cell by cell.
        begin, finish = self.request.horizon_start, self.request.horizon_end
        partly = [at for at, spans in enumerate(known)
                  if not any(start <= begin and finish <= end for start, end in spans)]
        if not partly:
            return None
        everywhere = (1 << self.space.size) - 1
        unknown = [0] * self.members
        for at in partly:
            covered = _span_bits(known[at], self.space)
            unknown[at] = _spread(everywhere & ~covered, self.cells) & ~blocked[at] & ~giving[at]
        return unknown

    def _free(self) -> tuple[list[int], int, list[int], _Tally]:
        """The starts each member's give-way duty touches, the feasible starts, who is free
        where (per member), and how many are free where: bitsets of starts on ``space``.

        Every member is checked at every candidate start at once, one bitset each; what
        follows only looks at the (usually few) feasible starts. A member whose roster does
        not cover a start is not free there (``_unknown``).
        """
        cells = self.cells
        blocked = [_spread(blocking, cells) for blocking, _ in self.duty]
        giving = [_spread(gives, cells) for _, gives in self.duty]
        starts = self.starts & ~_spread(self.intervisor, cells)  # the intervisor is free
        free = [starts & ~bits for bits in blocked]
        self.unknown = self._unknown(blocked, giving)
        if self.unknown is not None:
            free = [bits & ~unknown for bits, unknown in zip(free, self.unknown, strict=True)]
        tally = _Tally(free, starts)
        return giving, tally.at_least(self.rules.required_members(self.members)), free, tally

    def feasible(self) -> list[tuple[datetime, datetime, frozenset[int], frozenset[int]]]:
        """(start, end, available member ids, released member ids) per feasible slot."""
        ids = self.request.member_ids
        giving, feasible, free, _tally = self._free()
        released = [bits & gives for bits, gives in zip(free, giving, strict=True)]
        positions, columns = _columns(free + released, feasible, self.space.size)
        # Who comes and who must be released, per pattern: slots share a handful of them.
        known: dict[tuple[str, ...], tuple[frozenset[int], frozenset[int]]] = {}
        members, found = len(ids), []
        times, made = self.candidates.times, self.candidates._times.get
        for at, column in zip(positions, columns, strict=True):
            pair = known.get(column)
            if pair is None:
                pair = known[column] = (frozenset(compress(ids, map(_ONE, column[:members]))),
                                        frozenset(compress(ids, map(_ONE, column[members:]))))
            found.append((*(made(at) or times(at)), *pair))
        return found

    def ranked(self, limit: int, max_per_day: int | None) -> list[_Ranked]:
        """The best ``limit`` feasible slots, ranked as the module docstring says and spread
        over days: at most ``max_per_day`` per local day that do not overlap (None: any).

        The ranking is worked out lazily, only as far as ``limit`` slots need, because the
        fatigue rules (up to three binary searches per member and slot) are its costly
        part.
        Attendance comes first, so the slots are ranked one level of attendance at a time,
        the fullest first. Within a level, fatigue comes next and the other keys after it:
        the slots are visited in the order of those other keys, in rounds. Round k offers
        the slots with exactly k members tired, in that order, and leaves those with more
        for later rounds; nothing ranks between them. Who is tired is asked one member at a
        time and only until a slot has more than k, so a slot that is never offered is
        never fully looked at. A slot the spreading refuses is dropped for good: it only
        ever takes more slots.
        """
        _giving, feasible, free, tally = self._free()
        if not feasible or limit <= 0:
            return []
        size, kept, people = self.space.size, self.space.kept, self.people
        first = self.grid.first
        can = [_flags(bits, size) for bits in free]
        # The unions the fatigue rules ask, per member, and the work last counted in a week
        # before a start (``moments``): none yet, at a start out of reach.
        covers = self.covers
        if covers is None:  # a plan made without them: read the rows once more
            _layers_on(people, self.space, covers := [])
        counted, moments = [0] * self.members, [-(1 << 62)] * self.members
        rules = self.rules
        night_cells = -(-rules.fatigue_after_night // CELL)
        heavy = rules.heavy_week_hours * 4  # in cells
        target = self._cadence_target()
        target_day = target.toordinal() if target else 0
        usual_day, usual_start = self.request.usual_weekday, self.request.usual_start
        if usual_start is not None:
            usual = usual_start.hour * 3600 + usual_start.minute * 60 + usual_start.second
            # A usual start with microseconds is never kept: slots start on whole quarters.
            never = bool(usual_start.microsecond)
        calendar, known_days = self.candidates.calendar, self.candidates._calendar.get
        ids, unknown = self.request.member_ids, self.unknown
        # Spreading: the starts taken per local day (None: no spreading).
        per_day: defaultdict[int, list[int]] | None = defaultdict(list) if max_per_day is not None else None
        cells = self.cells
        ranked: list[_Ranked] = []
        done = 0  # the starts of the levels ranked
        for attending in range(self.members, -1, -1):
            level = feasible & tally.at_least(attending) & ~done
            if not level:
                continue
            done |= level
            # Per slot: the keys after fatigue, the start, who comes (when first needed), who
            # is tired so far, and how many of those who come have been asked about.
            pending = []
            for at in _ones(_flags(level, size)):
                day, weekday, second = known_days(at) or calendar(at)
                distance = abs(day - target_day) if target else 0
                breaks = 0
                if usual_day is not None:
                    breaks += weekday != usual_day
                if usual_start is not None:
                    breaks += second != usual or never
                pending.append([distance, breaks, kept[at], day, at, None, [], 0])
            pending.sort()
            for round_tired in range(attending + 1):
                later = []
                for slot in pending:
                    distance, breaks, index, day, at, came, tired, asked = slot
                    if per_day is not None and (taken := per_day.get(day)) is not None and (
                            len(taken) >= max_per_day or any(abs(index - other) < cells for other in taken)):
                        continue  # the spreading refuses it, and always will
                    if came is None:
                        came = slot[5] = [m for m, here in enumerate(can) if here[at] == "1"]
                    # In a heavy week: more than ``heavy`` worked cells in [week, now); just off
                    # nights: a night cell in [off_nights, now). In epoch cells. Both look back
                    # inside the grid: a start lies at least ``LOOKBACK`` after its origin.
                    now = first + index
                    week, off_nights = now - _WEEK_CELLS, now - night_cells
                    count, many = len(tired), len(came)
                    while asked < many and count <= round_tired:
                        m = came[asked]
                        asked += 1
                        # Moving a week by one cell changes the work in it by at most one cell:
                        # the last count of this member, ``moved`` cells away, may settle it.
                        known = counted[m]
                        moved = now - moments[m]
                        if moved < 0:
                            moved = -moved
                        if known - moved > heavy:
                            tired.append(m)
                            count += 1
                            continue
                        worked_low, worked_high, before, nights_low, nights_high = covers[m]
                        if known + moved > heavy:
                            block = bisect_right(worked_low, now) - 1
                            high = worked_high[block]
                            covered = before[block] + (now if now < high else high) - worked_low[block]
                            block = bisect_right(worked_low, week) - 1
                            high = worked_high[block]
                            covered -= before[block] + (week if week < high else high) - worked_low[block]
                            counted[m], moments[m] = covered, now
                            if covered > heavy:
                                tired.append(m)
                                count += 1
                                continue
                        if night_cells and (
                                (block := bisect_right(nights_high, off_nights)) < len(nights_low)
                                and nights_low[block] < now):
                            tired.append(m)
                            count += 1
                    if count > round_tired:
                        slot[7] = asked
                        later.append(slot)
                        continue
                    if per_day is not None:
                        per_day[day].append(index)
                    ranked.append(_Ranked(
                        index=index,
                        available=tuple(ids[m] for m in came),
                        fatigued=tuple(ids[m] for m in tired),
                        cadence_distance=distance if target else None,
                        habit_breaks=breaks,
                        unknown=(tuple(pid for pid, bits in zip(ids, unknown, strict=True) if bits >> at & 1)
                                 if unknown is not None else ()),
                    ))
                    if len(ranked) >= limit:
                        return ranked
                pending = later
                if not pending:
                    break
            if not feasible & ~done:
                break
        return ranked

    def _cadence_target(self) -> date | None:
        last, weeks = self.request.last_session_start, self.request.cadence_weeks
        if last is None or weeks is None:
            return None
        return last.astimezone(self.zone).date() + timedelta(weeks=weeks)

    def explain(self, chosen: Sequence[_Ranked]) -> list[Suggestion]:
        """The chosen slots as suggestions, with who must be released and who cannot come.

        Each member's duty per kind is a bitset on the space; the kinds whose bits meet a
        slot's are gathered per member (in the order of ``REASONS``).
        """
        if not chosen:
            return []
        ids = self.request.member_ids
        # Per member, (bit of the reason in REASONS's order, the layer's bitset).
        layers = [
            [(1 << reason, bits) for reason, bits in zip(_REASON_OF_LAYER, mine, strict=True) if bits]
            for mine in self.layers
        ]
        whole = (1 << self.cells) - 1
        # A member's status repeats from slot to slot (the same day work, the same leave);
        # statuses are immutable, so equal ones are built once and shared.
        known: dict[tuple[int, int], MemberStatus] = {}
        gives_way = self.rules.give_way_kinds
        suggestions = []
        for entry in chosen:
            mask = whole << self.space.cell(entry.index)
            released: list[MemberStatus] = []
            unavailable: list[MemberStatus] = []
            for pid, mine in zip(ids, layers, strict=True):
                code = 0  # the kinds that touch the slot as one number: bit k for _REASON_ORDER[k]
                for reason, bits in mine:
                    if bits & mask:
                        code |= reason
                if not code:
                    continue
                status = known.get((pid, code))
                if status is None:
                    state, reasons = _verdict(code, gives_way)
                    status = known[(pid, code)] = MemberStatus(pid, state, reasons)
                (unavailable if status.state == UNAVAILABLE else released).append(status)
            start, end = self.candidates.times(self.space.cell(entry.index))
            suggestions.append(Suggestion(
                start=start,
                end=end,
                member_count=len(ids),
                available=entry.available,
                released=tuple(released),
                unavailable=tuple(unavailable),
                fatigued=entry.fatigued,
                cadence_distance_days=entry.cadence_distance,
                habit_breaks=entry.habit_breaks,
                unknown=entry.unknown,
            ))
        return suggestions


@lru_cache(maxsize=1024)
def _verdict(code: int, gives_way: frozenset[str]) -> tuple[str, tuple[str, ...]]:
    """State and reasons of a member touched by the kinds in ``code`` (bit k: the k-th kind of
    ``REASONS``): unavailable for the kinds that do not give way, else must be released."""
    touching = [kind for at, kind in enumerate(_REASON_ORDER) if code >> at & 1]
    blocking = tuple(REASONS[kind] for kind in touching if kind not in gives_way)
    if blocking:
        return UNAVAILABLE, blocking
    return RELEASED, tuple(REASONS[kind] for kind in touching)
