"""A web process starts without the libraries only the worker, or one rare page, needs.

Every gunicorn worker holds what importing the app (the URLconf and every view module) loads,
for as long as it lives; ``bench/bench_memory.py`` weighs it against a bare Django worker. The
libraries below are each loaded inside the one function that uses them, and this test fails
when a module-level import brings one back into every web process.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Library → where it belongs instead.
LOADED_WHERE_USED = {
    "ortools": "the composition solver, in the worker",
    "pandas": "the composition solver (OR-Tools' own import), in the worker",
    "numpy": "nowhere in the app (the availability engine is plain Python); OR-Tools, in the worker",
    "celery": "the first task a process enqueues",
    "kombu": "the broker check of /healthz",
    "reportlab": "the attendance statement (PDF)",
    "icalendar": "calendar invitations, replies and the feed's time-zone block",
    "holidays": "the nightly task that stores the public holidays",
    "openpyxl": "reading an uploaded workbook, in the worker",
    "requests": "signing in with the hospital's identity provider",
    "jwt": "signing in with the hospital's identity provider",
    "xml": "the attendance statement (PDF)",
}


def test_importing_the_app_as_a_web_worker_loads_none_of_the_heavy_libraries():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "LOCAL_PASSWORDS"))}
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="intervision.settings")
    result = subprocess.run(
        [sys.executable, "-c",
         "import sys, intervision.wsgi;"
         "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.strip().splitlines()[-1].split())
    assert "sessions_app" in loaded and "residents" in loaded  # the URLconf was imported
    unexpected = {name: LOADED_WHERE_USED[name] for name in sorted(loaded & LOADED_WHERE_USED.keys())}
    assert unexpected == {}, f"loaded at start, though they belong in: {unexpected}"
