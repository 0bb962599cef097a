"""A teaching hospital moves in: from an empty database, through the management commands alone,
its own files (demo/hospital.py writes them as a Dutch hospital has them) become a programme with
a year of sessions that fit the residents' rosters.

The share of members who can come is worked out from the generated rosters (``Hospital.free``),
not by the app: the app's plan is judged by a measure it did not compute.
"""

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command

from demo.hospital import ZONE, hospital_write
from residents.models import Intervisor, Resident, RosterEntry, User
from sessions_app.models import IntervisionGroup, Session, SessionStatus

pytestmark = [pytest.mark.django_db, pytest.mark.now("2026-12-01T09:00:00+01:00")]

FIRST, LAST = "2027-01-04", "2027-12-17"


@pytest.fixture(scope="module")
def hospital(tmp_path_factory):
    return hospital_write(tmp_path_factory.mktemp("umc-noord"), residents=120)


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_a_hospital_moves_in_through_the_commands_and_plans_a_year_that_fits(hospital, clock, monkeypatch):
    monkeypatch.setenv("COORDINATOR_PASSWORD", "Intervisie-2027!")
    _run("create_coordinator", "coordinator@umc-noord.example", "--noinput")
    assert User.objects.get(email="coordinator@umc-noord.example").role == User.Role.COORDINATOR

    _run("import_residents", str(hospital.residents_csv))
    assert Resident.objects.count() == len(hospital.residents)
    stored = {r.user.email: r for r in Resident.objects.select_related("user", "specialty", "department")}
    for generated in hospital.residents:
        resident = stored[generated.email]
        assert resident.user.get_full_name() == f"{generated.first_name} {generated.last_name}"
        assert resident.specialty.name == generated.specialty
        assert resident.department.name == generated.department

    _run("import_intervisors", str(hospital.intervisors_csv))
    assert Intervisor.objects.count() == len(hospital.intervisors)
    _run("import_groups", str(hospital.groups_csv))
    assert IntervisionGroup.objects.count() == len(hospital.groups)
    _run("import_absences", str(hospital.absences_csv))

    _run("import_roster", str(hospital.rosters))
    for generated in hospital.residents:
        entries = sorted(RosterEntry.objects.filter(resident=stored[generated.email])
                         .values_list("start", "end", "kind"))
        assert entries == [(e.start, e.end, e.kind) for e in generated.entries], generated.email

    printed = _run("plan_year", "--from", FIRST, "--to", LAST, "--yes")
    sessions = list(Session.objects.filter(status=SessionStatus.SCHEDULED, group__isnull=False)
                    .select_related("group__intervisor__user"))
    assert sessions, printed
    per_group = Counter(s.group_id for s in sessions)
    assert set(per_group) == set(IntervisionGroup.objects.values_list("pk", flat=True))

    free = counted = 0
    for session in sessions:
        local = session.start.astimezone(ZONE).date()
        assert dt.date.fromisoformat(FIRST) <= local <= dt.date.fromisoformat(LAST)
        assert not hospital.intervisor_absent(session.group.intervisor.user.email, session.start, session.end)
        for membership in session.group.memberships.on(local).select_related("resident__user"):
            counted += 1
            free += hospital.free(membership.resident.user.email, session.start, session.end)
    share = free / counted
    print(f"{len(sessions)} sessions; members free (from the generated rosters): {share:.1%}; "
          f"the app says: {printed.strip().splitlines()[-1]}")
    assert share >= 0.95, f"{share:.1%} of members free over {len(sessions)} sessions\n{printed}"
