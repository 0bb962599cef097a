"""Reads that span models: what pages show about groups and their members."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q

from residents.models import Resident, User

from ..models import IntervisionGroup, Membership


def current_members(on: dt.date) -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.on(on).select_related(
            "resident__user", "resident__specialty", "resident__department"
        ).order_by("resident__user__last_name", "resident__user__first_name"),
        to_attr="current_memberships",
    )


def groups_with_members(user: User, on: dt.date):
    return (
        IntervisionGroup.objects.visible_to(user, on)
        .select_related("intervisor__user", "co_intervisor__user")
        .prefetch_related(current_members(on))
    )


@dataclass
class GroupCard:
    group: IntervisionGroup
    members: list[Resident]


def group_cards_for(user: User, on: dt.date) -> list[GroupCard]:
    return [
        GroupCard(group=g, members=[m.resident for m in g.current_memberships])
        for g in groups_with_members(user, on).filter(is_active=True)
    ]


def group_list(user: User, on: dt.date, *, show_inactive: bool = False):
    groups = IntervisionGroup.objects.visible_to(user, on).select_related(
        "intervisor__user", "co_intervisor__user"
    ).annotate(
        member_count=Count(
            "memberships",
            filter=Q(memberships__start_date__lte=on)
            & (Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gt=on)),
        )
    )
    if not show_inactive:
        groups = groups.filter(is_active=True)
    return groups.order_by("name")


def current_group_names(residents: Iterable[Resident], on: dt.date) -> dict[int, str]:
    """Resident id → the name of the group they are in on ``on`` (one query)."""
    rows = Membership.objects.on(on).filter(resident__in=list(residents)).values_list(
        "resident_id", "group__name"
    )
    return dict(rows)


def residents_addable_to(group: IntervisionGroup, on: dt.date):
    """Active residents without a group on ``on``: the sensible choices for a new member."""
    busy = Membership.objects.overlapping(on, None).values("resident")
    return Resident.objects.active().with_people().exclude(pk__in=busy)


def without_group(residents, on: dt.date):
    """``residents`` who are in no group on ``on`` (the home page's "without a group" card)."""
    return residents.exclude(pk__in=Membership.objects.on(on).values("resident"))
