"""Intervision groups and who belongs to them.

Sessions, participation, notes, evaluations and the notification outbox join this module in
their own issues.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from residents.models import Intervisor, Resident, User


class GroupQuerySet(models.QuerySet["IntervisionGroup"]):
    def active(self) -> GroupQuerySet:
        return self.filter(is_active=True)

    def led_by(self, user: User) -> GroupQuerySet:
        return self.filter(Q(intervisor__user=user) | Q(co_intervisor__user=user))

    def with_member(self, user: User, on: dt.date) -> GroupQuerySet:
        return self.filter(
            Q(memberships__resident__user=user)
            & Q(memberships__start_date__lte=on)
            & (Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gt=on))
        ).distinct()

    def visible_to(self, user: User, on: dt.date) -> GroupQuerySet:
        """The groups a person may open: all for coordinators, own ones for the others."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_coordinator:
            return self.all()
        if user.is_intervisor:
            return self.led_by(user)
        if user.is_resident:
            return self.with_member(user, on)
        return self.none()


class IntervisionGroup(models.Model):
    """A fixed group of residents that meets every few weeks with its intervisor."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    intervisor = models.ForeignKey(
        Intervisor, on_delete=models.PROTECT, related_name="groups", verbose_name=_("intervisor")
    )
    co_intervisor = models.ForeignKey(
        Intervisor, on_delete=models.PROTECT, null=True, blank=True,
        related_name="co_led_groups", verbose_name=_("co-intervisor"),
    )
    cadence_weeks = models.PositiveSmallIntegerField(
        _("cadence (weeks)"), default=6, help_text=_("Weeks between sessions; 4 to 8 is usual.")
    )
    default_duration_minutes = models.PositiveSmallIntegerField(
        _("session length (minutes)"), default=90
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    min_size = models.PositiveSmallIntegerField(_("minimum size"), default=6)
    max_size = models.PositiveSmallIntegerField(_("maximum size"), default=8)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GroupQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_size__gte=2) & Q(min_size__lte=models.F("max_size")),
                name="group_size_range",
            ),
            models.CheckConstraint(condition=Q(max_size__lte=20), name="group_max_size_limit"),
            models.CheckConstraint(
                condition=Q(cadence_weeks__gte=1, cadence_weeks__lte=26),
                name="group_cadence_range",
            ),
            models.CheckConstraint(
                condition=Q(default_duration_minutes__gte=30, default_duration_minutes__lte=480),
                name="group_duration_range",
            ),
            models.CheckConstraint(
                condition=~Q(co_intervisor=models.F("intervisor")),
                name="group_co_intervisor_differs",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def intervisors(self) -> list[Intervisor]:
        return [i for i in (self.intervisor, self.co_intervisor) if i is not None]


class MembershipQuerySet(models.QuerySet["Membership"]):
    def on(self, day: dt.date) -> MembershipQuerySet:
        """Memberships that hold on ``day`` (a member leaves at the start of ``end_date``)."""
        return self.filter(Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gt=day)))

    def overlapping(self, start: dt.date, end: dt.date | None) -> MembershipQuerySet:
        qs = self.filter(Q(end_date__isnull=True) | Q(end_date__gt=start))
        if end is not None:
            qs = qs.filter(start_date__lt=end)
        return qs


class Membership(models.Model):
    """A resident's dated place in a group: from ``start_date`` up to (not including)
    ``end_date``. Leaving a group ends the membership; the history stays."""

    group = models.ForeignKey(IntervisionGroup, on_delete=models.CASCADE, related_name="memberships")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="memberships")
    start_date = models.DateField(_("joined on"))
    end_date = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=models.F("start_date")),
                name="membership_end_after_start",
            ),
            # A resident belongs to one group at a time: at most one open-ended membership.
            models.UniqueConstraint(
                fields=["resident"], condition=Q(end_date__isnull=True),
                name="membership_one_open_per_resident",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} in {self.group}"
