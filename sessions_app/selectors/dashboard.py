"""What the coordinator's dashboard reads: RSVPs, cadence, continuity, attendance, absence
reasons, evaluations and note themes, aggregated in the database.

Every function runs a fixed number of queries, whatever the number of groups, sessions or
residents (``tests/test_dashboard.py`` counts them for 5 and for 50 groups). Evaluations and
theme counts are only ever returned as aggregates over at least the programme's anonymity
threshold of answers or notes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from residents.models import Department, Intervisor, Programme, Resident, Specialty, User

from ..models import (
    AbsenceReason,
    Attendance,
    Booking,
    Evaluation,
    IntervisionGroup,
    Membership,
    NoteTheme,
    Participation,
    Rsvp,
    Session,
    SessionNote,
    SessionStatus,
    theme_label,
)

UPCOMING_DAYS = 28
UPCOMING_LIMIT = 30
# What attendance over time is split by: the session's group (``s``) or the resident (``r``).
# Groups, departments and specialties are counted by id and named from lookups(), which the page
# reads anyway.
DIMENSIONS = {
    "group": "s.group_id",
    "department": "r.department_id",
    "specialty": "r.specialty_id",
    "year": "r.training_year",
}
PRESENT = Attendance.PRESENT
RECORDED = [Attendance.PRESENT, Attendance.ABSENT, Attendance.EXCUSED]
EVALUATION_ITEMS = ["safety", "depth", "guidance", "value", "exhaustion"]
REASONS = [r for r in AbsenceReason.values if r]


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date  # inclusive
    department: Department | None = None
    specialty: Specialty | None = None
    by: str = "department"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(settings.TIME_ZONE)

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), tzinfo=self.zone)

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=self.zone)

    @property
    def narrowed(self) -> bool:
        return self.department is not None or self.specialty is not None

    def residents_q(self, prefix: str = "resident__") -> Q:
        """Narrow participations (or anything with a resident) to the chosen department/specialty."""
        q = Q()
        if self.department is not None:
            q &= Q(**{f"{prefix}department": self.department})
        if self.specialty is not None:
            q &= Q(**{f"{prefix}specialty": self.specialty})
        return q


def _rate(present: int, recorded: int) -> float | None:
    return present / recorded if recorded else None


# --- SQL --------------------------------------------------------------------------------------
# Every query is written out, because through the ORM they cost the benchmark's ratio about one
# log-in page: bench/bench_dashboard.py --requests 200 on PostgreSQL, runs of the two versions of
# this module alternated on a 2-core machine shared with other work, gave 6.2-7.0x the log-in
# page with six of them through the ORM (six runs) and 5.3-5.8x with them as SQL (six runs); the
# last three (groups with their filtered sessions, upcoming sessions and their answers) followed
# later, when the page measured 5.2x: 3.3-4.3 ms less per page together (the selectors of both
# versions alternated in one process). Each is a join or two, most with a GROUP BY, that reads the
# same on PostgreSQL and SQLite (but for how attendance over time groups its rows: see there);
# building and compiling it through the ORM took about as long as the database took to run it
# (CPU figures beside each). The rules that narrow groups and sessions to a department or
# specialty (memberships over the period, participations) stay written once, through the ORM,
# compiled into a subquery only when a filter applies. Table names come from the models and
# every value is a parameter (hence the S608 exemptions); moments are adapted as the ORM adapts
# them, and read back as it reads them.

PARTICIPATION = Participation._meta.db_table
SESSION = Session._meta.db_table
RESIDENT = Resident._meta.db_table
EVALUATION = Evaluation._meta.db_table
NOTE = SessionNote._meta.db_table
NOTE_THEMES = SessionNote.themes.through._meta.db_table
GROUP = IntervisionGroup._meta.db_table
INTERVISOR = Intervisor._meta.db_table
USER = User._meta.db_table


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _in_period(filters: Filters, session: str = "s") -> tuple[str, list]:
    """The condition that a session starts in the period."""
    ops = connection.ops
    return (f'{session}."start" >= %s AND {session}."start" < %s',
            [ops.adapt_datetimefield_value(filters.start_at), ops.adapt_datetimefield_value(filters.end_at)])


def _of_residents(filters: Filters, resident: str = "r") -> tuple[str, list]:
    """``Filters.residents_q`` as conditions to AND to a WHERE clause (empty if none)."""
    sql, params = "", []
    if filters.department is not None:
        sql, params = f"{sql} AND {resident}.department_id = %s", [*params, filters.department.pk]
    if filters.specialty is not None:
        sql, params = f"{sql} AND {resident}.specialty_id = %s", [*params, filters.specialty.pk]
    return sql, params


def _in_groups(group_ids: list[int] | None, session: str = "s") -> tuple[str, list]:
    if group_ids is None:
        return "", []
    return f" AND {session}.group_id IN ({', '.join(['%s'] * len(group_ids))})", list(group_ids)


def _narrowed_by(filters: Filters, column: str, values) -> tuple[str, list]:
    """``AND column IN (…)`` when a department or specialty is chosen (else nothing), the list
    being ``values(filters)``, a one-column queryset: the rule that narrows stays written once,
    through the ORM, which compiles it only when it applies."""
    if not filters.narrowed:
        return "", []
    sql, params = values(filters).query.sql_with_params()
    return f" AND {column} IN ({sql})", list(params)


def _read_as_the_orm(model, field: str):
    """What turns a column's value as the database returns it into what the ORM would return
    (SQLite returns a moment as a naive datetime in UTC, PostgreSQL as an aware one)."""
    column = model._meta.get_field(field).get_col(model._meta.db_table)
    converters = [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)]

    def read(value):
        for converter in converters:
            value = converter(value, column, connection)
        return value

    return read


# --- Names ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lookups:
    """Departments and specialties as (id, name) by name: the filter form's options, and the
    labels of rows counted by id; groups' and themes' names by id, to name rows counted by id;
    and the programme's evaluation threshold (None: the programme's row does not exist yet)."""

    departments: list[tuple[int, str]]
    specialties: list[tuple[int, str]]
    groups: dict[int, str]
    themes: dict[int, str]
    evaluation_threshold: int | None


# ORM (QuerySet.union of five values_list, each tagged with a Value): 1.3-1.4 ms more CPU.
LOOKUPS = f"""
    SELECT id, name, 'department' FROM {Department._meta.db_table}
    UNION ALL SELECT id, name, 'specialty' FROM {Specialty._meta.db_table}
    UNION ALL SELECT id, name, 'group' FROM {IntervisionGroup._meta.db_table}
    UNION ALL SELECT id, name, 'theme' FROM {NoteTheme._meta.db_table}
    UNION ALL SELECT id, key, 'theme_key' FROM {NoteTheme._meta.db_table} WHERE key <> ''
    UNION ALL SELECT evaluation_threshold, '', 'threshold' FROM {Programme._meta.db_table} WHERE id = 1
"""  # noqa: S608 - table names from the models


def lookups() -> Lookups:
    """One query: the four short lists and the threshold in a UNION, each row tagged with what
    it is. The page needs all of them, and one round trip costs less than five."""
    found: dict[str, list[tuple[int, str]]] = {
        "department": [], "specialty": [], "group": [], "theme": [], "theme_key": [], "threshold": [],
    }
    for pk, name, which in _fetch(LOOKUPS, []):
        found[which].append((pk, name))
    threshold = found["threshold"][0][0] if found["threshold"] else None
    keys = dict(found["theme_key"])
    return Lookups(
        departments=sorted(found["department"], key=lambda r: r[1].casefold()),
        specialties=sorted(found["specialty"], key=lambda r: r[1].casefold()),
        groups=dict(found["group"]), evaluation_threshold=threshold,
        # the starting themes in the reader's language (NoteTheme.label)
        themes={pk: theme_label(keys.get(pk, ""), name) for pk, name in found["theme"]},
    )


# --- Groups ---------------------------------------------------------------------------------

def members_in_scope(filters: Filters) -> QuerySet[Membership]:
    """The groups (as ``values("group")``) with a member of the chosen department/specialty
    during the period: what narrows the groups table when a department or specialty is chosen."""
    return (
        Membership.objects.overlapping(filters.start, filters.end + dt.timedelta(days=1))
        .filter(filters.residents_q())
        .values("group")
    )


@dataclass(frozen=True)
class GroupRef:
    """What the page needs of a group: no model instance per row."""

    pk: int
    name: str


@dataclass
class GroupRow:
    group: GroupRef
    held: int = 0
    cancelled: int = 0
    planned: int = 0
    expected: int = 0
    intervisors: int = 0
    present: int = 0
    recorded: int = 0

    @property
    def attendance(self) -> float | None:
        return _rate(self.present, self.recorded)

    @property
    def cadence_kept(self) -> bool | None:
        return None if self.expected == 0 else self.held >= self.expected


def group_rows(filters: Filters, today: dt.date, attendance: dict[int | None, Cell]) -> list[GroupRow]:
    """Per group in the period: sessions held, cancelled and still planned against what its
    cadence asks for so far, how many intervisors led its held sessions, and attendance.
    One query: the groups with their group sessions of the period counted per status and
    intervisor (a few rows per group, tallied here: no COUNT DISTINCT to sort for). Attendance
    at their held sessions is ``attendance``, the counts per group id that attendance over
    time makes of the same participations (``Timeline.per_group``)."""
    # ORM (active groups annotated with a FilteredRelation of their sessions, values_list with a
    # Count): 1.3-2.0 ms more CPU.
    period, period_params = _in_period(filters)
    in_scope, scope_params = _narrowed_by(filters, "g.id", members_in_scope)
    sessions = _fetch(f"""
        SELECT g.id, g.name, g.cadence_weeks, g.created_at, s.status, s.intervisor_id, COUNT(s.id)
        FROM {GROUP} g LEFT JOIN {SESSION} s ON s.group_id = g.id AND s.kind = %s AND {period}
        WHERE g.is_active{in_scope}
        GROUP BY g.id, g.name, g.cadence_weeks, g.created_at, s.status, s.intervisor_id
    """, [Session.Kind.GROUP, *period_params, *scope_params])  # noqa: S608
    created = _read_as_the_orm(IntervisionGroup, "created_at")
    rows: dict[int, GroupRow] = {}
    past_end = min(filters.end, today)
    for group, name, cadence_weeks, created_at, status, _intervisor, n in sessions:
        row = rows.get(group)
        if row is None:
            begin = max(filters.start, created(created_at).astimezone(filters.zone).date())
            days = (past_end - begin).days + 1
            row = rows[group] = GroupRow(group=GroupRef(group, name),
                                         expected=max(0, days // (7 * cadence_weeks)))
        if status == SessionStatus.HELD:
            row.held += n
            row.intervisors += 1  # one row per intervisor who led held sessions
        elif status == SessionStatus.CANCELLED:
            row.cancelled += n
        elif status is not None:  # proposed or scheduled; None: no session in the period
            row.planned += n
    for group, cell in attendance.items():
        row = rows.get(group)
        if row is not None:
            row.present, row.recorded = cell.present, cell.recorded
    return sorted(rows.values(), key=lambda r: r.group.name)


# --- Upcoming sessions -------------------------------------------------------------------------

@dataclass
class UpcomingRow:
    session_id: int
    label: str  # as Session.__str__ says it: its title, else its group, else "Open session"
    start: dt.datetime
    intervisor: str  # as User.__str__ says it: the full name, else the e-mail address
    yes: int = 0
    no: int = 0
    maybe: int = 0
    unanswered: int = 0
    waiting_for: list[str] = field(default_factory=list)


def _sessions_of_residents(filters: Filters) -> QuerySet[Participation]:
    """The sessions (as ``values("session")``) of a resident of the chosen department/specialty."""
    return Participation.objects.filter(filters.residents_q()).values("session")


def upcoming(filters: Filters, now: dt.datetime) -> list[UpcomingRow]:
    """Sessions of the next four weeks, their answers and who has not answered. Two queries:
    the sessions, and their participations (a few per session, whose names are listed anyway),
    counted here."""
    # ORM (values_list of the sessions, narrowed through a subquery, then of their participations
    # with the residents' names): 2.0-2.7 ms more CPU.
    ops = connection.ops
    narrowed, narrowed_params = _narrowed_by(filters, "s.id", _sessions_of_residents)
    params = [SessionStatus.SCHEDULED, SessionStatus.PROPOSED, ops.adapt_datetimefield_value(now),
              ops.adapt_datetimefield_value(now + dt.timedelta(days=UPCOMING_DAYS)), *narrowed_params,
              UPCOMING_LIMIT]
    sessions = _fetch(f"""
        SELECT s.id, s.title, g.name, s."start", u.first_name, u.last_name, u.email
        FROM {SESSION} s LEFT JOIN {GROUP} g ON g.id = s.group_id
        JOIN {INTERVISOR} i ON i.id = s.intervisor_id JOIN {USER} u ON u.id = i.user_id
        WHERE s.status IN (%s, %s) AND s."start" >= %s AND s."start" < %s{narrowed}
        ORDER BY s."start" LIMIT %s
    """, params)  # noqa: S608
    moment = _read_as_the_orm(Session, "start")
    open_session = _("Open session")
    rows = {
        pk: UpcomingRow(pk, title or group or open_session, moment(start), f"{first} {last}".strip() or email)
        for pk, title, group, start, first, last, email in sessions
    }
    if not rows:
        return []
    of_residents, residents_params = _of_residents(filters)
    answers = _fetch(f"""
        SELECT p.session_id, p.rsvp, p.booking, u.first_name, u.last_name
        FROM {PARTICIPATION} p JOIN {RESIDENT} r ON r.id = p.resident_id JOIN {USER} u ON u.id = r.user_id
        WHERE p.session_id IN ({', '.join(['%s'] * len(rows))}){of_residents}
        ORDER BY u.last_name, u.first_name
    """, [*rows, *residents_params])  # noqa: S608
    for session_id, rsvp, booking, first, last in answers:
        row = rows[session_id]
        if rsvp == Rsvp.YES:
            row.yes += 1
        elif rsvp == Rsvp.NO:
            row.no += 1
        elif rsvp == Rsvp.MAYBE:
            row.maybe += 1
        elif booking != Booking.CANCELLED:  # a cancelled booking is no longer waited for
            row.unanswered += 1
            row.waiting_for.append(f"{first} {last}".strip())
    return list(rows.values())


# --- Attendance over time -------------------------------------------------------------------------

@dataclass
class Cell:
    present: int = 0
    recorded: int = 0

    @property
    def rate(self) -> float | None:
        return _rate(self.present, self.recorded)


@dataclass
class Timeline:
    months: list[dt.date]
    overall: dict[dt.date, Cell]
    series: dict[str, dict[dt.date, Cell]]  # dimension value → month → cell
    # The whole period's counts per group id (None: open sessions), which are the groups table's
    # attendance (the same participations: held, in the period, recorded).
    per_group: dict[int | None, Cell]


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _month_index(moment: str, months: list[dt.date], zone: ZoneInfo) -> tuple[str, list]:
    """SQL for the index in ``months`` of the local month a moment falls in, for moments within
    those months: a CASE over the months' first midnights, which PostgreSQL compares in less
    time than it converts each participation's moment to local time and truncates it."""
    whens, params = [], []
    for index, following in enumerate(months[1:]):
        whens.append(f"WHEN {moment} < %s THEN {index}")
        midnight = dt.datetime.combine(following, dt.time(), tzinfo=zone)
        params.append(connection.ops.adapt_datetimefield_value(midnight))
    if not whens:
        return "0", []
    return f"CASE {' '.join(whens)} ELSE {len(months) - 1} END", params


def attendance_over_time(filters: Filters, names: Lookups) -> Timeline:
    """Attendance rate per local month, overall and split by group, department, specialty or
    training year (``filters.by``), and the whole period's counts per group (the groups
    table's attendance). One query.

    ORM (TruncMonth in the programme's zone, values_list with a Count): 2.0-2.1 ms more CPU,
    and 4-8 ms rather than 3 ms in the database, which converts each row's start to local time.

    Split other than by group, the counts per group are a second grouping of the same rows:
    PostgreSQL makes both in one pass (GROUPING SETS; the fourth column, GROUPING(), says which
    set a row belongs to), which took 3.9-4.5 ms where this grouping and a second query over the
    same participations took 5.6-6.0 ms (bench/bench_dashboard.py's programme). SQLite has no
    grouping sets: it counts per month, value and group, and each row is summed into both."""
    by = filters.by if filters.by in DIMENSIONS else "group"
    dimension = DIMENSIONS[by]
    months = _months(filters.start, filters.end)
    month_index, month_params = _month_index('s."start"', months, filters.zone)
    period, period_params = _in_period(filters)
    of_residents, residents_params = _of_residents(filters)
    needs_residents = of_residents or dimension.startswith("r.")
    join_residents = f"JOIN {RESIDENT} r ON r.id = p.resident_id" if needs_residents else ""
    if by != "group" and connection.vendor == "postgresql":
        grouping, which = "GROUPING SETS ((1, 2), (3))", "GROUPING(s.group_id)"
    else:
        grouping, which = "1, 2, 3", "NULL"
    params = [*month_params, PRESENT, *RECORDED, SessionStatus.HELD, *period_params, *residents_params]
    rows = _fetch(f"""
        SELECT {month_index}, {dimension}, s.group_id, {which}, COUNT(*) FILTER (WHERE p.attendance = %s),
               COUNT(*)
        FROM {PARTICIPATION} p JOIN {SESSION} s ON s.id = p.session_id {join_residents}
        WHERE p.attendance IN (%s, %s, %s) AND s.status = %s AND {period}{of_residents}
        GROUP BY {grouping}
    """, params)  # noqa: S608
    overall: dict[dt.date, Cell] = defaultdict(Cell)
    series: dict[str, dict[dt.date, Cell]] = defaultdict(lambda: defaultdict(Cell))
    per_group: dict[int | None, Cell] = defaultdict(Cell)
    labels: dict[object, str] = {}
    if by == "group":
        labels = dict(names.groups)
    elif by == "department":
        labels = dict(names.departments)
    elif by == "specialty":
        labels = dict(names.specialties)
    for index, value, group, which, present, recorded in rows:
        if which != 1:  # 0: a row of the groups' set; None: a row for both
            total = per_group[group]
            total.present += present
            total.recorded += recorded
        if which == 0:
            continue
        month = months[index]
        label = labels.get(value)
        if label is None:
            if value is None:
                label = labels[value] = _("Open sessions")
            elif by == "year":
                label = labels[value] = _("Year %(n)d") % {"n": value}
            else:
                label = str(value)
        for cell in (overall[month], series[label][month]):
            cell.present += present
            cell.recorded += recorded
    return Timeline(
        months=months,
        overall=dict(overall),
        series={k: dict(v) for k, v in sorted(series.items())},
        per_group=dict(per_group),
    )


# --- Absence reasons by department -------------------------------------------------------------

@dataclass
class AbsenceRow:
    department: str
    department_id: int
    counts: dict[str, int]
    unexplained: int
    left_early: int

    @property
    def total(self) -> int:
        return sum(self.counts.values()) + self.unexplained

    @property
    def clinical_share(self) -> float | None:
        return self.counts[AbsenceReason.CLINICAL_DUTY] / self.total if self.total else None


def absences_by_department(filters: Filters, names: Lookups) -> list[AbsenceRow]:
    """Answers of "no" by the residents' department and the reason they gave, plus residents
    who left a held session early for clinical duty. One query, counted per department, answer,
    reason and leaving early (a few dozen rows), summed here."""
    # ORM (values_list of the four with a Count, exclude on the session's status): 1.3-1.5 ms
    # more CPU.
    period, period_params = _in_period(filters)
    of_residents, residents_params = _of_residents(filters)
    rows = _fetch(f"""
        SELECT r.department_id, p.rsvp, p.absence_reason, p.left_early, COUNT(*)
        FROM {PARTICIPATION} p JOIN {SESSION} s ON s.id = p.session_id
        JOIN {RESIDENT} r ON r.id = p.resident_id
        WHERE (p.rsvp = %s OR p.left_early = %s) AND {period} AND s.status <> %s{of_residents}
        GROUP BY r.department_id, p.rsvp, p.absence_reason, p.left_early
    """, [Rsvp.NO, True, *period_params, SessionStatus.CANCELLED, *residents_params])  # noqa: S608
    departments = dict(names.departments)
    found: dict[int, AbsenceRow] = {}
    for department, rsvp, reason, left_early, n in rows:
        row = found.get(department)
        if row is None:
            row = found[department] = AbsenceRow(
                department=departments[department], department_id=department,
                counts=dict.fromkeys(REASONS, 0), unexplained=0, left_early=0,
            )
        if rsvp == Rsvp.NO:
            if reason:
                row.counts[reason] += n
            else:
                row.unexplained += n
        if left_early:
            row.left_early += n
    return sorted(found.values(), key=lambda r: r.department.casefold())


# --- Evaluations and themes, above the anonymity threshold -----------------------------------

@dataclass
class EvaluationRow:
    label: str
    answers: int
    averages: dict[str, float] | None  # None: below the threshold, nothing may be shown


@dataclass
class Evaluations:
    threshold: int
    overall: EvaluationRow
    groups: list[EvaluationRow]


def evaluations(filters: Filters, group_ids: list[int] | None = None, *,
                names: Lookups | None = None) -> Evaluations:
    """Average answers per group and across groups, only where at least ``threshold``
    answers were given. One query, the aggregates, besides ``lookups()`` (groups' names and the
    programme's threshold, read fresh) unless they are given.

    Sums rather than averages come back (every answer has every item): integers, which add up
    across groups to the overall averages without a second query, and a hash aggregate rather
    than a sort in the database."""
    if names is None:
        names = lookups()
    threshold = names.evaluation_threshold
    if threshold is None:
        # Programme.get() creates the programme's row on first use.
        threshold = Programme.get().evaluation_threshold
    # ORM (values_list("session__group") with a Count and five Sums): 1.3-1.6 ms more CPU.
    period, period_params = _in_period(filters)
    in_groups, groups_params = _in_groups(group_ids)
    item_sums = ", ".join(f'SUM(e."{item}")' for item in EVALUATION_ITEMS)
    rows = _fetch(f"""
        SELECT s.group_id, COUNT(*), {item_sums}
        FROM {EVALUATION} e JOIN {SESSION} s ON s.id = e.session_id
        WHERE {period}{in_groups}
        GROUP BY s.group_id
    """, [*period_params, *groups_params]) if group_ids != [] else []  # noqa: S608
    groups, total, sums = [], 0, [0] * len(EVALUATION_ITEMS)
    open_sessions = _("Open sessions")
    named = [(None if group is None else names.groups[group], *rest) for group, *rest in rows]
    by_name = sorted(named, key=lambda r: (r[0] is None, (r[0] or "").casefold()))
    for name, answers, *item_sums in by_name:
        shown = answers >= threshold
        groups.append(EvaluationRow(
            name or open_sessions, answers,
            {i: s / answers for i, s in zip(EVALUATION_ITEMS, item_sums, strict=True)} if shown else None,
        ))
        total += answers
        sums = [a + b for a, b in zip(sums, item_sums, strict=True)]
    overall = EvaluationRow(
        _("All groups"), total,
        {i: s / total for i, s in zip(EVALUATION_ITEMS, sums, strict=True)} if total >= threshold else None,
    )
    return Evaluations(threshold=threshold, overall=overall, groups=groups)


@dataclass
class ThemeCounts:
    threshold: int
    shown: list[tuple[str, int]]
    hidden: int  # themes used, but in fewer notes than the threshold


def theme_counts(filters: Filters, threshold: int, names: Lookups,
                 group_ids: list[int] | None = None) -> ThemeCounts:
    """How many notes carry each theme, across groups; never the notes themselves. A theme
    counted in fewer notes than the threshold is not named. One query (the themes' names come
    from ``lookups()``)."""
    # A note carries a theme once (the through table's pairs are unique), so counting the pairs
    # per theme counts notes, with no DISTINCT. ORM (the through model's values_list with a
    # Count): 0.8-1.3 ms more CPU.
    period, period_params = _in_period(filters)
    in_groups, groups_params = _in_groups(group_ids)
    rows = _fetch(f"""
        SELECT t.notetheme_id, COUNT(*)
        FROM {NOTE_THEMES} t JOIN {NOTE} n ON n.id = t.sessionnote_id JOIN {SESSION} s ON s.id = n.session_id
        WHERE {period}{in_groups}
        GROUP BY t.notetheme_id
    """, [*period_params, *groups_params]) if group_ids != [] else []  # noqa: S608
    shown, hidden = [], 0
    named = [(names.themes[theme], notes) for theme, notes in rows]
    for name, notes in sorted(named, key=lambda r: (-r[1], r[0])):
        if notes >= threshold:
            shown.append((name, notes))
        else:
            hidden += 1
    return ThemeCounts(threshold=threshold, shown=shown, hidden=hidden)


# --- The whole page --------------------------------------------------------------------------------

def dashboard(filters: Filters, *, now: dt.datetime) -> dict:
    """Everything the page shows, in eight queries whatever the number of groups (the page adds
    the session and the user: ten, pinned in tests/test_dashboard.py). The groups table's
    attendance is attendance over time's counts per group: a query of its own read the same
    participations again (about 2-3 ms in the database on bench/bench_dashboard.py's
    programme)."""
    today = now.astimezone(filters.zone).date()
    labels = lookups()
    timeline = attendance_over_time(filters, labels)
    groups = group_rows(filters, today, attendance=timeline.per_group)
    group_ids = [r.group.pk for r in groups] if filters.narrowed else None
    evaluation = evaluations(filters, group_ids, names=labels)
    return {
        "upcoming": upcoming(filters, now),
        "groups": groups,
        "timeline": timeline,
        "absences": absences_by_department(filters, labels),
        "evaluations": evaluation,
        "themes": theme_counts(filters, evaluation.threshold, labels, group_ids),
        "names": labels,
    }
