"""Pages and downloads that carry personal data are never kept by a shared cache or on the
browser's disk (``Cache-Control: private, no-store``); the calendar feed is private but may be
kept by the calendar app, which asks again with a conditional request; public pages and static
files are left as they were."""

import pytest
from django.test import Client
from django.urls import reverse

from sessions_app.answer_links import answer_token

from .helpers import login


def _directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


@pytest.mark.parametrize(("persona", "url"), [
    ("rosa", lambda: reverse("home")),
    ("rosa", lambda: reverse("attendance_statement_pdf") + "?start=2025-09-01&end=2026-03-01"),
    ("rosa", lambda: reverse("privacy_export")),
    ("cora", lambda: reverse("home")),
    ("cora", lambda: reverse("dashboard_export", kwargs={"table": "groups"})),
    ("cora", lambda: reverse("resident_list")),
    ("adam", lambda: reverse("admin:residents_user_changelist")),
])
def test_what_a_signed_in_person_gets_is_private_and_not_stored(personas, persona, url, clock):
    response = login(personas[persona]).get(url())
    assert response.status_code == 200, response.status_code
    assert {"private", "no-store"} <= _directives(response)
    assert "public" not in _directives(response)


def test_the_attendance_pdf_is_a_private_download(rosa, clock):
    response = login(rosa).get(reverse("attendance_statement_pdf") + "?start=2025-09-01&end=2026-03-01")
    assert response["Content-Type"] == "application/pdf"
    assert {"private", "no-store"} <= _directives(response)


def test_an_answer_link_page_is_private_without_a_log_in(planned, rosa):
    participation = planned.participations.get(resident=rosa.resident)
    url = reverse("answer_link", kwargs={"session_pk": planned.pk,
                                         "token": answer_token(participation=participation, answer="yes")})
    response = Client().get(url)
    assert response.status_code == 200
    assert {"private", "no-store"} <= _directives(response)


def test_the_calendar_feed_is_private_and_may_be_revalidated(planned, rosa):
    response = Client().get(reverse("calendar_feed", kwargs={"token": rosa.calendar_token}))
    assert response.status_code == 200
    directives = _directives(response)
    assert "private" in directives
    # Calendar apps keep the feed and ask again with If-None-Match / If-Modified-Since.
    assert "no-store" not in directives


def test_a_public_page_is_left_as_it_was(db):
    assert "Cache-Control" not in Client().get(reverse("privacy"))
