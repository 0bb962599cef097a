"""Keeping the programme's public holidays on its row, so that planning in a web process never
has to load the holidays package (it loads every country it knows, about 17 MB)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from planning.availability import public_holidays

from ..models import Programme

YEARS_BEHIND = 1  # last year's holidays still matter for a history of sessions
YEARS_AHEAD = 5  # nobody plans further ahead than this


@transaction.atomic
def programme_holidays_refresh(*, today: dt.date | None = None) -> Programme:
    """Work out the public holidays of the programme's country for the years around ``today``
    and keep them on the programme's row. Safe to run again: the same years give the same list."""
    today = today or timezone.localdate()
    programme = Programme.objects.select_for_update().get(pk=Programme.get().pk)
    first, last = today.year - YEARS_BEHIND, today.year + YEARS_AHEAD
    days = {}
    if programme.country:
        for year in range(first, last + 1):
            found = public_holidays(programme.country, year)
            days.update({day.isoformat(): str(name) for day, name in found.items()})
    programme.public_holidays = {
        "country": programme.country, "first_year": first, "last_year": last, "days": days,
    }
    programme.save(update_fields=["public_holidays"])
    return programme
