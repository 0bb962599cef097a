"""Reading a composition's cohort into the planning engine's problem, and checking a
proposal against the rules as the database has them now.

A run's ``params`` hold the coordinator's choices and the cohort as it was when the run was
started (resident ids), so a proposal is always checked against the same residents. Everything
else (specialty, department, year, supervisors, intervisors' exclusions) is read from the
database every time the rules are checked, so a change made meanwhile shows up as a violation
before acceptance rather than as a surprise after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from planning import composition as engine
from residents.models import Intervisor, Resident

from ..models import CompositionRun, Membership

COHORT_UNGROUPED = "ungrouped"
COHORT_ALL = "all"
COHORT_START_YEAR = "start_year"
COHORTS = (COHORT_UNGROUPED, COHORT_ALL, COHORT_START_YEAR)


# --- The cohort and the problem ------------------------------------------------------------------

def cohort_queryset(*, cohort: str, on: dt.date, start_year: int | None = None):
    """Active residents a run may compose: those without a current or future group on ``on``,
    everyone, or those who started training in ``start_year``."""
    residents = Resident.objects.active()
    if cohort == COHORT_UNGROUPED:
        busy = Membership.objects.overlapping(on, None).values("resident")
        return residents.exclude(pk__in=busy)
    if cohort == COHORT_START_YEAR:
        return residents.filter(start_date__year=start_year)
    return residents


def replaces_groups(params: dict) -> bool:
    """A cohort of everyone (or a year) replaces the groups its residents are in now."""
    return params.get("cohort") != COHORT_UNGROUPED


def retired_group_ids(resident_ids: set[int], on: dt.date) -> set[int]:
    """Active groups every current or future member of which is in the cohort: accepting the
    proposal empties them, so they are retired and their intervisors free again."""
    rows = (
        Membership.objects.overlapping(on, None)
        .filter(group__is_active=True)
        .values_list("group_id", "resident_id")
    )
    members: dict[int, set[int]] = {}
    for group_id, resident_id in rows:
        members.setdefault(group_id, set()).add(resident_id)
    return {g for g, who in members.items() if who <= resident_ids}


def _led_count(relation: str, retired: set[int]) -> Count:
    """Active groups an intervisor leads (as ``relation``) that stay after acceptance."""
    led = Q(**{f"{relation}__is_active": True})
    if retired:
        led &= ~Q(**{f"{relation}__pk__in": retired})
    return Count(relation, filter=led, distinct=True)


@dataclass(frozen=True)
class Snapshot:
    """A problem built from the database, with what the pages need to show it."""

    problem: engine.Problem
    residents: dict[int, Resident]
    intervisors: dict[int, Intervisor]


def build_problem(params: dict, *, on: dt.date | None = None) -> Snapshot:
    """The engine's problem for a run's parameters, read from the database now (6 queries)."""
    on = on or dt.date.fromisoformat(params["on"])
    ids = set(params["resident_ids"])
    residents = {
        r.pk: r
        for r in Resident.objects.filter(pk__in=ids).with_people().prefetch_related("supervisors")
    }
    by_user = {r.user_id: r.pk for r in residents.values()}
    previous: dict[int, str] = {}
    if params.get("keep_previous"):
        # The group each resident was in most recently before ``on`` (or is in on it).
        rows = (
            Membership.objects.filter(resident_id__in=ids, start_date__lte=on)
            .order_by("start_date", "pk").values_list("resident_id", "group_id")
        )
        previous = {rid: f"g{gid}" for rid, gid in rows}
    members = []
    supervisors_of: dict[int, set[int]] = {}
    for r in residents.values():
        supervisor_users = {u.pk for u in r.supervisors.all()}
        supervisors_of[r.pk] = supervisor_users
        members.append(engine.Member(
            id=r.pk, specialty=r.specialty.name, department=r.department.name,
            training_year=r.training_year, previous_group=previous.get(r.pk),
            conflicts=frozenset(by_user[u] for u in supervisor_users if u in by_user),
            name=r.user.get_full_name(),
        ))
    retired = retired_group_ids(ids, on) if replaces_groups(params) else set()
    intervisors = {
        i.pk: i
        for i in Intervisor.objects.active().filter(pk__in=params["intervisor_ids"])
        .select_related("user")
        .prefetch_related("must_not_lead_residents", "must_not_lead_departments")
        .annotate(led=_led_count("groups", retired) + _led_count("co_led_groups", retired))
    }
    leaders = []
    for i in intervisors.values():
        supervised = {rid for rid, users in supervisors_of.items() if i.user_id in users}
        leaders.append(engine.Leader(
            id=i.pk, capacity=max(0, i.capacity - i.led),
            forbidden_residents=frozenset({r.pk for r in i.must_not_lead_residents.all()} | supervised),
            forbidden_departments=frozenset(d.name for d in i.must_not_lead_departments.all()),
            name=i.user.get_full_name(),
        ))
    members.sort(key=lambda m: m.id)
    leaders.sort(key=lambda leader: leader.id)
    rules = engine.Rules(
        min_size=params["min_size"], max_size=params["max_size"],
        max_per_specialty=params.get("max_per_specialty"),
        keep_together=tuple(tuple(p) for p in params.get("keep_together", [])),
        keep_apart=tuple(tuple(p) for p in params.get("keep_apart", [])),
        keep_previous=bool(params.get("keep_previous")),
        weights=engine.Weights(training_year=2 if params.get("spread_years", True) else 0),
    )
    problem = engine.Problem(members=tuple(members), leaders=tuple(leaders), rules=rules)
    return Snapshot(problem=problem, residents=residents, intervisors=intervisors)


def assignment_of(result: dict) -> engine.Assignment:
    return engine.Assignment(groups=tuple(
        engine.Group(member_ids=tuple(g["resident_ids"]), leader_id=g["intervisor_id"])
        for g in result.get("groups", [])
    ))


def proposal_check(run: CompositionRun, snapshot: Snapshot | None = None) -> list[engine.Violation]:
    """Every hard rule the run's current proposal breaks, against today's data."""
    snapshot = snapshot or build_problem(run.params)
    return engine.check_proposal(snapshot.problem, assignment_of(run.result))
