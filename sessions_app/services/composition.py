"""Composing groups: start a run (a worker solves it, see ``composition_solve``), adjust the
proposal by moving residents, accept it as dated memberships."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from planning import composition as engine
from residents.models import Intervisor, Resident, User

from ..composition_text import say
from ..models import CompositionRun, IntervisionGroup, Membership
from ..selectors.composition import (
    COHORT_START_YEAR,
    COHORTS,
    assignment_of,
    build_problem,
    cohort_queryset,
    proposal_check,
    replaces_groups,
    retired_group_ids,
)
from .groups import group_create, membership_add, membership_end

# --- Starting ----------------------------------------------------------------------------------

def _pairs(pairs: Iterable[tuple[Resident, Resident]]) -> list[list[int]]:
    return sorted({tuple(sorted((a.pk, b.pk))) for a, b in pairs if a.pk != b.pk})


@transaction.atomic
def composition_start(
    *,
    by: User,
    cohort: str,
    on: dt.date,
    start_year: int | None = None,
    min_size: int = 6,
    max_size: int = 8,
    max_per_specialty: int | None = 2,
    spread_years: bool = True,
    keep_together: Iterable[tuple[Resident, Resident]] = (),
    keep_apart: Iterable[tuple[Resident, Resident]] = (),
    intervisors: Iterable[Intervisor],
    keep_previous: bool = False,
    time_limit: int = 30,
) -> CompositionRun:
    """Record a run with the cohort as it is now and hand it to a worker after commit."""
    if cohort not in COHORTS:
        raise ValidationError({"cohort": _("Choose a cohort.")})
    if cohort == COHORT_START_YEAR and not start_year:
        raise ValidationError({"start_year": _("Choose the year the cohort started training.")})
    if min_size > max_size:
        raise ValidationError({"max_size": _("The maximum size must be at least the minimum size.")})
    resident_ids = sorted(
        cohort_queryset(cohort=cohort, on=on, start_year=start_year).values_list("pk", flat=True)
    )
    params = {
        "cohort": cohort, "on": on.isoformat(), "start_year": start_year,
        "min_size": min_size, "max_size": max_size, "max_per_specialty": max_per_specialty,
        "spread_years": spread_years, "keep_together": _pairs(keep_together),
        "keep_apart": _pairs(keep_apart), "intervisor_ids": sorted(i.pk for i in intervisors),
        "keep_previous": keep_previous, "time_limit": time_limit, "resident_ids": resident_ids,
    }
    run = CompositionRun.objects.create(created_by=by, params=params, message=_("Waiting for a worker"))
    # Celery loads here, when a web process first enqueues, not at start-up.
    from ..tasks.composition import compose_groups

    transaction.on_commit(lambda: compose_groups.delay(run.pk))
    return run


# --- Adjusting and accepting ---------------------------------------------------------------------

def _lock_proposal(run: CompositionRun) -> CompositionRun:
    run = CompositionRun.objects.select_for_update().get(pk=run.pk)
    if run.status != CompositionRun.Status.DONE:
        raise ValidationError(_("This proposal can no longer be changed (%(status)s).")
                              % {"status": run.get_status_display()})
    return run


@transaction.atomic
def composition_move(*, run: CompositionRun, resident_id: int, to_group: int) -> list[engine.Violation]:
    """Move a resident to group ``to_group`` (1-based, as shown) and return the violations of
    the changed proposal; the move is kept either way, so a coordinator can fix it by the next."""
    run = _lock_proposal(run)
    groups = run.result["groups"]
    if not 1 <= to_group <= len(groups):
        raise ValidationError({"to_group": _("There is no group %(n)d.") % {"n": to_group}})
    source = next((g for g in groups if resident_id in g["resident_ids"]), None)
    if source is None:
        raise ValidationError({"resident": _("This resident is not in the proposal.")})
    target = groups[to_group - 1]
    if source is not target:
        source["resident_ids"].remove(resident_id)
        target["resident_ids"] = sorted([*target["resident_ids"], resident_id])
        run.result["moves"] = run.result.get("moves", 0) + 1
        snapshot = build_problem(run.params)
        run.result["objective"] = engine.objective_of(snapshot.problem, assignment_of(run.result))
        run.save(update_fields=["result"])
        return proposal_check(run, snapshot)
    return proposal_check(run)


def _next_group_names(year: int, count: int) -> list[str]:
    prefix = _("%(year)d group") % {"year": year}
    taken = set(IntervisionGroup.objects.filter(name__startswith=prefix).values_list("name", flat=True))
    names, n = [], 1
    while len(names) < count:
        name = f"{prefix} {n}"
        if name not in taken:
            names.append(name)
        n += 1
    return names


@transaction.atomic
def composition_accept(*, run: CompositionRun, start_date: dt.date, by: User) -> list[IntervisionGroup]:
    """Create the proposed groups and their memberships from ``start_date``, all or nothing.

    The rules are checked again first; then the group services check each group and member with
    their rows locked, and any refusal (data changed meanwhile) undoes everything.
    """
    run = _lock_proposal(run)
    violations = proposal_check(run)
    if violations:
        raise ValidationError([say(v.message) for v in violations])
    params = run.params
    ids = set(params["resident_ids"])
    residents = {r.pk: r for r in Resident.objects.filter(pk__in=ids).select_related("user")}
    if replaces_groups(params):
        # The cohort's current groups end the day the new ones start.
        retired = retired_group_ids(ids, start_date)
        for membership in Membership.objects.filter(resident_id__in=ids).overlapping(start_date, None):
            membership_end(membership=membership, on=start_date)
        IntervisionGroup.objects.filter(pk__in=retired).update(is_active=False)
    intervisors = {i.pk: i for i in Intervisor.objects.filter(pk__in=params["intervisor_ids"])}
    groups = run.result["groups"]
    created = []
    for name, proposed in zip(_next_group_names(start_date.year, len(groups)), groups, strict=True):
        group = group_create(
            name=name, intervisor=intervisors[proposed["intervisor_id"]],
            min_size=params["min_size"], max_size=params["max_size"],
        )
        for resident_id in proposed["resident_ids"]:
            membership_add(group=group, resident=residents[resident_id], start_date=start_date)
        created.append(group)
    run.status = CompositionRun.Status.ACCEPTED
    run.accepted_at = timezone.now()
    run.start_date = start_date
    run.result["accepted_group_ids"] = [g.pk for g in created]
    run.result["accepted_by"] = by.pk
    run.save(update_fields=["status", "accepted_at", "start_date", "result"])
    return created
