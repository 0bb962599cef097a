"""Intervisors' absences: the times they cannot lead a session."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Intervisor, IntervisorAbsence


@transaction.atomic
def intervisor_absence_add(*, intervisor: Intervisor, start: dt.datetime, end: dt.datetime,
                           reason: str = ""):
    if end <= start:
        raise ValidationError({"end": _("The absence must end after it starts.")})
    return IntervisorAbsence.objects.create(intervisor=intervisor, start=start, end=end,
                                            reason=reason)


@transaction.atomic
def intervisor_absence_delete(*, absence) -> None:
    absence.delete()
