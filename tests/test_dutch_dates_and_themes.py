"""One way to write a date per language (English "Tue 8 Dec 2026", Dutch "di 8 dec. 2026"),
and the starting note themes in the reader's language until the programme renames them."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from sessions_app.models import NoteTheme

from .helpers import NOW, login

pytestmark = pytest.mark.usefixtures("clock")


def test_a_date_reads_the_same_way_everywhere_in_english():
    with translation.override("en"):
        assert formats.date_format(dt.date(2026, 12, 8)) == "Tue 8 Dec 2026"
        moment = dt.datetime(2026, 9, 3, 16, 0)
        assert formats.date_format(moment, "DATETIME_FORMAT") == "Thu 3 Sep 2026, 16:00"


def test_a_date_reads_the_dutch_way_in_dutch(dutch_catalogue):
    with translation.override("nl"):
        assert formats.date_format(dt.date(2026, 12, 8)) == "di 8 dec. 2026"
        assert formats.date_format(dt.date(2026, 5, 5)) == "di 5 mei 2026"  # mei has no full stop
        assert formats.date_format(dt.date(2026, 3, 3), "MONTH_DAY_FORMAT") == "3 mrt."


def test_a_session_page_writes_its_date_in_the_readers_language(dutch_catalogue, planned, rosa):
    client = login(rosa)
    assert "Tue 17 Mar 2026" in client.get(reverse("session_detail", args=[planned.pk])).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    assert "di 17 mrt. 2026" in client.get(reverse("session_detail", args=[planned.pk])).content.decode()


def test_the_starting_themes_have_keys(db):
    assert NoteTheme.objects.get(key="medical_error").name == "Medical error"
    assert NoteTheme.objects.filter(key="").count() == 0


def test_a_starting_theme_is_shown_in_dutch(dutch_catalogue, db):
    theme = NoteTheme.objects.get(key="medical_error")
    with translation.override("nl"):
        assert str(theme) == "Medische fout"
    with translation.override("en"):
        assert str(theme) == "Medical error"


def test_a_renamed_theme_is_shown_as_written_in_every_language(dutch_catalogue, db):
    theme = NoteTheme.objects.get(key="medical_error")
    theme.name = "Incidents"
    theme.save()
    with translation.override("nl"):
        assert str(theme) == "Incidents"


def test_the_notes_form_offers_the_themes_in_dutch(dutch_catalogue, group, rosa, ivan, cora):
    from sessions_app.services.sessions import session_plan

    held = session_plan(group=group, start=NOW - dt.timedelta(days=1), by=cora)
    client = login(ivan)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    page = client.get(reverse("session_notes", args=[held.pk])).content.decode()
    assert "Medische fout" in page and "Medical error" not in page
