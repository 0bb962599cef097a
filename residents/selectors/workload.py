"""Reads that span models on the residents side: workload derived from rosters, and a
resident's roster laid out as a week or month next to their sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from zoneinfo import ZoneInfo

from planning.availability import rest_after_nights

from ..models import Programme, Resident, RosterEntry
from ..timezones import programme_zone
from .rules import rules_for

HEAVY_WEEK_HOURS = 48  # the Dutch working-hours rule for residents: 48 h a week on average
WEEKS_BACK = 4
WEEKS_AHEAD = 3


def _merge(spans: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Union of intervals, so an on-call shift on top of a day shift is not counted twice."""
    merged: list[list[dt.datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


@dataclass
class Workload:
    """One resident's workload around a day, from the roster alone."""

    resident: Resident
    weeks: list[dt.date]  # the Mondays of the weeks shown
    hours: list[float]  # worked hours per week (everything but leave), same order
    nights_7: int = 0  # night shifts that started in the 7 days before ``now``
    nights_28: int = 0
    rest_periods: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    in_rest_until: dt.datetime | None = None  # a rest period after nights holds at ``now``
    rest_breaches: int = 0  # shifts starting inside a rest period owed after nights

    @property
    def weeks_over_48(self) -> int:
        return sum(1 for h in self.hours if h > HEAVY_WEEK_HOURS)

    @property
    def average_hours(self) -> float:
        return sum(self.hours) / len(self.hours) if self.hours else 0.0

    @property
    def max_hours(self) -> float:
        return max(self.hours, default=0.0)

    def hours_by_week(self) -> list[tuple[dt.date, float]]:
        return list(zip(self.weeks, self.hours, strict=True))


def _rules(programme: Programme):
    return rules_for(programme)


def _workload_of(rows, mondays, edges, now, rules) -> Workload:
    """One resident's workload from their entries (other than leave) as (id, start, end, kind)."""
    merged = _merge([(start, end) for _pid, start, end, _kind in rows])
    nights = [(start, end) for _pid, start, end, kind in rows if kind == "night"]
    hours = []
    for low, high in zip(edges, edges[1:], strict=False):
        seconds = sum(
            (min(e, high) - max(s, low)).total_seconds() for s, e in merged if s < high and e > low
        )
        hours.append(round(seconds / 3600, 1))
    rest = rest_after_nights(nights, rules)
    load = Workload(None, mondays, hours, rest_periods=rest)
    load.nights_7 = sum(1 for s, _e in nights if now - dt.timedelta(days=7) <= s < now)
    load.nights_28 = sum(1 for s, _e in nights if now - dt.timedelta(days=28) <= s < now)
    load.in_rest_until = max((e for s, e in rest if s <= now < e), default=None)
    load.rest_breaches = sum(1 for _pid, start, _e, _k in rows if any(s <= start < e for s, e in rest))
    return load


def workload_for(
    residents: Sequence[Resident], *, now: dt.datetime, weeks_back: int = WEEKS_BACK,
    weeks_ahead: int = WEEKS_AHEAD, programme: Programme | None = None,
) -> dict[int, Workload]:
    """Workload of ``residents`` (one query for all their entries, plus the programme's row).

    Weeks are local ISO weeks (Monday 00:00 to Monday 00:00 in the programme's zone), from
    ``weeks_back`` weeks before the week of ``now`` to ``weeks_ahead`` weeks after it.
    """
    programme = programme or Programme.get()
    rules = _rules(programme)
    zone = programme_zone()
    today = now.astimezone(zone).date()
    this_monday = today - dt.timedelta(days=today.weekday())
    mondays = [this_monday + dt.timedelta(weeks=w) for w in range(-weeks_back, weeks_ahead + 1)]
    edges = [dt.datetime.combine(m, dt.time(0), zone) for m in mondays]
    edges.append(dt.datetime.combine(mondays[-1] + dt.timedelta(weeks=1), dt.time(0), zone))
    since = min(edges[0], now - dt.timedelta(days=28)) - rules.rest_after_series - dt.timedelta(days=1)
    until = edges[-1]

    # One query, read as a stream in resident order: only one resident's entries are held at a
    # time, so a programme of hundreds of residents does not hold all their rosters at once.
    entries = RosterEntry.objects.filter(
        resident__in=[r.pk for r in residents], end__gt=since, start__lt=until
    ).exclude(kind="leave").order_by("resident_id").values_list("resident_id", "start", "end", "kind")
    results = {}
    for pid, rows in groupby(entries.iterator(chunk_size=2000), key=itemgetter(0)):
        results[pid] = _workload_of(list(rows), mondays, edges, now, rules)
    for resident in residents:
        load = results.get(resident.pk) or _workload_of([], mondays, edges, now, rules)
        load.resident = resident
        results[resident.pk] = load
    return results


# --- the roster as a calendar ---------------------------------------------------------------

@dataclass
class DayItem:
    start: dt.datetime  # local
    end: dt.datetime
    label: str
    kind: str  # a RosterKind value, or "session"
    continues: bool = False  # started on an earlier day


@dataclass
class Day:
    date: dt.date
    items: list[DayItem] = field(default_factory=list)
    in_month: bool = True


def roster_days(
    resident: Resident, first: dt.date, last: dt.date, *, tz: str,
    sessions: Iterable = (),
) -> list[Day]:
    """Every local day from ``first`` to ``last`` with the roster entries touching it and the
    given sessions (one query for the entries)."""
    zone = ZoneInfo(tz)
    low = dt.datetime.combine(first, dt.time(0), zone)
    high = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), zone)
    days = {first + dt.timedelta(days=i): Day(first + dt.timedelta(days=i))
            for i in range((last - first).days + 1)}
    entries = RosterEntry.objects.filter(resident=resident, end__gt=low, start__lt=high).only(
        "start", "end", "kind")
    for entry in entries:
        start, end = entry.start.astimezone(zone), entry.end.astimezone(zone)
        day = max(start.date(), first)
        while day <= last and dt.datetime.combine(day, dt.time(0), zone) < end:
            days[day].items.append(DayItem(start, end, entry.get_kind_display(), entry.kind,
                                           continues=day != start.date()))
            day += dt.timedelta(days=1)
    for session in sessions:
        start, end = session.start.astimezone(zone), session.end.astimezone(zone)
        if first <= start.date() <= last:
            days[start.date()].items.append(DayItem(start, end, str(session), "session"))
    for day in days.values():
        day.items.sort(key=lambda item: (item.continues is False, item.start))
    return list(days.values())
