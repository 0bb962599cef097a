"""Names and places reach e-mail headers, calendars and file names, so they stay on one line:
a line break, tab or other control character is refused by the form, the import and the
admin alike. What was saved before the check is still written safely: the invitation for a
group whose name holds a line break goes out, on one line."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from icalendar import Calendar

from residents.fields import validate_one_line
from residents.models import Department, User
from sessions_app.models import IntervisionGroup, Notification, Session
from sessions_app.services.notifications import notification_send
from sessions_app.services.sessions import session_plan

from .helpers import START, import_upload, login
from .test_resident_import import csv_text, row
from .test_sessions_pages import _open_form

REFUSED = "Write this on one line, without line breaks, tabs or other control characters."
BROKEN = ["Tuesday\r\ngroup", "Tuesday\ngroup", "Tuesday\rgroup", "Tuesday\tgroup",
          "Tuesday\x00group", "Tuesday\x85group", "Tuesday\u2028group"]


@pytest.mark.parametrize("value", BROKEN)
def test_the_check_refuses_every_kind_of_control_character(value):
    with pytest.raises(ValidationError):
        validate_one_line(value)


def test_letters_of_any_language_and_spaces_are_fine():
    validate_one_line("Zoë van den Berg-Ærø — Kinder- en Jeugdpsychiatrie (KJP) 'A'")


def _group_form(ivan, **overrides):
    return {"name": "Monday group", "intervisor": ivan.intervisor.pk, "cadence_weeks": 6,
            "default_duration_minutes": 90, "location": "Room 2", "min_size": 6, "max_size": 8,
            **overrides}


def test_a_group_name_with_a_line_break_is_refused_by_the_form(as_cora, ivan):
    response = as_cora.post(reverse("group_create"), _group_form(ivan, name="Monday\r\ngroup"))
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [REFUSED]
    response = as_cora.post(reverse("group_create"), _group_form(ivan, location="Room 2\nBuilding B"))
    assert response.context["form"].errors["location"] == [REFUSED]
    assert not IntervisionGroup.objects.exists()


def test_a_group_name_with_a_line_break_is_refused_by_the_admin(adam, ivan):
    client = login(adam)
    response = client.post(reverse("admin:sessions_app_intervisiongroup_add"), _group_form(
        ivan, name="Monday\r\ngroup", co_intervisor="", is_active="on",
        candidate_windows='[{"weekdays": [0], "start": "16:00", "end": "18:00"}]',
        **{"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"}))
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert not IntervisionGroup.objects.exists()
    # A department renamed in the admin likewise.
    department = Department.objects.create(name="Surgery")
    response = client.post(reverse("admin:residents_department_change", args=[department.pk]),
                           {"name": "Surgery\r\nBcc: everyone@hospital.example"})
    assert REFUSED in response.content.decode()
    department.refresh_from_db()
    assert department.name == "Surgery"


def test_names_with_a_line_break_are_refused_by_the_resident_import(as_cora, catalogue, celery_eager):
    content = csv_text(
        row(first_name='"Anna\r\nBcc: everyone@hospital.example"'),
        row(email="daan@hospital.example", department='"Surgery\nX"'),
    )
    response = import_upload(as_cora, reverse("resident_import"), SimpleUploadedFile(
        "residents.csv", content.encode(), content_type="text/csv"))  # the worker refuses it
    assert "Nothing was imported" in response.content.decode()
    problems = [(p.column, p.reason) for p in response.context["problems"]]
    assert ("first_name", REFUSED) in problems and ("department", REFUSED) in problems
    assert not User.objects.filter(email__in=["anna@hospital.example", "daan@hospital.example"]).exists()


def test_people_sessions_and_absences_forms_refuse_line_breaks_too(as_cora, iris, ivan, group):
    from .test_residents_pages import _resident_data

    response = as_cora.post(reverse("resident_create"), _resident_data(last_name="de\nVries"))
    assert response.context["form"].errors["last_name"] == [REFUSED]
    response = as_cora.post(reverse("open_session_create"), _open_form(iris, title="Make-up\r\nsession"))
    assert response.context["form"].errors["title"] == [REFUSED]
    response = as_cora.post(reverse("session_plan", args=[group.pk]), {
        "date": "2026-03-24", "start_time": "16:00", "duration_minutes": "90",
        "location": "Room 4.12\r\nBuilding B", "video_url": "", "status": "scheduled"})
    assert response.context["form"].errors["location"] == [REFUSED]
    assert not Session.objects.exists()


def test_a_group_name_saved_with_a_line_break_before_the_check_still_gets_its_invitation(
        group, rosa, ruben, cora, clock, celery_eager):
    # As a row from before the check: written past the validation.
    IntervisionGroup.objects.filter(pk=group.pk).update(name="Tuesday\r\ngroup", location="A\x0bB")
    group.refresh_from_db()
    session = session_plan(group=group, start=START, by=cora)
    row = Notification.objects.get(kind="rsvp_request", session=session, recipient=rosa)
    assert notification_send(notification_id=row.pk, now=dt.datetime.now(dt.UTC)) == "sent"
    message = mail.outbox[-1]
    assert "\n" not in message.subject and "\r" not in message.subject
    invite = next(a for a in message.attachments if getattr(a, "get_content_type", None)
                  and a.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(invite.get_payload(decode=True))
    event = calendar.walk("VEVENT")[0]
    assert str(event["summary"]) == "Intervision: Tuesday group"
    assert str(calendar["x-wr-calname"]) == "Intervision: Tuesday group"
