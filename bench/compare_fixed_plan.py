"""A year of sessions planned from suggestions against a fixed-slot plan, on the demo data.

For every demo group, plans from tomorrow on that replace the group sessions already planned,
continuing from each group's last session; the intervisors' absences, the open sessions they
lead, and every group's new sessions count as their busy time when the next group is planned
(nobody leads two sessions at once):

- **suggestions, the year laid out at once** (the goal is judged on this one): a coordinator
  with a year of rosters picks the dates from the engine's best suggestion of each day — about
  as many sessions as the cadence asks for (one more or fewer allowed), every gap within the
  band, the fewest members missed; among equals, gaps nearest the cadence;
- **suggestions, one session at a time**: each next session is the top suggestion in the band
  after the previous one (the engine ranks by who can come, fatigue, cadence, habit);
- **fixed**: every 6 weeks on the weekday of the first suggested session, 17:00–19:00 local
  time, whatever the rosters say.

The band is the cadence ± 2 weeks (``TOLERANCE_WEEKS``) kept inside the 4–8 weeks between
sessions of DESIGN.md. Plans run for 52 weeks, but stop where the rosters stop: the demo
rosters start four weeks before they were made, and past their last entry every time would
count as free for every plan (``WHOLE_YEAR=1`` plans the 52 weeks regardless).

Then, in the same run, "plan the year" as the app does it (``sessions_app/services/year_plan.py``,
the page and ``manage.py plan_year``) next to the fixed slot (every 6 weeks, Tuesday
17:00-19:00) and the best possible (in each window, the best weekday 2-hour slot), with the
shares counted by this script from the generated rosters, not by the app
(``compare_year_plan``); and the same three for the generated teaching hospital of
``demo/hospital.py`` (120 residents), counted by the hospital's own ``Hospital.free``
(``compare_hospital``).

It prints, for each, the share of members free at the planned times (goal with suggestions:
at least 95%) and how many sessions fall in an intervisor's absence (goal: none). The plans
are made in memory from the database's rosters.

The demo programme is built afresh with its builders (``demo.build``) as of ``--now`` (default:
the clock, as ``manage.py demo_data`` would load it today), in a scratch database: on the
PostgreSQL server of DATABASE_URL, named after its database (``<name>_compare_fixed_plan``),
or without a PostgreSQL DATABASE_URL in a temporary SQLite file. The scratch database is
dropped at the end.

    .venv/bin/python bench/compare_fixed_plan.py [--now 2026-12-07T15:00+00:00]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/intervision .venv/bin/python bench/compare_fixed_plan.py
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import datetime as dt
import math
import os
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from postgres import admin  # noqa: E402  (bench/postgres.py, beside this script)

from planning import availability as engine  # noqa: E402

if TYPE_CHECKING:
    from sessions_app.selectors import availability as suggestions

FIXED_EVERY = dt.timedelta(weeks=6)
FIXED_START, FIXED_END = dt.time(17, 0), dt.time(19, 0)
YEAR = dt.timedelta(weeks=52)
# How far the next session may move from the group's cadence: two weeks either way, but
# never outside the 4 to 8 weeks between sessions that DESIGN.md (after the Dutch
# professional bodies) gives, so a 6-weekly group meets after 4 to 8 weeks, a 4-weekly one
# after 4 to 6, an 8-weekly one after 6 to 8.
TOLERANCE = dt.timedelta(weeks=int(os.environ.get("TOLERANCE_WEEKS", "2")))
SOONEST, LATEST = dt.timedelta(weeks=4), dt.timedelta(weeks=8)
REASONS: dict[str, Counter] = defaultdict(Counter)


class Group(NamedTuple):
    """One group as both planners see it."""

    plan: suggestions.GroupPlan
    roster: list
    leaders: list[int]
    busy: tuple  # the intervisors' absences and the open sessions they lead
    soonest: dt.timedelta  # the band the gap between two sessions must stay in
    latest: dt.timedelta


def _band(cadence_weeks: int) -> tuple[dt.timedelta, dt.timedelta]:
    """The cadence ± TOLERANCE, kept inside 4-8 weeks but always holding the cadence."""
    cadence = dt.timedelta(weeks=cadence_weeks)
    return min(max(SOONEST, cadence - TOLERANCE), cadence), max(min(LATEST, cadence + TOLERANCE), cadence)


def _request(group: Group, low, high, last, leading):
    """The group's request over [low, high), with the sessions its intervisors already lead
    (for this group or another) as busy time."""
    return dataclasses.replace(
        group.plan.request, horizon_start=low, horizon_end=high, last_session_start=last,
        intervisor_busy=group.busy + tuple(
            span for i in group.leaders for span in leading.get(i, ())),
    )


def plan_one_at_a_time(group: Group, start, end, rules, zone, leading) -> list[engine.Slot]:
    """Each next session is the top suggestion in the band after the previous one: the engine
    ranks by who can come first, then fatigue, cadence and habit, so that is the
    best-attended time in the band, nearest the cadence among equals."""
    chosen: list[engine.Slot] = []
    last = group.plan.request.last_session_start
    later = dt.timedelta(0)  # how far past the band to look when nothing fits in it
    while True:
        if last is None or last + group.latest < start:  # never met, or overdue
            low, high = start, start + (group.latest - group.soonest) + dt.timedelta(days=1)
        else:
            day = last.astimezone(zone).date()
            low = dt.datetime.combine(day + group.soonest, dt.time(0), zone)
            high = dt.datetime.combine(day + group.latest + dt.timedelta(days=1), dt.time(0), zone)
        low, high = max(start, low + later), min(end, high + later)
        if low >= end:
            return chosen
        best = engine.suggest_slots(_request(group, low, high, last, leading), group.roster, rules,
                                    limit=1) if high > low else []
        if best:
            chosen.append(best[0].slot)
            for i in group.leaders:
                leading.setdefault(i, []).append((best[0].start, best[0].end))
            last, later = best[0].start, dt.timedelta(0)
        else:
            later += dt.timedelta(weeks=2)  # nothing fits in the band: look a fortnight on


def plan_the_year(group: Group, start, end, rules, zone, leading) -> list[engine.Slot]:
    """The year's dates laid out at once, as a coordinator does with a year's rosters in hand:
    from the engine's best suggestion of each day, about as many sessions as the cadence asks
    for, every gap (and the first, and the time left after the last) within the band, the
    fewest missed members; among equals, gaps nearest the cadence. When no such plan exists
    (a window too narrow for the band), one session at a time."""
    cadence = group.plan.group.cadence_weeks * 7
    soonest, latest = group.soonest.days, group.latest.days
    request = _request(group, start, end, None, leading)
    request = dataclasses.replace(request, cadence_weeks=None)
    # One suggestion per day (the best of it: who can come, fatigue, habit), all of them.
    found = engine.suggest_slots(request, group.roster, rules, limit=10**6, max_per_day=1)
    found.sort(key=lambda s: s.start)
    days = [s.start.astimezone(zone).date().toordinal() for s in found]
    missed = [s.member_count - s.attending for s in found]
    first = start.astimezone(zone).date().toordinal()
    last_day = (end - dt.timedelta(microseconds=1)).astimezone(zone).date().toordinal()
    previous = group.plan.request.last_session_start
    if previous is not None and previous + group.latest >= start:
        since = previous.astimezone(zone).date().toordinal()
        first_low, first_high = since + soonest, since + latest
    else:
        first_low, first_high = first, first + latest - soonest
    # The cadence asks for the period's length over the cadence sessions; a coordinator may
    # hold one more or one fewer in a year. Of those counts, the plan that misses the fewest
    # members per session; among equals, the count nearest the cadence.
    period = (last_day - first + 1) / cadence
    options = []
    for count in range(max(1, math.floor(period) - 1), math.ceil(period) + 2):
        picked = _best_sequence(days, missed, first_low, first_high, soonest, latest, cadence,
                                count, last_day)
        if picked is not None:
            options.append((sum(missed[i] for i in picked) / count, abs(count - period), picked))
    if not options:
        return plan_one_at_a_time(group, start, end, rules, zone, leading)
    picked = min(options)[2]
    chosen = [found[i].slot for i in picked]
    for slot in chosen:
        for i in group.leaders:
            leading.setdefault(i, []).append((slot.start, slot.end))
    return chosen


def _best_sequence(days, missed, first_low, first_high, soonest, latest, cadence, count, last_day):
    """Indices of ``count`` days, in order, the first in [first_low, first_high], each next
    one soonest..latest days on, the last within latest of ``last_day``: fewest missed
    members, then the smallest total distance of the gaps from the cadence. None if none."""
    best: list[dict[int, tuple[tuple[int, int], int | None]]] = [{} for _ in days]
    for i, day in enumerate(days):
        if first_low <= day <= first_high:
            best[i][1] = ((missed[i], 0), None)
        for p in range(bisect.bisect_left(days, day - latest), bisect.bisect_right(days, day - soonest)):
            gap = abs(day - days[p] - cadence)
            for n, ((miss, off), _) in best[p].items():
                if n < count:
                    cost = (miss + missed[i], off + gap)
                    if n + 1 not in best[i] or cost < best[i][n + 1][0]:
                        best[i][n + 1] = (cost, p)
    ends = [i for i, day in enumerate(days) if count in best[i] and last_day - day < latest]
    if not ends:
        return None
    at: int | None = min(ends, key=lambda i: best[i][count][0])
    picked, n = [], count
    while at is not None:
        picked.append(at)
        at, n = best[at][n][1], n - 1
    return picked[::-1]




@contextmanager
def scratch_database():
    """Point DATABASE_URL at a database of its own for the run, and drop it afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    folder = tempfile.mkdtemp(prefix="compare-fixed-plan-")
    os.environ["VAR_DIR"] = folder
    if url.startswith("postgres"):
        parts = urlsplit(url)
        name = f"{parts.path.lstrip('/') or 'intervision'}_compare_fixed_plan"
        admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin(url, f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    else:
        name = str(Path(folder) / "demo.sqlite3")
        os.environ["DATABASE_URL"] = f"sqlite:///{name}"
    try:
        yield name
    finally:
        if url.startswith("postgres"):
            from django.db import connections

            connections.close_all()
            admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--now", type=dt.datetime.fromisoformat, default=None,
                        help="the moment the demo is built for and planned from (default: the clock)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intervision.settings")
    os.environ.setdefault("DEBUG", "1")
    with scratch_database() as name:
        import django

        django.setup()
        from django.core.management import call_command
        from django.utils import timezone

        from demo.build import demo_build

        now = args.now or timezone.now()
        call_command("migrate", verbosity=0)
        began = time.perf_counter()
        demo_build(now=now)
        print(f"built the demo programme as of {now:%Y-%m-%d %H:%M %Z} in {name} "
              f"({time.perf_counter() - began:.1f} s)")
        code = compare(now)
        code = max(code, compare_year_plan(now))
        began = time.perf_counter()
        hospital, groups = hospital_load(Path(os.environ["VAR_DIR"]) / "hospital")
        print(f"\nloaded the generated hospital (demo/hospital.py: {len(hospital.residents)} residents, "
              f"{len(groups)} groups, their rosters {hospital.first_day} to {hospital.last_day}) "
              f"({time.perf_counter() - began:.1f} s)")
        return max(code, compare_hospital(now, hospital, groups))


def compare(now: dt.datetime) -> int:
    from django.db.models import Max
    from django.utils import timezone

    from residents.models import IntervisorAbsence, RosterEntry
    from residents.selectors.rules import rules_for_programme
    from sessions_app.models import IntervisionGroup, Session
    from sessions_app.selectors import availability as suggestions

    rules = rules_for_programme()
    zone = timezone.get_current_timezone()
    start, _ = suggestions.default_horizon(1, now=now)
    end = start + YEAR
    # The demo rosters run a year from four weeks before they were made: past their last
    # entry nobody is rostered at all and every time would count as free for both plans.
    # Planning stops there, so only times the rosters speak about are counted.
    rostered_until = RosterEntry.objects.aggregate(last=Max("start"))["last"]
    if os.environ.get("WHOLE_YEAR") != "1" and rostered_until and rostered_until < end:
        end = rostered_until
    groups = list(IntervisionGroup.objects.active().order_by("name"))
    plans = suggestions.group_plans(groups, start - dt.timedelta(weeks=1), end, rules=rules)
    ids = {pid for p in plans for pid in p.request.member_ids}
    began = time.perf_counter()
    roster = suggestions.load_roster(ids, start, end)
    by_person: dict[int, list[engine.Busy]] = {}
    for entry in roster:
        by_person.setdefault(entry.person_id, []).append(entry)
    absences: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    rows = IntervisorAbsence.objects.values_list("intervisor_id", "start", "end")
    for intervisor_id, a_start, a_end in rows:
        absences.setdefault(intervisor_id, []).append((a_start, a_end))
    open_sessions: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    planned_open = Session.objects.filter(kind=Session.Kind.OPEN, status__in=suggestions.PLANNED)
    for intervisor_id, s_start, s_end in planned_open.values_list("intervisor_id", "start", "end"):
        open_sessions.setdefault(intervisor_id, []).append((s_start, s_end))

    planners = {"suggested": plan_the_year, "one at a time": plan_one_at_a_time}
    totals = {name: [0, 0, 0, 0] for name in (*planners, "fixed")}  # free, seats, sessions, over absence
    # Sessions already planned, per intervisor and planner: one who leads two groups cannot
    # be in both at once.
    leading: dict[str, dict[int, list[tuple[dt.datetime, dt.datetime]]]] = {n: {} for n in planners}
    for plan in plans:
        if not plan.members:
            continue
        mine = [e for pid in plan.request.member_ids for e in by_person.get(pid, [])]
        leaders = [i for i in (plan.group.intervisor_id, plan.group.co_intervisor_id) if i]
        away = [span for i in leaders for span in absences.get(i, [])]
        # The group sessions already planned are what these plans replace, for every group;
        # open (make-up) sessions stay, and keep their intervisors busy.
        busy = tuple(sorted([*away, *(span for i in leaders for span in open_sessions.get(i, ()))]))
        group = Group(plan, mine, leaders, busy, *_band(plan.group.cadence_weeks))
        made = {name: planner(group, start, end, rules, zone, leading[name])
                for name, planner in planners.items()}
        chosen = made["suggested"]
        first_day = chosen[0].start.astimezone(zone).date() if chosen else start.date()
        fixed = []
        day = first_day
        while True:
            slot_start = dt.datetime.combine(day, FIXED_START, zone)
            if slot_start >= end:
                break
            fixed.append(engine.Slot(slot_start, dt.datetime.combine(day, FIXED_END, zone)))
            day += FIXED_EVERY
        for name, slots in (*made.items(), ("fixed", fixed)):
            if not slots:
                continue
            matrix = engine.availability_matrix(plan.request, mine, slots, rules)
            for column, slot in enumerate(slots):
                free = sum(1 for row in matrix.rows if row[column].state != engine.UNAVAILABLE)
                for row in matrix.rows:
                    if row[column].state == engine.UNAVAILABLE:
                        REASONS[name].update(row[column].reasons)
                totals[name][0] += free
                totals[name][1] += len(matrix.rows)
                totals[name][2] += 1
                totals[name][3] += any(s < slot.end and slot.start < e for s, e in away)
    seconds = time.perf_counter() - began
    print(f"demo data: {len(plans)} groups, {len(ids)} members, {len(roster):,} roster rows; "
          f"planned from {start.date()} to {end.date()} ({(end - start).days / 7:.0f} weeks"
          f"{'' if end == start + YEAR else ', where the rosters stop'}) ({seconds:.1f} s)")
    labels = (("suggested", "from suggestions, the year laid out at once"),
              ("one at a time", "from suggestions, one session at a time"),
              ("fixed", "fixed slot (every 6 weeks, 17:00-19:00)"))
    for name, label in labels:
        free, seats, sessions, over = totals[name]
        share = free / seats if seats else 0
        print(f"{label}: {sessions} sessions, members free {share:.1%}, "
              f"over the intervisor's absence: {over}")
        common = ", ".join(f"{reason} {count}" for reason, count in REASONS[name].most_common(4))
        print(f"  why members could not come: {common or 'nobody missed'}")
    free, seats, _sessions, over = totals["suggested"]
    ok = seats and free / seats >= 0.95 and over == 0
    print("goal (>= 95% free, no session over an absence):", "met" if ok else "NOT MET")
    return 0 if ok else 1


# --- plan the year (the app's service) against the fixed slot and the best possible ------------
#
# Here the share of members free is worked out by this script from the roster rows as the
# demo builders wrote them, with the programme's rules read plainly (a member is free when no
# entry of theirs overlaps the time, other than day work and outpatient clinics, which give
# way, and no rest after nights does; the rest periods as ``planning.reference`` words them):
# not by the engine the app plans with.

BEST_STARTS = [dt.time(h, m) for h in range(8, 19) for m in (0, 30)]  # 2-hour slots, 08:00–20:00
BEST_LENGTH = dt.timedelta(hours=2)


class Plain:
    """Each member's busy intervals (UTC, sorted) that do not give way, rest periods included."""

    def __init__(self, rows, rules) -> None:
        from planning.reference import reference_rest_periods

        busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        nights: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        for person, start, end, kind in rows:
            if kind not in rules.give_way_kinds:
                busy[person].append((start, end))
            if kind == "night":
                nights[person].append((start, end))
        for person, spans in nights.items():
            busy[person].extend(reference_rest_periods(spans, rules))
        self.busy = {person: sorted(spans) for person, spans in busy.items()}
        # The longest interval per person bounds how far back an overlapping one can start.
        self.longest = {p: max((e - s for s, e in spans), default=dt.timedelta(0))
                        for p, spans in self.busy.items()}

    def is_free(self, person: int, start: dt.datetime, end: dt.datetime) -> bool:
        spans = self.busy.get(person, ())
        if not spans:
            return True
        low = bisect.bisect_left(spans, (start - self.longest[person],))
        high = bisect.bisect_left(spans, (end,))
        return not any(s < end and start < e for s, e in spans[low:high])

    def free(self, members, start, end) -> int:
        return sum(self.is_free(p, start, end) for p in members)


def compare_year_plan(now: dt.datetime) -> int:
    """On the demo programme: the share of members free with "plan the year"
    (``services/year_plan.py``, as the page and ``manage.py plan_year`` use it), next to the
    fixed slot and the best possible, all counted by ``Plain`` from the generated rosters."""
    from django.db.models import Max
    from django.utils import timezone

    from residents.models import IntervisorAbsence, RosterEntry
    from residents.selectors.rules import rules_for_programme
    from sessions_app.models import IntervisionGroup, Session
    from sessions_app.selectors import availability as suggestions

    rules = rules_for_programme()
    zone = timezone.get_current_timezone()
    start, _ = suggestions.default_horizon(1, now=now)
    end = start + YEAR
    rostered_until = RosterEntry.objects.aggregate(last=Max("start"))["last"]
    if os.environ.get("WHOLE_YEAR") != "1" and rostered_until and rostered_until < end:
        end = rostered_until
    first, last = start.astimezone(zone).date(), (end.astimezone(zone) - dt.timedelta(days=1)).date()
    # The demo has three months of sessions planned ahead; plan the year would leave them as
    # they are. Here it plans the whole period, as for a programme that starts planning now.
    Session.objects.filter(kind=Session.Kind.GROUP, status__in=suggestions.PLANNED,
                           start__gte=start).delete()
    groups = list(IntervisionGroup.objects.active().order_by("name"))
    rows = list(RosterEntry.objects.filter(end__gt=start - dt.timedelta(days=9), start__lt=end)
                .values_list("resident_id", "start", "end", "kind"))
    plain = Plain(rows, rules)
    absences: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for leader, a_start, a_end in IntervisorAbsence.objects.values_list("intervisor_id", "start", "end"):
        absences[leader].append((a_start, a_end))

    def away(group, s, e) -> bool:
        leaders = [i for i in (group.intervisor_id, group.co_intervisor_id) if i]
        return any(a < e and s < b for i in leaders for a, b in absences[i])

    print(f"plan the year, for the same demo hospital from {first} to {last}, counted from the "
          f"generated rosters (not by the app):")
    return _three_plans(groups, first, last, free=plain.free, away=away,
                        members=lambda group, ids: ids)


def _three_plans(groups, first: dt.date, last: dt.date, *, free, away, members) -> int:
    """Plan the year for ``groups`` with the app's service, lay out the fixed-slot plan and the
    best possible, and print the share of members free in each: ``free(people, start, end)``
    counts who can come, ``away(group, start, end)`` says the intervisor is absent, both by
    the caller's own measure; ``members(group, resident_ids)`` turns the app's members into
    the people ``free`` counts."""
    from django.utils import timezone

    from residents.models import Programme
    from residents.selectors.rules import holiday_names
    from sessions_app.services.year_plan import year_plan_preview

    zone = timezone.get_current_timezone()
    began = time.perf_counter()
    plan = year_plan_preview(groups=groups, first=first, last=last)
    seconds = time.perf_counter() - began
    people = {group.pk: members(group, ids) for group, ids in plan.members.items()}
    holidays = set(holiday_names(Programme.get(), range(first.year, last.year + 1)))
    totals = {name: [0, 0, 0, 0] for name in ("year", "fixed", "best")}  # free, seats, sessions, over absence

    def count(name, group, s, e) -> None:
        ids = people[group.pk]
        totals[name][0] += free(ids, s, e)
        totals[name][1] += len(ids)
        totals[name][2] += 1
        totals[name][3] += away(group, s, e)

    for window in plan.windows:
        ids = people[window.group.pk]
        if not ids:
            continue
        if window.to_plan:
            count("year", window.group, window.start, window.end)
        best = None
        day = window.window_start.date()
        while day < window.window_end.date():
            if day.weekday() < 5 and day not in holidays:
                for at in BEST_STARTS:
                    s = dt.datetime.combine(day, at, zone)
                    e = s + BEST_LENGTH
                    if not away(window.group, s, e):
                        n = free(ids, s, e)
                        if best is None or n > best[0]:
                            best = (n, s, e)
            day += dt.timedelta(days=1)
        if best is not None:
            count("best", window.group, best[1], best[2])
    for group in groups:
        if not people[group.pk]:
            continue
        day = first + dt.timedelta(days=(1 - first.weekday()) % 7)  # the first Tuesday
        while day <= last:
            count("fixed", group, dt.datetime.combine(day, FIXED_START, zone),
                  dt.datetime.combine(day, FIXED_END, zone))
            day += FIXED_EVERY

    below = len(plan.below_minimum)
    labels = (("year", f"plan the year (the app's service; {below} window(s) below the minimum; "
                       f"planned in {seconds:.2f} s)"),
              ("fixed", "fixed slot (every 6 weeks, Tuesday 17:00-19:00)"),
              ("best", "best possible (each window's best weekday 2-hour slot)"))
    for name, label in labels:
        n, seats, sessions, over = totals[name]
        print(f"  {label}: {sessions} sessions, members free {n / seats if seats else 0:.1%}, "
              f"over the intervisor's absence: {over}")
    if plan.share is not None:
        print(f"  (the app itself counts {plan.share:.1%} free for plan the year)")
    n, seats, _sessions, over = totals["year"]
    ok = seats and n / seats >= 0.95 and over == 0
    print("  goal for plan the year (>= 95% free, no session over an absence):", "met" if ok else "NOT MET")
    return 0 if ok else 1


def hospital_load(folder: Path):
    """The generated hospital of ``demo/hospital.py`` (120 residents, Dutch files, one roster
    export each) stored as its files describe it. Written with the ORM here, not through the
    imports, so this comparison measures planning alone; the import of the same files is
    tested on its own."""
    from django.db import transaction
    from django.utils import timezone

    from demo.hospital import hospital_write
    from residents.models import (
        Department,
        Intervisor,
        IntervisorAbsence,
        Programme,
        Resident,
        RosterCoverage,
        RosterEntry,
        Specialty,
        User,
    )
    from sessions_app.models import IntervisionGroup, Membership

    hospital = hospital_write(folder)
    zone = timezone.get_current_timezone()
    Programme.get()
    with transaction.atomic():
        residents = {}
        for person in hospital.residents:
            user = User.objects.create_user(email=person.email, first_name=person.first_name,
                                            last_name=person.last_name, role=User.Role.RESIDENT)
            specialty, _ = Specialty.objects.get_or_create(name=person.specialty)
            department, _ = Department.objects.get_or_create(name=person.department)
            residents[person.email] = Resident.objects.create(
                user=user, specialty=specialty, department=department, training_year=person.year,
                fte=person.fte, start_date=person.start_date)
            RosterEntry.objects.bulk_create(
                RosterEntry(resident=residents[person.email], start=e.start, end=e.end, kind=e.kind,
                            source="hospital") for e in person.entries)
            # As importing the export records it: the roster is known for the hospital's period.
            RosterCoverage.objects.create(
                resident=residents[person.email], source="hospital",
                start=dt.datetime.combine(hospital.first_day, dt.time(0), zone),
                end=dt.datetime.combine(hospital.last_day + dt.timedelta(days=1), dt.time(0), zone))
        leaders = {}
        for person in hospital.intervisors:
            user = User.objects.create_user(email=person.email, first_name=person.first_name,
                                            last_name=person.last_name, role=User.Role.INTERVISOR)
            leaders[person.email] = Intervisor.objects.create(user=user, capacity=person.capacity)
            IntervisorAbsence.objects.bulk_create(
                IntervisorAbsence(intervisor=leaders[person.email], reason="absence",
                                  start=dt.datetime.combine(low, dt.time(0), zone),
                                  end=dt.datetime.combine(high + dt.timedelta(days=1), dt.time(0), zone))
                for low, high in person.absences)
        groups = []
        for spec in hospital.groups:
            group = IntervisionGroup.objects.create(name=spec.name, intervisor=leaders[spec.intervisor])
            Membership.objects.bulk_create(
                Membership(group=group, resident=residents[email], start_date=hospital.first_day)
                for email in spec.members)
            groups.append(group)
    return hospital, groups


def compare_hospital(now: dt.datetime, hospital, groups) -> int:
    """The three plans for the generated hospital, counted by its own measure of who can come
    (``Hospital.free``, from the generated entries alone) and of the intervisors' absences."""
    from django.utils import timezone

    from residents.models import Resident
    from sessions_app.selectors import availability as suggestions

    zone = timezone.get_current_timezone()
    start, _ = suggestions.default_horizon(1, now=now)
    first = max(start.astimezone(zone).date(), hospital.first_day + dt.timedelta(days=9))
    last = min(first + dt.timedelta(days=364), hospital.last_day)
    emails = dict(Resident.objects.values_list("pk", "user__email"))
    leaders = {g.pk: g.intervisor.user.email for g in groups}

    def free(people, s, e) -> int:
        return sum(hospital.free(email, s, e) for email in people)

    def away(group, s, e) -> bool:
        return hospital.intervisor_absent(leaders[group.pk], s, e)

    print(f"the generated hospital, planned from {first} to {last}, counted by its own measure "
          f"(demo/hospital.py, not by the app):")
    return _three_plans(groups, first, last, free=free, away=away,
                        members=lambda group, ids: [emails[pid] for pid in ids])

if __name__ == "__main__":
    sys.exit(main())
