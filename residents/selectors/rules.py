"""The programme's planning rules, as the availability engine takes them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from planning import availability as engine
from planning.availability import HolidayList, Rules, public_holidays

from ..models import Programme
from ..timezones import programme_tz_name


def rules_for(programme: Programme) -> Rules:
    kinds = frozenset(programme.give_way_kinds or ()) & engine.KINDS
    return Rules(
        give_way_kinds=kinds,
        rest_after_night=dt.timedelta(hours=programme.rest_after_night_hours),
        rest_after_series=dt.timedelta(hours=programme.rest_after_series_hours),
        series_length=max(1, programme.night_series_length),
        min_share=float(programme.min_share_available),
        country=programme.country or None,
        tz=programme_tz_name(),
        known_holidays=known_holidays(programme),
    )


def known_holidays(programme: Programme) -> HolidayList | None:
    """The public holidays kept on the programme's row, if they are of its country."""
    kept = programme.public_holidays or {}
    if not programme.country or kept.get("country") != programme.country:
        return None
    return HolidayList(
        programme.country, kept["first_year"], kept["last_year"],
        frozenset(dt.date.fromisoformat(day) for day in kept["days"]),
    )


def holiday_names(programme: Programme, years: Iterable[int]) -> dict[dt.date, str]:
    """The public holidays of the programme's country in ``years``, with their names: from the
    programme's row where it has them, worked out here otherwise."""
    if not programme.country:
        return {}
    kept = programme.public_holidays or {}
    names: dict[dt.date, str] = {}
    for year in sorted(set(years)):
        if kept.get("country") == programme.country and kept["first_year"] <= year <= kept["last_year"]:
            names.update({dt.date.fromisoformat(day): name for day, name in kept["days"].items()
                          if day.startswith(f"{year:04d}-")})
        else:
            names.update(public_holidays(programme.country, year))
    return names


def rules_for_programme() -> Rules:
    return rules_for(Programme.get())
