"""Roster files: read CSV and iCalendar exports of rostering tools, check them, and work out
what importing them would change. Formats and the kind vocabulary: docs/import-rosters.md.

Three steps, so that a file with any problem writes nothing:

1. ``read_roster(data, file_format=..., tz=...)`` reads the file on its own, without the
   database: encoding, syntax, times (local times in ``tz``, DST included), kinds, end after
   start, duplicate ids. Overlapping entries of one resident are kept as they are (the
   resident is busy for their union) and counted, never refused. Pure: tests need no database.
2. ``plan_roster_import(parsed, source=...)`` resolves residents by e-mail address and compares
   the file with what is stored: per resident, entries added, replaced, removed, unchanged
   within the file's period.
3. ``residents.services.roster_apply.roster_import_apply`` plans again inside one transaction and applies
   the plan with bulk operations.

Many files at once (``check_roster_files``): each file is read and planned on its own, then
the plans are joined; one file with a problem refuses them all, each problem naming its file.
An .ics file is matched to its resident by its events' ATTENDEE, else by an e-mail address in
its name (``r011.özdemir@hospital.example.ics``), else refused saying so.

The replacement rule: entries are matched by (source, external id). Importing a file replaces,
for each resident it names, the entries of the same source that start within the file's period
(from local midnight of its first day to local midnight after its last day); entries outside
the period, of other sources, or of other residents stay.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from ..models import RosterEntry, RosterKind
from . import uploads
from .uploads import Problem

UPLOAD = uploads.ROSTERS
MAX_ENTRIES = UPLOAD.max_rows  # uploads owns every limit
# Repeating faster than daily without an end is never expanded: a year of minutes is 527,040.
SUB_DAILY = frozenset({"SECONDLY", "MINUTELY", "HOURLY"})
# An RRULE without an end is expanded this far after its first instance (or to the period
# given with the import, whichever comes first).
OPEN_RECURRENCE_LIMIT = dt.timedelta(days=366)
# A rule that ends by itself (UNTIL, COUNT) is expanded to its end, but never past this.
BOUNDED_RECURRENCE_LIMIT = dt.timedelta(days=5 * 366)

CSV_REQUIRED = ("email", "start", "end", "kind")
CSV_OPTIONAL = ("external_id",)
# Other names a roster export's header may give each column (Dutch, spreadsheet habits),
# compared as uploads.header_key compares them: case, spaces, "_", "-" and "." do not count.
CSV_ALIASES = {
    "email": ("e-mail", "emailadres", "e-mailadres", "mail"),
    "start": ("begin", "van", "starttijd", "begintijd", "aanvang", "start_time"),
    "end": ("eind", "einde", "tot", "eindtijd", "end_time"),
    "kind": ("soort", "dienst", "dienstsoort", "type"),
    "external_id": ("id", "uid", "dienstnummer", "dienst_id"),
}
_CSV_NAME = {uploads.header_key(alias): name for name, aliases in CSV_ALIASES.items()
             for alias in (name, *aliases)}

# The words rostering tools use, lower-cased, in English and Dutch → a RosterKind. A CSV
# kind cell must be one of these; an iCalendar event's CATEGORIES or SUMMARY is matched as a
# whole first, then word by word ("Nachtdienst SEH" → night).
KIND_WORDS: dict[str, str] = {
    # day work
    "day": "day", "day shift": "day", "dag": "day", "dagdienst": "day", "d": "day",
    "vroeg": "day", "vroege dienst": "day", "early": "day", "ward": "day", "afdeling": "day",
    "ok": "day", "theatre": "day",
    # evening
    "evening": "evening", "evening shift": "evening", "late": "evening", "late shift": "evening",
    "avond": "evening", "avonddienst": "evening", "laat": "evening", "late dienst": "evening",
    "a": "evening", "l": "evening",
    # night
    "night": "night", "night shift": "night", "nacht": "night", "nachtdienst": "night",
    "n": "night",
    # on call
    "on_call": "on_call", "on call": "on_call", "on-call": "on_call", "oncall": "on_call",
    "call": "on_call", "achterwacht": "on_call", "bereikbaarheidsdienst": "on_call",
    "bereikbaar": "on_call", "oproepdienst": "on_call", "consignatie": "on_call",
    # weekend
    "weekend": "weekend", "weekend duty": "weekend", "weekenddienst": "weekend",
    # leave
    "leave": "leave", "holiday": "leave", "vacation": "leave", "annual leave": "leave",
    "verlof": "leave", "vakantie": "leave", "sick": "leave", "ziek": "leave",
    "parental leave": "leave", "zwangerschapsverlof": "leave", "ouderschapsverlof": "leave",
    # courses
    "course": "course", "cursus": "course", "onderwijs": "course", "education": "course",
    "training": "course", "congress": "course", "congres": "course", "conference": "course",
    # outpatient clinic
    "outpatient": "outpatient", "outpatient clinic": "outpatient", "clinic": "outpatient",
    "poli": "outpatient", "polikliniek": "outpatient", "spreekuur": "outpatient",
    # anything else that is work
    "other": "other", "overig": "other", "anders": "other", "admin": "other",
}
# Entries that say a resident is *not* working: skipped, not reported as unknown.
IGNORED_WORDS = frozenset({"vrij", "free", "off", "day off", "rest", "compensatie", "roostervrij"})
_WORD = re.compile(r"[^\W\d_]+(?:[-_][^\W\d_]+)*")

# On-call duty next to other work is ordinary (on call from home after a day shift) and not
# counted; other overlaps (a night running into leave) are kept and counted in the preview.
OVERLAP_ALLOWED_WITH = "on_call"
NOTES_SHOWN = 5  # overlap notes kept per file for the preview; the count has them all


# --- Results --------------------------------------------------------------------------------

@dataclass(frozen=True)
class RosterRow:
    """One entry that passed every check that needs no database (times in UTC)."""

    line: int
    email: str
    start: dt.datetime
    end: dt.datetime
    kind: str
    external_id: str
    label: str = ""  # where it came from, for messages: "line 4" or "event UID …"


@dataclass
class ParsedRoster:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0  # "vrij", "off", …: not work, not an error
    text: str = ""
    overlaps: int = 0  # pairs of one resident's entries that overlap, kept as they are
    notes: list[str] = field(default_factory=list)  # the first overlaps, in local time
    by_attendee: int = 0  # .ics events whose resident their ATTENDEE names
    by_fallback: int = 0  # .ics events that took the resident chosen or in the file name
    repeats: int = 0  # occurrences expanded from repeating events, against UPLOAD.max_repeats
    deadline: uploads.Deadline | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def period(self, tz: str) -> tuple[dt.datetime, dt.datetime] | None:
        """Local midnight of the first day with an entry to local midnight after the last."""
        if not self.rows:
            return None
        zone = ZoneInfo(tz)
        first = min(r.start for r in self.rows).astimezone(zone).date()
        last = max(r.start for r in self.rows).astimezone(zone).date()
        return _midnight(first, zone), _midnight(last + dt.timedelta(days=1), zone)


@dataclass
class ResidentChange:
    """What the import does to one resident's roster within the period."""

    resident_id: int
    name: str
    email: str
    added: int = 0
    replaced: int = 0
    removed: int = 0
    unchanged: int = 0

    @property
    def changes(self) -> int:
        return self.added + self.replaced + self.removed


@dataclass
class RosterPlan:
    """The checked file against the database: what to create, update and delete."""

    source: str
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None
    problems: list[Problem] = field(default_factory=list)
    residents: list[ResidentChange] = field(default_factory=list)
    create: list[RosterEntry] = field(default_factory=list, repr=False)
    update: list[RosterEntry] = field(default_factory=list, repr=False)
    delete: list[int] = field(default_factory=list, repr=False)
    unchanged: int = 0
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def total(self) -> int:
        """Units of work for the progress bar: one per row written or deleted."""
        return len(self.create) + len(self.update) + len(self.delete)

    @property
    def summary(self) -> dict:
        return {
            "added": len(self.create), "replaced": len(self.update), "removed": len(self.delete),
            "unchanged": self.unchanged, "skipped": self.skipped,
            "residents": len(self.residents), "digest": self.digest,
        }

    @property
    def digest(self) -> str:
        """Fingerprint of the plan, so a confirmation applies what its preview showed."""
        parts = [repr(sorted(self.delete)),
                 repr(sorted(e.pk for e in self.update)),
                 repr(sorted((e.external_id, e.start.isoformat(), e.kind) for e in self.create))]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


# --- Step 1: the file on its own ------------------------------------------------------------

def _midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), zone).astimezone(dt.UTC)


def kind_for(text: str) -> str | None:
    """The RosterKind a roster word means, "" for a day off, None when unknown."""
    word = " ".join(text.strip().lower().replace("_", " ").split())
    if word in IGNORED_WORDS:
        return ""
    if word in KIND_WORDS:
        return KIND_WORDS[word]
    if word.replace(" ", "_") in RosterKind.values:
        return word.replace(" ", "_")
    return None


def _kind_in_words(text: str) -> str | None:
    """Whole text first, then word by word: "Nachtdienst SEH" → night, "Poli KNO" → outpatient."""
    found = kind_for(text)
    if found is not None:
        return found
    for word in _WORD.findall(text.lower()):
        found = kind_for(word)
        if found:
            return found
    for word in _WORD.findall(text.lower()):
        for known, kind in KIND_WORDS.items():
            if len(known) > 3 and word.startswith(known):  # "nachtdienstsupervisie"
                return kind
    return None


def read_roster(
    data: bytes | str, *, file_format: str, tz: str, resident_email: str = "",
    period: tuple[dt.datetime, dt.datetime] | None = None,
) -> ParsedRoster:
    """Read and check a roster file without touching the database.

    ``tz`` is the programme's zone: local times without an offset are read in it, and all-day
    entries are whole local days. ``resident_email`` names whose roster an iCalendar file is
    when its events carry no ATTENDEE. ``period`` limits open-ended recurrences.
    """
    parsed = ParsedRoster()
    text, problem = roster_text(data, file_format)
    parsed.text = text
    if problem:
        parsed.problems.append(problem)
        return parsed
    if problem := uploads.long_line_problem(text, UPLOAD):
        parsed.problems.append(problem)
        return parsed
    zone = ZoneInfo(tz)
    parsed.deadline = uploads.Deadline(UPLOAD)
    try:
        if file_format == "ics":
            _read_ics(text, zone, resident_email.strip().lower(), period, parsed)
        else:
            _read_csv(text, zone, parsed)
    except uploads.TooSlow:
        parsed.problems.append(parsed.deadline.problem())
        parsed.rows = []
        return parsed
    if len(parsed.rows) > MAX_ENTRIES:
        parsed.problems.append(Problem(None, "", "", _(
            "The file holds more than %(limit)s entries. Split it by period or department."
        ) % {"limit": f"{MAX_ENTRIES:,}"}))
    # Rows with problems of their own are left out of these, so each problem is told once.
    _check_ids(parsed)
    _count_overlaps(parsed, zone)
    if not parsed.problems and not parsed.rows:
        parsed.problems.append(Problem(None, "", "", _("The file holds no roster entries.")))
    parsed.problems.sort(key=lambda p: (p.line or 0))
    return parsed


# --- CSV --------------------------------------------------------------------------------------

_DUTCH = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})(?:[ T](\d{1,2}):(\d{2}))?$")


def parse_local(value: str, zone: ZoneInfo) -> tuple[dt.datetime | dt.date | None, str]:
    """A CSV time cell → an aware datetime (or a date for a whole day), or (None, reason).

    Accepts ISO 8601 ("2026-03-29 08:00", "2026-03-29T08:00+02:00", "2026-03-29") and the
    Dutch day-month-year ("29-03-2026 08:00"). Without an offset the time is local in
    ``zone``; a local time the clocks skip (02:30 on the last Sunday of March) is refused,
    and a repeated one (02:30 on the last Sunday of October) is the first of the two.
    """
    value = value.strip()
    if not value:
        return None, _("This cell is required.")
    match = _DUTCH.match(value)
    try:
        if match:
            day, month, year, hour, minute = match.groups()
            if hour is None:
                return dt.date(int(year), int(month), int(day)), ""
            moment = dt.datetime(int(year), int(month), int(day), int(hour), int(minute))
        elif len(value) == 10:
            return dt.date.fromisoformat(value), ""
        else:
            moment = dt.datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        return None, _("Not a date and time; write 2026-03-29 08:00 or 29-03-2026 08:00.")
    if moment.tzinfo is not None:
        return moment, ""
    local = moment.replace(tzinfo=zone)
    if local.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != moment:
        return None, _("This local time does not exist: the clocks skip it when summer time "
                       "starts. Write the time the shift really starts, or give an offset.")
    return local, ""


def _as_range(
    start: dt.datetime | dt.date, end: dt.datetime | dt.date, zone: ZoneInfo
) -> tuple[dt.datetime, dt.datetime]:
    """Dates mean whole local days; an end date is the last day (inclusive) in a CSV."""
    if not isinstance(start, dt.datetime):
        start = dt.datetime.combine(start, dt.time(0), zone)
    if not isinstance(end, dt.datetime):
        end = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _read_csv(text: str, zone: ZoneInfo, parsed: ParsedRoster) -> None:
    reader = uploads.csv_reader(text)
    try:
        found = uploads.read_header(reader)
        if found is None:
            parsed.problems.append(Problem(None, "", "", _("The file is empty.")))
            return
        header, header_line = found
        header = [_CSV_NAME.get(uploads.header_key(name), name) for name in header]
        twice = sorted({name for name in header if name in CSV_REQUIRED + CSV_OPTIONAL
                        and header.count(name) > 1})
        if twice:
            # Which of two "email" columns is meant cannot be told; the resident import refuses
            # the same.
            for name in twice:
                parsed.problems.append(Problem(header_line, name, name, _(
                    "This column appears twice.")))
            return
        missing = [c for c in CSV_REQUIRED if c not in header]
        if missing:
            parsed.problems.append(Problem(header_line, "", ", ".join(header), _(
                "The header row lacks the column(s) %(columns)s. Required: %(required)s."
            ) % {"columns": ", ".join(missing), "required": ", ".join(CSV_REQUIRED)}))
            return
        index = {name: header.index(name) for name in CSV_REQUIRED + CSV_OPTIONAL if name in header}
        for line, cells in uploads.data_rows(reader):
            parsed.deadline.check()
            if len(parsed.rows) > MAX_ENTRIES:
                return  # read_roster refuses the file, naming the limit
            _read_csv_row(line, cells, index, zone, parsed)
    except csv.Error as error:
        parsed.problems.append(Problem(reader.line_num or None, "", "", _(
            "The file cannot be read as CSV: %(error)s"
        ) % {"error": error}))


def _read_csv_row(line: int, cells: list[str], index: dict[str, int], zone: ZoneInfo,
                  parsed: ParsedRoster) -> None:
    def cell(name: str) -> str:
        i = index.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    problems = parsed.problems
    before = len(problems)
    email = cell("email").lower()
    if "@" not in email:
        problems.append(Problem(line, "email", email, _("Not an e-mail address.")))
    start, why = parse_local(cell("start"), zone)
    if start is None:
        problems.append(Problem(line, "start", cell("start"), why))
    end, why = parse_local(cell("end"), zone)
    if end is None:
        problems.append(Problem(line, "end", cell("end"), why))
    kind = kind_for(cell("kind"))
    if kind is None:
        problems.append(Problem(line, "kind", cell("kind"), _(
            "Unknown kind. Use one of %(kinds)s, or a word listed in docs/import-rosters.md."
        ) % {"kinds": ", ".join(RosterKind.values)}))
    if start is not None and end is not None:
        start_utc, end_utc = _as_range(start, end, zone)
        if end_utc <= start_utc:
            problems.append(Problem(line, "end", cell("end"), _("The entry ends before it starts.")))
    if len(problems) > before:
        return
    if kind == "":
        parsed.skipped += 1
        return
    external_id = cell("external_id") or f"{email}|{start_utc:%Y%m%dT%H%MZ}|{kind}"
    parsed.rows.append(RosterRow(line, email, start_utc, end_utc, kind, external_id[:255],
                                 _("line %(line)s") % {"line": line}))


# --- iCalendar ------------------------------------------------------------------------------

def _event_lines(text: str) -> list[int]:
    """The line of each BEGIN:VEVENT, in file order (the order icalendar walks them)."""
    return [n for n, raw in enumerate(text.splitlines(), start=1)
            if raw.strip().upper() == "BEGIN:VEVENT"]


def _attendee(event) -> str:
    attendees = event.get("ATTENDEE")
    if attendees is None:
        return ""
    for attendee in attendees if isinstance(attendees, list) else [attendees]:
        address = str(attendee)
        if address.lower().startswith("mailto:"):
            return address[7:].strip().lower()
    return ""


def _event_kind(event) -> str | None:
    categories = event.get("CATEGORIES")
    if categories is not None:
        for group in categories if isinstance(categories, list) else [categories]:
            for category in getattr(group, "cats", [group]):
                found = kind_for(str(category))
                if found is not None:
                    return found
    return _kind_in_words(str(event.get("SUMMARY", "")))


def _read_ics(text: str, zone: ZoneInfo, resident_email: str,
              period: tuple[dt.datetime, dt.datetime] | None, parsed: ParsedRoster) -> None:
    import icalendar

    events_in_file = len(re.findall(r"^BEGIN:VEVENT\s*$", text, re.IGNORECASE | re.MULTILINE))
    if events_in_file > UPLOAD.max_events:
        # Refused before parsing: reading an event costs far more than counting it.
        parsed.problems.append(Problem(None, "", "", _(
            "The file holds %(count)s events, more than %(limit)s, the limit per calendar file. "
            "Export a shorter period or one department at a time."
        ) % {"count": f"{events_in_file:,}", "limit": f"{UPLOAD.max_events:,}"}))
        return
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except (ValueError, IndexError, KeyError) as error:
        parsed.problems.append(Problem(None, "", "", _(
            "The file is not a valid iCalendar file: %(error)s"
        ) % {"error": str(error)[:200]}))
        return
    if not calendars or not any(c.name == "VCALENDAR" for c in calendars):
        parsed.problems.append(Problem(None, "", "", _("The file holds no VCALENDAR.")))
        return
    events = [event for calendar in calendars for event in calendar.walk("VEVENT")]
    lines = _event_lines(text)
    # Instances a RECURRENCE-ID event moves or changes: (uid, original start) → skipped in
    # the expansion of the master, imported as events of their own.
    overridden: set[tuple[str, dt.datetime]] = set()
    for event in events:
        if event.get("RECURRENCE-ID") is not None:
            recurrence = event.decoded("RECURRENCE-ID")
            overridden.add((str(event.get("UID", "")), _utc_of(recurrence, zone)))
    for number, event in enumerate(events):
        line = lines[number] if number < len(lines) else None
        parsed.deadline.check()
        try:
            _read_event(event, line, zone, resident_email, period, overridden, parsed)
        except RecurrenceRefused as refused:
            parsed.problems.append(Problem(line, "RRULE", str(event.get("UID", "")), str(refused)))
            if refused.whole_file:
                parsed.rows = []
                return
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            parsed.problems.append(Problem(line, "event", str(event.get("UID", "")), _(
                "This event cannot be read: %(error)s"
            ) % {"error": str(error)[:200]}))


def _utc_of(value: dt.datetime | dt.date, zone: ZoneInfo) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(0), zone).astimezone(dt.UTC)
    if value.tzinfo is None:  # floating time: the programme's local time
        value = value.replace(tzinfo=zone)
    return value.astimezone(dt.UTC)


def _read_event(event, line: int | None, zone: ZoneInfo, resident_email: str,
                period: tuple[dt.datetime, dt.datetime] | None,
                overridden: set[tuple[str, dt.datetime]], parsed: ParsedRoster) -> None:
    uid = str(event.get("UID", "")).strip()
    summary = str(event.get("SUMMARY", "")).strip()
    label = _("event %(uid)s (%(summary)s)") % {"uid": uid or "?", "summary": summary or "—"}
    problems = parsed.problems
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        parsed.skipped += 1
        return
    attendee = _attendee(event)
    email = attendee or resident_email
    if not email:
        # Told once per file: every other event of such an export lacks it too.
        if not any(p.column == "ATTENDEE" for p in problems):
            problems.append(Problem(line, "ATTENDEE", label, _(
                "The events name no resident (no ATTENDEE e-mail address), the file name holds "
                "no e-mail address, and no resident was chosen for this file.")))
        return
    if not uid:
        problems.append(Problem(line, "UID", label, _("The event has no UID.")))
        return
    kind = _event_kind(event)
    if kind is None:
        problems.append(Problem(line, "SUMMARY", summary or label, _(
            "Unknown kind: neither CATEGORIES nor SUMMARY names a kind of duty "
            "(see docs/import-rosters.md for the words understood).")))
        return
    if kind == "":
        parsed.skipped += 1
        return
    if event.get("DTSTART") is None:
        problems.append(Problem(line, "DTSTART", label, _("The event has no DTSTART.")))
        return
    start = event.decoded("DTSTART")
    all_day = not isinstance(start, dt.datetime)
    if event.get("DTEND") is not None:
        end = event.decoded("DTEND")
        length = None
    elif event.get("DURATION") is not None:
        end, length = None, event.decoded("DURATION")
    elif all_day:
        end, length = None, dt.timedelta(days=1)
    else:
        problems.append(Problem(line, "DTEND", label, _("The event has neither DTEND nor DURATION.")))
        return
    if end is not None and isinstance(end, dt.datetime) == all_day:
        problems.append(Problem(line, "DTEND", label, _("DTSTART and DTEND must both be dates or "
                                                        "both be date-times.")))
        return
    if length is None:
        length = _wall(end, start) - _wall(start, start) if not all_day else end - start

    if length <= dt.timedelta(0):
        problems.append(Problem(line, "DTEND", label, _("The event ends before it starts.")))
        return

    recurrence_id = event.get("RECURRENCE-ID")
    base_id = uid
    if recurrence_id is not None:
        base_id = f"{uid}/{_utc_of(event.decoded('RECURRENCE-ID'), zone):%Y%m%dT%H%M%SZ}"
    if attendee:
        parsed.by_attendee += 1
    else:
        parsed.by_fallback += 1
    for occurrence in _occurrences(event, start, zone, period, parsed):
        if event.get("RRULE") is not None or event.get("RDATE") is not None:
            original = _utc_of(occurrence, zone)
            if (uid, original) in overridden:
                continue
            external_id = f"{uid}/{original:%Y%m%dT%H%M%SZ}"
        else:
            external_id = base_id
        begin, finish = _instance_range(occurrence, length, all_day, zone)
        parsed.rows.append(RosterRow(line or 0, email, begin, finish, kind, external_id[:255], label))


def _wall(value: dt.datetime, like: dt.datetime) -> dt.datetime:
    """``value`` as a naive wall time in the zone of ``like`` (the event's own zone)."""
    if value.tzinfo is None:
        return value
    if like.tzinfo is None:
        return value.replace(tzinfo=None)
    return value.astimezone(like.tzinfo).replace(tzinfo=None)


def _instance_range(occurrence, length: dt.timedelta, all_day: bool,
                    zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    if all_day:
        # Whole local days of the programme's zone: 23 or 25 hours on DST Sundays.
        first = occurrence if not isinstance(occurrence, dt.datetime) else occurrence.date()
        return (_utc_of(first, zone), _utc_of(first + dt.timedelta(days=length.days or 1), zone))
    # The length is wall-clock time in the event's zone ("22:00 to 08:00"), so a night across
    # a DST change is 9 or 11 real hours, as on the ward.
    tzinfo = occurrence.tzinfo or zone
    wall_end = occurrence.replace(tzinfo=None) + length
    begin = _utc_of(occurrence, zone)
    finish = wall_end.replace(tzinfo=tzinfo).astimezone(dt.UTC)
    return begin, finish


class RecurrenceRefused(Exception):
    """A repeating event the import will not expand; ``whole_file`` when the file's cap is hit."""

    def __init__(self, reason: str, *, whole_file: bool = False):
        super().__init__(reason)
        self.whole_file = whole_file


def _occurrences(event, start, zone: ZoneInfo,
                 period: tuple[dt.datetime, dt.datetime] | None, parsed: ParsedRoster) -> list:
    """The event's starts: DTSTART alone, or its RRULE/RDATE expanded in local wall time
    (so 22:00 stays 22:00 across DST) minus EXDATE.

    Bounded three ways, each refused naming its cap: a rule faster than daily without an end
    is not expanded at all, one event gives at most ``UPLOAD.max_per_rule`` occurrences, and
    the repeating events of a file at most ``UPLOAD.max_repeats`` together."""
    rrule = event.get("RRULE")
    rdates = event.get("RDATE")
    if rrule is None and rdates is None:
        return [start]
    from dateutil.rrule import rruleset, rrulestr

    all_day = not isinstance(start, dt.datetime)
    tzinfo = None if all_day else start.tzinfo
    naive_start = (dt.datetime.combine(start, dt.time(0)) if all_day
                   else start.replace(tzinfo=None))
    rule_list = rrule if isinstance(rrule, list) else ([rrule] if rrule is not None else [])
    # A rule with UNTIL or COUNT ends by itself (a clinic every week until 31 December of next
    # year runs past a year); only an open rule is cut off after a year.
    bounded = all("UNTIL" in rule or "COUNT" in rule for rule in rule_list)
    for rule in rule_list:
        frequency = str((rule.get("FREQ") or [""])[0]).upper()
        if frequency in SUB_DAILY and not ("UNTIL" in rule or "COUNT" in rule):
            raise RecurrenceRefused(_(
                "This event repeats %(frequency)s without an end (UNTIL or COUNT); a rule faster "
                "than daily is only expanded when it ends. Give it an end, or export its "
                "occurrences.") % {"frequency": frequency})
    limit = naive_start + (BOUNDED_RECURRENCE_LIMIT if bounded else OPEN_RECURRENCE_LIMIT)
    first = None
    if period is not None:
        # Only inside the import's period: what starts outside it is not this import's.
        first = period[0].astimezone(tzinfo or zone).replace(tzinfo=None)
        limit = period[1].astimezone(tzinfo or zone).replace(tzinfo=None) - dt.timedelta(microseconds=1)
    rules = rruleset()
    for rule in rule_list:
        text = rule.to_ical().decode()
        # UNTIL in UTC ("…Z") next to a naive DTSTART makes dateutil refuse; compare in wall time.
        text = re.sub(r"UNTIL=(\d{8}T\d{6})Z",
                      lambda m: "UNTIL=" + _until_wall(m.group(1), tzinfo or zone), text)
        rules.rrule(rrulestr(text, dtstart=naive_start, ignoretz=True))
    for values in _lists(rdates):
        for value in values.dts:
            rules.rdate(_naive_local(value.dt, tzinfo, zone))
    for values in _lists(event.get("EXDATE")):
        for value in values.dts:
            rules.exdate(_naive_local(value.dt, tzinfo, zone))
    found = []
    for naive in rules:
        if naive > limit:
            break
        parsed.deadline.check()
        if first is not None and naive < first:
            # Passed over, but counted: a rule that started long before the period costs
            # reading time all the same.
            _count_repeat(parsed)
            continue
        if len(found) >= UPLOAD.max_per_rule:
            raise RecurrenceRefused(_(
                "This event repeats more than %(limit)s times, the limit per repeating event. "
                "Give the import a shorter period, or end the rule sooner."
            ) % {"limit": f"{UPLOAD.max_per_rule:,}"})
        _count_repeat(parsed)
        found.append(naive.date() if all_day else naive.replace(tzinfo=tzinfo))
    return found


def _count_repeat(parsed) -> None:
    """Count one occurrence of a repeating event against the file's limit, kept or passed over."""
    parsed.repeats += 1
    if parsed.repeats > UPLOAD.max_repeats:
        raise RecurrenceRefused(_(
            "The repeating events of this file make more than %(limit)s entries, the limit "
            "per file. Give the import a shorter period."
        ) % {"limit": f"{UPLOAD.max_repeats:,}"}, whole_file=True)


def _until_wall(stamp: str, tzinfo) -> str:
    moment = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
    return moment.astimezone(tzinfo).strftime("%Y%m%dT%H%M%S")


def _lists(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _naive_local(value, tzinfo, zone: ZoneInfo) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(0))
    if value.tzinfo is None:
        return value
    return value.astimezone(tzinfo or zone).replace(tzinfo=None)


# --- checks across rows ---------------------------------------------------------------------

def _check_ids(parsed: ParsedRoster) -> None:
    first_seen: dict[str, RosterRow] = {}
    for row in parsed.rows:
        other = first_seen.setdefault(row.external_id, row)
        if other is not row:
            parsed.problems.append(Problem(row.line or None, "external_id", row.external_id, _(
                "This id is used twice in the file (first at %(other)s)."
            ) % {"other": other.label}))


def _count_overlaps(parsed: ParsedRoster, zone: ZoneInfo) -> None:
    """Count the entries of one resident that overlap in a way worth telling (two shifts at
    once, work during leave), each pair once, and note the first few in local time. They are
    kept: the resident is busy for their union, which is all planning needs."""
    by_person: dict[str, list[RosterRow]] = defaultdict(list)
    for row in parsed.rows:
        by_person[row.email].append(row)
    for rows in by_person.values():
        rows.sort(key=lambda r: (r.start, r.end))
        reaching: list[RosterRow] = []  # earlier rows still running
        for row in rows:
            reaching = [r for r in reaching if r.end > row.start]
            for other in reaching:
                if not _contradicts(row, other):
                    continue
                parsed.overlaps += 1
                if len(parsed.notes) < NOTES_SHOWN:
                    parsed.notes.append(_(
                        "%(other_kind)s %(other)s overlaps %(kind)s %(this)s; both kept."
                    ) % {"other_kind": RosterKind(other.kind).label, "other": local_span(other, zone),
                         "kind": RosterKind(row.kind).label.lower(), "this": local_span(row, zone)})
            reaching.append(row)


def local_span(row: RosterRow, zone: ZoneInfo) -> str:
    """"2027-09-26 22:00–2027-09-27 08:00" in the programme's zone."""
    start, end = row.start.astimezone(zone), row.end.astimezone(zone)
    return f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"


def _contradicts(a: RosterRow, b: RosterRow) -> bool:
    kinds = {a.kind, b.kind}
    if "leave" in kinds:
        return True
    return OVERLAP_ALLOWED_WITH not in kinds or a.kind == b.kind


# --- Step 2: against the database -----------------------------------------------------------

def plan_roster_import(
    parsed: ParsedRoster, *, source: str, tz: str,
    period: tuple[dt.datetime, dt.datetime] | None = None, lock: bool = False,
) -> RosterPlan:
    """Resolve residents and compare the file with the stored roster (no writes)."""
    plan = RosterPlan(source=source, problems=list(parsed.problems), skipped=parsed.skipped)
    period = period or parsed.period(tz)
    if period is None:
        return plan
    plan.period_start, plan.period_end = period
    emails = {row.email for row in parsed.rows}
    residents = residents_by_email(emails)
    told: set[str] = set()
    for row in parsed.rows:
        if row.email not in residents:
            if row.email not in told:  # once per address, not once per entry
                told.add(row.email)
                plan.problems.append(Problem(row.line or None, "email", row.email, _(
                    "No resident with this e-mail address (%(where)s)."
                ) % {"where": row.label}))
        elif not (period[0] <= row.start < period[1]):
            plan.problems.append(Problem(row.line or None, "start", row.label, _(
                "The entry starts outside the period of the import."
            )))
    if plan.problems:
        plan.problems.sort(key=lambda p: p.line or 0)
        return plan

    resident_ids = {residents[e].pk for e in emails}
    stored = RosterEntry.objects.filter(
        source=source, resident_id__in=resident_ids, start__gte=period[0], start__lt=period[1]
    )
    if lock:
        stored = stored.select_for_update()
    existing = {e.external_id or f"#{e.pk}": e for e in stored.only(
        "id", "resident_id", "start", "end", "kind", "external_id", "source")}
    missing = [row.external_id for row in parsed.rows if row.external_id not in existing]
    for chunk in _chunks(missing, 5000):
        # The same id stored with a start outside the period (the shift moved): replace it.
        moved = RosterEntry.objects.filter(source=source, external_id__in=chunk)
        if lock:
            moved = moved.select_for_update()
        for entry in moved.only("id", "resident_id", "start", "end", "kind", "external_id", "source"):
            existing[entry.external_id] = entry

    changes = {
        r.pk: ResidentChange(r.pk, r.user.get_full_name(), r.user.email)
        for r in residents.values()
    }
    seen: set[str] = set()
    for row in parsed.rows:
        resident = residents[row.email]
        seen.add(row.external_id)
        entry = existing.get(row.external_id)
        change = changes[resident.pk]
        if entry is None:
            plan.create.append(RosterEntry(
                resident_id=resident.pk, start=row.start, end=row.end, kind=row.kind,
                source=source, external_id=row.external_id,
            ))
            change.added += 1
        elif (entry.resident_id, entry.start, entry.end, entry.kind) == (
                resident.pk, row.start, row.end, row.kind):
            plan.unchanged += 1
            change.unchanged += 1
        else:
            entry.resident_id, entry.start, entry.end, entry.kind = (
                resident.pk, row.start, row.end, row.kind)
            plan.update.append(entry)
            change.replaced += 1
    for key, entry in existing.items():
        if key not in seen:
            plan.delete.append(entry.pk)
            if entry.resident_id in changes:
                changes[entry.resident_id].removed += 1
    plan.residents = sorted(changes.values(), key=lambda c: (c.name.split()[-1:], c.name))
    return plan


def residents_by_email(emails: set[str]) -> dict:
    """Residents by lower-cased e-mail address, compared case-insensitively ("R011.Özdemir@…"
    is r011.özdemir@…). The database lower-cases ASCII at least (SQLite no more); an address
    it misses is looked for among those of its domain, compared here."""
    from ..models import Resident

    residents = Resident.objects.select_related("user")
    found = {r.user.email.lower(): r for r in residents.annotate(
        email_lower=Lower("user__email")).filter(email_lower__in=emails)}
    missing = emails - found.keys()
    domains = {email.rsplit("@", 1)[-1] for email in missing if "@" in email}
    if domains:
        same_domain = Q()
        for domain in domains:
            same_domain |= Q(user__email__iendswith=f"@{domain}")
        for resident in residents.filter(same_domain):
            if resident.user.email.lower() in missing:
                found[resident.user.email.lower()] = resident
    return found


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def check_roster(
    data: bytes | str, *, file_format: str, source: str, tz: str, resident_email: str = "",
    period: tuple[dt.datetime, dt.datetime] | None = None,
) -> tuple[ParsedRoster, RosterPlan]:
    """Steps 1 and 2: the preview of the upload page and ``import_roster --dry-run``."""
    parsed = read_roster(data, file_format=file_format, tz=tz, resident_email=resident_email,
                         period=period)
    return parsed, plan_roster_import(parsed, source=source, tz=tz, period=period)


def roster_text(data: bytes | str, file_format: str) -> tuple[str, Problem | None]:
    """The file as the text the readers go on from: an iCalendar file in UTF-8 (RFC 5545 allows
    nothing else); a table as CSV text, from CSV in any encoding Excel writes or from an .xlsx
    workbook (``uploads.table_text``)."""
    if file_format == "ics":
        return uploads.read_text(data, UPLOAD)
    return uploads.table_text(data, UPLOAD)


def guess_format(filename: str, data: bytes | str) -> str:
    """"ics" for iCalendar files (by name or by content), "csv" otherwise."""
    head = data[:200] if isinstance(data, bytes) else data[:200].encode()
    if filename.lower().endswith((".ics", ".ical", ".ifb")) or b"BEGIN:VCALENDAR" in head.upper():
        return "ics"
    return "csv"


# --- Many files at once ---------------------------------------------------------------------

ROSTER_SUFFIXES = (".ics", ".ical", ".ifb", ".csv", ".xlsx")
MAX_FILES = UPLOAD.max_files  # in one import (a zip, a folder, one upload field)
# An address in a file name: "r011.özdemir@hospital.example.ics", "Rooster - a@b.nl (2027)".
_EMAIL_IN_NAME = re.compile(r"[^\s/\\@()\[\]<>,;:\"']+@[^\s/\\@()\[\]<>,;:\"']+\.[^\W\d_]{2,}")


def email_in_filename(name: str) -> str:
    """The e-mail address in a file's name, lower-cased, or "" (the extension is not part of
    it: ``a@hospital.example.ics`` names a@hospital.example)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if base.lower().endswith(ROSTER_SUFFIXES):
        base = base.rsplit(".", 1)[0]
    # Names from macOS (and zips made there) spell "ö" as "o" + a combining mark: NFC, as
    # addresses are stored.
    found = _EMAIL_IN_NAME.search(unicodedata.normalize("NFC", base))
    return found.group(0).lower() if found else ""


@dataclass
class RosterFile:
    """One file of an import, before it is read."""

    name: str
    data: bytes | str
    file_format: str = ""  # "csv" or "ics"; guessed from name and content when empty
    resident_email: str = ""  # whose roster an .ics without ATTENDEE is, when chosen on upload


def expand_files(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """A .zip as the roster files in it (folders inside included, other files left out);
    anything else as itself. Refuses (ValueError) a zip that cannot be read or holds too much."""
    if not (name.lower().endswith(".zip") or data[:4] == b"PK\x03\x04"):
        return [(name, data)]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()
                   and m.filename.lower().endswith(ROSTER_SUFFIXES)
                   and not m.filename.startswith("__MACOSX/")]
        if len(members) > MAX_FILES:
            raise ValueError(_("The zip holds more than %(limit)s roster files.") % {"limit": MAX_FILES})
        if sum(m.file_size for m in members) > UPLOAD.max_unpacked_bytes:
            raise ValueError(_("The zip unpacks to more than %(limit)s MB.")
                             % {"limit": UPLOAD.max_unpacked_bytes // (1024 * 1024)})
        found = []
        for member in sorted(members, key=lambda m: m.filename):
            # Zips made on Windows often carry cp437 names; zipfile decodes those already.
            found.append((member.filename.rsplit("/", 1)[-1], archive.read(member)))
        return found
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as error:
        raise ValueError(_("The zip %(name)s cannot be read: %(error)s")
                         % {"name": name, "error": error}) from None


@dataclass
class CheckedFile:
    """One file read and planned: whose roster it is and what importing it changes."""

    name: str
    file_format: str
    resident_email: str
    matched_by: str  # attendee, filename, chosen or rows (see RosterImportFile.MatchedBy)
    parsed: ParsedRoster
    plan: RosterPlan
    explicit_period: bool = False

    def covered(self, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime] | None:
        """The period the file covers for its residents: its import period, stretched to the
        local midnight its entries last reach (a week's leave from its first day covers the
        week; a night into the next morning does not cover that next day)."""
        start, end = self.plan.period_start, self.plan.period_end
        if start is None:
            return None
        if self.parsed.rows and not self.explicit_period:
            last = max(row.end for row in self.parsed.rows).astimezone(zone)
            end = max(end, _midnight(last.date(), zone))
        return start, end

    def preview(self, zone: ZoneInfo) -> dict:
        start, end = self.covered(zone) or (None, None)
        return {
            "name": self.name, "matched_by": self.matched_by,
            "residents": [{"resident_id": c.resident_id, "name": c.name, "email": c.email}
                          for c in self.plan.residents],
            "entries": len(self.parsed.rows), "overlaps": self.parsed.overlaps,
            "notes": self.parsed.notes,
            "first_day": start.astimezone(zone).date().isoformat() if start else None,
            "last_day": (end.astimezone(zone).date() - dt.timedelta(days=1)).isoformat() if end else None,
        }


@dataclass
class BulkPlan:
    """Every file of an import checked, and their plans joined into one."""

    files: list[CheckedFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    create: list[RosterEntry] = field(default_factory=list, repr=False)
    update: list[RosterEntry] = field(default_factory=list, repr=False)
    delete: list[int] = field(default_factory=list, repr=False)
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def total(self) -> int:
        return len(self.create) + len(self.update) + len(self.delete)

    @property
    def digest(self) -> str:
        return hashlib.sha256("\n".join(f.plan.digest for f in self.files).encode()).hexdigest()

    def per_resident(self) -> list[ResidentChange]:
        joined: dict[int, ResidentChange] = {}
        for checked in self.files:
            for change in checked.plan.residents:
                into = joined.setdefault(change.resident_id, ResidentChange(
                    change.resident_id, change.name, change.email))
                into.added += change.added
                into.replaced += change.replaced
                into.removed += change.removed
                into.unchanged += change.unchanged
        return sorted(joined.values(), key=lambda c: (c.name.split()[-1:], c.name))

    @property
    def summary(self) -> dict:
        return {
            "added": len(self.create), "replaced": len(self.update), "removed": len(self.delete),
            "unchanged": sum(f.plan.unchanged for f in self.files),
            "skipped": sum(f.plan.skipped for f in self.files),
            "overlaps": sum(f.parsed.overlaps for f in self.files),
            "files": len(self.files), "residents": len(self.per_resident()), "digest": self.digest,
        }


def check_roster_file(
    roster_file: RosterFile, *, source: str, tz: str,
    period: tuple[dt.datetime, dt.datetime] | None = None, lock: bool = False,
) -> CheckedFile:
    """Read one file of an import and plan it against the database."""
    file_format = roster_file.file_format or guess_format(roster_file.name, roster_file.data)
    chosen = roster_file.resident_email.strip().lower()
    named = "" if chosen or file_format != "ics" else email_in_filename(roster_file.name)
    parsed = read_roster(roster_file.data, file_format=file_format, tz=tz,
                         resident_email=chosen or named, period=period)
    if file_format != "ics":
        matched_by = "rows"
    elif parsed.by_fallback:
        matched_by = "chosen" if chosen else "filename"
    else:
        matched_by = "attendee"
    plan = plan_roster_import(parsed, source=source, tz=tz, period=period, lock=lock)
    return CheckedFile(roster_file.name, file_format, chosen or named, matched_by, parsed, plan,
                       explicit_period=period is not None)


def check_roster_files(
    files: Iterable[RosterFile], *, source: str, tz: str,
    period: tuple[dt.datetime, dt.datetime] | None = None, lock: bool = False,
    progress=None,
) -> BulkPlan:
    """Every file checked on its own, then joined; ``progress(n)`` after the n-th file.

    All or nothing: a problem in one file refuses the import, each problem naming its file
    when there are several. The same entry (source and id) in two files is refused too."""
    files = list(files)
    bulk = BulkPlan()
    several = len(files) > 1
    seen_ids: dict[str, str] = {}
    for number, roster_file in enumerate(files, start=1):
        checked = check_roster_file(roster_file, source=source, tz=tz, period=period, lock=lock)
        bulk.files.append(checked)
        for problem in checked.plan.problems:
            bulk.problems.append(_naming(problem, checked.name) if several else problem)
        for row in checked.parsed.rows:
            other = seen_ids.setdefault(row.external_id, checked.name)
            if other != checked.name:
                bulk.problems.append(Problem(row.line or None, "external_id", row.external_id, _(
                    "%(file)s: this entry is also in %(other)s; import each entry from one file."
                ) % {"file": checked.name, "other": other}))
                break
        if progress is not None:
            progress(number)
    if bulk.problems:
        return bulk
    updated = set()
    for checked in bulk.files:
        bulk.create.extend(checked.plan.create)
        bulk.update.extend(checked.plan.update)
        updated.update(e.pk for e in checked.plan.update)
    # Two files of one resident with overlapping periods: what one replaces, the other may
    # have listed for removal; replacing wins, and nothing is removed twice.
    bulk.delete = sorted({pk for f in bulk.files for pk in f.plan.delete} - updated)
    starts = [f.plan.period_start for f in bulk.files if f.plan.period_start]
    ends = [f.plan.period_end for f in bulk.files if f.plan.period_end]
    bulk.period_start, bulk.period_end = (min(starts), max(ends)) if starts else (None, None)
    return bulk


def _naming(problem: Problem, name: str) -> Problem:
    """The problem with its file's name in front of the reason: "r011.ics: …"."""
    return Problem(problem.line, problem.column, problem.value, f"{name}: {problem.reason}")
