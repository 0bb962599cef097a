"""Roster imports whose worker died: the sweeper fails them after their limit, once, so the
page stops waiting; imports that finished, wait for confirmation or are within their limit
are left alone."""

import datetime as dt

import pytest
from django.urls import reverse

from residents.models import RosterEntry, RosterImport
from residents.services import roster_apply, roster_imports
from residents.tasks.rosters import sweep_stuck_roster_imports
from tests.helpers import AMS, login

NINE = dt.datetime(2026, 3, 2, 9, 0, tzinfo=AMS)  # Monday 2 March, nine in the morning
LINE = b"email,start,end,kind,external_id\nanna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,a1\n"

pytestmark = [pytest.mark.now(NINE), pytest.mark.usefixtures("clock")]


def checked() -> RosterImport:
    return roster_imports.roster_import_check(data=LINE, filename="roster.csv", source="roster", by=None)


def queued() -> RosterImport:
    return roster_imports.roster_import_confirm(roster_import=checked(), by=None)


def taken_by_a_worker_that_dies() -> RosterImport:
    """What ``roster_import_apply`` leaves behind when its process is killed after the claim:
    the claim's own update, and nothing else (the import's transaction rolled back)."""
    imp = queued()
    RosterImport.objects.filter(pk=imp.pk, status=RosterImport.Status.QUEUED).update(
        status=RosterImport.Status.RUNNING, done=0, status_changed_at=dt.datetime.now(dt.UTC))
    return imp


def status(imp: RosterImport) -> str:
    imp.refresh_from_db()
    return imp.status


def test_a_running_import_whose_worker_died_fails_after_the_time_limit_and_margin(anna, clock):
    imp = taken_by_a_worker_that_dies()
    clock.move_to(NINE + roster_apply.ROSTER_IMPORT_TIME_LIMIT)  # a live worker may still be at it
    assert roster_apply.roster_imports_sweep() == 0 and status(imp) == RosterImport.Status.RUNNING
    clock.move_to(NINE + roster_apply.ROSTER_IMPORT_RUN_LIMIT + dt.timedelta(seconds=1))
    assert roster_apply.roster_imports_sweep() == 1
    assert status(imp) == RosterImport.Status.FAILED
    assert imp.finished_at == NINE + roster_apply.ROSTER_IMPORT_RUN_LIMIT + dt.timedelta(seconds=1)
    assert "worker is gone" in imp.problems[0]["reason"] and imp.done == 0


def test_sweeping_twice_changes_nothing_the_second_time(anna, clock):
    imp = taken_by_a_worker_that_dies()
    clock.move_to(NINE + dt.timedelta(hours=2))
    assert sweep_stuck_roster_imports.apply().get() == 1
    imp.refresh_from_db()
    first = (imp.status, imp.finished_at, imp.problems)
    clock.move_to(NINE + dt.timedelta(hours=3))
    assert sweep_stuck_roster_imports.apply().get() == 0
    imp.refresh_from_db()
    assert (imp.status, imp.finished_at, imp.problems) == first


def test_the_page_of_a_swept_import_stops_polling_and_says_nothing_was_imported(cora, anna, clock):
    imp = taken_by_a_worker_that_dies()
    url = reverse("roster_import_detail", args=[imp.pk])
    assert 'hx-trigger="every 1s"' in login(cora).get(url).content.decode()
    clock.move_to(NINE + dt.timedelta(hours=1))
    roster_apply.roster_imports_sweep()
    as_cora = login(cora)  # signed in again: an idle hour has ended the first log-in
    fragment = as_cora.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "every 1s" not in fragment and "progress-bar-animated" not in fragment
    assert "Nothing was imported." in fragment and "worker is gone" in fragment


def test_a_queued_import_no_worker_took_fails_after_an_hour_and_a_late_worker_writes_nothing(anna, clock):
    imp = queued()
    clock.move_to(NINE + roster_apply.ROSTER_IMPORT_QUEUE_LIMIT - dt.timedelta(minutes=1))
    assert roster_apply.roster_imports_sweep() == 0 and status(imp) == RosterImport.Status.QUEUED
    clock.move_to(NINE + roster_apply.ROSTER_IMPORT_QUEUE_LIMIT + dt.timedelta(minutes=1))
    assert roster_apply.roster_imports_sweep() == 1
    late = roster_apply.roster_import_apply(roster_import_id=imp.pk)
    assert late.status == RosterImport.Status.FAILED and not RosterEntry.objects.exists()


def test_the_wait_counts_from_the_confirmation_not_the_upload(anna, clock):
    imp = checked()
    clock.move_to(NINE + dt.timedelta(hours=3))  # previewed at nine, confirmed at noon
    roster_imports.roster_import_confirm(roster_import=imp, by=None)
    clock.move_to(NINE + dt.timedelta(hours=3, minutes=10))
    assert roster_apply.roster_imports_sweep() == 0 and status(imp) == RosterImport.Status.QUEUED


def test_finished_and_unconfirmed_imports_are_left_alone(anna, clock):
    waiting = checked()
    done = roster_apply.roster_import_apply(roster_import_id=queued().pk)
    assert done.status == RosterImport.Status.DONE
    clock.move_to(NINE + dt.timedelta(days=2))
    assert roster_apply.roster_imports_sweep() == 0
    assert (status(waiting), status(done)) == (RosterImport.Status.CHECKED, RosterImport.Status.DONE)
