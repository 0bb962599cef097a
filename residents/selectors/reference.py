"""The programme's reference data with what uses each item: a specialty by residents, a
department by residents and by intervisors who must not lead it. Deleting is allowed only
for an item nothing uses (``services.reference``), and the pages show why not."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.utils.translation import ngettext

from ..models import Department, Specialty


def specialties_with_uses() -> QuerySet[Specialty]:
    """Every specialty with ``resident_count`` (deactivated residents included: their
    history still names it). One query."""
    return Specialty.objects.annotate(resident_count=Count("residents"))


def departments_with_uses() -> QuerySet[Department]:
    """Every department with ``resident_count`` and ``intervisor_count`` (intervisors who
    must not lead it). One query."""
    return Department.objects.annotate(
        resident_count=Count("residents", distinct=True),
        intervisor_count=Count("excluded_intervisors", distinct=True),
    )


def uses_of(item: Specialty | Department) -> dict[str, int]:
    """What keeps ``item`` from being deleted: {"residents": n, "intervisors": m}."""
    if isinstance(item, Specialty):
        return {"residents": item.residents.count(), "intervisors": 0}
    return {"residents": item.residents.count(), "intervisors": item.excluded_intervisors.count()}


def reasons_not_to_delete(item: Specialty | Department) -> list[str]:
    """The reasons ``item`` cannot be deleted, as sentences; empty when it can."""
    uses = uses_of(item)
    reasons = []
    if uses["residents"]:
        if isinstance(item, Specialty):
            text = ngettext("%(count)d resident has this specialty.",
                            "%(count)d residents have this specialty.", uses["residents"])
        else:
            text = ngettext("%(count)d resident works in this department.",
                            "%(count)d residents work in this department.", uses["residents"])
        reasons.append(text % {"count": uses["residents"]})
    if uses["intervisors"]:
        reasons.append(ngettext(
            "%(count)d intervisor must not lead this department.",
            "%(count)d intervisors must not lead this department.", uses["intervisors"],
        ) % {"count": uses["intervisors"]})
    return reasons
