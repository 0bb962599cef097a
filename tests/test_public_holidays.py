"""Public holidays: the worker keeps the programme country's holidays on the programme's row,
and planning reads them from there, so a web process never loads the holidays package; where
the row has none (a new install, another country, a year outside the list) they are worked
out as before."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from planning import availability as engine
from residents.models import Programme
from residents.selectors.rules import rules_for
from residents.services.holidays import programme_holidays_refresh
from sessions_app.selectors import availability as suggestions
from sessions_app.services.sessions import series_preview
from tests.helpers import roster_covers

AMS = ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(2026, 5, 3, 12, 0, tzinfo=AMS)  # a Sunday; Ascension Day is Thursday 14 May
ASCENSION = dt.date(2026, 5, 14)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        engine.clear_caches()
        yield
        engine.clear_caches()


@pytest.fixture
def no_holidays_package(monkeypatch):
    """Planning must not work holidays out itself: the stored list has to do."""
    def refuse(country, year):
        raise AssertionError(f"worked out {country} {year} instead of reading the stored list")

    refuse.cache_clear = lambda: None  # the engine's clear_caches() clears it too
    monkeypatch.setattr(engine, "public_holidays", refuse)


def thursday_suggestion_days(group):
    group.candidate_windows = [{"weekdays": [3], "start": "16:00", "end": "18:00"}]
    group.save()
    members = [m.resident for m in group.memberships.all()]
    roster_covers(*members, first=dt.date(2025, 1, 1), last=dt.date(2027, 12, 31))
    result = suggestions.suggest_for_group(group, weeks=3, limit=20, with_matrix=False)
    return {timezone_day(s.start) for s in result.suggestions}


def timezone_day(moment):
    return moment.astimezone(AMS).date()


def test_the_refresh_keeps_the_countrys_holidays_for_the_years_around_today(db):
    programme = programme_holidays_refresh()
    kept = programme.public_holidays
    assert (kept["country"], kept["first_year"], kept["last_year"]) == ("NL", 2025, 2031)
    assert kept["days"]["2026-12-25"] == "Christmas Day"
    assert ASCENSION.isoformat() in kept["days"]
    assert programme_holidays_refresh().public_holidays == kept  # running it again changes nothing


def test_suggestions_skip_a_holiday_from_the_stored_list_without_the_package(
        db, group, rosa, no_holidays_package):
    Programme.objects.filter(pk=Programme.get().pk).update(public_holidays={
        "country": "NL", "first_year": 2025, "last_year": 2031,
        "days": {ASCENSION.isoformat(): "Ascension Day"},
    })
    days = thursday_suggestion_days(group)
    assert days == {dt.date(2026, 5, 7), dt.date(2026, 5, 21)}


def test_without_a_stored_list_the_holidays_are_worked_out_as_before(db, group, rosa):
    assert Programme.get().public_holidays == {}
    assert ASCENSION not in thursday_suggestion_days(group)


def test_a_list_of_another_country_is_not_used(db, group, rosa):
    Programme.objects.filter(pk=Programme.get().pk).update(public_holidays={
        "country": "BE", "first_year": 2025, "last_year": 2031, "days": {},
    })
    assert rules_for(Programme.get()).known_holidays is None
    assert ASCENSION not in thursday_suggestion_days(group)  # worked out for NL after all


def test_a_year_outside_the_list_is_worked_out(db):
    Programme.objects.filter(pk=Programme.get().pk).update(public_holidays={
        "country": "NL", "first_year": 2025, "last_year": 2026, "days": {},
    })
    known = rules_for(Programme.get()).known_holidays
    assert known.covers("NL", 2026) and not known.covers("NL", 2027)
    closed = engine._closed_dates(frozenset(), "NL", known, dt.date(2027, 12, 20), dt.date(2027, 12, 31))
    assert dt.date(2027, 12, 25) in closed


def test_a_series_names_the_holiday_from_the_stored_list(db, group, no_holidays_package):
    Programme.objects.filter(pk=Programme.get().pk).update(public_holidays={
        "country": "NL", "first_year": 2025, "last_year": 2031,
        "days": {ASCENSION.isoformat(): "Ascension Day"},
    })
    dates = series_preview(group=group, weekday=3, local_start=dt.time(16), duration_minutes=90,
                           cadence_weeks=1, first_date=dt.date(2026, 5, 7), count=3)
    assert [(d.day, d.holiday) for d in dates] == [
        (dt.date(2026, 5, 7), ""), (ASCENSION, "Ascension Day"), (dt.date(2026, 5, 21), ""),
    ]
