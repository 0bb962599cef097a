"""Residents download a statement of the sessions they attended in a period, for their
portfolio: a printable page and a PDF, about them alone."""

import base64
import datetime as dt
import re
import zlib

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from residents.models import Programme
from sessions_app.models import Participation, Session, SessionNote
from sessions_app.selectors.participation import attendance_statement
from sessions_app.services.participation import AttendanceEntry, attendance_record, participation_book
from sessions_app.services.sessions import session_plan
from sessions_app.statement import statement_pdf

from .helpers import login

TODAY = dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC)  # late in the academic year 2025–2026

pytestmark = [pytest.mark.now(TODAY), pytest.mark.usefixtures("clock")]


def _held(group, start, ivan, cora, *, rosa="present", left_early=False):
    with time_machine.travel(start - dt.timedelta(days=10), tick=False):
        session = session_plan(group=group, start=start, by=cora)
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        entries = []
        for p in session.participations.select_related("resident__user"):
            if p.resident.user.first_name == "Rosa":
                entries.append(AttendanceEntry(p.pk, rosa, left_early))
            else:
                entries.append(AttendanceEntry(p.pk, "present"))
        attendance_record(session=session, entries=entries, by=ivan)
    return session


@pytest.fixture
def history(group, rosa, ruben, ivan, iris, cora):
    """Rosa: three sessions attended this academic year (one left early), one missed, one the
    year before; one open make-up session attended."""
    utc = dt.UTC
    _held(group, dt.datetime(2025, 6, 10, 14, 0, tzinfo=utc), ivan, cora)  # last academic year
    _held(group, dt.datetime(2025, 10, 7, 14, 0, tzinfo=utc), ivan, cora)
    _held(group, dt.datetime(2025, 11, 18, 15, 0, tzinfo=utc), ivan, cora, left_early=True)
    _held(group, dt.datetime(2026, 1, 13, 15, 0, tzinfo=utc), ivan, cora, rosa="absent")
    noted = _held(group, dt.datetime(2026, 3, 3, 15, 0, tzinfo=utc), ivan, cora)
    SessionNote.objects.create(session=noted, author=ivan, body_encrypted="SECRET-NOTE-TEXT")
    start = dt.datetime(2026, 4, 8, 12, 0, tzinfo=utc)
    with time_machine.travel(start - dt.timedelta(days=5), tick=False):
        makeup = Session.objects.create(
            kind=Session.Kind.OPEN, intervisor=iris.intervisor, capacity=4, title="Make-up session",
            start=start, end=start + dt.timedelta(hours=2),
        )
        participation_book(session=makeup, resident=rosa.resident)
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        mine = Participation.objects.get(session=makeup)
        attendance_record(session=makeup, entries=[AttendanceEntry(mine.pk, "present")], by=iris)


def pdf_text(data: bytes) -> str:
    """The text shown by a reportlab PDF: streams as written with ``compress=False``, or
    ASCII85 + Flate encoded as reportlab compresses them."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        stream = stream.strip()
        if stream.endswith(b"~>"):
            stream = zlib.decompress(base64.a85decode(stream[:-2]))
        chunks += [m.decode("latin-1") for m in re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", stream, re.S)]
    return " ".join(chunks).replace("\\(", "(").replace("\\)", ")")


def test_the_statement_counts_what_was_attended_in_the_academic_year(history, rosa):
    statement = attendance_statement(rosa.resident, dt.date(2025, 9, 1), dt.date(2026, 8, 31))
    assert [timezone.localtime(p.session.start).date() for p in statement.rows] == [
        dt.date(2025, 10, 7), dt.date(2025, 11, 18), dt.date(2026, 3, 3), dt.date(2026, 4, 8),
    ]
    assert statement.total == 4
    assert statement.total_minutes == 3 * 90 + 120
    assert statement.groups == ["Tuesday group", "Make-up session"]


def test_the_page_defaults_to_the_current_academic_year(history, rosa):
    response = login(rosa).get(reverse("attendance_statement"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "4 sessions attended" in body
    assert "From Mon 1 Sep 2025 to Mon 31 Aug 2026" in body
    assert "left early for clinical duty" in body
    assert "data-print" in body  # the print button; the print layout lives in static/css (CSP)
    assert "Ruben" not in body and "SECRET-NOTE-TEXT" not in body


def test_the_page_takes_custom_dates(history, rosa):
    body = login(rosa).get(reverse("attendance_statement"),
                           {"start": "2025-01-01", "end": "2025-10-31"}).content.decode()
    assert "2 sessions attended" in body


def test_the_page_refuses_a_period_that_ends_before_it_starts(rosa):
    response = login(rosa).get(reverse("attendance_statement"), {"start": "2026-05-01", "end": "2026-04-01"})
    assert response.status_code == 400
    assert "The end date comes before the start date." in response.content.decode()
    assert login(rosa).get(reverse("attendance_statement_pdf"), {"start": "2026-05-01"}).status_code == 400


def test_the_pdf_names_the_resident_programme_period_groups_and_totals(history, rosa):
    programme = Programme.get()
    programme.name = "Residency Programme Example UMC"
    programme.save()
    statement = attendance_statement(rosa.resident, dt.date(2025, 9, 1), dt.date(2026, 8, 31))
    data = statement_pdf(statement, compress=False)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in [
        "Rosa Resident", "Residency Programme Example UMC", "Period: Mon 1 Sep 2025 to Mon 31 Aug 2026",
        "Groups: Tuesday group, Make-up session", "Tue 7 Oct 2025", "16:00", "left early for clinical duty",
        "Sessions attended: 4", "Total time: 6 h 30 min", "Generated on Mon 15 Jun 2026",
    ]:
        assert expected in text, (expected, text)
    assert "Ruben" not in text and "SECRET-NOTE-TEXT" not in text and "Jan. 13, 2026" not in text


def test_the_pdf_download(history, rosa):
    response = login(rosa).get(reverse("attendance_statement_pdf"), {"year": "2025"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="attendance-20250901-20260831.pdf"'
    assert response.content.startswith(b"%PDF")
    assert "Sessions attended: 4" in pdf_text(response.content)


def test_the_pdf_of_an_empty_period_says_so(rosa):
    statement = attendance_statement(rosa.resident, dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    text = pdf_text(statement_pdf(statement, compress=False))
    assert "No sessions attended in this period." in text and "Sessions attended: 0" in text


def test_only_residents_have_a_statement(ivan, cora):
    assert login(ivan).get(reverse("attendance_statement")).status_code == 403
    assert login(cora).get(reverse("attendance_statement_pdf")).status_code == 403
