"""Benchmark: instructions the availability engine executes for 60 groups, counted by callgrind.

On a shared machine the same run can take twice as long from one minute to the next; the
number of instructions the same code executes on the same input does not change. This counts
them with ``valgrind --tool=callgrind``, so two versions of the engine can be compared without
the noise (for a version elsewhere, ``--tree`` names its checkout). The input is the generated
year of ``bench_availability_engine.py`` (500 residents, 60 groups, 12 weeks), read as a
database hands it over: one ``Roster`` of ``(resident, start, end, kind)`` tuples with POSIX
seconds for everybody. Two paths are counted:

- **suggestions**: reading the rows, then every group's ranked suggestions (``suggest_slots``),
  as ``sessions_app.selectors.availability.suggest_for_groups`` runs them;
- **feasible**: reading the rows, then every group's feasible slots (``feasible_slots``), the
  engine's side of the comparison with the reference.

The world is generated once, outside valgrind. Each path is counted twice under valgrind,
once with no planning and once planning twice; half the difference is printed, in millions of
instructions per run. Caches are cleared before each run.

    .venv/bin/python bench/count_engine_instructions.py [--tree ../other-checkout]

valgrind is on the machine (``apt-get install valgrind`` elsewhere); the whole takes a minute.
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve()
PATHS = ("suggestions", "feasible")


def _world(into: Path) -> None:
    """Generate the world once (outside valgrind, where it would take minutes) and keep what
    the engine is given: the groups' requests and everybody's rows."""
    sys.path.insert(0, str(HERE.parent))
    from bench_availability_engine import generate_rosters, group_requests

    requests = group_requests(generate_rosters(7, 500, 60), weeks=12, seed=7)
    rows = sorted({(e.person_id, e.start.timestamp(), e.end.timestamp(), e.kind)
                   for _request, roster in requests for e in roster})
    with into.open("wb") as out:
        pickle.dump(([request for request, _roster in requests], rows), out)


def _plan(tree: Path, world: Path, path: str, runs: int) -> None:
    """Inside valgrind: plan ``runs`` times with ``tree``'s engine."""
    sys.path.insert(0, str(tree))
    from planning import availability as engine

    with world.open("rb") as given:
        asked, rows = pickle.load(given)  # noqa: S301 - written by this script a moment ago
    for _ in range(runs):
        engine.clear_caches()
        roster = engine.Roster(rows)
        if path == "suggestions":
            [engine.suggest_slots(request, roster, limit=10) for request in asked]
        else:
            [engine.feasible_slots(request, roster) for request in asked]


def _count(tree: Path, world: Path, path: str, runs: int) -> int:
    """Instructions of this script planning ``runs`` times, as callgrind counts them."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, str(HERE),
         "--inside", path, "--runs", str(runs), "--tree", str(tree), "--world", str(world)],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        sys.exit(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=HERE.parent.parent,
                        help="the checkout whose engine is counted (default: this one)")
    parser.add_argument("--inside", choices=PATHS, help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--world", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    tree = args.tree.resolve()
    if args.inside:
        _plan(tree, args.world, args.inside, args.runs)
        return 0
    print(f"engine of {tree}, 60 groups over 12 weeks (callgrind, millions of instructions per run)")
    with tempfile.TemporaryDirectory() as scratch:
        world = Path(scratch) / "world.pickle"
        _world(world)
        for path in PATHS:
            per_run = (_count(tree, world, path, 2) - _count(tree, world, path, 0)) / 2
            print(f"{path}: {per_run / 1e6:.0f} M")
    return 0


if __name__ == "__main__":
    sys.exit(main())
