"""The personal calendar feed: valid RFC 5545 (parsed back with icalendar), what each person's
feed holds, what it never holds, and the secret address that can be reset."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from sessions_app.models import Session
from sessions_app.services.participation import participation_book, participation_cancel_booking
from sessions_app.services.sessions import session_plan, session_reschedule, session_set_status

from .helpers import NOW, START, login

SUMMER = dt.datetime(2026, 4, 14, 14, 0, tzinfo=dt.UTC)  # 16:00 in Amsterdam (CEST); START is CET

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://intervision.hospital.example"


def _feed(user) -> Calendar:
    response = Client().get(reverse("calendar_feed", kwargs={"token": user.calendar_token}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def _events(user) -> dict:
    return {str(e["UID"]).split("@")[0]: e for e in _feed(user).events}


def test_the_feed_is_a_valid_calendar(planned, rosa):
    calendar = _feed(rosa)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["X-WR-CALNAME"]
    assert "METHOD" not in calendar  # a subscription, not an invitation
    (event,) = calendar.events
    for required in ["UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "SUMMARY", "STATUS"]:
        assert required in event, required
    assert str(event["UID"]) == f"{planned.uid}@intervision.hospital.example"
    assert event["STATUS"] == "CONFIRMED"
    assert event["LOCATION"] == "Room 4.12"
    assert event["DTSTAMP"].dt == NOW


def test_times_carry_the_programme_zone_with_its_vtimezone(group, rosa, cora):
    session_plan(group=group, start=START, by=cora)
    session_plan(group=group, start=SUMMER, by=cora)
    calendar = _feed(rosa)
    zones = {tz.tz_name for tz in calendar.timezones}
    assert zones == {"Europe/Amsterdam"}
    for event in calendar.events:
        start = event["DTSTART"]
        assert start.params["TZID"] == "Europe/Amsterdam"
        assert event["DTEND"].params["TZID"] == "Europe/Amsterdam"
        assert (start.dt.hour, start.dt.minute) == (16, 0)  # local wall-clock time, winter and summer
    assert sorted(e["DTSTART"].dt.astimezone(dt.UTC).hour for e in calendar.events) == [14, 15]
    assert calendar.get_missing_tzids() == set()


def test_the_raw_feed_writes_local_times_with_tzid(planned, rosa):
    body = Client().get(reverse("calendar_feed", kwargs={"token": rosa.calendar_token})).content.decode()
    assert "DTSTART;TZID=Europe/Amsterdam:20260317T160000" in body
    assert "BEGIN:VTIMEZONE" in body
    assert "\r\n" in body  # RFC 5545 line endings


def test_a_reschedule_raises_the_sequence_and_keeps_the_uid(planned, rosa, cora):
    before = _events(rosa)[str(planned.uid)]
    session_reschedule(session=planned, start=START + dt.timedelta(days=1),
                       end=START + dt.timedelta(days=1, minutes=90), location="Room 5", by=cora)
    after = _events(rosa)[str(planned.uid)]
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after["LOCATION"] == "Room 5"
    assert after["DTSTART"].dt.day == 18


def test_a_cancelled_session_stays_in_the_feed_as_cancelled(planned, rosa, cora):
    session_set_status(session=planned, status=Session.Status.CANCELLED, by=cora)
    event = _events(rosa)[str(planned.uid)]
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1


def test_a_proposed_session_is_tentative(group, rosa, cora):
    session = session_plan(group=group, start=START, status=Session.Status.PROPOSED, by=cora)
    assert _events(rosa)[str(session.uid)]["STATUS"] == "TENTATIVE"


def test_a_video_session_gives_the_link_as_location_url_and_description(group, rosa, cora):
    session = session_plan(group=group, start=START, location="", video_url="https://meet.example/x",
                           by=cora)
    event = _events(rosa)[str(session.uid)]
    assert event["LOCATION"] == "https://meet.example/x"
    assert str(event["URL"]) == "https://meet.example/x"
    assert "https://meet.example/x" in event["DESCRIPTION"]


def test_the_feed_names_no_resident(planned, rosa, ruben, otto):
    body = Client().get(reverse("calendar_feed", kwargs={"token": rosa.calendar_token})).content.decode()
    for name in ["Rosa", "Ruben", "Otto", "rosa@", "ruben@"]:
        assert name not in body


def test_each_person_sees_their_own_sessions(planned, other_group, rosa, otto, ivan, iris, cora, adam):
    other = session_plan(group=other_group, start=START, by=cora)
    assert set(_events(rosa)) == {str(planned.uid)}
    assert set(_events(otto)) == {str(other.uid)}
    assert set(_events(ivan)) == {str(planned.uid)}
    assert set(_events(iris)) == {str(other.uid)}
    assert set(_events(cora)) == {str(planned.uid), str(other.uid)}  # coordinators: everything
    assert _feed(adam).events == []


def test_residents_get_open_sessions_they_hold_a_seat_in_not_those_they_wait_for(iris, rosa, otto, group):
    start = START + dt.timedelta(days=2)
    session = Session.objects.create(kind=Session.Kind.OPEN, intervisor=iris.intervisor, capacity=1,
                                     start=start, end=start + dt.timedelta(minutes=90), location="Room 1")
    assert str(session.uid) not in _events(rosa)
    participation_book(session=session, resident=rosa.resident)
    participation_book(session=session, resident=otto.resident)  # waitlisted
    assert str(session.uid) in _events(rosa)
    assert str(session.uid) not in _events(otto)
    assert str(session.uid) in _events(iris)


def test_sessions_long_past_drop_out_of_the_feed(group, rosa, cora):
    old = session_plan(group=group, start=NOW - dt.timedelta(days=200), by=cora)
    recent = session_plan(group=group, start=NOW - dt.timedelta(days=30), by=cora)
    assert set(_events(rosa)) == {str(recent.uid)}
    assert str(old.uid) not in _events(rosa)


# --- Answered as a calendar server answers ----------------------------------------------------

def _get(user, **headers):
    return Client().get(reverse("calendar_feed", kwargs={"token": user.calendar_token}), **headers)


def test_a_second_fetch_with_the_etag_is_not_modified_and_has_no_body(planned, rosa):
    first = _get(rosa)
    assert first["ETag"].startswith('"') and first["ETag"].endswith('"')  # strong, not W/"…"
    assert first["Last-Modified"] == "Mon, 02 Mar 2026 09:00:00 GMT"  # when cora planned it
    second = _get(rosa, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 304
    assert second.content == b""
    assert second["ETag"] == first["ETag"]
    assert second["Last-Modified"] == first["Last-Modified"]


def test_a_fetch_with_if_modified_since_is_not_modified_until_an_event_changes(planned, rosa, cora,
                                                                                 clock):
    first = _get(rosa)
    assert _get(rosa, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    clock.shift(dt.timedelta(hours=2))
    session_reschedule(session=planned, start=START, end=START + dt.timedelta(minutes=90),
                       location="Room 5", by=cora)
    changed = _get(rosa, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert changed.status_code == 200
    assert changed["Last-Modified"] == "Mon, 02 Mar 2026 11:00:00 GMT"


def test_after_a_change_the_etag_differs_and_the_old_one_gets_the_whole_feed(planned, rosa, cora,
                                                                              clock):
    before = _get(rosa)
    clock.shift(dt.timedelta(minutes=5))
    session_reschedule(session=planned, start=START + dt.timedelta(days=1),
                       end=START + dt.timedelta(days=1, minutes=90), location="Room 5", by=cora)
    after = _get(rosa, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert b"LOCATION:Room 5" in after.content


def test_a_new_session_and_a_cancellation_change_the_etag(planned, group, rosa, cora, clock):
    etags = [_get(rosa)["ETag"]]
    session_plan(group=group, start=START + dt.timedelta(days=42), by=cora)  # same moment
    etags.append(_get(rosa)["ETag"])
    session_set_status(session=planned, status=Session.Status.CANCELLED, by=cora)
    etags.append(_get(rosa)["ETag"])
    assert len(set(etags)) == 3


def test_head_gives_the_same_headers_as_get(planned, rosa):
    url = reverse("calendar_feed", kwargs={"token": rosa.calendar_token})
    get, head = Client().get(url), Client().head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert dict(head.items()) == dict(get.items())
    assert int(head["Content-Length"]) == len(get.content)
    assert Client().head(url, HTTP_IF_NONE_MATCH=get["ETag"]).status_code == 304


def test_the_body_is_byte_identical_across_fetches_without_a_change(planned, group, rosa, cora, clock):
    session_plan(group=group, start=SUMMER, by=cora)
    first = _get(rosa)
    clock.shift(dt.timedelta(hours=3))  # a later fetch: nothing in the feed may follow the clock
    second = _get(rosa)
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


def test_dtstamp_and_last_modified_are_the_events_own_last_change(planned, rosa, cora, clock):
    clock.shift(dt.timedelta(days=1))
    session_reschedule(session=planned, start=START, end=START + dt.timedelta(minutes=90),
                       location="Room 5", by=cora)
    clock.shift(dt.timedelta(days=1))
    event = _events(rosa)[str(planned.uid)]
    assert event["DTSTAMP"].dt == NOW + dt.timedelta(days=1)
    assert event["LAST-MODIFIED"].dt == NOW + dt.timedelta(days=1)


def test_apps_are_told_to_ask_again_every_hour_as_a_duration(planned, rosa):
    body = _get(rosa).content.decode()
    assert "\r\nX-PUBLISHED-TTL:PT1H\r\n" in body
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body


def test_the_feed_speaks_its_owners_language_whatever_the_request_asks(planned, rosa, ivan):
    rosa.language = "nl"
    rosa.save()
    response = _get(rosa, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "nl"
    (event,) = Calendar.from_ical(response.content).events
    assert event["SUMMARY"] == "Intervisie: Tuesday group"
    assert "Begeleid door Ivan Intervisor." in event["DESCRIPTION"]
    english = _get(ivan, HTTP_ACCEPT_LANGUAGE="nl")
    assert english["Content-Language"] == "en"
    assert Calendar.from_ical(english.content).events[0]["SUMMARY"] == "Intervision: Tuesday group"


def test_a_language_change_changes_the_etag(planned, rosa):
    before = _get(rosa)["ETag"]
    rosa.language = "nl"
    rosa.save()
    assert _get(rosa, HTTP_IF_NONE_MATCH=before).status_code == 200


def test_a_seat_given_up_stays_in_the_residents_feed_as_cancelled(iris, rosa, otto, clock):
    start = START + dt.timedelta(days=2)
    session = Session.objects.create(kind=Session.Kind.OPEN, intervisor=iris.intervisor, capacity=1,
                                     start=start, end=start + dt.timedelta(minutes=90), location="Room 1")
    participation_book(session=session, resident=rosa.resident)
    booked = _events(rosa)[str(session.uid)]
    assert booked["STATUS"] == "CONFIRMED"
    etag = _get(rosa)["ETag"]
    clock.shift(dt.timedelta(hours=1))
    participation_cancel_booking(session=session, resident=rosa.resident)
    given_up = _events(rosa)[str(session.uid)]
    assert given_up["STATUS"] == "CANCELLED"
    assert given_up["SEQUENCE"] > booked["SEQUENCE"]
    assert given_up["DTSTAMP"].dt == NOW + dt.timedelta(hours=1)
    assert _get(rosa, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert _events(iris)[str(session.uid)]["STATUS"] == "CONFIRMED"  # the session itself goes on


def test_a_waitlist_place_given_up_never_reaches_the_feed(iris, rosa, otto):
    start = START + dt.timedelta(days=2)
    session = Session.objects.create(kind=Session.Kind.OPEN, intervisor=iris.intervisor, capacity=1,
                                     start=start, end=start + dt.timedelta(minutes=90), location="Room 1")
    participation_book(session=session, resident=otto.resident)
    participation_book(session=session, resident=rosa.resident)  # waitlisted
    participation_cancel_booking(session=session, resident=rosa.resident)
    assert str(session.uid) not in _events(rosa)


def test_a_renamed_group_changes_the_feed(planned, group, rosa, clock):
    from sessions_app.services.groups import group_update

    etag = _get(rosa)["ETag"]
    clock.shift(dt.timedelta(minutes=1))
    group_update(group=group, name="Tuesday circle", intervisor=group.intervisor,
                 cadence_weeks=group.cadence_weeks, default_duration_minutes=group.default_duration_minutes,
                 location=group.location, min_size=group.min_size, max_size=group.max_size)
    response = _get(rosa, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert b"Tuesday circle" in response.content


# --- The secret address ----------------------------------------------------------------------

def test_an_unknown_token_is_not_found(db):
    assert Client().get(reverse("calendar_feed", kwargs={"token": "not-a-token"})).status_code == 404


def test_a_deactivated_persons_feed_is_not_found(planned, rosa):
    rosa.is_active = False
    rosa.save()
    assert Client().get(reverse("calendar_feed", kwargs={"token": rosa.calendar_token})).status_code == 404


def test_the_feed_refuses_a_post(rosa):
    response = Client().post(reverse("calendar_feed", kwargs={"token": rosa.calendar_token}))
    assert response.status_code == 405


def test_an_unknown_token_is_not_found_with_head_or_an_etag_too(db):
    url = reverse("calendar_feed", kwargs={"token": "not-a-token"})
    assert Client().head(url).status_code == 404
    assert Client().get(url, HTTP_IF_NONE_MATCH="*").status_code == 404


def test_the_page_offers_https_and_webcal_links(rosa):
    page = login(rosa).get(reverse("my_calendar")).content.decode()
    path = reverse("calendar_feed", kwargs={"token": rosa.calendar_token})
    assert f'href="https://intervision.hospital.example{path}"' in page
    assert f'href="webcal://intervision.hospital.example{path}"' in page


def test_resetting_asks_first_then_retires_the_old_address(rosa):
    client = login(rosa)
    old_url = reverse("calendar_feed", kwargs={"token": rosa.calendar_token})
    confirm = client.get(reverse("calendar_reset"))
    assert "Reset your calendar address?" in confirm.content.decode()
    assert Client().get(old_url).status_code == 200  # asking changed nothing
    response = client.post(reverse("calendar_reset"))
    assert response["Location"] == reverse("my_calendar")
    rosa.refresh_from_db()
    new_url = reverse("calendar_feed", kwargs={"token": rosa.calendar_token})
    assert new_url != old_url
    assert len(rosa.calendar_token) >= 43  # 32 random bytes
    assert Client().get(old_url).status_code == 404
    assert Client().get(new_url).status_code == 200
    assert new_url in client.get(reverse("my_calendar")).content.decode()


def test_my_calendar_needs_a_log_in(db):
    response = Client().get(reverse("my_calendar"))
    assert response.status_code == 302
    assert Client().post(reverse("calendar_reset")).status_code == 302


# --- Cost --------------------------------------------------------------------------------------

def _plan_many(group, cora, n):
    for i in range(n):
        session_plan(group=group, start=START + dt.timedelta(days=i), by=cora)


@pytest.mark.parametrize("persona", ["rosa", "ivan", "cora"])
def test_the_feed_costs_the_same_queries_for_5_and_50_sessions(personas, group, django_assert_num_queries,
                                                               persona):
    user = personas[persona]
    url = reverse("calendar_feed", kwargs={"token": user.calendar_token})
    _plan_many(group, personas["cora"], 5)
    # the token's owner; the count, sequences and latest change (the ETag); the events with
    # their group's and leader's names
    with django_assert_num_queries(3):
        Client().get(url)
    _plan_many(group, personas["cora"], 45)
    with django_assert_num_queries(3):
        response = Client().get(url)
    assert len(Calendar.from_ical(response.content).events) == 50
    # An unchanged feed is answered from the owner and the aggregate alone.
    with django_assert_num_queries(2):
        assert Client().get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
