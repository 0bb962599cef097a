"""Template filters for what the scheduling engine says: its reasons in the reader's language
and its ISO times in the programme's zone."""

import datetime as dt

from django import template

from ..composition_text import say
from ..selectors.availability import local_moment, reason_words

register = template.Library()


@register.filter
def reasons(words) -> str:
    """["night shift", "leave"] → "night shift, leave", translated."""
    return reason_words(words or ())


@register.filter
def local_time(iso: str) -> dt.datetime | str:
    """An ISO 8601 time with offset (as stored in clashes and snapshots) in the current zone."""
    try:
        return local_moment(iso)
    except (TypeError, ValueError):
        return ""


@register.filter
def engine_text(message) -> str:
    """A sentence of the composition engine (a Message, or one stored in a run's result) in the
    reader's language."""
    return say(message)
