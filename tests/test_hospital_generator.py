"""The generated hospital (demo/hospital.py) that the move-in test and the plan comparison use:
its files have the shapes real exports have, and its own measure of who can come follows the
working-hours rules, so the app's plan is judged by something the app did not compute."""

import datetime as dt

import pytest

from demo.hospital import UTC, ZONE, Entry, _blocked, hospital_write


@pytest.fixture(scope="module")
def hospital(tmp_path_factory):
    return hospital_write(tmp_path_factory.mktemp("hospital"), residents=24)


def test_lists_are_written_as_dutch_excel_saves_them(hospital):
    raw = hospital.residents_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfemail;voornaam;achternaam;specialisme;afdeling;")
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert b";0,8;" in raw or b";0,9;" in raw  # decimal comma
    text = raw.decode("utf-8-sig")
    assert any("-9-20" in line.split(";")[-1] for line in text.splitlines()[1:])
    assert any(not r.email.isascii() for r in hospital.residents)  # internationalised local parts


def test_every_resident_has_one_calendar_named_by_their_address_without_attendee(hospital):
    files = sorted(p.name for p in hospital.rosters.iterdir())
    assert files == sorted(f"{r.email}.ics" for r in hospital.residents)
    text = (hospital.rosters / files[0]).read_text("utf-8")
    assert "ATTENDEE" not in text and "RRULE:FREQ=WEEKLY" in text and "EXDATE;TZID=Europe/Amsterdam" in text
    assert "STATUS:CANCELLED" in text and "DTSTART;VALUE=DATE:" in text


def test_nights_cross_both_changes_of_summer_time_with_their_real_length(hospital):
    lengths = {e.start.astimezone(ZONE).date(): e.end - e.start
               for r in hospital.residents for e in r.entries if e.kind == "night"}
    assert lengths[dt.date(2027, 3, 27)] == dt.timedelta(hours=9)
    assert lengths[dt.date(2027, 10, 30)] == dt.timedelta(hours=11)


def test_some_nights_run_into_a_leave_that_starts_the_next_morning(hospital):
    overlapping = [r for r in hospital.residents if r.nights_into_leave]
    assert overlapping
    for resident in overlapping:
        leave_starts = {e.start for e in resident.entries if e.kind == "leave"}
        assert any(e.kind == "night" and any(e.start < s < e.end for s in leave_starts)
                   for e in resident.entries)


def test_cancelled_shifts_and_excepted_clinics_are_not_entries(hospital):
    resident = hospital.residents[0]
    text = (hospital.rosters / f"{resident.email}.ics").read_text("utf-8")
    clinic_days = {e.start.astimezone(ZONE).date() for e in resident.entries if e.kind == "outpatient"}
    for line in text.splitlines():
        if line.startswith("EXDATE;TZID=Europe/Amsterdam:"):
            day = dt.datetime.strptime(line.split(":")[1][:8], "%Y%m%d").date()
            assert day not in clinic_days
    assert all(c.weekday() == 3 for c in clinic_days)


def _night(day, hours=10):
    start = dt.datetime.combine(day, dt.time(22), ZONE).astimezone(UTC)
    return Entry(start, start + dt.timedelta(hours=hours), "night")


def test_rest_after_a_row_of_three_nights_is_46_hours_and_after_a_single_night_14():
    row = [_night(dt.date(2027, 5, d)) for d in (3, 4, 5)]
    single = _night(dt.date(2027, 5, 20))
    blocked = _blocked([*row, single, Entry(row[0].start, row[0].end, "day")])
    rests = sorted((s, e) for s, e in blocked if (s, e) not in {(n.start, n.end) for n in [*row, single]})
    assert [e - s for s, e in rests] == [dt.timedelta(hours=h) for h in (14, 14, 46, 14)]
    # the day shift gives way: it is not blocked time
    assert len(blocked) == 4 + 4


def test_free_reads_the_blocked_time(hospital):
    resident = hospital.residents[0]
    leave = next(e for e in resident.entries if e.kind == "leave")
    assert not hospital.free(resident.email, leave.start + dt.timedelta(hours=14),
                             leave.start + dt.timedelta(hours=16))
    # a day shift gives way: the afternoon of a plain day shift is free unless rest is owed
    day = next(e for e in resident.entries if e.kind == "day" and e.end - e.start == dt.timedelta(hours=9)
               and not any(s <= e.start < t for s, t in resident.blocked))
    assert hospital.free(resident.email, day.start + dt.timedelta(hours=6), day.start + dt.timedelta(hours=8))
