"""The programme's time zone comes from the TIME_ZONE setting, without a query, and every page,
roster and e-mail reads the same one."""

from zoneinfo import ZoneInfo

from residents.models import Programme
from residents.timezones import programme_tz_name, programme_zone


def test_it_reads_the_zone_without_a_query(db, settings, django_assert_num_queries):
    settings.TIME_ZONE = "Europe/Amsterdam"
    with django_assert_num_queries(0):  # the database is open, and not asked
        assert programme_zone() == ZoneInfo("Europe/Amsterdam")
        assert programme_tz_name() == "Europe/Amsterdam"


def test_it_follows_the_setting(settings):
    settings.TIME_ZONE = "America/New_York"
    assert programme_zone() == ZoneInfo("America/New_York")
    assert programme_tz_name() == "America/New_York"


def test_it_agrees_with_the_programme_row(db, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    assert Programme.get().time_zone == programme_tz_name()
