"""A year of rosters for the demo residents, and each intervisor's holidays.

The year is drawn in ``demo.patterns`` (plain Python, shared with the engine's benchmark) and
bulk-inserted here; entries carry ``DEMO_SOURCE`` so a real import never mistakes them for its
own, and so a site loaded before the demo had rosters can tell that they are missing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings

from demo.patterns import WEEKS, intervisor_holidays, resident_year, roster_start
from residents.models import Intervisor, IntervisorAbsence, Resident, RosterCoverage, RosterEntry

DEMO_SOURCE = "demo"


def rosters_build(*, rng: random.Random, today: dt.date, residents: Iterable[Resident],
                  intervisors: Iterable[Intervisor], weeks: int = WEEKS) -> int:
    """``weeks`` weeks of rosters for ``residents`` from a few weeks before ``today``, in the
    programme's time zone, and three weeks of holiday for each of ``intervisors``. Returns the
    number of roster entries."""
    zone = ZoneInfo(settings.TIME_ZONE)
    first_monday = roster_start(today)
    entries, covered = [], []
    first = dt.datetime.combine(first_monday, dt.time(0), zone)
    last = dt.datetime.combine(first_monday + dt.timedelta(weeks=weeks), dt.time(0), zone)
    for resident in residents:
        # As an import of these weeks would record: the roster is known for all of them.
        covered.append(RosterCoverage(resident=resident, start=first, end=last, source=DEMO_SOURCE))
        for shift in resident_year(rng, first_monday, zone, weeks):
            entries.append(RosterEntry(
                resident=resident, start=shift.start, end=shift.end, kind=shift.kind,
                source=DEMO_SOURCE, external_id=f"demo-{resident.pk}-{len(entries)}",
            ))
    RosterEntry.objects.bulk_create(entries, batch_size=5000)
    RosterCoverage.objects.bulk_create(covered, batch_size=5000)
    intervisors = list(intervisors)
    # Drawn for everyone, so the draws stay the same, but written only for intervisors with no
    # absences yet: rosters added later must not give a holiday twice.
    away = set(IntervisorAbsence.objects.filter(intervisor__in=intervisors)
               .values_list("intervisor_id", flat=True))
    IntervisorAbsence.objects.bulk_create([
        IntervisorAbsence(intervisor=intervisor, start=start, end=end, reason="Holiday")
        for intervisor in intervisors
        for start, end in intervisor_holidays(rng, first_monday, zone, weeks)
        if intervisor.pk not in away
    ])
    return len(entries)


def demo_rosters_exist() -> bool:
    return RosterEntry.objects.filter(source=DEMO_SOURCE).exists()
