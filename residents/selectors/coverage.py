"""Which periods residents' rosters cover (``RosterCoverage``), for planning and for the
coverage page.

A day counts as covered for a resident when an import that named them covered it: the file's
period (from its first to its last day, or the period given on upload). Outside, with no entry
known, planning counts the resident "unknown", never free. Rosters imported before coverage
was recorded cover the days from their first entry to their last (migration 0008).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from ..models import Resident, RosterCoverage
from ..timezones import programme_zone

Span = tuple[dt.datetime, dt.datetime]


def merged(spans: Iterable[Span]) -> list[Span]:
    """Spans joined where they meet or overlap, in order."""
    joined: list[Span] = []
    for start, end in sorted(spans):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


def coverage_spans(resident_ids: Iterable[int] | QuerySet, start: dt.datetime | None = None,
                   end: dt.datetime | None = None) -> dict[int, list[Span]]:
    """Per resident, the merged spans their roster covers (touching [start, end) if given);
    one query. ``resident_ids`` may be a query of ids: the database then picks them itself
    (for the 458 members of 60 groups, 2.3 ms instead of 4.4 ms with their ids sent)."""
    ids = resident_ids if isinstance(resident_ids, QuerySet) else list(resident_ids)
    rows = RosterCoverage.objects.filter(resident_id__in=ids)
    if start is not None:
        rows = rows.filter(end__gt=start)
    if end is not None:
        rows = rows.filter(start__lt=end)
    found: dict[int, list[Span]] = defaultdict(list)
    for pid, begin, finish in rows.order_by().values_list("resident_id", "start", "end"):
        found[pid].append((begin, finish))
    return {pid: merged(spans) for pid, spans in found.items()}


def last_covered_day(spans: list[Span], zone: ZoneInfo) -> dt.date | None:
    """The last local day the spans cover (they end at local midnight after it)."""
    if not spans:
        return None
    return (spans[-1][1] - dt.timedelta(microseconds=1)).astimezone(zone).date()


def gaps(spans: list[Span], start: dt.datetime, end: dt.datetime) -> list[Span]:
    """The parts of [start, end) that no span covers."""
    found, cursor = [], start
    for begin, finish in spans:
        if finish <= cursor:
            continue
        if begin >= end:
            break
        if begin > cursor:
            found.append((cursor, begin))
        cursor = max(cursor, finish)
    if cursor < end:
        found.append((cursor, end))
    return found


@dataclass
class ResidentCoverage:
    """One row of the coverage page: a resident, what their roster covers, and its gaps in the
    planning horizon as local days (first, last inclusive)."""

    resident: Resident
    spans: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    gaps: list[tuple[dt.date, dt.date]] = field(default_factory=list)

    @property
    def first_day(self) -> dt.date | None:
        return self.spans[0][0] if self.spans else None

    @property
    def last_day(self) -> dt.date | None:
        return self.spans[-1][1] if self.spans else None


def _days(span: Span, zone: ZoneInfo) -> tuple[dt.date, dt.date]:
    return (span[0].astimezone(zone).date(),
            (span[1] - dt.timedelta(microseconds=1)).astimezone(zone).date())


def roster_coverage(*, horizon_start: dt.datetime, horizon_end: dt.datetime) -> list[ResidentCoverage]:
    """Every active resident with the periods their roster covers and the gaps inside the
    horizon, residents with gaps first. Two queries, however many residents."""
    zone = programme_zone()
    residents = list(Resident.objects.active().select_related("user")
                     .order_by("user__last_name", "user__first_name"))
    spans = coverage_spans(r.pk for r in residents)
    rows = []
    for resident in residents:
        mine = spans.get(resident.pk, [])
        rows.append(ResidentCoverage(
            resident, [_days(s, zone) for s in mine],
            [_days(g, zone) for g in gaps(mine, horizon_start, horizon_end)]))
    rows.sort(key=lambda row: not row.gaps)  # stable: by name within each part
    return rows
