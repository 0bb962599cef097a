"""A year of sessions planned from suggestions against a fixed-slot plan, on the demo data.

For every demo group, two plans for the year from next Monday:

- **suggestions**: the next session is the best suggestion in the three weeks around the
  group's cadence after the previous one (the engine ranks by attendance, fatigue, cadence,
  habit), with the sessions already planned counting as the intervisor's busy time;
- **fixed**: every 6 weeks on the group's first suggested weekday, 17:00–19:00 local time,
  whatever the rosters say.

It prints, for both, the share of members free at the planned times (goal with suggestions:
at least 95%) and how many sessions fall in an intervisor's absence (goal: none). Nothing is
written: the plans are made in memory from the database's rosters.

    DEBUG=1 DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/compare_fixed_plan.py

Loads the demo data first (``manage.py demo_data``) when the database has none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intervision.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from residents.models import IntervisorAbsence, RosterEntry  # noqa: E402
from sessions_app import suggestions  # noqa: E402
from sessions_app.models import IntervisionGroup  # noqa: E402
from sessions_app.planning import availability as engine  # noqa: E402

FIXED_EVERY = dt.timedelta(weeks=6)
FIXED_START, FIXED_END = dt.time(17, 0), dt.time(19, 0)
YEAR = dt.timedelta(weeks=52)
# How far around the cadence the next session may move: one week early to two or three late.
WINDOW_WEEKS = int(os.environ.get("WINDOW_WEEKS", "3"))
REASONS: dict[str, Counter] = {"suggested": Counter(), "fixed": Counter()}


def main() -> int:
    if not RosterEntry.objects.filter(source="demo").exists():
        print("no demo rosters: loading the demo data …")
        call_command("demo_data", "--force")
    rules = suggestions.rules_for_programme()
    zone = timezone.get_current_timezone()
    start, _ = suggestions.default_horizon(1)
    end = start + YEAR
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

    totals = {"suggested": [0, 0, 0, 0], "fixed": [0, 0, 0, 0]}  # free, seats, sessions, over absence
    for plan in plans:
        if not plan.members:
            continue
        mine = [e for pid in plan.request.member_ids for e in by_person.get(pid, [])]
        leaders = [i for i in (plan.group.intervisor_id, plan.group.co_intervisor_id) if i]
        away = [span for i in leaders for span in absences.get(i, [])]
        cadence = dt.timedelta(weeks=plan.group.cadence_weeks)
        chosen: list[engine.Slot] = []
        cursor = start
        while cursor < end:
            request = dataclasses.replace(
                plan.request, horizon_start=cursor,
                horizon_end=min(end, cursor + dt.timedelta(weeks=WINDOW_WEEKS + (not chosen))),
                last_session_start=chosen[-1].start if chosen else plan.request.last_session_start,
                intervisor_busy=tuple(plan.request.intervisor_busy) + tuple(
                    (s.start, s.end) for s in chosen),
            )
            if request.horizon_end <= request.horizon_start:
                break
            best = engine.suggest_slots(request, mine, rules, limit=1)
            if best:
                chosen.append(best[0].slot)
                cursor = best[0].start + cadence - dt.timedelta(weeks=1)
            else:
                cursor += dt.timedelta(weeks=2)  # nothing fits this fortnight: try the next
        first_day = chosen[0].start.astimezone(zone).date() if chosen else start.date()
        fixed = []
        day = first_day
        while True:
            slot_start = dt.datetime.combine(day, FIXED_START, zone)
            if slot_start >= end:
                break
            fixed.append(engine.Slot(slot_start, dt.datetime.combine(day, FIXED_END, zone)))
            day += FIXED_EVERY
        for name, slots in (("suggested", chosen), ("fixed", fixed)):
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
    print(f"demo data: {len(plans)} groups, {len(ids)} members, {len(roster):,} roster rows, "
          f"a year from {start.date()} ({seconds:.1f} s)")
    labels = (("suggested", "from suggestions"), ("fixed", "fixed slot (every 6 weeks, 17:00-19:00)"))
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


if __name__ == "__main__":
    sys.exit(main())
