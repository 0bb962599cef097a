"""Everything that changes groups and memberships.

The rules of a group (size, no supervisor with their resident, no intervisor over someone
they must not lead) are checked here with the group's row locked, so two coordinators adding
the last member at the same moment cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from residents.models import Intervisor, Resident

from ..models import IntervisionGroup, Membership, Session


def _fmt(day: dt.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def intervisor_conflicts(intervisor: Intervisor, residents: Iterable[Resident]) -> list[str]:
    """Why ``intervisor`` must not lead a group holding ``residents`` (empty when allowed)."""
    excluded_residents = set(intervisor.must_not_lead_residents.values_list("pk", flat=True))
    excluded_departments = set(intervisor.must_not_lead_departments.values_list("pk", flat=True))
    problems = []
    for resident in residents:
        if resident.pk in excluded_residents:
            problems.append(
                _("%(intervisor)s must not lead %(resident)s.")
                % {"intervisor": intervisor.user, "resident": resident.user}
            )
        elif resident.department_id in excluded_departments:
            problems.append(
                _("%(intervisor)s must not lead residents of %(department)s, such as %(resident)s.")
                % {"intervisor": intervisor.user, "department": resident.department,
                   "resident": resident.user}
            )
        elif resident.supervisors.filter(pk=intervisor.user_id).exists():
            problems.append(
                _("%(intervisor)s supervises %(resident)s.")
                % {"intervisor": intervisor.user, "resident": resident.user}
            )
    return problems


def _supervision_conflicts(newcomer: Resident, members: Iterable[Resident]) -> list[str]:
    newcomer_supervisors = set(newcomer.supervisors.values_list("pk", flat=True))
    problems = []
    for member in members:
        if member.user_id in newcomer_supervisors:
            problems.append(
                _("%(member)s supervises %(resident)s, so they cannot be in one group.")
                % {"member": member.user, "resident": newcomer.user}
            )
        elif member.supervisors.filter(pk=newcomer.user_id).exists():
            problems.append(
                _("%(resident)s supervises %(member)s, so they cannot be in one group.")
                % {"member": member.user, "resident": newcomer.user}
            )
    return problems


def _peak_size(memberships: list[Membership], start: dt.date, end: dt.date | None) -> int:
    """The most members the group has at any moment within [start, end)."""
    points = {start} | {
        m.start_date for m in memberships if m.start_date > start and (end is None or m.start_date < end)
    }
    return max(
        sum(1 for m in memberships
            if m.start_date <= p and (m.end_date is None or m.end_date > p))
        for p in points
    )


def _check_intervisor_capacity(intervisor: Intervisor, *, exclude: IntervisionGroup | None) -> None:
    led = IntervisionGroup.objects.active().filter(
        Q(intervisor=intervisor) | Q(co_intervisor=intervisor)
    )
    if exclude is not None:
        led = led.exclude(pk=exclude.pk)
    if led.count() >= intervisor.capacity:
        raise ValidationError(
            _("%(name)s already leads %(count)d groups, their capacity.")
            % {"name": intervisor.user, "count": intervisor.capacity}
        )


def _current_and_future_residents(group: IntervisionGroup, on: dt.date) -> list[Resident]:
    memberships = (
        group.memberships.overlapping(on, None)
        .select_related("resident__user", "resident__department")
    )
    return [m.resident for m in memberships]


def _check_leaders(group: IntervisionGroup, *, on: dt.date) -> None:
    residents = _current_and_future_residents(group, on)
    for field, intervisor in (("intervisor", group.intervisor), ("co_intervisor", group.co_intervisor)):
        if intervisor is None:
            continue
        if not intervisor.user.is_active:
            raise ValidationError({field: _("%(name)s is no longer active.") % {"name": intervisor.user}})
        problems = intervisor_conflicts(intervisor, residents)
        if problems:
            raise ValidationError({field: problems})


@transaction.atomic
def group_create(
    *,
    name: str,
    intervisor: Intervisor,
    co_intervisor: Intervisor | None = None,
    cadence_weeks: int = 6,
    default_duration_minutes: int = 90,
    location: str = "",
    min_size: int = 6,
    max_size: int = 8,
) -> IntervisionGroup:
    group = IntervisionGroup(
        name=name, intervisor=intervisor, co_intervisor=co_intervisor,
        cadence_weeks=cadence_weeks, default_duration_minutes=default_duration_minutes,
        location=location, min_size=min_size, max_size=max_size,
    )
    group.full_clean()
    for leader in group.intervisors():
        Intervisor.objects.select_for_update().get(pk=leader.pk)
        _check_intervisor_capacity(leader, exclude=None)
    group.save()
    return group


@transaction.atomic
def group_update(
    *,
    group: IntervisionGroup,
    name: str,
    intervisor: Intervisor,
    co_intervisor: Intervisor | None = None,
    cadence_weeks: int,
    default_duration_minutes: int,
    location: str = "",
    min_size: int,
    max_size: int,
) -> IntervisionGroup:
    group = IntervisionGroup.objects.select_for_update().get(pk=group.pk)
    today = timezone.localdate()
    renamed = name != group.name
    group.name, group.location = name, location
    group.intervisor, group.co_intervisor = intervisor, co_intervisor
    group.cadence_weeks, group.default_duration_minutes = cadence_weeks, default_duration_minutes
    group.min_size, group.max_size = min_size, max_size
    group.full_clean()
    for leader in group.intervisors():
        _check_intervisor_capacity(leader, exclude=group)
    _check_leaders(group, on=today)
    memberships = list(group.memberships.overlapping(today, None))
    if memberships and _peak_size(memberships, today, None) > max_size:
        raise ValidationError(
            {"max_size": _("The group already has more than %(n)d members.") % {"n": max_size}}
        )
    group.save()
    if renamed:
        # Calendars show the group's name as the events' title: the feeds must change too.
        Session.objects.filter(group=group).update(updated_at=timezone.now())
    return group


@transaction.atomic
def membership_add(
    *,
    group: IntervisionGroup,
    resident: Resident,
    start_date: dt.date,
    end_date: dt.date | None = None,
) -> Membership:
    """Add ``resident`` to ``group`` from ``start_date``; refuse what would break a rule."""
    # Lock the group (its size) and the resident (their other memberships) for the checks.
    group = IntervisionGroup.objects.select_for_update(of=("self",)).select_related(
        "intervisor__user", "co_intervisor__user"
    ).get(pk=group.pk)
    resident = Resident.objects.select_for_update(of=("self",)).select_related(
        "user", "department"
    ).get(pk=resident.pk)
    if end_date is not None and end_date <= start_date:
        raise ValidationError({"end_date": _("The end date must be after the start date.")})
    if not group.is_active:
        raise ValidationError(_("%(group)s is no longer active.") % {"group": group})
    if not resident.user.is_active:
        raise ValidationError({"resident": _("%(name)s is deactivated.") % {"name": resident.user}})

    elsewhere = (
        Membership.objects.filter(resident=resident)
        .overlapping(start_date, end_date)
        .select_related("group")
        .first()
    )
    if elsewhere is not None:
        raise ValidationError({"resident": _(
            "%(name)s is already a member of %(group)s from %(start)s."
        ) % {"name": resident.user, "group": elsewhere.group, "start": _fmt(elsewhere.start_date)}})

    overlapping = list(
        group.memberships.overlapping(start_date, end_date).select_related("resident__user")
    )
    if overlapping and _peak_size(overlapping, start_date, end_date) >= group.max_size:
        raise ValidationError(_(
            "%(group)s is full: it already has its maximum of %(max)d members on %(day)s."
        ) % {"group": group, "max": group.max_size, "day": _fmt(start_date)})

    problems = _supervision_conflicts(resident, [m.resident for m in overlapping])
    for intervisor in group.intervisors():
        problems += intervisor_conflicts(intervisor, [resident])
    if problems:
        raise ValidationError({"resident": problems})

    return Membership.objects.create(
        group=group, resident=resident, start_date=start_date, end_date=end_date
    )


@transaction.atomic
def membership_end(*, membership: Membership, on: dt.date) -> Membership:
    """End a membership: the resident leaves the group at the start of ``on``."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if on <= membership.start_date:
        if on == membership.start_date or membership.start_date > timezone.localdate():
            # A membership that never began is withdrawn rather than ended.
            membership.delete()
            return membership
        raise ValidationError({"end_date": _("The leaving date must be after the joining date.")})
    if membership.end_date is not None and membership.end_date <= on:
        raise ValidationError({"end_date": _("This membership has already ended.")})
    membership.end_date = on
    membership.save(update_fields=["end_date"])
    return membership


def memberships_end_for_resident(*, resident: Resident, on: dt.date) -> None:
    for membership in Membership.objects.filter(resident=resident).overlapping(on, None):
        membership_end(membership=membership, on=on)


def check_intervisor_fits_groups(*, intervisor: Intervisor) -> None:
    """Raise if an intervisor's exclusions contradict a group they already lead."""
    today = timezone.localdate()
    for group in IntervisionGroup.objects.active().led_by(intervisor.user):
        problems = intervisor_conflicts(intervisor, _current_and_future_residents(group, today))
        if problems:
            raise ValidationError(
                [_("In %(group)s: ") % {"group": group} + p for p in problems]
            )



def check_intervisor_leads_no_group(*, intervisor: Intervisor) -> None:
    """Raise while an intervisor still leads an active group (before switching them off)."""
    led = IntervisionGroup.objects.active().led_by(intervisor.user)
    if led.exists():
        names = ", ".join(g.name for g in led)
        raise ValidationError(
            _("%(name)s still leads %(groups)s. Give those groups another intervisor first.")
            % {"name": intervisor.user, "groups": names}
        )
