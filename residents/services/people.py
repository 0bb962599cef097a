"""Everything that changes people: residents and intervisors.

Each function is one atomic action; views call exactly one of them. Rules a form cannot see
(for example that an address is taken by someone else) raise ``ValidationError`` keyed by field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..models import Department, Intervisor, Resident, Specialty, User


def _check_email_free(email: str, *, exclude: User | None = None) -> str:
    email = User.objects.normalize_email(email).lower()
    taken = User.objects.filter(email__iexact=email)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError({"email": _("Someone with this e-mail address already exists.")})
    return email


@transaction.atomic
def resident_create(
    *,
    email: str,
    first_name: str,
    last_name: str,
    specialty: Specialty,
    department: Department,
    training_year: int,
    fte: Decimal,
    start_date: dt.date,
    end_date: dt.date | None = None,
    supervisors: Iterable[User] = (),
    language: str = "en",
) -> Resident:
    email = _check_email_free(email)
    user = User.objects.create_user(
        email=email, first_name=first_name, last_name=last_name,
        role=User.Role.RESIDENT, language=language,
    )
    resident = Resident.objects.create(
        user=user, specialty=specialty, department=department, training_year=training_year,
        fte=fte, start_date=start_date, end_date=end_date,
    )
    resident.supervisors.set(_supervisors_for(resident, supervisors))
    return resident


@transaction.atomic
def resident_update(
    *,
    resident: Resident,
    email: str,
    first_name: str,
    last_name: str,
    specialty: Specialty,
    department: Department,
    training_year: int,
    fte: Decimal,
    start_date: dt.date,
    end_date: dt.date | None = None,
    supervisors: Iterable[User] = (),
    language: str | None = None,
) -> Resident:
    user = resident.user
    user.email = _check_email_free(email, exclude=user)
    user.first_name, user.last_name = first_name, last_name
    if language:
        user.language = language
    user.save()
    resident.specialty, resident.department = specialty, department
    resident.training_year, resident.fte = training_year, fte
    resident.start_date, resident.end_date = start_date, end_date
    resident.save()
    resident.supervisors.set(_supervisors_for(resident, supervisors))
    return resident


def _supervisors_for(resident: Resident, supervisors: Iterable[User]) -> list[User]:
    chosen = list(supervisors)
    if any(s.pk == resident.user_id for s in chosen):
        raise ValidationError({"supervisors": _("A resident cannot supervise themselves.")})
    return chosen


@transaction.atomic
def resident_deactivate(*, resident: Resident, on: dt.date | None = None) -> Resident:
    """Switch off a resident's log-in and end their group memberships as of ``on``."""
    on = on or timezone.localdate()
    user = User.objects.select_for_update().get(pk=resident.user_id)
    user.is_active = False
    user.save(update_fields=["is_active"])
    signals.resident_deactivated.send(sender=Resident, resident=resident, on=on)
    return resident


@transaction.atomic
def user_reactivate(*, user: User) -> User:
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def intervisor_create(
    *,
    email: str,
    first_name: str,
    last_name: str,
    kind: str,
    accreditation: str = "",
    capacity: int = 2,
    must_not_lead_residents: Iterable[Resident] = (),
    must_not_lead_departments: Iterable[Department] = (),
    language: str = "en",
) -> Intervisor:
    email = _check_email_free(email)
    user = User.objects.create_user(
        email=email, first_name=first_name, last_name=last_name,
        role=User.Role.INTERVISOR, language=language,
    )
    intervisor = Intervisor.objects.create(
        user=user, kind=kind, accreditation=accreditation, capacity=capacity
    )
    intervisor.must_not_lead_residents.set(must_not_lead_residents)
    intervisor.must_not_lead_departments.set(must_not_lead_departments)
    return intervisor


@transaction.atomic
def intervisor_update(
    *,
    intervisor: Intervisor,
    email: str,
    first_name: str,
    last_name: str,
    kind: str,
    accreditation: str = "",
    capacity: int = 2,
    must_not_lead_residents: Iterable[Resident] = (),
    must_not_lead_departments: Iterable[Department] = (),
    language: str | None = None,
) -> Intervisor:
    user = intervisor.user
    user.email = _check_email_free(email, exclude=user)
    user.first_name, user.last_name = first_name, last_name
    if language:
        user.language = language
    user.save()
    intervisor.kind, intervisor.accreditation, intervisor.capacity = kind, accreditation, capacity
    intervisor.save()
    intervisor.must_not_lead_residents.set(must_not_lead_residents)
    intervisor.must_not_lead_departments.set(must_not_lead_departments)
    # New exclusions must not contradict the groups this intervisor already leads.
    signals.intervisor_changed.send(sender=Intervisor, intervisor=intervisor)
    return intervisor


@transaction.atomic
def intervisor_deactivate(*, intervisor: Intervisor) -> Intervisor:
    # sessions_app refuses while the intervisor still leads a group.
    signals.intervisor_deactivating.send(sender=Intervisor, intervisor=intervisor)
    user = User.objects.select_for_update().get(pk=intervisor.user_id)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return intervisor
