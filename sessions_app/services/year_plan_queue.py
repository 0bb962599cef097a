"""Queue a confirmed plan of the year for a worker (``services/year_plan.py`` plans it).

Apart from the planning itself so that the task, which imports the planning, is not imported
back by it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from residents.models import User

from ..models import IntervisionGroup, YearPlanRun


@transaction.atomic
def year_plan_confirm(*, groups: Sequence[IntervisionGroup], group: IntervisionGroup | None,
                      first: dt.date, last: dt.date, fingerprint: str, by: User | None) -> YearPlanRun:
    """Queue the plan previewed (``fingerprint``) for a worker."""
    # Celery loads here, when a web process first enqueues, not at start-up.
    from ..tasks.year_plan import year_plan_run as run_task

    run = YearPlanRun.objects.create(
        created_by=by, first_day=first, last_day=last, group=group,
        group_ids=sorted(g.pk for g in groups), fingerprint=fingerprint,
        status_changed_at=timezone.now(),
    )
    pk = run.pk
    transaction.on_commit(lambda: run_task.delay(pk))
    return run
