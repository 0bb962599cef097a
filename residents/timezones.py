"""The programme's time zone, without a query.

Times are stored in UTC and shown, planned and read (rosters, recurrences, e-mails, calendar
feeds) in one IANA zone: the TIME_ZONE setting, from the environment. ``Programme.time_zone``
returns the same; these helpers spare loading the Programme row just to read a setting. Both
apps use them; this module imports nothing of either.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings


def programme_tz_name() -> str:
    """The zone's IANA name, such as "Europe/Amsterdam"."""
    return settings.TIME_ZONE


def programme_zone() -> ZoneInfo:
    """The zone sessions are planned and shown in, rosters read in and e-mails speak of."""
    return ZoneInfo(programme_tz_name())
