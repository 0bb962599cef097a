"""Every import has limits, all in one place (residents/importers/uploads.py), and each is
refused with a message that names it: size and kind of file in the web request; rows, line
length and reading time in the worker; for rosters also events per calendar, occurrences per
repeating event and per file, and rules faster than daily without an end, which are never
expanded. Uploads nobody confirms are forgotten."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from residents.importers import intervisors, rosters, uploads
from residents.models import RosterImport, StoredUpload, TableImport
from residents.services import table_import_run, table_imports
from residents.services import uploads as upload_services
from residents.tasks.rosters import sweep_stuck_roster_imports

TZ = "Europe/Amsterdam"


def ics(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{e}\r\nEND:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//x//EN\r\n{body}END:VCALENDAR\r\n"


def repeating(uid: str, rule: str) -> str:
    return (f"UID:{uid}\r\nATTENDEE:mailto:anna@hospital.example\r\nSUMMARY:Dagdienst\r\n"
            f"DTSTART;TZID=Europe/Amsterdam:20270104T080000\r\n"
            f"DTEND;TZID=Europe/Amsterdam:20270104T090000\r\nRRULE:{rule}")


def reasons(parsed) -> list[str]:
    return [p.reason for p in parsed.problems]


# --- Rosters: repeating events ----------------------------------------------------------------

@pytest.mark.parametrize("frequency", ["SECONDLY", "MINUTELY", "HOURLY"])
def test_a_rule_faster_than_daily_without_an_end_is_never_expanded(frequency):
    parsed = rosters.read_roster(ics(repeating("r1", f"FREQ={frequency}")), file_format="ics", tz=TZ)
    assert not parsed.rows
    assert reasons(parsed) == [
        f"This event repeats {frequency} without an end (UNTIL or COUNT); a rule faster than daily "
        "is only expanded when it ends. Give it an end, or export its occurrences."]


def test_a_rule_with_an_end_is_expanded_up_to_the_cap_per_repeating_event_and_no_further():
    within = rosters.read_roster(ics(repeating("r1", "FREQ=HOURLY;COUNT=24")), file_format="ics", tz=TZ)
    assert len(within.rows) == 24 and not within.problems

    beyond = rosters.read_roster(ics(repeating("r1", "FREQ=MINUTELY;COUNT=500000")),
                                 file_format="ics", tz=TZ)
    assert not beyond.rows
    assert reasons(beyond) == [
        "This event repeats more than 2,000 times, the limit per repeating event. Give the "
        "import a shorter period, or end the rule sooner."]


def test_the_repeating_events_of_a_file_together_stop_at_the_cap_per_file():
    # 300 daily rules without end: a year each, 109,800 occurrences in all.
    text = ics(*(repeating(f"r{n}", "FREQ=DAILY") for n in range(300)))
    parsed = rosters.read_roster(text, file_format="ics", tz=TZ)
    assert not parsed.rows
    assert reasons(parsed) == [
        "The repeating events of this file make more than 100,000 entries, the limit per file. "
        "Give the import a shorter period."]


def test_an_open_rule_is_expanded_only_up_to_the_end_of_the_imports_period():
    zone = dt.UTC
    period = (dt.datetime(2027, 1, 4, tzinfo=zone), dt.datetime(2027, 1, 11, tzinfo=zone))
    parsed = rosters.read_roster(ics(repeating("r1", "FREQ=DAILY")), file_format="ics", tz=TZ,
                                 period=period)
    assert len(parsed.rows) == 7


# --- Rosters: the file ------------------------------------------------------------------------

def test_a_calendar_with_more_events_than_the_limit_is_refused_before_it_is_parsed():
    one = ("UID:e{n}\r\nATTENDEE:mailto:anna@hospital.example\r\nSUMMARY:Dag\r\n"
           "DTSTART:20270104T080000Z\r\nDTEND:20270104T090000Z")
    text = ics(*(one.format(n=n) for n in range(uploads.ROSTERS.max_events + 1)))
    parsed = rosters.read_roster(text, file_format="ics", tz=TZ)
    assert reasons(parsed) == [
        "The file holds 50,001 events, more than 50,000, the limit per calendar file. Export a "
        "shorter period or one department at a time."]


def test_a_roster_csv_with_a_column_twice_is_refused_as_the_resident_import_refuses_it():
    text = ("email,start,end,kind,email\n"
            "anna@hospital.example,2027-01-04 08:00,2027-01-04 17:00,day,rosa@hospital.example\n")
    parsed = rosters.read_roster(text, file_format="csv", tz=TZ)
    assert [(p.line, p.column, p.reason) for p in parsed.problems] == [
        (1, "email", "This column appears twice.")]


def test_a_line_longer_than_the_limit_is_refused_naming_it():
    text = "email,start,end,kind\n" + "x" * 10_001 + "\n"
    parsed = rosters.read_roster(text, file_format="csv", tz=TZ)
    assert [(p.line, p.reason) for p in parsed.problems] == [
        (2, "This line is longer than 10,000 characters, the limit of this import.")]
    table = uploads.read_table(text.encode(), uploads.INTERVISORS, intervisors.TABLE)
    assert [(p.line, p.reason) for p in table.problems] == [
        (2, "This line is longer than 10,000 characters, the limit of this import.")]


# --- Tabular imports --------------------------------------------------------------------------

def test_more_rows_than_the_limit_are_refused_naming_it():
    rows = "".join(f"i{n}@hospital.example,Ina,Visor\n" for n in range(1001))
    table = uploads.read_table(("email,first_name,last_name\n" + rows).encode(),
                               uploads.INTERVISORS, intervisors.TABLE)
    assert [p.reason for p in table.problems] == [
        "The file has more than 1,000 rows. Split it into smaller files."]


def test_reading_longer_than_the_kinds_time_is_refused_naming_it():
    rows = "".join(f"i{n}@hospital.example,Ina,Visor\n" for n in range(600))
    hasty = dataclasses.replace(uploads.INTERVISORS, max_seconds=0)
    table = uploads.read_table(("email,first_name,last_name\n" + rows).encode(), hasty,
                               intervisors.TABLE)
    assert not table.rows
    assert [p.reason for p in table.problems] == [
        "Reading the file took longer than 0 seconds, the limit of this import. Split it into "
        "smaller files."]


@pytest.mark.parametrize(("name", "data", "says"), [
    ("intervisors.csv", b"x" * (uploads.INTERVISORS.max_bytes + 1),
     "The file is larger than 1 MB. Split it into smaller files."),
    ("intervisors.pdf", b"%PDF-1.7", "intervisors.pdf is not a file this import reads"),
    ("intervisors.xlsx", b"\xd0\xcf\x11\xe0" + b"\0" * 100, "This is an Excel 97-2003 workbook"),
])
def test_the_request_refuses_a_file_too_large_or_of_another_kind_and_keeps_nothing(
        as_cora, name, data, says):
    response = as_cora.post(reverse("intervisor_import"), {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not StoredUpload.objects.exists() and not TableImport.objects.exists()


def test_an_upload_is_kept_as_uploaded_in_chunks_of_a_megabyte(cora):
    data = bytes(range(256)) * (5 * 1024 * 6)  # 7.5 MB
    stored = upload_services.upload_store(
        upload=SimpleUploadedFile("roster.csv", data), kind="rosters", by=cora)
    assert stored.size == len(data) and stored.chunks.count() == 8
    assert upload_services.upload_bytes(stored) == data


# --- The page while a worker checks -----------------------------------------------------------

def test_the_page_polls_while_the_worker_checks_and_reloads_once_it_is_done(
        as_cora, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("intervisors.csv", b"email,first_name,last_name\ni@h.example,I,V\n")
    response = as_cora.post(reverse("intervisor_import"), {"file": upload})  # no worker yet
    imp = TableImport.objects.get()
    assert response["Location"] == reverse("intervisor_import_detail", args=[imp.pk])
    page = as_cora.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Being checked" in page and "<noscript>" in page

    table_import_run.table_import_check(table_import_id=imp.pk)  # the worker
    fragment = as_cora.get(response["Location"], HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"
    assert "Confirm import" in as_cora.get(response["Location"]).content.decode()


# --- Forgetting -------------------------------------------------------------------------------

def test_the_sweeper_fails_imports_whose_worker_died_and_forgets_unconfirmed_uploads(
        clock, cora):
    def receive() -> TableImport:
        return table_imports.table_import_receive(
            kind="intervisors", by=cora,
            upload=SimpleUploadedFile("i.csv", b"email,first_name,last_name\ni@h.example,I,V\n"))

    stuck = receive()
    checked = receive()
    table_import_run.table_import_check(table_import_id=checked.pk)
    clock.shift(upload_services.TABLE_IMPORT_STUCK + dt.timedelta(minutes=1))
    sweep_stuck_roster_imports()
    stuck.refresh_from_db()
    assert stuck.status == TableImport.Status.FAILED and stuck.upload is None
    assert "its worker is gone" in stuck.problems[0]["reason"]
    assert TableImport.objects.get(pk=checked.pk).status == TableImport.Status.CHECKED

    clock.shift(upload_services.UPLOAD_EXPIRY)
    sweep_stuck_roster_imports()
    assert TableImport.objects.get(pk=checked.pk).status == TableImport.Status.FAILED
    assert not StoredUpload.objects.exists()


def test_a_request_carrying_more_than_any_import_takes_is_not_read_to_its_end(as_cora):
    # Several files each under the roster limit, more than it together: 30 MB.
    files = [SimpleUploadedFile(f"r{n}.csv", b"x" * (10 * 1024 * 1024)) for n in range(3)]
    response = as_cora.post(reverse("roster_import"), {"file": files, "source": "roster"})
    assert response.status_code == 413
    assert ("The upload is larger than 26 MB in all, more than any import takes; nothing was "
            "kept.") in response.content.decode()
    assert not StoredUpload.objects.exists()

    big = SimpleUploadedFile("intervisors.csv", b"x" * (30 * 1024 * 1024))
    response = as_cora.post(reverse("intervisor_import"), {"file": big})
    assert response.status_code == 413
    assert not StoredUpload.objects.exists() and not TableImport.objects.exists()


def test_the_worker_writes_its_messages_in_the_language_of_the_page_it_came_from(
        as_cora, celery_eager, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("intervisors.csv", b"email,first_name,last_name,email\na,b,c,d\n")
    with django_capture_on_commit_callbacks(execute=True):
        as_cora.post(reverse("intervisor_import"), {"file": upload}, HTTP_ACCEPT_LANGUAGE="nl")
    imp = TableImport.objects.get()
    assert imp.language == "nl"
    assert imp.problems[0]["reason"] == "Deze kolom komt twee keer voor."
    roster = SimpleUploadedFile("roster.csv", b"email,start,end,kind,email\n")
    with django_capture_on_commit_callbacks(execute=True):
        as_cora.post(reverse("roster_import"), {"file": roster, "source": "roster"},
                     HTTP_ACCEPT_LANGUAGE="nl")
    assert RosterImport.objects.get().problems[0]["reason"] == "Deze kolom komt twee keer voor."
