"""Roster import: CSV and iCalendar files, DST, every refusal, all or nothing, re-imports."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from residents.importers.rosters import read_roster
from residents.models import RosterEntry, RosterImport
from residents.services import roster_apply, roster_imports
from tests.factories import ResidentFactory

AMS = ZoneInfo("Europe/Amsterdam")
TZ = "Europe/Amsterdam"
UTC = dt.UTC


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def csv(*lines: str) -> bytes:
    return ("email,start,end,kind,external_id\n" + "\n".join(lines) + "\n").encode()


def ics(*events: str, extra: str = "") -> str:
    body = "".join(f"BEGIN:VEVENT\n{e.strip()}\nEND:VEVENT\n" for e in events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{extra}{body}END:VCALENDAR\n"


def check(data, *, file_format="csv", source="roster", resident_email=""):
    return roster_imports.roster_import_check(data=data, filename=f"roster.{file_format}", source=source,
                                        by=None, resident_email=resident_email, file_format=file_format)


def apply(data, **kwargs) -> RosterImport:
    checked = check(data, **kwargs)
    roster_imports.roster_import_confirm(roster_import=checked, by=None)
    return roster_apply.roster_import_apply(roster_import_id=checked.pk)


def problems_of(data, **kwargs) -> list[str]:
    with pytest.raises(roster_apply.RosterImportRefused) as refused:
        check(data, **kwargs)
    return [str(p) for p in refused.value.problems]


@pytest.fixture
def bart(db):
    return ResidentFactory(user__email="bart@hospital.example", user__first_name="Bart")


# --- DST --------------------------------------------------------------------------------------

def test_a_csv_night_across_the_march_change_lasts_nine_hours():
    parsed = read_roster(csv("a@x.nl,2026-03-28 22:00,2026-03-29 08:00,nacht,"), file_format="csv", tz=TZ)
    assert parsed.problems == []
    (row,) = parsed.rows
    assert (row.start, row.end, row.kind) == (utc(2026, 3, 28, 21), utc(2026, 3, 29, 6), "night")


def test_a_csv_night_across_the_october_change_lasts_eleven_hours():
    parsed = read_roster(csv("a@x.nl,2026-10-24 22:00,2026-10-25 08:00,night,"), file_format="csv", tz=TZ)
    (row,) = parsed.rows
    assert row.end - row.start == dt.timedelta(hours=11)
    assert row.start == utc(2026, 10, 24, 20)


def test_a_csv_time_the_clocks_skip_is_refused_and_an_offset_is_honoured():
    parsed = read_roster(csv("a@x.nl,2026-03-29 02:30,2026-03-29 08:00,day,",
                             "a@x.nl,2026-10-25T02:30+01:00,2026-10-25 08:00,day,"),
                         file_format="csv", tz=TZ)
    assert [(p.line, p.column) for p in parsed.problems] == [(2, "start")]
    assert "does not exist" in parsed.problems[0].reason
    assert parsed.rows[0].start == utc(2026, 10, 25, 1, 30)


def test_a_csv_date_without_time_means_whole_local_days_end_included():
    parsed = read_roster(csv("a@x.nl,2026-03-29,2026-03-29,verlof,"), file_format="csv", tz=TZ)
    (row,) = parsed.rows
    assert (row.start, row.end) == (utc(2026, 3, 28, 23), utc(2026, 3, 29, 22))  # 23 hours


def test_an_ics_night_honours_its_tzid_across_both_changes():
    text = ics(
        "UID:n-mar\nDTSTART;TZID=Europe/Amsterdam:20260328T220000\n"
        "DTEND;TZID=Europe/Amsterdam:20260329T080000\nSUMMARY:Nachtdienst",
        "UID:n-oct\nDTSTART;TZID=Europe/Amsterdam:20261024T220000\n"
        "DTEND;TZID=Europe/Amsterdam:20261025T080000\nSUMMARY:Night shift",
    )
    parsed = read_roster(text, file_format="ics", tz=TZ, resident_email="a@x.nl")
    assert parsed.problems == []
    lengths = {r.external_id: r.end - r.start for r in parsed.rows}
    assert lengths == {"n-mar": dt.timedelta(hours=9), "n-oct": dt.timedelta(hours=11)}


def test_an_ics_with_an_outlook_vtimezone_is_read_in_that_zone():
    vtimezone = (
        "BEGIN:VTIMEZONE\nTZID:W. Europe Standard Time\nBEGIN:STANDARD\nDTSTART:16010101T030000\n"
        "TZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\nEND:STANDARD\n"
        "BEGIN:DAYLIGHT\nDTSTART:16010101T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\n"
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\nEND:DAYLIGHT\nEND:VTIMEZONE\n"
    )
    text = ics("UID:o1\nDTSTART;TZID=W. Europe Standard Time:20260330T080000\n"
               "DTEND;TZID=W. Europe Standard Time:20260330T170000\nSUMMARY:Dag", extra=vtimezone)
    (row,) = read_roster(text, file_format="ics", tz=TZ, resident_email="a@x.nl").rows
    assert (row.start, row.end) == (utc(2026, 3, 30, 6), utc(2026, 3, 30, 15))


def test_all_day_ics_events_are_whole_local_days_even_on_dst_sundays():
    text = ics("UID:l1\nDTSTART;VALUE=DATE:20261025\nDTEND;VALUE=DATE:20261026\nSUMMARY:Vakantie",
               "UID:l2\nDTSTART;VALUE=DATE:20260329\nSUMMARY:Verlof")
    rows = {r.external_id: r for r in read_roster(text, file_format="ics", tz=TZ,
                                                   resident_email="a@x.nl").rows}
    assert (rows["l1"].start, rows["l1"].end) == (utc(2026, 10, 24, 22), utc(2026, 10, 25, 23))
    assert rows["l2"].end - rows["l2"].start == dt.timedelta(hours=23)
    assert rows["l1"].kind == rows["l2"].kind == "leave"


def test_recurring_ics_events_expand_in_local_time_without_exdates_and_with_overrides():
    text = ics(
        "UID:nights\nDTSTART;TZID=Europe/Amsterdam:20260326T220000\n"
        "DTEND;TZID=Europe/Amsterdam:20260327T080000\nRRULE:FREQ=DAILY;COUNT=5\n"
        "EXDATE;TZID=Europe/Amsterdam:20260327T220000\nSUMMARY:Nacht",
        # The fourth night (30 March) was moved an hour later.
        "UID:nights\nRECURRENCE-ID;TZID=Europe/Amsterdam:20260329T220000\n"
        "DTSTART;TZID=Europe/Amsterdam:20260329T230000\nDTEND;TZID=Europe/Amsterdam:20260330T080000\n"
        "SUMMARY:Nacht",
        "UID:weekly\nDTSTART;VALUE=DATE:20260316\nRRULE:FREQ=WEEKLY;UNTIL=20260406\nSUMMARY:Cursus",
    )
    rows = read_roster(text, file_format="ics", tz=TZ, resident_email="a@x.nl").rows
    nights = sorted(r.start.astimezone(AMS).strftime("%m-%d %H:%M") for r in rows if r.kind == "night")
    # 22:00 local before and after the change on 29 March; the 27th excluded; the 29th moved.
    assert nights == ["03-26 22:00", "03-28 22:00", "03-29 23:00", "03-30 22:00"]
    courses = [r for r in rows if r.kind == "course"]
    assert len(courses) == 4 and all(r.start.astimezone(AMS).hour == 0 for r in courses)
    assert len({r.external_id for r in rows}) == len(rows)


def test_kinds_come_from_categories_before_the_summary_and_days_off_are_skipped():
    text = ics("UID:c1\nDTSTART:20260302T070000Z\nDTEND:20260302T160000Z\nSUMMARY:KNO\n"
               "CATEGORIES:Poli",
               "UID:c2\nDTSTART:20260303T070000Z\nDTEND:20260303T160000Z\nSUMMARY:Vrij")
    parsed = read_roster(text, file_format="ics", tz=TZ, resident_email="a@x.nl")
    assert [r.kind for r in parsed.rows] == ["outpatient"]
    assert parsed.skipped == 1


# --- refusals: each kind, every problem, nothing written --------------------------------------

def test_it_refuses_an_unknown_resident(anna):
    found = problems_of(csv("anna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,1",
                            "nobody@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,2"))
    assert found == ["line 3, email: No resident with this e-mail address (line 3). "
                     "('nobody@hospital.example')"]


def test_it_refuses_an_entry_that_ends_before_it_starts(anna):
    found = problems_of(csv("anna@hospital.example,2026-03-02 17:00,2026-03-02 08:00,day,1"))
    assert len(found) == 1 and "line 2, end: The entry ends before it starts" in found[0]


def test_overlapping_entries_are_kept_and_counted_once_and_on_call_after_work_is_not_counted(anna):
    checked = check(csv(
        "anna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,1",
        "anna@hospital.example,2026-03-02 16:00,2026-03-03 08:00,on call,2",  # ordinary
        "anna@hospital.example,2026-03-04 00:00,2026-03-06 00:00,leave,3",
        "anna@hospital.example,2026-03-05 08:00,2026-03-05 17:00,day,4",  # work during leave
        "anna@hospital.example,2026-03-09 08:00,2026-03-09 17:00,day,5",
        "anna@hospital.example,2026-03-09 15:00,2026-03-09 23:00,evening,6",  # two shifts at once
    ))
    assert (checked.status, checked.summary["overlaps"], checked.summary["added"]) == ("checked", 2, 6)
    (file,) = checked.summary["per_file"]
    assert file["notes"][0] == ("Leave 2026-03-04 00:00–2026-03-06 00:00 overlaps "
                                "day shift 2026-03-05 08:00–2026-03-05 17:00; both kept.")


def test_it_refuses_an_unknown_kind_and_names_the_known_ones(anna):
    (found,) = problems_of(csv("anna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,koffie,1"))
    assert "line 2, kind: Unknown kind" in found and "night" in found and "'koffie'" in found


def test_it_refuses_a_broken_ics_file(anna):
    (found,) = problems_of("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:garbage\n", file_format="ics",
                           resident_email="anna@hospital.example")
    assert found.startswith("file:")


def test_it_refuses_an_ics_event_without_end_or_resident(anna):
    text = ics("UID:x1\nDTSTART:20260302T070000Z\nSUMMARY:Dag\nATTENDEE:mailto:anna@hospital.example",
               "UID:x2\nDTSTART:20260302T070000Z\nDTEND:20260302T160000Z\nSUMMARY:Dag")
    found = problems_of(text, file_format="ics")
    assert [f.split(":")[0] for f in found] == ["line 4, DTEND", "line 10, ATTENDEE"]


def test_it_reads_the_encodings_excel_writes_and_refuses_what_is_none_of_them(anna):
    data = ("email,start,end,kind,opmerking\n"
            "anna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,poli,café\n")
    for encoding in ("utf-8-sig", "cp1252", "utf-16"):
        parsed = read_roster(data.encode(encoding), file_format="csv", tz="Europe/Amsterdam")
        assert not parsed.problems, encoding
        assert [row.kind for row in parsed.rows] == ["outpatient"]
    (unreadable,) = problems_of(data.encode("cp1252") + b"\x81\n")
    assert "line 3" in unreadable and "neither UTF-8 nor Windows-1252" in unreadable


def test_it_reads_dutch_headers_semicolons_and_a_workbook(anna, tmp_path):
    import openpyxl

    dutch = "E-mail;Begin;Eind;Soort\r\nanna@hospital.example;2-3-2026 08:00;2-3-2026 17:00;Dagdienst\r\n"
    parsed = read_roster(b"\xef\xbb\xbf" + dutch.encode(), file_format="csv", tz="Europe/Amsterdam")
    assert not parsed.problems and [row.kind for row in parsed.rows] == ["day"]
    book = openpyxl.Workbook()
    book.active.append(["email", "start", "end", "kind"])
    book.active.append(["anna@hospital.example", dt.datetime(2026, 3, 2, 22), dt.datetime(2026, 3, 3, 8),
                        "Nacht"])
    book.save(tmp_path / "rooster.xlsx")
    parsed = read_roster((tmp_path / "rooster.xlsx").read_bytes(), file_format="csv", tz="Europe/Amsterdam")
    assert not parsed.problems
    night = dt.datetime(2026, 3, 2, 21, tzinfo=dt.UTC)  # 22:00 in Amsterdam
    assert [(row.start, row.kind) for row in parsed.rows] == [(night, "night")]


def test_it_reports_every_problem_of_a_file_at_once(anna):
    found = problems_of(csv(
        "anna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,koffie,1",
        "anna@hospital.example,2026-03-03 17:00,2026-03-03 08:00,day,2",
        "anna@hospital.example,2026-03-29 02:15,2026-03-29 08:00,day,3",
        "anna@hospital.example,2026-03-04 08:00,2026-03-04 17:00,day,4",
        "anna@hospital.example,2026-03-05 08:00,2026-03-05 17:00,day,4",
    ))
    assert [f.split(",")[0] for f in found] == ["line 2", "line 3", "line 4", "line 6"]


def test_a_refused_file_writes_nothing_at_all(anna):
    problems_of(csv("anna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,1",
                    "anna@hospital.example,2026-03-03 08:00,2026-03-03 17:00,koffie,2"))
    assert not RosterEntry.objects.exists()
    assert not RosterImport.objects.exists()


def test_an_apply_that_finds_a_problem_leaves_the_stored_roster_as_it_was(anna, bart):
    apply(csv("anna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,a1"))
    before = list(RosterEntry.objects.values_list("external_id", "start", "end"))
    checked = check(csv("anna@hospital.example,2026-03-02 09:00,2026-03-02 17:00,day,a1",
                        "bart@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,b1"))
    roster_imports.roster_import_confirm(roster_import=checked, by=None)
    bart.user.delete()  # between the preview and the worker: Bart is no longer a resident
    done = roster_apply.roster_import_apply(roster_import_id=checked.pk)
    assert done.status == RosterImport.Status.FAILED
    assert "No resident with this e-mail address" in done.problems[0]["reason"]
    assert list(RosterEntry.objects.values_list("external_id", "start", "end")) == before


def test_an_import_whose_preview_is_outdated_is_refused(anna):
    checked = check(csv("anna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,a1"))
    apply(csv("anna@hospital.example,2026-03-02 10:00,2026-03-02 17:00,day,a1"))
    roster_imports.roster_import_confirm(roster_import=checked, by=None)
    done = roster_apply.roster_import_apply(roster_import_id=checked.pk)
    assert done.status == RosterImport.Status.FAILED
    assert RosterEntry.objects.get().start == dt.datetime(2026, 3, 2, 10, tzinfo=AMS)


def test_applying_twice_applies_once(anna):
    done = apply(csv("anna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,a1"))
    again = roster_apply.roster_import_apply(roster_import_id=done.pk)
    assert again.status == RosterImport.Status.DONE
    assert RosterEntry.objects.count() == 1


# --- re-importing -----------------------------------------------------------------------------

def test_reimporting_a_period_replaces_it_and_leaves_the_rest(anna, bart):
    RosterEntry.objects.create(resident=anna, start=dt.datetime(2026, 3, 3, 8, tzinfo=AMS),
                               end=dt.datetime(2026, 3, 3, 17, tzinfo=AMS), kind="day",
                               source="other-tool", external_id="x")
    apply(csv(
        "anna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,a1",
        "anna@hospital.example,2026-03-04 08:00,2026-03-04 17:00,day,a2",
        "anna@hospital.example,2026-03-06 22:00,2026-03-07 08:00,night,a3",
        "anna@hospital.example,2026-04-01 08:00,2026-04-01 17:00,day,april",
        "bart@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,b1",
    ))
    # A corrected March for Anna only: a2 moved, a3 gone, a4 new.
    checked = check(csv(
        "anna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,a1",
        "anna@hospital.example,2026-03-04 13:00,2026-03-04 21:00,evening,a2",
        "anna@hospital.example,2026-03-09 08:00,2026-03-09 17:00,course,a4",
    ))
    assert (checked.summary["added"], checked.summary["replaced"], checked.summary["removed"],
            checked.summary["unchanged"]) == (1, 1, 1, 1)
    assert checked.summary["per_resident"] == [{
        "resident_id": anna.pk, "name": anna.user.get_full_name(), "email": "anna@hospital.example",
        "added": 1, "replaced": 1, "removed": 1, "unchanged": 0 + 1,
    }]
    roster_imports.roster_import_confirm(roster_import=checked, by=None)
    roster_apply.roster_import_apply(roster_import_id=checked.pk)
    mine = dict(RosterEntry.objects.filter(resident=anna, source="roster").values_list("external_id", "kind"))
    assert mine == {"a1": "day", "a2": "evening", "a4": "course", "april": "day"}  # April stays
    assert RosterEntry.objects.filter(source="other-tool").count() == 1  # other source stays
    assert RosterEntry.objects.filter(resident=bart).count() == 1  # Bart was not in the file


def test_importing_the_same_file_twice_creates_no_duplicates(anna):
    data = csv("anna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,",
               "anna@hospital.example,2026-03-03 08:00,2026-03-03 17:00,day,")
    apply(data)
    second = apply(data)
    assert second.summary["unchanged"] == 2 and second.summary["added"] == 0
    assert RosterEntry.objects.count() == 2


# --- the pages --------------------------------------------------------------------------------

def test_a_coordinator_uploads_previews_confirms_and_sees_it_done(
        as_cora, anna, celery_eager, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("march.csv", csv(
        "anna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,a1",
        "anna@hospital.example,2026-03-06 22:00,2026-03-07 08:00,nacht,a2"))
    with django_capture_on_commit_callbacks(execute=True):  # the worker checks it
        response = as_cora.post(reverse("roster_import"), {"file": upload, "source": "roster"})
    imp = RosterImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("roster_import_detail", args=[imp.pk])
    preview = as_cora.get(response["Location"]).content.decode()
    assert "2 entries added" in preview and "anna@hospital.example" in preview
    assert not RosterEntry.objects.exists()  # nothing before the confirmation

    with django_capture_on_commit_callbacks(execute=True):
        as_cora.post(reverse("roster_import_confirm", args=[imp.pk]))
    imp.refresh_from_db()
    assert (imp.status, imp.done, imp.total) == (RosterImport.Status.DONE, 2, 2)
    fragment = as_cora.get(reverse("roster_import_detail", args=[imp.pk]), HTTP_HX_REQUEST="true")
    assert b"Done: 2 entries added" in fragment.content and b"every 1s" not in fragment.content
    assert RosterEntry.objects.count() == 2


def test_a_running_import_polls_every_second_and_offers_a_refresh_link(as_cora, anna):
    checked = check(csv("anna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,a1"))
    RosterImport.objects.filter(pk=checked.pk).update(status=RosterImport.Status.RUNNING)
    page = as_cora.get(reverse("roster_import_detail", args=[checked.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "<noscript>" in page and "0 of 1 changes written" in page


def test_an_upload_with_problems_is_failed_by_the_worker_naming_them_and_keeps_nothing(
        as_cora, anna, celery_eager, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "bad.csv", csv("ghost@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,1"))
    with django_capture_on_commit_callbacks(execute=True):
        response = as_cora.post(reverse("roster_import"), {"file": upload, "source": "roster"})
    imp = RosterImport.objects.get()
    assert imp.status == RosterImport.Status.FAILED
    page = as_cora.get(response["Location"])
    assert b"No resident with this e-mail address" in page.content
    assert b"Nothing was imported" in page.content
    assert not RosterEntry.objects.exists() and not imp.uploads.exists()


def test_a_file_that_is_no_roster_is_refused_by_the_request_naming_what_it_takes(as_cora):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("roster.pdf", b"%PDF-1.7")
    response = as_cora.post(reverse("roster_import"), {"file": upload, "source": "roster"})
    assert response.status_code == 400
    assert b"roster.pdf is not a file this import reads" in response.content
    assert not RosterImport.objects.exists()


def test_residents_and_intervisors_cannot_import(personas):
    from tests.helpers import login

    for name in ["rosa", "ivan"]:
        assert login(personas[name]).post(reverse("roster_import")).status_code == 403
    assert login(personas["cora"]).get(reverse("roster_import_confirm", args=[1])).status_code == 405


def test_the_example_files_import_cleanly(db):
    ResidentFactory(user__email="resident@intervision.example")
    for name, fmt in [("roster.csv", "csv"), ("roster.ics", "ics")]:
        with open(f"docs/examples/{name}", "rb") as f:
            done = apply(f.read(), file_format=fmt, source=name)
        assert done.status == RosterImport.Status.DONE, done.problems


# --- the command ------------------------------------------------------------------------------

def test_the_command_imports_and_a_dry_run_writes_nothing(anna, tmp_path):
    path = tmp_path / "march.csv"
    path.write_bytes(csv("anna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,a1"))
    out = StringIO()
    call_command("import_roster", str(path), "--dry-run", stdout=out)
    assert "It would be: 1 added" in out.getvalue()
    assert not RosterEntry.objects.exists() and not RosterImport.objects.exists()
    call_command("import_roster", str(path), stdout=StringIO())
    assert RosterEntry.objects.count() == 1


def test_the_command_prints_every_problem_and_fails(anna, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv("anna@hospital.example,2026-03-02 08:00,2026-03-02 17:00,koffie,a1",
                         "ghost@hospital.example,2026-03-02 08:00,2026-03-02 17:00,day,a2"))
    err = StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_roster", str(path), stderr=err)
    assert "line 2, kind" in err.getvalue()
    assert not RosterEntry.objects.exists()
