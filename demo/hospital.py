"""A generated teaching hospital, written as the files a Dutch hospital really has.

``hospital_write(folder)`` writes:

- ``arts-in-opleiding.csv``: the residents as Dutch Excel saves "CSV UTF-8": byte order mark,
  semicolons, CRLF, Dutch headers, decimal comma in the FTE column, dates as ``1-9-2025``;
- ``intervisoren.csv``, ``groepen.csv``, ``afwezigheid.csv``: intervisors, groups (members'
  e-mail addresses in one cell, separated by commas) and the intervisors' absences, in the same
  shape;
- ``roosters/<e-mail>.ics``: one calendar export per resident, named by their e-mail address and
  without ATTENDEE, as a rostering tool writes them: day shifts, evening shifts, nights (across
  both changes to and from summer time), weekend duty, courses, all-day leave, a weekly
  outpatient clinic as one RRULE with EXDATEs, one cancelled shift, and for some residents a
  block of nights that runs into a leave starting the next morning.

It returns a ``Hospital``: everything that was written, and each resident's entries as they
should be stored (times in UTC, kinds in the app's words). ``Hospital.free`` answers whether a
resident can come to a session at a given time, worked out here from the generated entries
alone, by the Dutch working-hours rules the app applies (day work and clinics give way to
intervision, rest after nights does not), so a test can judge the app's plan by a measure that
does not come from the app.

Everything comes from one ``random.Random`` per resident, seeded from ``seed``: the same seed
writes the same hospital on every machine.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC
DOMAIN = "umc-noord.example"

# The Dutch working-hours rules that decide who can come, written out here on their own so the
# check does not lean on the app's engine: day work and outpatient clinics give way to protected
# intervision time; every other duty, leave, and the rest owed after nights do not. 14 hours of
# rest after every night; 46 hours after the last of three or more nights in a row (a next night
# starting within 24 hours of the previous one's end continues the row).
GIVES_WAY = frozenset({"day", "outpatient"})
REST_AFTER_NIGHT = dt.timedelta(hours=14)
REST_AFTER_SERIES = dt.timedelta(hours=46)
SERIES_LENGTH = 3
SERIES_GAP = dt.timedelta(hours=24)

SPECIALTIES = {  # specialty → the department its residents work in
    "Interne geneeskunde": "Interne",
    "Chirurgie": "Snijdende specialismen",
    "Kindergeneeskunde": "Vrouw en kind",
    "Neurologie": "Hoofd-halsgebied en neurowetenschappen",
    "Cardiologie": "Hart- en vaatcentrum",
    "Psychiatrie": "Psychiatrie",
}
FIRST_NAMES = [
    "Sanne", "Daan", "Fleur", "Bram", "Noor", "Thijs", "Émilie", "Jesse", "Lotte", "Ömer",
    "Iris", "Sem", "Zoë", "Ruben", "Anouk", "Mehmet", "Fatima", "Joël", "Mila", "Ĳsbrand",
    "Sophie", "Lucas", "Eline", "Niels",
]
LAST_NAMES = [
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
    "van den Berg", "Özdemir", "Yılmaz", "Dekker", "van 't Hof", "Brouwer", "Đorđević",
    "Nguyễn", "Hendriks", "El Amrani", "van Dijk", "Peeters", "Müller", "Çelik", "Kok", "Bos",
]


@dataclass(frozen=True)
class Entry:
    """One stored roster entry: UTC times and the app's kind."""

    start: dt.datetime
    end: dt.datetime
    kind: str


@dataclass
class Resident:
    email: str
    first_name: str
    last_name: str
    specialty: str
    year: int
    fte: float
    start_date: dt.date
    entries: list[Entry] = field(default_factory=list)
    blocked: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)  # see ``free``
    nights_into_leave: bool = False

    @property
    def department(self) -> str:
        return SPECIALTIES[self.specialty]


@dataclass
class Intervisor:
    email: str
    first_name: str
    last_name: str
    capacity: int
    absences: list[tuple[dt.date, dt.date]] = field(default_factory=list)  # inclusive


@dataclass
class Group:
    name: str
    intervisor: str  # e-mail
    members: list[str]  # e-mails


@dataclass
class Hospital:
    folder: Path
    first_day: dt.date  # the rosters cover first_day … last_day
    last_day: dt.date
    residents: list[Resident]
    intervisors: list[Intervisor]
    groups: list[Group]

    @property
    def residents_csv(self) -> Path:
        return self.folder / "arts-in-opleiding.csv"

    @property
    def intervisors_csv(self) -> Path:
        return self.folder / "intervisoren.csv"

    @property
    def groups_csv(self) -> Path:
        return self.folder / "groepen.csv"

    @property
    def absences_csv(self) -> Path:
        return self.folder / "afwezigheid.csv"

    @property
    def rosters(self) -> Path:
        return self.folder / "roosters"

    def resident(self, email: str) -> Resident:
        return next(r for r in self.residents if r.email == email.casefold())

    def free(self, email: str, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether the resident can come to a session from ``start`` to ``end`` (aware)."""
        return not any(s < end and start < e for s, e in self.resident(email).blocked)

    def intervisor_absent(self, email: str, start: dt.datetime, end: dt.datetime) -> bool:
        intervisor = next(i for i in self.intervisors if i.email == email)
        first, last = start.astimezone(ZONE).date(), end.astimezone(ZONE).date()
        return any(low <= last and first <= high for low, high in intervisor.absences)


def hospital_write(folder: Path, *, seed: int = 2027, residents: int = 120,
                   first_day: dt.date = dt.date(2026, 12, 1),
                   last_day: dt.date = dt.date(2027, 12, 31)) -> Hospital:
    """Write the hospital's files into ``folder`` (made if missing) and return what they hold."""
    folder.mkdir(parents=True, exist_ok=True)
    people = _residents(seed, residents, first_day, last_day)
    leaders = _intervisors(seed, first_day, last_day)
    groups = _groups(seed, people, leaders)
    hospital = Hospital(folder, first_day, last_day, people, leaders, groups)

    _write_csv(hospital.residents_csv,
               ["email", "voornaam", "achternaam", "specialisme", "afdeling", "opleidingsjaar",
                "fte", "startdatum"],
               [[r.email, r.first_name, r.last_name, r.specialty, r.department, str(r.year),
                 _decimal_comma(r.fte), _dutch_date(r.start_date)] for r in people])
    _write_csv(hospital.intervisors_csv, ["email", "voornaam", "achternaam", "capaciteit"],
               [[i.email, i.first_name, i.last_name, str(i.capacity)] for i in leaders])
    _write_csv(hospital.groups_csv, ["groep", "intervisor", "leden"],
               [[g.name, g.intervisor, ", ".join(g.members)] for g in groups])
    _write_csv(hospital.absences_csv, ["email", "van", "tot"],
               [[i.email, _dutch_date(low), _dutch_date(high)]
                for i in leaders for low, high in i.absences])
    hospital.rosters.mkdir(exist_ok=True)
    for resident in people:
        (hospital.rosters / f"{resident.email}.ics").write_bytes(
            _calendar(resident, random.Random(f"{seed}-ics-{resident.email}"), first_day, last_day))
    return hospital


# --- people -----------------------------------------------------------------------------------

def _residents(seed: int, count: int, first_day: dt.date, last_day: dt.date) -> list[Resident]:
    rng = random.Random(f"{seed}-people")
    specialties = list(SPECIALTIES)
    people = []
    for n in range(1, count + 1):
        first = FIRST_NAMES[(n * 7) % len(FIRST_NAMES)]
        last = LAST_NAMES[(n * 5) % len(LAST_NAMES)]
        # The local part carries the surname as people type it, accents included (RFC 6531).
        local = f"r{n:03}." + last.split()[-1].replace("'", "").casefold()
        people.append(Resident(
            email=f"{local}@{DOMAIN}", first_name=first, last_name=last,
            specialty=specialties[n % len(specialties)], year=1 + n % 6,
            fte=rng.choice([1.0, 1.0, 1.0, 0.9, 0.8]),
            start_date=dt.date(2021 + n % 5, 9, 1),
        ))
    for resident in people:
        _roster(resident, random.Random(f"{seed}-roster-{resident.email}"), first_day, last_day)
    return people


def _intervisors(seed: int, first_day: dt.date, last_day: dt.date) -> list[Intervisor]:
    rng = random.Random(f"{seed}-intervisors")
    names = [("Hanneke", "Terpstra"), ("Willem", "Kuipers"), ("Marieke", "de Jong"),
             ("Pieter", "Vos"), ("Ayşe", "Kaya"), ("Geert", "Hoekstra"), ("Janneke", "Wouters"),
             ("Karel", "Maas"), ("Inge", "Verbeek"), ("Frank", "Schouten")]
    leaders = []
    for first, last in names:
        email = f"{first.casefold()}.{last.replace(' ', '').casefold()}@{DOMAIN}"
        absences = []
        # A summer holiday of two or three weeks and a week in spring or autumn.
        summer = dt.date(first_day.year + 1, 7, 5) + dt.timedelta(weeks=rng.randrange(6))
        absences.append((summer, summer + dt.timedelta(days=rng.choice([13, 20]))))
        other = dt.date(first_day.year + 1, rng.choice([4, 10]), 1) + dt.timedelta(days=rng.randrange(21))
        absences.append((other, other + dt.timedelta(days=6)))
        leaders.append(Intervisor(email, first, last, capacity=2,
                                  absences=[a for a in absences if a[1] <= last_day]))
    return leaders


def _groups(seed: int, people: list[Resident], leaders: list[Intervisor]) -> list[Group]:
    rng = random.Random(f"{seed}-groups")
    shuffled = people[:]
    rng.shuffle(shuffled)
    size = 8
    groups = []
    for n, start in enumerate(range(0, len(shuffled), size), start=1):
        members = [r.email for r in shuffled[start:start + size]]
        groups.append(Group(f"Intervisiegroep {n:02}", leaders[(n - 1) % len(leaders)].email, members))
    return groups


# --- rosters ----------------------------------------------------------------------------------

@dataclass
class _Event:
    """One VEVENT to write: local wall times (dates for all-day ones)."""

    uid: str
    summary: str
    kind: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date
    weekly_until: dt.date | None = None  # written as RRULE:FREQ=WEEKLY;UNTIL=…
    exdates: list[dt.datetime] = field(default_factory=list)
    cancelled: bool = False


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), ZONE)


def _roster(resident: Resident, rng: random.Random, first_day: dt.date, last_day: dt.date) -> None:
    """Fill ``resident.entries`` and ``blocked``; keep the events for the calendar file."""
    busy_days: set[dt.date] = set()  # days already given a shift, leave or rest
    events: list[_Event] = []
    n = int(resident.email[1:4])

    def add(summary: str, kind: str, start, end, **more) -> _Event:
        event = _Event(f"{resident.email.split('@')[0]}-{len(events)}@rooster.{DOMAIN}",
                       summary, kind, start, end, **more)
        events.append(event)
        return event

    # Leave: a summer holiday, a week in spring and one in autumn (all-day, Monday to Friday).
    year = first_day.year + 1
    leave_weeks = [
        _monday(dt.date(year, 7, 5) + dt.timedelta(weeks=rng.randrange(7))),
        _monday(dt.date(year, 4, 19) + dt.timedelta(weeks=rng.randrange(5))),
        _monday(dt.date(year, 10, 4) + dt.timedelta(weeks=rng.randrange(6))),
    ]
    lengths = [rng.choice([12, 19]), 5, 5]  # days from Monday: two or three weeks, one week
    for monday, length in zip(leave_weeks, lengths, strict=True):
        end = monday + dt.timedelta(days=length)
        add("Vakantie", "leave", monday, end)
        busy_days.update(_days(monday, end - dt.timedelta(days=1)))

    # Nights: a row of three or four every five to seven weeks; one resident in four works the
    # night of the change to summer time, one in four that of the change back.
    forced: list[tuple[dt.date, int]] = []
    if n % 4 == 0:
        forced.append((dt.date(year, 3, 26), 3))  # Fri, Sat, Sun: the night of 27→28 March
    elif n % 4 == 1:
        forced.append((dt.date(year, 10, 29), 3))  # the night of 30→31 October
    if n % 6 == 2:
        # Fri, Sat and Sun nights, the last ending on the Monday morning a leave week starts.
        forced.append((leave_weeks[2] - dt.timedelta(days=3), 3))
    regular: list[tuple[dt.date, int]] = []
    day = first_day + dt.timedelta(days=rng.randrange(21))
    while day < last_day - dt.timedelta(days=5):
        regular.append((day, rng.choice([3, 4])))
        day += dt.timedelta(weeks=rng.choice([5, 6, 7]), days=rng.randrange(3))
    for first, count in forced + regular:
        nights = [first + dt.timedelta(days=k) for k in range(count)]
        if any(d in busy_days for d in nights):
            continue
        for night in nights:
            add("Nachtdienst SEH", "night", _at(night, 22), _at(night + dt.timedelta(days=1), 8))
        if nights[-1] + dt.timedelta(days=1) in busy_days:
            resident.nights_into_leave = True
        # the nights and the two days after them carry no other duty
        busy_days.update(nights + [nights[-1] + dt.timedelta(days=k) for k in (1, 2)])

    # Courses (a Wednesday every eight weeks or so), weekend duty (a Saturday a month) and
    # evening shifts (about one weekday in ten), on days still free.
    weekdays = [d for d in _days(first_day, last_day) if d.weekday() < 5]
    for d in weekdays:
        if d in busy_days:
            continue
        if d.weekday() == 2 and rng.random() < 1 / 8:
            add("Cursus", "course", _at(d, 9), _at(d, 17))
            busy_days.add(d)
        elif rng.random() < 0.1:
            add("Avonddienst", "evening", _at(d, 15), _at(d, 23, 30))
            busy_days.add(d)
    for d in _days(first_day, last_day):
        if d.weekday() == 5 and d not in busy_days and rng.random() < 0.25:
            add("Weekenddienst", "weekend", _at(d, 9), _at(d, 21))
            busy_days.add(d)

    # One evening shift the rostering tool cancelled: still in the export, never stored.
    spare = [d for d in weekdays if d not in busy_days]
    cancelled = rng.choice(spare)
    add("Avonddienst", "evening", _at(cancelled, 15), _at(cancelled, 23, 30), cancelled=True)

    # The outpatient clinic: every Thursday afternoon from the first Thursday, as one RRULE,
    # except on Thursdays that already carry something else (EXDATE).
    thursday = first_day + dt.timedelta(days=(3 - first_day.weekday()) % 7)
    thursdays = [thursday + dt.timedelta(weeks=k) for k in range((last_day - thursday).days // 7 + 1)]
    add("Poli", "outpatient", _at(thursday, 13), _at(thursday, 17), weekly_until=last_day,
        exdates=[_at(t, 13) for t in thursdays if t in busy_days])
    clinic_days = {t for t in thursdays if t not in busy_days}

    # Day shifts on every other weekday (mornings only on clinic days).
    for d in weekdays:
        if d in busy_days:
            continue
        add("Dagdienst", "day", _at(d, 8), _at(d, 12, 30) if d in clinic_days else _at(d, 17))

    resident._events = events  # type: ignore[attr-defined]  # for _calendar, same process
    resident.entries = sorted(_stored(events), key=lambda e: (e.start, e.end, e.kind))
    resident.blocked = _blocked(resident.entries)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _stored(events: list[_Event]) -> Iterator[Entry]:
    """The entries the app should store: recurrences expanded here (in local wall time, minus
    EXDATE), all-day leave from local midnight to local midnight, cancelled events left out."""
    for event in events:
        if event.cancelled:
            continue
        if isinstance(event.start, dt.datetime):
            starts = [event.start]
            if event.weekly_until is not None:
                starts = []
                moment = event.start
                while moment.date() <= event.weekly_until:
                    if moment not in event.exdates:
                        starts.append(moment)
                    moment = dt.datetime.combine(moment.date() + dt.timedelta(weeks=1),
                                                 moment.timetz())
            length_wall = (event.end.replace(tzinfo=None) - event.start.replace(tzinfo=None))
            for start in starts:
                end = dt.datetime.combine(start.date(), start.time()) + length_wall
                yield Entry(start.astimezone(UTC), end.replace(tzinfo=ZONE).astimezone(UTC), event.kind)
        else:
            yield Entry(_at(event.start, 0).astimezone(UTC), _at(event.end, 0).astimezone(UTC),
                        event.kind)


def _blocked(entries: list[Entry]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Every interval in which the resident cannot come: duty that does not give way, leave,
    and the rest owed after nights."""
    blocked = [(e.start, e.end) for e in entries if e.kind not in GIVES_WAY]
    nights = sorted((e.start, e.end) for e in entries if e.kind == "night")
    row: list[tuple[dt.datetime, dt.datetime]] = []
    for night in nights + [None]:
        if night is not None and row and night[0] - row[-1][1] <= SERIES_GAP:
            row.append(night)
            continue
        for k, (_start, end) in enumerate(row):
            last = k == len(row) - 1
            rest = REST_AFTER_SERIES if last and len(row) >= SERIES_LENGTH else REST_AFTER_NIGHT
            blocked.append((end, end + rest))
        row = [night] if night is not None else []
    return blocked


# --- files ------------------------------------------------------------------------------------

def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """As Dutch Excel saves "CSV UTF-8 (gescheiden door lijstscheidingsteken)"."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))


def _dutch_date(day: dt.date) -> str:
    return f"{day.day}-{day.month}-{day.year}"


def _decimal_comma(number: float) -> str:
    return f"{number:g}".replace(".", ",")


def _calendar(resident: Resident, rng: random.Random, first_day: dt.date, last_day: dt.date) -> bytes:
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Roosterplanner//Export 4.2//NL")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Rooster {resident.first_name} {resident.last_name}")
    stamp = dt.datetime(first_day.year, first_day.month, first_day.day, 6, 0, tzinfo=UTC)
    events = resident._events  # type: ignore[attr-defined]
    for event in rng.sample(events, len(events)):  # exports are not in date order
        item = Event()
        item.add("uid", event.uid)
        item.add("dtstamp", stamp)
        item.add("summary", event.summary)
        if isinstance(event.start, dt.datetime):
            item.add("dtstart", event.start)
            item.add("dtend", event.end)
        else:
            item.add("dtstart", event.start)  # VALUE=DATE
            item.add("dtend", event.end)
        if event.weekly_until is not None:
            until = dt.datetime.combine(event.weekly_until, dt.time(23, 59), ZONE).astimezone(UTC)
            item.add("rrule", {"freq": "weekly", "until": until})
            for moment in event.exdates:
                item.add("exdate", moment)
        if event.cancelled:
            item.add("status", "CANCELLED")
        calendar.add_component(item)
    calendar.add_missing_timezones()
    return calendar.to_ical()
