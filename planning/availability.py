"""Availability and slot suggestion: rosters in, ranked candidate slots out.

Python and numpy, no Django: the caller turns model rows into the plain dataclasses below.
A roster entry may also be a plain ``(person_id, start, end, kind)`` tuple, the order of
``Busy``'s fields, as a database cursor returns it (unchecked: the database's constraints
already hold what ``Busy.__post_init__`` checks), with start and end as aware datetimes or as
POSIX seconds. Planning many groups from one roster, build a ``Roster`` once and pass it to
every call: each request then takes its members' rows as array slices.

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
   96 cells for a 16:00–18:00 window. Everything per cell is that much smaller, and entries
   that touch none of those cells (most nights, evenings, weekends) drop out early.
4. **Arrays.** The roster is read once into numpy arrays (who, which kind, start and end as
   POSIX seconds), rest after nights is added as rows of its own, and one pass turns all of it
   into a boolean matrix (members' blocking duty, members' give-way duty, the intervisor) ×
   cells. A slot of ``n`` cells starting at cell s is blocked when a busy cell lies in
   s .. s+n-1 (``_blocked_starts``); counting free members per start is a column sum, so only
   feasible starts are ever visited one by one. Reading each entry (two ``timestamp()``
   calls, none when the database hands over seconds) is the only per-entry Python work
   left; a ``Roster`` does it once for all the groups planned together.
5. **Ranking** needs the week before each feasible slot: rather than grid-wide bitsets, the
   fatigue rules ask the union of a member's intervals how much of [a, b) it covers, by
   binary search (``_Cover``). The ranking keys of all feasible slots are arrays sorted with
   one ``lexsort``; reasons for the chosen slots come from one intervals × slots overlap
   test, built only when suggestions are explained (the grid view of
   ``availability_matrix`` uses per-kind bitsets, Python ints, on any slots).

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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from functools import lru_cache
from itertools import compress, repeat
from operator import attrgetter, itemgetter
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

_Ints = npt.NDArray[np.int64]
_Floats = npt.NDArray[np.float64]
_Flags = npt.NDArray[np.bool_]

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
    plan = _Plan(request, roster, rules)
    return [
        FeasibleSlot(
            start=(start := plan.grid.when(i)),
            end=start + request.duration,
            available=frozenset(available),
            released=frozenset(released),
        )
        for i, available, released in plan.feasible()
    ]


def suggest_slots(
    request: GroupRequest,
    roster: Iterable[Busy] | Roster,
    rules: Rules = DEFAULT_RULES,
    limit: int = 10,
    max_per_day: int | None = 2,
) -> list[Suggestion]:
    """The ``limit`` best slots, ranked as the module docstring describes."""
    plan = _Plan(request, roster, rules)
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
    duty = _Duty.of(request.member_ids, roster, rules)
    layers = _layers(duty, space, len(request.member_ids))
    intervisor = _intervisor_bits(request, space)
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
    public_holidays.cache_clear()


def rest_after_nights(
    nights: Iterable[tuple[datetime, datetime]], rules: Rules = DEFAULT_RULES
) -> list[tuple[datetime, datetime]]:
    """Rest periods owed after one person's night shifts, as (start, end) pairs.

    14 h after each night, 46 h after the last night of a series of 3 or more (see the
    module docstring for what makes a series); both configurable in ``rules``.
    """
    ordered = sorted((_utc(start), _utc(end)) for start, end in nights if end > start)
    joined = [
        index > 0 and start - ordered[index - 1][1] <= rules.series_gap
        for index, (start, _end) in enumerate(ordered)
    ]
    long = _ends_long_series(np.array(joined, dtype=np.bool_), rules).tolist()
    return [
        (end, end + (rules.rest_after_series if ends else rules.rest_after_night))
        for (_start, end), ends in zip(ordered, long, strict=True)
    ]


def _ends_long_series(joined: _Flags, rules: Rules) -> _Flags:
    """Per night, in order: is it the last night of a series of ``series_length`` or more?

    ``joined[i]`` says night ``i`` continues the series of night ``i - 1``. Shared by
    ``rest_after_nights`` (datetimes) and the engine (seconds) so the rule lives in one place.
    """
    long = np.zeros(len(joined), dtype=np.bool_)
    if len(joined):
        first = np.flatnonzero(~joined)  # where each series starts (night 0 never joins)
        last = np.append(first[1:], len(joined)) - 1  # ... and where it ends
        long[last[last - first + 1 >= rules.series_length]] = True
    return long


# --------------------------------------------------------------------------- the grid


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _floor_to_cell(value: datetime) -> datetime:
    return EPOCH + ((value - EPOCH) // CELL) * CELL


class _Grid:
    """``cells`` quarter hours from ``origin`` (UTC, on a quarter hour).

    Indices come from POSIX timestamps, which count real seconds whatever the zone: the
    arithmetic stays right across DST without thinking about it, and numpy can do it for a
    whole roster at once (``cells_of``).
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

    def cells_of(self, start: _Floats, end: _Floats) -> tuple[_Ints, _Ints]:
        """``touched`` for arrays of POSIX seconds: [low, high) per interval, clipped.

        floor/ceil of the quotient equal ``floor``/``ceil``: the difference of two timestamps
        is exact, and a quotient by 900 that is not whole cannot round to a whole number.
        """
        low = np.floor((start - self.origin_ts) / SECONDS_PER_CELL)
        high = np.ceil((end - self.origin_ts) / SECONDS_PER_CELL)
        return (
            np.clip(low, 0, self.cells).astype(np.int64),
            np.clip(high, 0, self.cells).astype(np.int64),
        )

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
    keeps 8 of every 96 cells, so matrices over these cells alone are an order of magnitude
    smaller, and roster entries that touch none of them (most nights, evenings and weekends)
    drop out before any cell is marked. A slot's cells are consecutive on the grid and stay
    consecutive here, which is all that ``_blocked_starts`` and slot masks need.
    """

    __slots__ = ("grid", "kept", "kept_array", "rank")

    def __init__(self, grid: _Grid, kept: _Ints, rank: _Ints) -> None:
        self.grid = grid
        self.kept_array = kept  # space cell -> grid cell
        self.kept: list[int] = kept.tolist()  # the same, for indexing one at a time
        self.rank = rank  # grid cell c (0 ..= cells) -> how many kept cells lie before c

    @classmethod
    def keeping(cls, grid: _Grid, bits: int) -> _Space:
        """The space of the grid cells set in ``bits``."""
        flags = _unpack(bits, grid.cells)
        rank = np.zeros(grid.cells + 1, dtype=np.int64)
        np.cumsum(flags, out=rank[1:])
        return cls(grid, np.flatnonzero(flags), rank)

    @property
    def size(self) -> int:
        return len(self.kept)

    def cell(self, grid_cell: int) -> int:
        """The space cell of a kept grid cell."""
        return int(self.rank[grid_cell])

    def mask(self, start: datetime, end: datetime) -> int:
        """Bits of every kept cell that [start, end) touches."""
        low, high = self.grid.touched(start, end)
        if high <= low:
            return 0
        low, high = self.cell(low), self.cell(high)
        return ((1 << (high - low)) - 1) << low

    def coverage(self, rows: _Ints, start: _Floats, end: _Floats, count: int) -> _Flags:
        """A (count, size) matrix: does any interval of row r touch kept cell c?

        ``rows``, ``start`` and ``end`` (POSIX seconds) are parallel arrays, one interval each.
        An interval touches every cell it overlaps even partly, as ``_Grid.mask`` says.
        """
        low, high = self.cells_of(start, end)
        touching = high > low
        return _covered(rows[touching], low[touching], high[touching], count, self.size)

    def cells_of(self, start: _Floats, end: _Floats) -> tuple[_Ints, _Ints]:
        """[low, high) in this space per interval (POSIX seconds); empty between kept cells."""
        low, high = self.grid.cells_of(start, end)
        # The number of kept cells before a grid cell turns [low, high) on the grid into
        # [low, high) here; intervals between kept cells come out empty.
        return self.rank[low], self.rank[high]

    def bitsets(self, rows: _Ints, start: _Floats, end: _Floats, count: int) -> list[int]:
        """``coverage`` with each row packed into an int bitset (bit c = kept cell c)."""
        packed = np.packbits(self.coverage(rows, start, end, count), axis=1, bitorder="little")
        raw, length = packed.tobytes(), packed.shape[1]
        return [int.from_bytes(raw[r * length : (r + 1) * length], "little") for r in range(count)]


def _covered(rows: _Ints, low: _Ints, high: _Ints, count: int, width: int) -> _Flags:
    """A (count, width) matrix: is cell c inside some [low, high) interval of row r?

    A difference array per row (+1 where an interval starts, -1 where it ends) summed up
    gives how many intervals cover each cell.
    """
    stride = width + 1  # room for the -1 of an interval ending at the last cell
    size = count * stride
    delta = np.bincount(rows * stride + low, minlength=size)
    delta -= np.bincount(rows * stride + high, minlength=size)
    # Each row's +1s and -1s cancel within the row, so one running sum over the flattened
    # rows (faster than one per row) restarts every row at zero.
    return (np.cumsum(delta) > 0).reshape(count, stride)[:, :width]


def _blocked_starts(busy: _Flags, cells: int) -> _Flags:
    """Per row, the starts whose slot of ``cells`` cells touches a busy cell: cell s is set
    iff any of cells s .. s+cells-1 is busy (``_spread`` on every row at once)."""
    blocked = busy.copy()
    covered = 1
    while covered < cells:
        step = min(covered, cells - covered)
        blocked[:, :-step] |= blocked[:, step:]
        covered += step
    return blocked


def _unpack(bits: int, width: int) -> _Flags:
    """An int's lowest ``width`` bits as an array of flags, bit 0 first."""
    raw = np.frombuffer(bits.to_bytes((width + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(raw, count=width, bitorder="little").view(np.bool_)


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


# --------------------------------------------------------------------------- per person

# Layers are numbered so a whole roster fits in integer arrays: one per kind, then REST.
_LAYERS: tuple[str, ...] = (*sorted(KINDS), REST)
_LAYER_CODE = {name: code for code, name in enumerate(_LAYERS)}
_NIGHT, _LEAVE, _REST = _LAYER_CODE["night"], _LAYER_CODE["leave"], _LAYER_CODE[REST]
# Explanations list reasons in REASONS's order: each layer's place in it.
_REASON_ORDER: tuple[str, ...] = tuple(REASONS)
_REASON_OF_LAYER = np.array([_REASON_ORDER.index(name) for name in _LAYERS], dtype=np.int64)


_BUSY_FIELDS = ("person_id", "start", "end", "kind")


def _is_row_tuple(entry: object) -> bool:
    """A plain tuple, or a named one with Busy's fields in Busy's order (read by position)."""
    return isinstance(entry, tuple) and getattr(type(entry), "_fields", _BUSY_FIELDS) == _BUSY_FIELDS


@dataclass(frozen=True)
class _Duty:
    """The members' roster, rest after nights included, as parallel arrays (one row each).

    Converting some 600 entries a group one at a time into grid cells used to be most of the
    engine's time; as arrays, everything after reading the entries runs in numpy.
    """

    member: _Ints  # position in the request's member_ids
    layer: _Ints  # code of the kind, or of REST, in _LAYERS
    start: _Floats  # POSIX seconds
    end: _Floats

    @classmethod
    def of(cls, member_ids: Sequence[int], roster: Iterable[Busy] | Roster, rules: Rules) -> _Duty:
        if isinstance(roster, Roster):
            return roster.duty(member_ids, rules)
        who, layer, start, end = _columns(roster)
        position = {pid: at for at, pid in enumerate(member_ids)}.get  # -1: not a member
        member = np.fromiter(map(position, who.tolist(), repeat(-1)), np.int64, len(who))
        # Other people's entries go, and so do empty ones, which overlap nothing.
        keep = (member >= 0) & (end > start)
        duty = cls(member[keep], layer[keep], start[keep], end[keep])
        return duty.plus(duty.rest_after_nights(rules))

    @classmethod
    def empty(cls) -> _Duty:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, none.astype(np.float64), none.astype(np.float64))

    def plus(self, other: _Duty) -> _Duty:
        return _Duty(
            np.concatenate((self.member, other.member)),
            np.concatenate((self.layer, other.layer)),
            np.concatenate((self.start, other.start)),
            np.concatenate((self.end, other.end)),
        )

    def where(self, keep: _Flags) -> _Duty:
        return _Duty(self.member[keep], self.layer[keep], self.start[keep], self.end[keep])

    def rest_after_nights(self, rules: Rules) -> _Duty:
        """The rest owed after the nights as REST rows; the rule of ``rest_after_nights``.

        It needs every night, also those before the grid: they can start rest inside it.
        """
        nights = self.where(self.layer == _NIGHT)
        # By member, then in the order rest_after_nights sorts one person's nights.
        nights = nights.where(np.lexsort((nights.end, nights.start, nights.member)))
        joined = np.zeros(len(nights.member), dtype=np.bool_)
        joined[1:] = (nights.member[1:] == nights.member[:-1]) & (
            nights.start[1:] - nights.end[:-1] <= rules.series_gap.total_seconds()
        )
        rest = np.where(
            _ends_long_series(joined, rules),
            rules.rest_after_series.total_seconds(),
            rules.rest_after_night.total_seconds(),
        )
        return _Duty(
            nights.member, np.full_like(nights.layer, _REST), nights.end, nights.end + rest
        )


def _columns(roster: Iterable[Busy]) -> tuple[_Ints, _Ints, _Floats, _Floats]:
    """Who, layer code, start and end (POSIX seconds) of every entry, as columns.

    Entries are ``Busy``, objects with its attributes, or tuples in its field order as a
    database cursor returns them; start and end are aware datetimes or already POSIX seconds
    (numbers), the cheapest form a database can hand over.
    """
    entries = roster if isinstance(roster, Sequence) else list(roster)
    count = len(entries)
    if not count:
        empty = _Duty.empty()
        return empty.member, empty.layer, empty.start, empty.end
    if _is_row_tuple(entries[0]):
        # By position, column by column: ``zip(*entries)`` would be shorter, but it makes an
        # iterator object per row, and tens of thousands of those at once set off a full
        # garbage collection of the whole process.
        who, begin, until, kind = (map(itemgetter(at), entries) for at in range(4))
        first = entries[0][1]
    else:
        who = map(attrgetter("person_id"), entries)
        begin, until = map(attrgetter("start"), entries), map(attrgetter("end"), entries)
        kind = map(attrgetter("kind"), entries)
        first = entries[0].start
    layer = np.fromiter(map(_LAYER_CODE.__getitem__, kind), np.int64, count)
    if isinstance(first, datetime):
        # Reading datetimes is the only per-entry Python work left, and the two timestamp()
        # passes are most of it; seconds from the database skip it.
        start = np.fromiter(map(datetime.timestamp, begin), np.float64, count)
        end = np.fromiter(map(datetime.timestamp, until), np.float64, count)
    else:
        start = np.fromiter(begin, np.float64, count)
        end = np.fromiter(until, np.float64, count)
    return np.fromiter(who, np.int64, count), layer, start, end


class Roster:
    """Many people's roster entries, read once and shared by many requests.

    Planning all groups of a programme reads one roster for everybody; reading it per group
    would read every entry again for every group it is passed to. Built once (rest after
    nights included, for ``rules``), it hands each request its members' rows as array slices.
    Accepts what ``suggest_slots`` accepts; other people's entries are simply never asked for.
    """

    __slots__ = ("rules", "_duty", "_bounds")

    def __init__(self, entries: Iterable[Busy], rules: Rules = DEFAULT_RULES) -> None:
        person, layer, start, end = _columns(entries)
        keep = end > start  # empty entries overlap nothing
        duty = _Duty(person[keep], layer[keep], start[keep], end[keep])
        duty = duty.plus(duty.rest_after_nights(rules))  # per person: ``member`` holds ids here
        self.rules = rules
        self._duty = duty.where(np.argsort(duty.member, kind="stable"))
        # Sorted by person: each person's rows are one run, from ``first`` to the next run.
        person = self._duty.member
        first = np.flatnonzero(np.diff(person, prepend=person[0] - 1)) if len(person) else person
        last = np.append(first[1:], len(person))[: len(first)]
        self._bounds: dict[int, tuple[int, int]] = dict(
            zip(person[first].tolist(), zip(first.tolist(), last.tolist(), strict=True), strict=True)
        )

    def __len__(self) -> int:
        """Rows held, rest periods included."""
        return len(self._duty.member)

    def duty(self, member_ids: Sequence[int], rules: Rules) -> _Duty:
        """The members' rows, ``member`` renumbered to positions in ``member_ids``."""
        if rules != self.rules:
            raise ValueError("this roster was prepared for other rules (rest periods differ)")
        pieces = [(at, *self._bounds[pid]) for at, pid in enumerate(member_ids) if pid in self._bounds]
        if not pieces:
            return _Duty.empty()
        position, low, high = (np.array(column, dtype=np.int64) for column in zip(*pieces, strict=True))
        lengths = high - low
        # Consecutive index runs low..high-1 per member, without a Python loop over rows.
        offsets = np.repeat(low - np.cumsum(lengths) + lengths, lengths)
        index = np.arange(int(lengths.sum()), dtype=np.int64) + offsets
        rows = self._duty
        return _Duty(np.repeat(position, lengths), rows.layer[index], rows.start[index], rows.end[index])


def _busy(duty: _Duty, request: GroupRequest, space: _Space, rules: Rules) -> _Flags:
    """All that feasibility needs, as one matrix over ``space`` (one numpy pass, not three).

    Rows 0 .. m-1: each member's blocking duty (every kind that does not give way, and rest);
    rows m .. 2m-1: each member's duty that gives way; row 2m: the intervisor's busy time.
    """
    members = len(request.member_ids)
    gives_way = np.array([name in rules.give_way_kinds for name in _LAYERS], dtype=np.int64)
    intervisor = request.intervisor_busy
    rows = np.concatenate(
        (duty.member + members * gives_way[duty.layer], np.full(len(intervisor), 2 * members))
    )
    start = np.concatenate((duty.start, [begin.timestamp() for begin, _ in intervisor]))
    end = np.concatenate((duty.end, [until.timestamp() for _, until in intervisor]))
    return space.coverage(rows, start, end, 2 * members + 1)


def _layers(duty: _Duty, space: _Space, members: int) -> list[dict[str, int]]:
    """Per member: kind (or REST) -> bitset on ``space``, for the reasons."""
    bits = space.bitsets(
        len(_LAYERS) * duty.member + duty.layer, duty.start, duty.end, len(_LAYERS) * members
    )
    width = len(_LAYERS)
    return [
        {name: layer for name, layer in zip(_LAYERS, bits[at : at + width], strict=True) if layer}
        for at in range(0, len(bits), width)
    ]


class _Cover:
    """The union of members' intervals on the grid, asked "how many cells of [a, b) does it
    cover?" with a binary search, for the fatigue rules.

    Those rules look a whole week back from each slot, so grid-wide bitsets would be needed;
    they are only asked at the (few) feasible starts, and this needs no per-cell work at all.
    Member m's cells are numbered from ``m * stride``, so all members share one sorted line.
    """

    def __init__(self, duty: _Duty, grid: _Grid) -> None:
        self.stride = grid.cells + 1
        low, high = grid.cells_of(duty.start, duty.end)
        low, high = low + duty.member * self.stride, high + duty.member * self.stride
        order = np.argsort(low, kind="stable")
        low, high = low[order], high[order]
        reach = np.maximum.accumulate(high) if len(high) else high
        # A block of the union starts at an interval beginning past all before it; the reach
        # at its last interval is where it ends. A zero-length block at -1 leads, so every
        # point has a block at or before it.
        first = np.ones(len(low), dtype=np.bool_)
        first[1:] = low[1:] > reach[:-1]
        starts = np.flatnonzero(first)
        last = np.append(starts[1:] - 1, len(low) - 1) if len(low) else starts
        self.low = np.concatenate(([-1], low[starts]))
        self.high = np.concatenate(([-1], reach[last]))
        self.before = np.concatenate(([0], np.cumsum(self.high - self.low)))  # covered before block

    def count(self, member: _Ints, low: _Ints, high: _Ints) -> _Ints:
        """Cells of [low, high) that ``member``'s intervals cover (arrays broadcast)."""
        base = member * self.stride
        return self._covered_before(base + high) - self._covered_before(base + low)

    def _covered_before(self, point: _Ints) -> _Ints:
        block = np.searchsorted(self.low, point, side="right") - 1
        inside = np.clip(point - self.low[block], 0, self.high[block] - self.low[block])
        return self.before[block] + inside


def _fatigued(duty: _Duty, grid: _Grid, rules: Rules, members: int, starts: _Ints) -> _Flags:
    """Per member and start cell (members × starts): just off nights, or in a heavy week
    before it?"""
    nights = duty.layer == _NIGHT
    # Worked is every rostered kind except leave (rest is not rostered).
    worked = (duty.layer != _LEAVE) & (duty.layer != _REST)
    # One union for both questions: row 2m holds member m's nights, row 2m + 1 the work.
    row = np.concatenate((2 * duty.member[nights], 2 * duty.member[worked] + 1))
    cover = _Cover(
        _Duty(
            row,
            np.zeros_like(row),
            np.concatenate((duty.start[nights], duty.start[worked])),
            np.concatenate((duty.end[nights], duty.end[worked])),
        ),
        grid,
    )
    night_cells = -(-rules.fatigue_after_night // CELL)
    member = np.arange(members)[None, :, None]  # question × member × start, by broadcasting
    since = np.stack((starts - night_cells, starts - 7 * 24 * 4))[:, None, :]
    covered = cover.count(2 * member + np.array([0, 1])[:, None, None], np.maximum(since, 0), starts)
    off_nights = covered[0] > 0
    heavy = covered[1] / 4 > rules.heavy_week_hours
    return off_nights | heavy


def _intervisor_bits(request: GroupRequest, space: _Space) -> int:
    busy = request.intervisor_busy
    start = np.array([begin.timestamp() for begin, _ in busy], dtype=np.float64)
    end = np.array([until.timestamp() for _, until in busy], dtype=np.float64)
    return space.bitsets(np.zeros(len(busy), dtype=np.int64), start, end, 1)[0]


def _known_bits(request: GroupRequest, space: _Space) -> list[int | None]:
    """Per member, the bitset of cells their roster covers (None: all of them)."""
    if request.member_known is None:
        return [None] * len(request.member_ids)
    rows, start, end = _known_columns(request.member_known)
    return list(space.bitsets(rows, start, end, len(request.member_ids)))


def _known_columns(
    known: tuple[tuple[tuple[datetime, datetime], ...], ...],
) -> tuple[_Ints, _Floats, _Floats]:
    """The covered spans as parallel arrays: member row, start and end in POSIX seconds."""
    rows = [at for at, spans in enumerate(known) for _ in spans]
    start = [begin.timestamp() for spans in known for begin, _ in spans]
    end = [until.timestamp() for spans in known for _, until in spans]
    return (np.array(rows, dtype=np.int64), np.array(start, dtype=np.float64),
            np.array(end, dtype=np.float64))


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

    __slots__ = ("space", "starts", "zone", "_calendar")

    def __init__(self, space: _Space, starts: _Flags, zone: ZoneInfo) -> None:
        self.space = space  # every grid cell some candidate slot covers
        self.starts = starts  # per cell of ``space``: may a slot start here?
        self.zone = zone
        self._calendar: tuple[_Ints, _Ints, _Ints] | None = None

    @property
    def calendar(self) -> tuple[_Ints, _Ints, _Ints]:
        """Per cell of ``space``, for starts only (0 elsewhere): the local calendar day
        (ordinal), weekday and second of the day.

        Ranking reads them for every feasible start of every group sharing these windows:
        converting each start to local time once, on first use, is enough.
        """
        if self._calendar is None:
            day, weekday, second = (np.zeros(self.space.size, dtype=np.int64) for _ in range(3))
            grid, kept = self.space.grid, self.space.kept
            for at in np.flatnonzero(self.starts).tolist():
                local = grid.when(kept[at]).astimezone(self.zone)
                day[at], weekday[at] = local.toordinal(), local.weekday()
                second[at] = local.hour * 3600 + local.minute * 60 + local.second
            for array in (day, weekday, second):
                array.setflags(write=False)  # shared through the cache
            self._calendar = (day, weekday, second)
        return self._calendar


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
# the expansion (a zoneinfo lookup per window and day) is done once per distinct set.
@lru_cache(maxsize=256)
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
    flags = _unpack(starts, grid.cells)[space.kept]
    flags.setflags(write=False)  # shared through the cache
    return _Candidates(space, flags, ZoneInfo(tz))


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
    """One request's grid and busy matrix, shared by feasibility, ranking and explanations.

    Feasibility and explanations work on the candidate cells only (``_Space``); the fatigue
    rules look at whole days before a slot and ask ``_Cover``, only when ranking.
    """

    def __init__(self, request: GroupRequest, roster: Iterable[Busy] | Roster, rules: Rules) -> None:
        self.request = request
        self.rules = rules
        self.zone = ZoneInfo(rules.tz)
        self.cells = request.duration // CELL
        self.candidates = candidates = _candidates_for(request, rules, self.cells)
        self.space = candidates.space
        self.grid = self.space.grid
        self.starts = candidates.starts
        self.members = len(request.member_ids)
        self.duty = _Duty.of(request.member_ids, roster, rules)
        self.busy = _busy(self.duty, request, self.space, rules)
        self.unknown: _Flags | None = None

    def _unknown(self, blocked: _Flags) -> _Flags | None:
        """Per member and start: the slot leaves the spans their roster covers and no duty of
        theirs touches it (members × cells), or None when every roster is complete."""
        known = self.request.member_known
        if known is None:
            return None
        # Most rosters cover the whole horizon: only the others are looked at cell by cell.
        begin, finish = self.request.horizon_start, self.request.horizon_end
        partly = [at for at, spans in enumerate(known)
                  if not any(start <= begin and finish <= end for start, end in spans)]
        if not partly:
            return None
        members, rows = self.members, np.array(partly, dtype=np.int64)
        spans, start, end = _known_columns(tuple(known[at] for at in partly))
        uncovered = ~self.space.coverage(spans, start, end, len(partly))
        unknown = np.zeros((members, self.space.size), dtype=np.bool_)
        unknown[rows] = (_blocked_starts(uncovered, self.cells)
                         & ~blocked[rows] & ~blocked[rows + members])
        return unknown

    def _free(self) -> tuple[_Flags, _Ints, _Flags]:
        """Blocked starts per row of ``busy``, the feasible starts (cells of ``space``), and
        who is free at each of them (members × feasible starts).

        Every member is checked at every candidate start at once, as boolean matrices
        (members × cells); what follows only looks at the (usually few) feasible starts. A
        member whose roster does not cover a start is not free there (``_unknown``).
        """
        members = self.members
        blocked = _blocked_starts(self.busy, self.cells)
        starts = self.starts & ~blocked[2 * members]  # the intervisor is free
        free = starts & ~blocked[:members]
        self.unknown = self._unknown(blocked)
        if self.unknown is not None:
            free &= ~self.unknown
        enough = free.sum(axis=0) >= self.rules.required_members(members)
        feasible = np.flatnonzero(starts & enough)
        return blocked, feasible, free[:, feasible]

    def feasible(self) -> list[tuple[int, list[int], list[int]]]:
        """(start cell on the grid, available member ids, released member ids) per feasible
        slot."""
        members, ids = self.members, self.request.member_ids
        blocked, feasible, free = self._free()
        available = [list(compress(ids, column)) for column in free.T.tolist()]
        released_cells = free & blocked[members : 2 * members, feasible]
        released = [list(compress(ids, column)) for column in released_cells.T.tolist()]
        kept = self.space.kept
        return [
            (kept[i], came, freed)
            for i, came, freed in zip(feasible.tolist(), available, released, strict=True)
        ]

    def ranked(self, limit: int, max_per_day: int | None) -> list[_Ranked]:
        """The best ``limit`` feasible slots, ranked as the module docstring says and spread
        over days by ``_spread_over_days``.

        The keys are computed for all feasible slots at once and sorted with ``lexsort``;
        who comes and who is tired is only gathered for the slots taken.
        """
        _blocked, feasible, free = self._free()
        if not len(feasible) or limit <= 0:
            return []
        index = self.space.kept_array[feasible]
        tired = free & _fatigued(self.duty, self.grid, self.rules, self.members, index)
        attending, fatigued = free.sum(axis=0), tired.sum(axis=0)
        calendar_day, weekday, second = self.candidates.calendar
        day = calendar_day[feasible]
        target = self._cadence_target()
        distance = np.abs(day - target.toordinal()) if target else np.zeros_like(day)
        breaks = np.zeros_like(day)
        usual_day, usual_start = self.request.usual_weekday, self.request.usual_start
        if usual_day is not None:
            breaks += weekday[feasible] != usual_day
        if usual_start is not None:
            usual = usual_start.hour * 3600 + usual_start.minute * 60 + usual_start.second
            # A usual start with microseconds is never kept: slots start on whole quarters.
            breaks += (second[feasible] != usual) | bool(usual_start.microsecond)
        # lexsort sorts by its last key first: attendance, fatigue, cadence, habit, start.
        order = np.lexsort((index, breaks, distance, fatigued, -attending))
        taken = _spread_over_days(order, index, day, self.cells, limit, max_per_day)
        ids = self.request.member_ids
        unknown = self.unknown[:, feasible] if self.unknown is not None else None
        return [
            _Ranked(
                index=int(index[at]),
                available=tuple(compress(ids, free[:, at].tolist())),
                fatigued=tuple(compress(ids, tired[:, at].tolist())),
                cadence_distance=int(distance[at]) if target else None,
                habit_breaks=int(breaks[at]),
                unknown=tuple(compress(ids, unknown[:, at].tolist())) if unknown is not None else (),
            )
            for at in taken
        ]

    def _cadence_target(self) -> date | None:
        last, weeks = self.request.last_session_start, self.request.cadence_weeks
        if last is None or weeks is None:
            return None
        return last.astimezone(self.zone).date() + timedelta(weeks=weeks)

    def explain(self, chosen: Sequence[_Ranked]) -> list[Suggestion]:
        """The chosen slots as suggestions, with who must be released and who cannot come.

        Which duty touches which slot is found for all chosen slots at once, intervals ×
        slots, then gathered per member and kind (in the order of ``REASONS``).
        """
        if not chosen:
            return []
        ids, duty, count = self.request.member_ids, self.duty, len(chosen)
        low, high = self.space.cells_of(duty.start, duty.end)
        at = np.array([self.space.cell(entry.index) for entry in chosen], dtype=np.int64)
        hits = (low[:, None] < at + self.cells) & (high[:, None] > at) & (high > low)[:, None]
        interval, slot = np.nonzero(hits)
        # Per slot and member, the kinds that touch it as one number: bit k for _REASON_ORDER[k].
        kinds = np.zeros(count * self.members, dtype=np.int64)
        np.bitwise_or.at(
            kinds, slot * self.members + duty.member[interval], 1 << _REASON_OF_LAYER[duty.layer[interval]]
        )
        statuses: list[tuple[list[MemberStatus], list[MemberStatus]]] = [([], []) for _ in chosen]
        # A member's status repeats from slot to slot (the same day work, the same leave);
        # statuses are immutable, so equal ones are built once and shared.
        known: dict[tuple[int, int], MemberStatus] = {}
        gives_way = self.rules.give_way_kinds
        hit = np.flatnonzero(kinds)  # slot-major, members in order within a slot
        for place, code in zip(hit.tolist(), kinds[hit].tolist(), strict=True):
            pid = ids[place % self.members]
            status = known.get((pid, code))
            if status is None:
                state, reasons = _verdict(code, gives_way)
                status = known[(pid, code)] = MemberStatus(pid, state, reasons)
            released, unavailable = statuses[place // self.members]
            (unavailable if status.state == UNAVAILABLE else released).append(status)
        suggestions = []
        for entry, (released, unavailable) in zip(chosen, statuses, strict=True):
            suggestions.append(Suggestion(
                start=self.grid.when(entry.index),
                end=self.grid.when(entry.index + self.cells),
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


def _spread_over_days(
    order: _Ints, index: _Ints, day: _Ints, cells: int, limit: int, max_per_day: int | None
) -> list[int]:
    """Positions taken from ``order`` (best first): at most ``max_per_day`` non-overlapping
    slots (``cells`` long, starting at grid cell ``index``) per local ``day``."""
    if max_per_day is None:
        return order[:limit].tolist()
    chosen: list[int] = []
    per_day: dict[int, list[int]] = defaultdict(list)
    starts, days = index.tolist(), day.tolist()
    for at in order.tolist():
        taken = per_day[days[at]]
        begin = starts[at]
        if len(taken) >= max_per_day or any(abs(begin - other) < cells for other in taken):
            continue
        taken.append(begin)
        chosen.append(at)
        if len(chosen) >= limit:
            break
    return chosen
