"""The generated hospital's rosters go in through the commands: its resident list with
import_residents, then its folder of one .ics per resident (named by e-mail, without ATTENDEE;
nights across both DST changes, all-day leave, a weekly clinic as RRULE with EXDATE, a
cancelled shift, nights running into leave) with one import_roster. Every file is accepted and
every stored entry is the generated one; the rosters cover the hospital's period."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from demo.hospital import ZONE, hospital_write
from residents.models import Resident, RosterCoverage, RosterEntry, RosterImport


@pytest.fixture(scope="module")
def hospital(tmp_path_factory):
    return hospital_write(tmp_path_factory.mktemp("hospital"), residents=120)


def test_the_hospitals_roster_folder_goes_in_whole_and_as_generated(db, hospital):
    call_command("import_residents", str(hospital.residents_csv), stdout=StringIO())
    assert Resident.objects.count() == 120

    out = StringIO()
    call_command("import_roster", str(hospital.rosters), "--source", "rooster", stdout=out)
    assert "Imported" in out.getvalue() and "(120 file(s))" in out.getvalue()
    (done,) = RosterImport.objects.all()
    assert (done.status, done.summary["files"]) == (RosterImport.Status.DONE, 120)
    # The nights that run into a leave are kept and counted, not refused.
    assert done.summary["overlaps"] >= sum(r.nights_into_leave for r in hospital.residents) > 0

    stored = {}
    for email, start, end, kind in RosterEntry.objects.values_list(
            "resident__user__email", "start", "end", "kind"):
        stored.setdefault(email.lower(), []).append((start, end, kind))
    for resident in hospital.residents:
        generated = sorted((e.start, e.end, e.kind) for e in resident.entries)
        assert sorted(stored.get(resident.email.lower(), [])) == generated, resident.email

    # Each resident's roster covers the hospital's period, so nobody is unknown inside it.
    covered = {c.resident.user.email.lower(): c
               for c in RosterCoverage.objects.select_related("resident__user")}
    assert len(covered) == 120
    for resident in hospital.residents:
        days = covered[resident.email.lower()]
        assert days.start.astimezone(ZONE).date() <= hospital.first_day + dt.timedelta(days=7)
        assert days.end.astimezone(ZONE).date() >= hospital.last_day - dt.timedelta(days=7)


def test_importing_the_same_folder_again_changes_nothing(db, hospital):
    call_command("import_residents", str(hospital.residents_csv), stdout=StringIO())
    call_command("import_roster", str(hospital.rosters), stdout=StringIO())
    before = RosterEntry.objects.count()
    out = StringIO()
    call_command("import_roster", str(hospital.rosters), stdout=out)
    assert "0 added, 0 replaced, 0 removed" in out.getvalue()
    assert RosterEntry.objects.count() == before
    assert RosterCoverage.objects.count() == 120
