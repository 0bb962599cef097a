"""The demo programme's groups and who is in them.

Groups and memberships go through the services, so every group obeys the same rules a
coordinator's would (size, no supervisor with their resident, intervisor conflicts and
capacity): a placement the services refuse is tried in the next group. Members are spread to
mix specialties and training years.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.utils import timezone

from demo.patterns import group_rhythm
from residents.models import Intervisor, Resident
from sessions_app.models import IntervisionGroup
from sessions_app.services.groups import group_create, membership_add

GROUPS = 16
PLACED_SHARE = 110 / 120  # some residents wait for a group: the open sessions are for them
MIN_SIZE, MAX_SIZE = 6, 8
RIVERS = [
    "Amstel", "Berkel", "Dommel", "Eem", "Gouwe", "Hunze", "IJssel", "Linge",
    "Maas", "Niers", "Reest", "Roer", "Schie", "Vecht", "Waal", "Zaan",
]
# Groups (by position) co-led by an intervisor with capacity to spare (by position).
CO_LEADERS = {8: 2, 11: 7, 14: 0}
LOCATIONS = [
    "Education Centre, room 4.12", "Education Centre, room 4.14", "Library, quiet room 2",
    "Boardroom, 9th floor", "Training centre, room B3", "Video call (Teams)",
]


class PlacementError(Exception):
    """The rules left a group below its minimum size."""


def group_name(i: int) -> str:
    """Rivers, and once they run out the same rivers again with a number."""
    river = RIVERS[i % len(RIVERS)]
    return f"{river} group" if i < len(RIVERS) else f"{river} {i // len(RIVERS) + 1} group"


def groups_build(*, rng: random.Random, intervisors: list[Intervisor], residents: list[Resident],
                 since: dt.date, count: int = GROUPS,
                 placed: int | None = None) -> list[IntervisionGroup]:
    """``count`` groups, two to each intervisor in turn, filled with ``placed`` of the
    ``residents`` (by default about eleven in twelve) from ``since`` on, or from when a
    resident started if later. The known resident goes to the first group, which the known
    intervisor leads."""
    groups = _groups(rng, intervisors, count)
    # A group exists from the day its members join, before the history the demo gives it:
    # the dashboard counts what the cadence asks for from the group's creation on.
    began = dt.datetime.combine(since, dt.time.min, tzinfo=timezone.get_current_timezone())
    IntervisionGroup.objects.filter(pk__in=[g.pk for g in groups]).update(created_at=began)
    for group in groups:
        group.created_at = began
    if placed is None:
        placed = round(len(residents) * PLACED_SHARE)
    _place(rng, groups, residents, since, min(placed, MAX_SIZE * count))
    return groups


def _groups(rng: random.Random, intervisors: list[Intervisor], count: int) -> list[IntervisionGroup]:
    groups = []
    for i in range(count):
        leader = intervisors[i * len(intervisors) // count]
        co_leader = intervisors[CO_LEADERS[i]] if i in CO_LEADERS else None
        rhythm = group_rhythm(rng)
        group = group_create(
            name=group_name(i), intervisor=leader, co_intervisor=co_leader,
            cadence_weeks=rhythm.cadence_weeks, default_duration_minutes=rhythm.duration_minutes,
            location=rng.choice(LOCATIONS), min_size=MIN_SIZE, max_size=MAX_SIZE,
        )
        group.candidate_windows = rhythm.windows
        groups.append(group)
    IntervisionGroup.objects.bulk_update(groups, ["candidate_windows"])
    return groups


def _place(rng: random.Random, groups: list[IntervisionGroup], residents: list[Resident],
           since: dt.date, placed: int) -> None:
    """Fill the groups through ``membership_add``, mixing specialties and training years."""
    targets = [MIN_SIZE] * len(groups)
    for _ in range(placed - sum(targets)):
        i = rng.choice([i for i, t in enumerate(targets) if t < MAX_SIZE])
        targets[i] += 1
    members: list[list[Resident]] = [[] for _ in groups]

    def place(resident: Resident, order: list[int]) -> bool:
        for i in order:
            try:
                membership_add(group=groups[i], resident=resident,
                               start_date=max(since, resident.start_date))
            except ValidationError:
                continue  # a rule says no: try the next group
            members[i].append(resident)
            return True
        return False

    place(residents[0], [0])
    others = residents[1:]
    rng.shuffle(others)
    for resident in others:
        open_groups = [i for i in range(len(groups)) if len(members[i]) < targets[i]]
        if not open_groups:
            break
        open_groups.sort(key=lambda i: (
            sum(m.specialty_id == resident.specialty_id for m in members[i]),
            sum(m.training_year == resident.training_year for m in members[i]),
            len(members[i]) / targets[i],
            rng.random(),
        ))
        place(resident, open_groups)
    short = [g.name for g, m in zip(groups, members, strict=True) if len(m) < g.min_size]
    if short:
        raise PlacementError(f"Could not fill {', '.join(short)} within the rules.")
