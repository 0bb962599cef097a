"""A roster import's progress: the worker reports it after each chunk, the page shows it, and
without Redis the web process and the worker still share it."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

from residents.models import RosterImport
from residents.services import roster_apply, roster_imports
from tests.factories import ResidentFactory

ROOT = Path(__file__).resolve().parent.parent
LINES = b"email,start,end,kind,external_id\n" + b"".join(
    f"anna@hospital.example,2026-03-0{day} 08:00,2026-03-0{day} 17:00,day,a{day}\n".encode()
    for day in (2, 3, 4)
)


@pytest.fixture
def anna(db):
    return ResidentFactory(user__email="anna@hospital.example", user__first_name="Anna")


def queued() -> RosterImport:
    checked = roster_imports.roster_import_check(data=LINES, filename="roster.csv", source="roster", by=None)
    return roster_imports.roster_import_confirm(roster_import=checked, by=None)


def test_what_the_worker_reports_after_each_chunk_is_what_the_page_reads(anna, monkeypatch):
    imp = queued()
    seen = []
    report = roster_apply.report_progress

    def report_and_look(pk, done):
        report(pk, done)
        seen.append(roster_apply.roster_import_done(RosterImport.objects.get(pk=pk)))

    monkeypatch.setattr(roster_apply, "ROSTER_CHUNK", 1)
    monkeypatch.setattr(roster_apply, "report_progress", report_and_look)
    done = roster_apply.roster_import_apply(roster_import_id=imp.pk)
    assert seen == [1, 2, 3]
    assert (done.status, roster_apply.roster_import_done(done)) == (RosterImport.Status.DONE, 3)


@pytest.fixture
def running(anna):
    imp = queued()
    RosterImport.objects.filter(pk=imp.pk).update(status=RosterImport.Status.RUNNING)
    imp.refresh_from_db()
    yield imp
    cache.delete(roster_apply._progress_key(imp.pk))  # the cache outlives the test database


def test_the_progress_bar_of_a_running_import_shows_the_reported_share(as_cora, running):
    roster_apply.report_progress(running.pk, 2)
    fragment = as_cora.get(reverse("roster_import_detail", args=[running.pk]), HTTP_HX_REQUEST="true")
    assert 'aria-valuenow="67"' in fragment.content.decode()


def test_a_failed_import_shows_nothing_written_whatever_its_worker_last_reported(running):
    roster_apply.report_progress(running.pk, 2)
    roster_apply.roster_imports_sweep(now=running.created_at + dt.timedelta(days=1))
    running.refresh_from_db()
    assert running.status == RosterImport.Status.FAILED
    assert roster_apply.roster_import_done(running) == 0


def _in_a_process_of_its_own(code: str, var_dir: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(DEBUG="1", VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="intervision.settings")
    result = subprocess.run(  # noqa: S603 (runs this test's own code)
        [sys.executable, "-c", f"import django; django.setup(); from django.core.cache import cache; {code}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_without_redis_what_one_process_caches_another_reads(tmp_path):
    """As under `make run`: the worker reports progress, the web process reads it."""
    _in_a_process_of_its_own("cache.set('roster-import:1:done', 4, 60)", tmp_path)
    assert _in_a_process_of_its_own("print(cache.get('roster-import:1:done'))", tmp_path) == "4"
