"""Workload from the roster: hours per week, nights, weeks above 48 hours, rest after nights."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from residents.models import Programme, RosterEntry
from residents.selectors.workload import workload_for
from tests.factories import ResidentFactory
from tests.helpers import AMS

TUESDAY = dt.datetime(2026, 3, 17, 12, 0, tzinfo=AMS)  # noon on the Tuesday of week 12

pytestmark = [pytest.mark.now(TUESDAY), pytest.mark.usefixtures("clock")]


def at(month, day, hour, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=AMS)


def entry(resident, start, end, kind):
    RosterEntry.objects.create(resident=resident, start=start, end=end, kind=kind)


@pytest.fixture
def hanna(db):
    """A hand-made month: a 72-hour week ending in a series of three nights, a short week with
    on-call duty overlapping day work, a shift inside the rest period, and a week of leave."""
    Programme.get()
    hanna = ResidentFactory(user__first_name="Hanna")
    entry(hanna, at(2, 25, 22), at(2, 26, 8), "night")  # week 9: 10 h, rest 14 h
    entry(hanna, at(3, 2, 8), at(3, 2, 17), "day")  # week 10: 08:00 Mon – 08:00 Tue = 24 h
    entry(hanna, at(3, 2, 16), at(3, 3, 8), "on_call")
    for day in range(9, 14):  # week 11: five 10-hour days …
        entry(hanna, at(3, day, 8), at(3, day, 18), "day")
    for day in (13, 14, 15):  # … and three nights Fri–Sun: 50 + 10 + 10 + 2 = 72 h
        entry(hanna, at(3, day, 22), at(3, day + 1, 8), "night")
    entry(hanna, at(3, 17, 8), at(3, 17, 17), "day")  # week 12: 8 + 9 = 17 h, inside the rest
    entry(hanna, at(3, 23, 0), at(3, 28, 0), "leave")  # week 13: leave is not work
    return hanna


def test_hours_per_week_count_overlapping_duty_once_and_leave_not_at_all(hanna):
    load = workload_for([hanna], now=TUESDAY)[hanna.pk]
    weeks = [monday.isoformat() for monday in load.weeks]
    assert weeks == ["2026-02-16", "2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16",
                     "2026-03-23", "2026-03-30", "2026-04-06"]
    assert load.hours == [0, 10, 24, 72, 17, 0, 0, 0]
    assert load.weeks_over_48 == 1
    assert load.max_hours == 72


def test_nights_are_counted_over_the_last_7_and_28_days(hanna):
    load = workload_for([hanna], now=TUESDAY)[hanna.pk]
    assert (load.nights_7, load.nights_28) == (3, 4)


def test_rest_after_a_series_of_nights_lasts_46_hours_and_a_shift_inside_it_is_a_breach(hanna):
    load = workload_for([hanna], now=TUESDAY)[hanna.pk]
    assert load.in_rest_until == at(3, 18, 6)  # 08:00 Monday + 46 h
    assert (at(2, 26, 8), at(2, 26, 22)) in load.rest_periods  # a single night: 14 h
    assert load.rest_breaches == 1


def test_the_rest_rules_follow_the_programme(hanna):
    programme = Programme.get()
    programme.rest_after_series_hours = 24
    programme.save()
    load = workload_for([hanna], now=TUESDAY)[hanna.pk]
    assert load.in_rest_until is None and load.rest_breaches == 0


def test_the_workload_page_takes_the_same_number_of_queries_for_more_residents(as_cora, hanna, group):
    from tests.factories import MembershipFactory

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = as_cora.get(reverse("workload"))
        assert response.status_code == 200
        return len(queries)

    # Queries: session, user, active groups, residents, programme, all their entries, group names.
    few = count()
    for _ in range(5):
        member = ResidentFactory()
        MembershipFactory(group=group, resident=member)
        entry(member, at(3, 16, 8), at(3, 16, 17), "day")
    assert count() == few == 7


def test_the_workload_page_shows_hours_nights_and_rest_per_group(as_cora, hanna, group):
    from tests.factories import MembershipFactory

    MembershipFactory(group=group, resident=hanna, start_date=dt.date(2026, 1, 5))
    page = as_cora.get(reverse("workload"), {"group": group.pk}).content.decode()
    assert "Hanna" in page and "72" in page and "resting until" in page
    assert "1 shift in a rest period" in page


def test_a_resident_sees_their_own_roster_and_workload_but_not_anyone_elses(personas, hanna):
    from tests.helpers import login

    rosa = personas["rosa"]
    own = login(rosa).get(reverse("resident_roster", args=[rosa.resident.pk]))
    assert own.status_code == 200 and b"Workload" in own.content
    assert login(rosa).get(reverse("resident_roster", args=[hanna.pk])).status_code == 404
    assert login(personas["ivan"]).get(reverse("resident_roster", args=[hanna.pk])).status_code == 403


def test_the_roster_week_shows_entries_and_sessions_in_local_time(as_cora, hanna, group):
    page = as_cora.get(reverse("resident_roster", args=[hanna.pk]), {"date": "2026-03-13"}).content.decode()
    assert "Night shift" in page and "22:00–08:00" in page and "Week 11" in page
    month = as_cora.get(reverse("resident_roster", args=[hanna.pk]),
                        {"date": "2026-03-13", "view": "month"}).content.decode()
    assert "March 2026" in month and month.count("Leave") >= 5
