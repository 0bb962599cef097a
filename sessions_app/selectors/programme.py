"""The coordinator's overview of the programme, and the order of work on a new install.

A new programme is set up in a fixed order, because each step needs the one before it:
specialties and departments (every resident has one of each) → residents → intervisors →
groups (an intervisor leads residents) → rosters (what sessions are planned around) →
sessions. The coordinator's home shows that order as a checklist that ticks itself off from
the data, until every step is done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from residents.models import Department, Intervisor, Resident, RosterEntry, Specialty

from ..models import IntervisionGroup, Membership, Session


@dataclass(frozen=True)
class ProgrammeCounts:
    specialties: int
    departments: int
    residents: int  # active
    without_group: int  # active residents in no group on the day
    with_roster: int  # active residents with any roster data
    intervisors: int  # active
    groups: int  # active
    sessions: int  # planned or held, not cancelled


def programme_counts(on: dt.date) -> ProgrammeCounts:
    """Everything the coordinator's home counts, in six queries whatever the size of the
    programme: specialties, departments, residents (with those in no group and those with a
    roster, in one aggregate), intervisors, groups, sessions."""
    in_group = Membership.objects.on(on).values("resident")
    has_roster = Exists(RosterEntry.objects.filter(resident=OuterRef("pk")))
    residents = Resident.objects.active().aggregate(
        residents=Count("pk"),
        without_group=Count("pk", filter=~Q(pk__in=in_group)),
        with_roster=Count("pk", filter=Q(has_roster)),
    )
    return ProgrammeCounts(
        specialties=Specialty.objects.count(),
        departments=Department.objects.count(),
        residents=residents["residents"],
        without_group=residents["without_group"],
        with_roster=residents["with_roster"],
        intervisors=Intervisor.objects.active().count(),
        groups=IntervisionGroup.objects.active().count(),
        sessions=Session.objects.exclude(status=Session.Status.CANCELLED).count(),
    )


@dataclass(frozen=True)
class SetupStep:
    key: str  # reference, residents, intervisors, groups, rosters, sessions
    done: bool
    is_next: bool = False


STEP_ORDER = ("reference", "residents", "intervisors", "groups", "rosters", "sessions")


def setup_steps(counts: ProgrammeCounts) -> list[SetupStep]:
    """The order of work with what is done; the first step not done is the next one. Empty
    once every step is done: the checklist is then no longer shown."""
    done = {
        "reference": counts.specialties > 0 and counts.departments > 0,
        "residents": counts.residents > 0,
        "intervisors": counts.intervisors > 0,
        "groups": counts.groups > 0,
        "rosters": counts.with_roster > 0,
        "sessions": counts.sessions > 0,
    }
    if all(done.values()):
        return []
    next_key = next(key for key in STEP_ORDER if not done[key])
    return [SetupStep(key=key, done=done[key], is_next=key == next_key) for key in STEP_ORDER]
