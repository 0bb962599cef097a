"""No upload holds a web process: the request only stores the file (its size and name checked)
and returns within a second, growing the process by less than 50 MB; the worker reads it and
ends with the import checked or refused, the refusal naming the limit it hit.

Measured on the three files that took the site down: a 262-byte roster .ics repeating every
minute without end (a year of minutes was expanded in the request), a 17 MB calendar of
100,000 events, and a roster CSV of 250,000 rows. The web side runs in this test process
(Django's test client), so its peak resident memory (VmHWM, reset before each request) is the
web worker's, counting the test client's own copy of the request body, which a server reading
from a socket does not make; the worker side is the task run afterwards, as a Celery worker
would.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from residents.importers import uploads
from residents.models import RosterEntry, RosterImport, StoredUpload
from residents.tasks.rosters import roster_import_apply, roster_import_check
from tests.factories import ResidentFactory

MB = 1024 * 1024


def _status(field: str) -> int:
    """A field of /proc/self/status in bytes (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def post_measured(client, name: str, data: bytes) -> tuple[object, float, int]:
    """Post ``data`` as the roster upload form does; the response, its seconds, and how far the
    process's resident memory rose above where it stood before (its peak during the request)."""
    client.get(reverse("roster_import"))  # a web worker that has served pages before
    body = encode_multipart(BOUNDARY, {"file": _Named(name, data), "source": "roster"})
    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from now
    before = _status("VmRSS")
    started = time.perf_counter()
    # The body as a browser sends it (built before the measurement, as a socket would hold it).
    response = client.post(reverse("roster_import"), body,
                           content_type=MULTIPART_CONTENT.replace("; ", ";"))
    seconds = time.perf_counter() - started
    return response, seconds, _status("VmHWM") - before


class _Named:
    """A file for ``encode_multipart``: a name and its bytes."""

    def __init__(self, name: str, data: bytes):
        self.name, self._data = name, data

    def read(self) -> bytes:
        return self._data


def minutely_ics(attendee: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//x//EN\r\nBEGIN:VEVENT\r\nUID:m1\r\n"
        f"ATTENDEE:mailto:{attendee}\r\nSUMMARY:Dagdienst\r\n"
        "DTSTART:20270104T080000Z\r\nDTEND:20270104T080100Z\r\nRRULE:FREQ=MINUTELY\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def big_calendar(attendee: str, events: int = 100_000) -> bytes:
    start = dt.datetime(2027, 1, 1, 8)
    parts = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//x//EN\r\n"]
    for number in range(events):
        begin = start + dt.timedelta(hours=number)
        parts.append(
            f"BEGIN:VEVENT\r\nUID:e{number}@rooster.example\r\nATTENDEE:mailto:{attendee}\r\n"
            f"SUMMARY:Dagdienst interne\r\n"
            f"DTSTART:{begin:%Y%m%dT%H%M%S}Z\r\nDTEND:{begin + dt.timedelta(minutes=50):%Y%m%dT%H%M%S}Z\r\n"
            "END:VEVENT\r\n")
    parts.append("END:VCALENDAR\r\n")
    return "".join(parts).encode()


def big_csv(emails: list[str], rows: int = 250_000) -> bytes:
    """Every resident a two-hour duty every three hours, ``rows`` in all."""
    lines = ["email,start,end,kind,external_id"]
    per = rows // len(emails)
    first = dt.datetime(2027, 1, 1, 8)
    for email in emails:
        for number in range(per):
            begin = first + dt.timedelta(hours=3 * number)
            end = begin + dt.timedelta(hours=2)
            # In UTC, so no duty starts in the hour summer time skips.
            lines.append(f"{email},{begin:%Y-%m-%dT%H:%M}+00:00,{end:%Y-%m-%dT%H:%M}+00:00,day,"
                         f"{email}-{number}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def ward(db):
    return [ResidentFactory(user__email=f"r{n:03}@hospital.example").user.email for n in range(25)]


@pytest.mark.parametrize("which", ["minutely", "calendar", "csv"])
def test_an_upload_returns_within_a_second_and_the_worker_ends_it_with_a_message(
        as_cora, ward, which):
    name, data = {
        "minutely": lambda: ("minutely.ics", minutely_ics(ward[0])),
        "calendar": lambda: ("year.ics", big_calendar(ward[0])),
        "csv": lambda: ("ward.csv", big_csv(ward)),
    }[which]()
    if which == "calendar":
        assert 16 * MB < len(data) < uploads.ROSTERS.max_bytes
    response, seconds, grew = post_measured(as_cora, name, data)
    print(f"{name}: {len(data) / MB:.1f} MB uploaded in {seconds:.3f} s, web process +{grew / MB:.1f} MB")

    assert response.status_code == 302
    assert seconds < 1, f"the request took {seconds:.2f} s"
    assert grew < 50 * MB, f"the web process grew by {grew / MB:.0f} MB"
    imp = RosterImport.objects.get()
    assert imp.status == RosterImport.Status.CHECKING
    assert StoredUpload.objects.get().size == len(data)  # kept as uploaded, not read

    roster_import_check(imp.pk)  # what the worker does with it
    imp.refresh_from_db()
    page = as_cora.get(reverse("roster_import_detail", args=[imp.pk])).content.decode()
    if which == "minutely":
        assert imp.status == RosterImport.Status.FAILED
        assert "repeats MINUTELY without an end" in page
    elif which == "calendar":
        assert imp.status == RosterImport.Status.FAILED
        assert "100,000 events, more than 50,000, the limit per calendar file" in page
    else:
        assert imp.status == RosterImport.Status.CHECKED, imp.problems
        assert "250000 entries added" in page.replace(",", "").replace("\u202f", "")
        as_cora.post(reverse("roster_import_confirm", args=[imp.pk]))  # queued for a worker
        roster_import_apply(imp.pk)  # which imports it
        fragment = as_cora.get(reverse("roster_import_detail", args=[imp.pk]),
                               HTTP_HX_REQUEST="true").content.decode()
        assert "Done: 250000 entries added" in fragment.replace(",", "").replace("\u202f", "")
        assert RosterEntry.objects.count() == 250_000
    assert not StoredUpload.objects.exists()  # the worker forgot the upload once it read it
