"""Rosters in bulk: many files at once (a folder, a zip, several uploads), each matched to its
resident by ATTENDEE or by the e-mail address in its name; overlaps kept and counted; one bad
file refuses them all, named; a bulk is checked and applied by the worker with progress."""

import datetime as dt
import io
import zipfile
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from residents.importers.rosters import email_in_filename
from residents.models import RosterCoverage, RosterEntry, RosterImport
from residents.services import roster_apply, roster_imports
from residents.tasks import rosters as tasks
from tests.factories import ResidentFactory
from tests.helpers import AMS


def ics(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\n{e.strip()}\nEND:VEVENT\n" for e in events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//rooster//NL\n{body}END:VCALENDAR\n".encode()


def night(uid: str, day: str, attendee: str = "") -> str:
    """A 22:00–08:00 night starting on ``day`` (YYYYMMDD), local time in Amsterdam."""
    end = (dt.date(int(day[:4]), int(day[4:6]), int(day[6:])) + dt.timedelta(days=1)).strftime("%Y%m%d")
    who = f"\nATTENDEE:mailto:{attendee}" if attendee else ""
    return (f"UID:{uid}\nSUMMARY:Nachtdienst\nDTSTART;TZID=Europe/Amsterdam:{day}T220000\n"
            f"DTEND;TZID=Europe/Amsterdam:{end}T080000{who}")


def leave(uid: str, first: str, after_last: str) -> str:
    return f"UID:{uid}\nSUMMARY:Verlof\nDTSTART;VALUE=DATE:{first}\nDTEND;VALUE=DATE:{after_last}"


@pytest.fixture
def ward(db):
    """Three residents; one with a non-ASCII local part, stored with capitals."""
    return {
        "ozdemir": ResidentFactory(user__email="R011.Özdemir@hospital.example",
                                   user__first_name="Emre", user__last_name="Özdemir"),
        "jansen": ResidentFactory(user__email="r012.jansen@hospital.example",
                                  user__first_name="Eva", user__last_name="Jansen"),
        "bakker": ResidentFactory(user__email="r013.bakker@hospital.example",
                                  user__first_name="Bas", user__last_name="Bakker"),
    }


def exports() -> dict[str, bytes]:
    """One export per resident, named by e-mail, without ATTENDEE (as rostering tools do)."""
    return {
        "r011.özdemir@hospital.example.ics": ics(night("o1", "20270920"), night("o2", "20270921")),
        "R012.Jansen@Hospital.Example.ics": ics(night("j1", "20270922")),
        "r013.bakker@hospital.example.ics": ics(leave("b1", "20270927", "20271004")),
    }


def write(folder, files: dict[str, bytes]):
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"export/{name}", data)
    return buffer.getvalue()


# --- matching by file name --------------------------------------------------------------------

@pytest.mark.parametrize(("name", "email"), [
    ("r011.özdemir@hospital.example.ics", "r011.özdemir@hospital.example"),
    ("R012.Jansen@Hospital.Example.ics", "r012.jansen@hospital.example"),
    ("Rooster r013.bakker@hospital.example (2027).ics", "r013.bakker@hospital.example"),
    ("export/sub/a@b.nl.ics", "a@b.nl"),
    ("export-3.ics", ""),
    ("r011.o\u0308zdemir@hospital.example.ics", "r011.özdemir@hospital.example"),  # as macOS spells it
])
def test_the_email_in_a_file_name_is_found_without_its_extension(name, email):
    assert email_in_filename(name) == email


# --- the command ------------------------------------------------------------------------------

def test_the_command_imports_a_folder_matching_each_file_by_its_name(ward, tmp_path):
    folder = write(tmp_path / "exports", exports())
    out = StringIO()
    call_command("import_roster", str(folder), "--source", "rooster", "-v", "2", stdout=out)
    printed = out.getvalue()
    assert ("r011.özdemir@hospital.example.ics → R011.Özdemir@hospital.example (by filename): "
            "2 entries, 2027-09-20 – 2027-09-21") in printed
    # A week's leave covers the week, not only the day it starts.
    assert ("r013.bakker@hospital.example.ics → r013.bakker@hospital.example (by filename): "
            "1 entries, 2027-09-27 – 2027-10-03") in printed
    assert "Imported" in printed and "4 added" in printed
    assert RosterEntry.objects.filter(resident=ward["ozdemir"]).count() == 2
    assert RosterEntry.objects.filter(resident=ward["jansen"]).count() == 1
    assert RosterEntry.objects.get(resident=ward["bakker"]).kind == "leave"
    # Each file records the period it covers for its resident: from its first to its last day.
    (covered,) = RosterCoverage.objects.filter(resident=ward["ozdemir"])
    assert (covered.start.astimezone(AMS).date(), covered.end.astimezone(AMS).date()) == (
        dt.date(2027, 9, 20), dt.date(2027, 9, 22))


def test_the_command_imports_a_zip_and_a_second_import_does_not_pile_up_coverage(ward, tmp_path):
    archive = tmp_path / "rooster.zip"
    archive.write_bytes(zipped(exports()))
    call_command("import_roster", str(archive), stdout=StringIO())
    call_command("import_roster", str(archive), stdout=StringIO())
    assert RosterEntry.objects.count() == 4
    assert RosterCoverage.objects.count() == 3


def test_a_file_matched_by_nothing_is_refused_by_name_and_nothing_is_imported(ward, tmp_path):
    files = exports() | {"export-3.ics": ics(night("x1", "20270923"))}
    folder = write(tmp_path / "exports", files)
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_roster", str(folder), stderr=err)
    assert "export-3.ics: The events name no resident (no ATTENDEE e-mail address), the file name " \
           "holds no e-mail address" in err.getvalue()
    assert not RosterEntry.objects.exists() and not RosterImport.objects.exists()


def test_a_file_named_after_nobody_is_refused_once_however_many_entries_it_has(ward, tmp_path):
    files = {"ghost@hospital.example.ics": ics(*(night(f"g{d}", f"202709{d}") for d in range(10, 20)))}
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_roster", str(write(tmp_path / "e", files)), stderr=err)
    assert "No resident with this e-mail address" in err.getvalue()
    assert "'ghost@hospital.example'" in err.getvalue()


def test_the_attendee_wins_over_the_file_name(ward, tmp_path):
    files = {"r013.bakker@hospital.example.ics": ics(night("a1", "20270920",
                                                           attendee="r012.jansen@hospital.example"))}
    call_command("import_roster", str(write(tmp_path / "e", files)), stdout=StringIO())
    assert RosterEntry.objects.get().resident == ward["jansen"]


# --- overlaps and DST -------------------------------------------------------------------------

def test_a_night_into_a_leave_starting_monday_is_kept_counted_once_and_told_in_local_time(ward):
    data = ics(night("n1", "20270926"), leave("l1", "20270927", "20271004"))
    checked = roster_imports.roster_import_check(
        data=data, filename="r013.bakker@hospital.example.ics", source="rooster", by=None)
    assert checked.status == RosterImport.Status.CHECKED
    assert checked.summary["overlaps"] == 1
    (file,) = checked.summary["per_file"]
    assert file["notes"] == ["Night shift 2027-09-26 22:00–2027-09-27 08:00 overlaps "
                             "leave 2027-09-27 00:00–2027-10-04 00:00; both kept."]
    roster_imports.roster_import_confirm(roster_import=checked, by=None)
    done = roster_apply.roster_import_apply(roster_import_id=checked.pk)
    assert done.status == RosterImport.Status.DONE
    assert sorted(RosterEntry.objects.filter(resident=ward["bakker"]).values_list("kind", flat=True)) == [
        "leave", "night"]


def test_nights_across_both_dst_changes_last_nine_and_eleven_hours(ward, tmp_path):
    files = {"r012.jansen@hospital.example.ics": ics(night("m", "20270327"), night("o", "20271030"))}
    call_command("import_roster", str(write(tmp_path / "e", files)), stdout=StringIO())
    lengths = {e.external_id: e.end - e.start for e in RosterEntry.objects.all()}
    assert lengths == {"m": dt.timedelta(hours=9), "o": dt.timedelta(hours=11)}


# --- the web ----------------------------------------------------------------------------------

def uploads(files: dict[str, bytes]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, data, content_type="text/calendar") for name, data in files.items()]


def test_several_files_in_one_upload_are_checked_by_the_worker_then_applied(
        as_cora, ward, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = as_cora.post(reverse("roster_import"), {"file": uploads(exports()), "source": "rooster"})
    imp = RosterImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("roster_import_detail", args=[imp.pk])
    # The request returned before anything was checked: the page shows the files being checked.
    assert imp.status == RosterImport.Status.CHECKING and imp.total == 3
    fragment = as_cora.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "0 of 3 files checked" in fragment and 'hx-trigger="every 1s"' in fragment
    for callback in queued:
        callback()  # the worker checks
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.CHECKED
    polled = as_cora.get(response["Location"], HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true"
    page = as_cora.get(response["Location"]).content.decode()
    assert 'id="import-files"' in page and "R012.Jansen@Hospital.Example.ics" in page
    assert "e-mail in the file name" in page and "2027-09-20 – 2027-09-21" in page
    with django_capture_on_commit_callbacks(execute=True):
        as_cora.post(reverse("roster_import_confirm", args=[imp.pk]))
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.DONE and RosterEntry.objects.count() == 4


def test_a_zip_upload_is_unpacked(as_cora, ward, celery_eager, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("rooster.zip", zipped(exports()), content_type="application/zip")
    with django_capture_on_commit_callbacks(execute=True):
        as_cora.post(reverse("roster_import"), {"file": upload, "source": "rooster"})
    imp = RosterImport.objects.get()
    assert (imp.status, imp.summary["files"]) == (RosterImport.Status.CHECKED, 3)


def test_one_unmatched_file_in_a_web_bulk_names_it_and_nothing_can_be_confirmed(
        as_cora, ward, celery_eager, django_capture_on_commit_callbacks):
    files = exports() | {"export-3.ics": ics(night("x1", "20270923"))}
    with django_capture_on_commit_callbacks(execute=True):
        response = as_cora.post(reverse("roster_import"), {"file": uploads(files), "source": "rooster"})
    imp = RosterImport.objects.get()
    assert imp.status == RosterImport.Status.FAILED
    page = as_cora.get(response["Location"]).content.decode()
    assert "export-3.ics: The events name no resident" in page and "Nothing was imported" in page
    assert as_cora.post(reverse("roster_import_confirm", args=[imp.pk])).status_code == 302
    assert not RosterEntry.objects.exists()


def test_a_resident_can_be_chosen_only_for_a_single_file(as_cora, ward):
    response = as_cora.post(reverse("roster_import"), {
        "file": uploads(exports()), "source": "rooster", "resident": ward["jansen"].pk})
    assert response.status_code == 400 and "only for a single file" in response.content.decode()
    assert not RosterImport.objects.exists()


def test_the_bulk_check_reports_progress_per_file(ward, monkeypatch):
    seen = []
    monkeypatch.setattr(roster_apply, "report_progress", lambda pk, n: seen.append(n))
    from residents.importers.rosters import RosterFile

    imp = roster_imports.roster_import_upload(
        files=[RosterFile(n, d) for n, d in exports().items()], source="rooster", by=None)
    tasks.roster_import_check(imp.pk)
    assert seen == [1, 2, 3]


def test_a_bulk_of_250_exports_is_checked_and_applied_by_the_worker(
        as_cora, celery_eager, django_capture_on_commit_callbacks):
    residents = [ResidentFactory(user__email=f"r{n:03}@hospital.example") for n in range(250)]
    files = {f"r{n:03}@hospital.example.ics": ics(night(f"n{n}a", "20271004"), night(f"n{n}b", "20271005"),
                                                   leave(f"n{n}c", "20271006", "20271008"))
             for n in range(250)}
    upload = SimpleUploadedFile("rooster.zip", zipped(files), content_type="application/zip")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = as_cora.post(reverse("roster_import"), {"file": upload, "source": "rooster"})
    assert response.status_code == 302 and RosterImport.objects.get().status == RosterImport.Status.CHECKING
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    imp = RosterImport.objects.get()
    assert (imp.status, imp.summary["files"], imp.summary["added"]) == ("checked", 250, 750)
    with django_capture_on_commit_callbacks(execute=True):
        as_cora.post(reverse("roster_import_confirm", args=[imp.pk]))
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.DONE
    assert RosterEntry.objects.count() == 750
    assert RosterCoverage.objects.filter(resident__in=residents).count() == 250
    assert not imp.files.exclude(content="").exists()  # the files' text is not kept once applied


def test_a_bulk_whose_worker_never_checks_it_is_failed_by_the_sweeper(ward):
    from residents.importers.rosters import RosterFile

    imp = roster_imports.roster_import_upload(
        files=[RosterFile(n, d) for n, d in exports().items()], source="rooster", by=None)
    assert roster_apply.roster_imports_sweep(now=imp.created_at + dt.timedelta(hours=3)) == 1
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.FAILED and "worker is gone" in imp.problems[0]["reason"]
