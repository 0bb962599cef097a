"""Specialties and departments, kept by coordinators in the app.

Names are unique whatever their case ("Surgery" and "surgery" would be one department to
anyone reading a list), and an item is deleted only when nothing uses it: residents keep their
specialty and department for their whole history, and an intervisor's "must not lead" list
would silently lose a department.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from ..models import Department, Specialty
from ..selectors.reference import reasons_not_to_delete

ReferenceItem = Specialty | Department


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give it a name.")})
    return name


def _duplicate(model: type[ReferenceItem], name: str) -> ValidationError:
    if model is Specialty:
        message = _("There is already a specialty named “%(name)s”.")
    else:
        message = _("There is already a department named “%(name)s”.")
    return ValidationError({"name": message % {"name": name}})


def _check_name_free(model: type[ReferenceItem], name: str, *, exclude: ReferenceItem | None = None) -> None:
    taken = model.objects.filter(name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    existing = taken.first()
    if existing is not None:
        raise _duplicate(model, existing.name)


def _save(item: ReferenceItem) -> ReferenceItem:
    # The unique index catches the same name saved at the same moment by someone else.
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        raise _duplicate(type(item), item.name) from None
    return item


@transaction.atomic
def specialty_create(*, name: str) -> Specialty:
    name = _clean_name(name)
    _check_name_free(Specialty, name)
    return _save(Specialty(name=name))


@transaction.atomic
def department_create(*, name: str) -> Department:
    name = _clean_name(name)
    _check_name_free(Department, name)
    return _save(Department(name=name))


@transaction.atomic
def reference_item_rename(*, item: ReferenceItem, name: str) -> ReferenceItem:
    """Rename a specialty or a department; everyone who has it shows the new name."""
    name = _clean_name(name)
    _check_name_free(type(item), name, exclude=item)
    item.name = name
    return _save(item)


@transaction.atomic
def reference_item_delete(*, item: ReferenceItem) -> None:
    """Delete a specialty or a department that nothing uses; otherwise ValidationError with
    the reasons."""
    type(item).objects.select_for_update().filter(pk=item.pk).first()
    reasons = reasons_not_to_delete(item)
    if reasons:
        raise ValidationError(reasons)
    try:
        with transaction.atomic():
            item.delete()
    except ProtectedError:  # a resident was given it meanwhile
        raise ValidationError(reasons_not_to_delete(item) or [_("It is in use.")]) from None
