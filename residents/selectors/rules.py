"""The programme's planning rules, as the availability engine takes them."""

from __future__ import annotations

import datetime as dt

from planning import availability as engine
from planning.availability import Rules

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
    )


def rules_for_programme() -> Rules:
    return rules_for(Programme.get())
