"""Benchmark: suggestions for 60 groups from PostgreSQL, against the reference and the bare load.

Creates a scratch PostgreSQL database named after DATABASE_URL's (``<name>_bench_suggestions``
on the same server; default postgres://postgres@127.0.0.1:5432/intervision), migrates it, and
builds the demo programme in it with the demo's own builders (``demo.build``), scaled up: 500
residents, 30 intervisors, 60 groups of 6 to 8 placed under the group rules, a year of rosters
and the intervisors' holidays, eight weeks of sessions behind every group (so cadence and habit
take part in the ranking), nothing planned ahead. It is built as of 1 March 2026, so the 12
weeks from the next day span the March DST change, Easter and King's Day. Then it times:

- **whole**: ``sessions_app.selectors.availability.suggest_for_groups`` for all 60 groups over
  12 weeks, everything included (memberships, absences, sessions, the roster query, engine,
  ranking);
- **load**: merely loading the roster rows that computation needs (the same query);
- **reference**: the interval-based reference (``planning/reference.py``) on the same inputs
  (each group's rows, with datetimes), and the engine alone on them: the same rows read once
  into an ``availability.Roster``, then every group's feasible slots.

It prints the times and the ratios (targets: engine ≥ 20× faster than the reference; the whole
computation within 2× of the load), then drops the database (``--keep`` keeps it).

Fair timing on a shared machine: the two sides of each ratio run in turns (whole, load, whole,
load …; engine, reference, …) and each keeps its best run — 5 for whole and load, 3 for the
engine and the reference, both sides alike. What the build left in memory is collected before
timing (a web or worker process does not hold it; kept alive, it made full garbage collections
land on whichever timed step happened to trigger one). ``PROFILE=1`` prints a cProfile of one
whole run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/intervision .venv/bin/python bench/bench_suggestions.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from postgres import admin, with_db  # noqa: E402  (bench/postgres.py, beside this script)

AMS = ZoneInfo("Europe/Amsterdam")
# The moment the programme is built for: noon on a Sunday, so the horizon starts on the Monday.
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=AMS)


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/intervision"
    if not url.startswith("postgres"):
        sys.exit("bench_suggestions needs PostgreSQL: set DATABASE_URL to a postgres:// URL")
    return url


def _scratch_name(url: str) -> str:
    """Named after the database DATABASE_URL names, so benches run against different
    databases of one server never share a scratch database."""
    return f"{urlsplit(url).path.lstrip('/') or 'intervision'}_bench_suggestions"






def _interleaved(functions, rounds: int):
    """Best time and last result of each function, run in turns for ``rounds`` rounds.

    Taking turns (rather than all runs of one, then all of the other) exposes the things
    compared to the same moments of a shared machine's load; the best of several runs is
    the least disturbed one. Both sides of every ratio are timed the same way."""
    best = [float("inf")] * len(functions)
    results = [None] * len(functions)
    for _ in range(rounds):
        for at, function in enumerate(functions):
            begin = time.perf_counter()
            results[at] = function()
            best[at] = min(best[at], time.perf_counter() - begin)
    return best, results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None, help="default: the demo's")
    parser.add_argument("--residents", type=int, default=500)
    parser.add_argument("--groups", type=int, default=60)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    server = _server_url()
    scratch = _scratch_name(server)
    admin(server, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    admin(server, f'CREATE DATABASE "{scratch}"')
    os.environ["DATABASE_URL"] = with_db(server, scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intervision.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("VAR_DIR", "/tmp/var-bench-suggestions")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from demo.build import SEED, Shape, demo_build
        from planning import availability as engine
        from planning.reference import reference_feasible_slots
        from residents.models import Programme, Resident, RosterEntry
        from residents.selectors.rules import rules_for_programme
        from sessions_app.models import IntervisionGroup, Session
        from sessions_app.selectors import availability as suggestions

        call_command("migrate", verbosity=0)
        Programme.get()
        begin = time.perf_counter()
        demo_build(now=NOW, seed=SEED if args.seed is None else args.seed, shape=Shape(
            residents=args.residents, intervisors=args.groups // 2, groups=args.groups,
            history_weeks=8, ahead_weeks=0, open_sessions=False,
        ))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"data: {Resident.objects.count()} residents, {IntervisionGroup.objects.count()} "
              f"groups, {RosterEntry.objects.count():,} roster entries for a year, "
              f"{Session.objects.count()} past sessions in PostgreSQL "
              f"(built in {time.perf_counter() - begin:.1f} s)")
        # The build's leftovers are the bench's scaffolding, not something a web or worker
        # process holds: kept alive, they make whichever timed step happens to trigger a full
        # garbage collection pay for scanning them.
        gc.collect()

        start, end = suggestions.default_horizon(args.weeks, now=NOW)
        groups = list(IntervisionGroup.objects.select_related("intervisor").order_by("pk"))
        rules = rules_for_programme()

        def whole():
            engine.clear_caches()
            return suggestions.suggest_for_groups(groups, start=start, end=end, limit=10, rules=rules)

        plans = suggestions.group_plans(groups, start, end, rules=rules)
        member_ids = {pid for p in plans for pid in p.request.member_ids}

        def load():
            # Merely the rows: the same query, materialised as tuples, nothing else.
            return list(suggestions.roster_query(member_ids, start, end))

        def as_rows():
            return suggestions.load_roster(member_ids, start, end)

        whole()  # warm the connection and the query plans
        if os.environ.get("PROFILE"):
            import cProfile
            import pstats

            cProfile.runctx("whole()", globals(), locals(), "/tmp/bench_suggestions.prof")
            pstats.Stats("/tmp/bench_suggestions.prof").sort_stats("cumulative").print_stats(25)
        (whole_time, load_time), (found, rows) = _interleaved([whole, load], rounds=5)
        roster = as_rows()
        by_person: dict[int, list] = {}
        for entry in roster:
            by_person.setdefault(entry.person_id, []).append(entry)
        # The same rows (named, as the reference reads them) for the engine and the reference.
        inputs = [(p.request, [e for pid in p.request.member_ids for e in by_person.get(pid, [])])
                  for p in plans]

        def engine_only():
            # As the application runs it: the rows read once into a Roster (timed here, from
            # the same datetimes the reference reads), then every group's feasible slots.
            engine.clear_caches()
            shared = engine.Roster(roster, rules)
            return [engine.feasible_slots(request, shared, rules) for request, _mine in inputs]

        def reference():
            return [reference_feasible_slots(request, mine, rules) for request, mine in inputs]

        (engine_time, reference_time), (ours, theirs) = _interleaved([engine_only, reference], rounds=3)
        agree = sum(
            {(s.start, s.available) for s in a} == {(s.start, s.available) for s in b}
            for a, b in zip(ours, theirs, strict=True)
        )
        suggested = sum(len(r.suggestions) for r in found.values())
        print(f"horizon: {start.date()} + {args.weeks} weeks; {suggested} suggestions for "
              f"{len(groups)} groups; engine and reference agree on {agree}/{len(groups)} groups")
        print(f"whole computation (DB + engine + ranking): {whole_time:.3f} s (best of 5, "
              f"taking turns with the load)")
        print(f"loading the roster rows alone: {load_time:.3f} s ({len(rows):,} rows; best of 5)")
        print(f"engine alone (feasible slots): {engine_time:.3f} s; reference: {reference_time:.3f} s "
              f"(same rows; best of 3 each, taking turns)")
        speed = reference_time / engine_time
        within = whole_time / load_time
        print(f"ratio reference / engine: {speed:.1f}x (target >= 20x) "
              f"{'ok' if speed >= 20 else 'BELOW TARGET'}")
        print(f"ratio whole / load: {within:.2f}x (target <= 2x) {'ok' if within <= 2 else 'ABOVE TARGET'}")
        connection.close()
        return 0 if agree == len(groups) else 1
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            admin(server, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
