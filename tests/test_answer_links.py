"""One-click answer links from e-mails: signed, single-purpose, expiring, tied to one resident,
one session and one answer, and answering only from the confirmation page's POST."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client

from sessions_app import answer_links
from sessions_app.answer_links import answer_token, answer_url
from sessions_app.models import Participation
from sessions_app.services.sessions import session_plan

from .helpers import NOW, START

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def rosas(planned, rosa):
    return Participation.objects.get(session=planned, resident=rosa.resident)


def _path(url: str) -> str:
    return urlsplit(url).path


def _reload(p):
    p.refresh_from_db()
    return p


def test_the_url_is_absolute_on_the_site(rosas, settings):
    settings.SITE_URL = "https://intervision.hospital.example"
    url = answer_url(participation=rosas, answer="no")
    assert url.startswith(f"https://intervision.hospital.example/answer/{rosas.session_id}/")


def test_opening_the_link_asks_to_confirm_and_changes_nothing(rosas):
    client = Client()  # not logged in: the link is the credential
    url = _path(answer_url(participation=rosas, answer="no"))
    for _scanner_and_person in range(3):
        response = client.get(url)
        assert response.status_code == 200
    body = response.content.decode()
    assert "Answer “no” to Tuesday group?" in body
    assert "Clinical duty" in body
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "same-origin"
    assert _reload(rosas).rsvp == ""
    assert client.head(url).status_code == 405  # scanners that HEAD get nothing either


def test_confirming_records_the_answer_with_the_reason(rosas):
    client = Client()
    url = _path(answer_url(participation=rosas, answer="no"))
    response = client.post(url, {"reason": "clinical_duty"})
    assert response.status_code == 200
    assert "is recorded" in response.content.decode()
    rosas = _reload(rosas)
    assert (rosas.rsvp, rosas.absence_reason, rosas.answered_at) == ("no", "clinical_duty", NOW)


def test_a_no_without_a_reason_is_not_recorded(rosas):
    response = Client().post(_path(answer_url(participation=rosas, answer="no")), {})
    assert response.status_code == 400
    assert "Tell us why you cannot come." in response.content.decode()
    assert _reload(rosas).rsvp == ""


def test_a_yes_link_needs_no_reason(rosas):
    Client().post(_path(answer_url(participation=rosas, answer="yes")), {"reason": "illness"})
    rosas = _reload(rosas)
    assert (rosas.rsvp, rosas.absence_reason) == ("yes", "")


def test_the_page_shows_only_the_link_holders_session(rosas, ruben):
    body = Client().get(_path(answer_url(participation=rosas, answer="yes"))).content.decode()
    assert "Ruben" not in body and ruben.email not in body


def test_the_link_page_shows_nothing_of_the_roster(rosas, rosa):
    # Whoever holds the link is not checked: the roster (leave here) stays off this page, and
    # no reason is ticked for them; the signed-in answer page shows both.
    from residents.models import RosterEntry

    RosterEntry.objects.create(resident=rosa.resident, start=START - dt.timedelta(days=1),
                               end=START + dt.timedelta(days=1), kind="leave")
    response = Client().get(_path(answer_url(participation=rosas, answer="no")))
    body = response.content.decode()
    assert "roster" not in body.lower()
    assert response.context["form"]["reason"].value() is None


def _refused(url, status, rosas):
    client = Client()
    get, post = client.get(url), client.post(url, {"reason": "illness"})
    assert (get.status_code, post.status_code) == (status, status)
    assert "Nothing was recorded." in post.content.decode()
    assert _reload(rosas).rsvp == ""


def test_a_tampered_token_is_refused(rosas):
    token = answer_token(participation=rosas, answer="no")
    flipped = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    _refused(f"/answer/{rosas.session_id}/{flipped}/", 400, rosas)


def test_a_token_for_another_answer_or_person_cannot_be_forged(rosas, ruben):
    rubens = Participation.objects.get(session=rosas.session, resident=ruben.resident)
    forged = signing.dumps({"p": rubens.pk, "s": rosas.session_id, "r": rubens.resident_id, "a": "no"},
                           salt="another purpose", compress=True)
    _refused(f"/answer/{rosas.session_id}/{forged}/", 400, rosas)
    assert _reload(rubens).rsvp == ""


def test_a_token_reused_for_another_session_is_refused(rosas, group, cora):
    other = session_plan(group=group, start=START + dt.timedelta(days=42), by=cora)
    token = answer_token(participation=rosas, answer="yes")
    _refused(f"/answer/{other.pk}/{token}/", 400, rosas)
    assert not other.participations.exclude(rsvp="").exists()


def test_a_token_for_a_participation_that_moved_is_refused(rosas, otto):
    token = answer_token(participation=rosas, answer="yes")
    Participation.objects.filter(pk=rosas.pk).update(resident=otto.resident)
    response = Client().get(f"/answer/{rosas.session_id}/{token}/")
    assert response.status_code == 400


def test_a_link_expires_when_the_session_starts(rosas, clock):
    url = _path(answer_url(participation=rosas, answer="yes"))
    clock.move_to(START)
    _refused(url, 410, rosas)
    page = Client().get(url).content.decode()
    assert "This session has started" in page
    assert "Confirm" not in page and "novalidate" not in page


def test_the_link_of_a_cancelled_session_says_so_and_offers_nothing_to_confirm(rosas, cora):
    from sessions_app.models import Session
    from sessions_app.services.sessions import session_set_status

    url = _path(answer_url(participation=rosas, answer="no"))
    session_set_status(session=rosas.session, status=Session.Status.CANCELLED, by=cora)
    _refused(url, 410, rosas)
    page = Client().get(url).content.decode()
    assert "This session was cancelled" in page
    assert "There is nothing to answer" in page
    assert "Why can you not come?" not in page
    assert "Confirm" not in page and "novalidate" not in page


def test_the_link_of_a_finished_session_says_it_took_place(rosas, ivan, clock):
    from sessions_app.services.participation import AttendanceEntry, attendance_record

    url = _path(answer_url(participation=rosas, answer="yes"))
    clock.move_to(START + dt.timedelta(hours=2))
    session = rosas.session
    attendance_record(session=session, by=ivan, entries=[
        AttendanceEntry(p.pk, "present") for p in session.participations.all()])
    _refused(url, 410, rosas)
    page = Client().get(url).content.decode()
    assert "This session has taken place" in page
    assert "Confirm" not in page and "novalidate" not in page


def test_the_closed_page_speaks_dutch(rosas, cora):
    from sessions_app.models import Session
    from sessions_app.services.sessions import session_set_status

    url = _path(answer_url(participation=rosas, answer="no"))
    session_set_status(session=rosas.session, status=Session.Status.CANCELLED, by=cora)
    page = Client().get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Deze bijeenkomst is geannuleerd" in page
    assert "Er is niets geregistreerd." in page


def test_a_link_expires_after_its_maximum_age(group, rosa, cora, clock):
    far = session_plan(group=group, start=NOW + answer_links.MAX_AGE + dt.timedelta(days=30), by=cora)
    rosas = Participation.objects.get(session=far, resident=rosa.resident)
    url = _path(answer_url(participation=rosas, answer="yes"))
    clock.move_to(NOW + answer_links.MAX_AGE - dt.timedelta(minutes=1))
    assert Client().get(url).status_code == 200
    clock.move_to(NOW + answer_links.MAX_AGE + dt.timedelta(minutes=1))
    _refused(url, 410, rosas)


def test_a_deactivated_residents_link_is_refused(rosas, rosa):
    url = _path(answer_url(participation=rosas, answer="yes"))
    rosa.is_active = False
    rosa.save()
    _refused(url, 400, rosas)


def test_only_answers_can_be_signed(rosas):
    with pytest.raises(ValueError):
        answer_url(participation=rosas, answer="cancel")
