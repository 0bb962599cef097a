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
from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from residents.models import Department, Programme, Specialty

from .models import (
    AbsenceReason,
    Attendance,
    Evaluation,
    IntervisionGroup,
    Membership,
    Participation,
    Rsvp,
    Session,
    SessionNote,
    SessionStatus,
)

UPCOMING_DAYS = 28
UPCOMING_LIMIT = 30
DIMENSIONS = {
    "group": "session__group__name",
    "department": "resident__department__name",
    "specialty": "resident__specialty__name",
    "year": "resident__training_year",
}
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


# --- Groups ---------------------------------------------------------------------------------

def groups_in_scope(filters: Filters) -> QuerySet[IntervisionGroup]:
    """Active groups, narrowed to those with a member of the chosen department/specialty
    during the period."""
    groups = IntervisionGroup.objects.active()
    if filters.department is not None or filters.specialty is not None:
        members = (
            Membership.objects.overlapping(filters.start, filters.end + dt.timedelta(days=1))
            .filter(filters.residents_q())
            .values("group")
        )
        groups = groups.filter(pk__in=members)
    return groups


@dataclass
class GroupRow:
    group: IntervisionGroup
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


def group_rows(filters: Filters, today: dt.date) -> list[GroupRow]:
    """Per group in the period: sessions held, cancelled and still planned against what its
    cadence asks for so far, how many intervisors led its held sessions, and attendance.
    Three queries."""
    groups = list(groups_in_scope(filters).only("name", "cadence_weeks", "created_at"))
    rows = {g.pk: GroupRow(group=g) for g in groups}
    in_period = Q(start__gte=filters.start_at, start__lt=filters.end_at)
    sessions = (
        Session.objects.filter(in_period, kind=Session.Kind.GROUP, group__in=[g.pk for g in groups])
        .values("group")
        .annotate(
            held=Count("pk", filter=Q(status=SessionStatus.HELD)),
            cancelled=Count("pk", filter=Q(status=SessionStatus.CANCELLED)),
            planned=Count("pk", filter=Q(status__in=[SessionStatus.SCHEDULED, SessionStatus.PROPOSED])),
            intervisors=Count("intervisor", filter=Q(status=SessionStatus.HELD), distinct=True),
        )
    )
    for s in sessions:
        row = rows[s["group"]]
        row.held, row.cancelled, row.planned, row.intervisors = (
            s["held"], s["cancelled"], s["planned"], s["intervisors"]
        )
    attendance = (
        Participation.objects.filter(
            filters.residents_q(), session__group__in=[g.pk for g in groups],
            session__status=SessionStatus.HELD,
            session__start__gte=filters.start_at, session__start__lt=filters.end_at,
        )
        .values("session__group")
        .annotate(
            present=Count("pk", filter=Q(attendance=Attendance.PRESENT)),
            recorded=Count("pk", filter=Q(attendance__in=RECORDED)),
        )
    )
    for a in attendance:
        row = rows[a["session__group"]]
        row.present, row.recorded = a["present"], a["recorded"]
    past_end = min(filters.end, today)
    for row in rows.values():
        begin = max(filters.start, row.group.created_at.astimezone(filters.zone).date())
        days = (past_end - begin).days + 1
        row.expected = max(0, days // (7 * row.group.cadence_weeks))
    return sorted(rows.values(), key=lambda r: r.group.name)


# --- Upcoming sessions -------------------------------------------------------------------------

@dataclass
class UpcomingRow:
    session: Session
    yes: int
    no: int
    maybe: int
    unanswered: int
    waiting_for: list[str] = field(default_factory=list)


def upcoming(filters: Filters, now: dt.datetime) -> list[UpcomingRow]:
    """Sessions of the next four weeks, their answers and who has not answered. Two queries."""
    narrowed = filters.residents_q("participations__resident__")
    sessions = Session.objects.filter(
        status__in=[SessionStatus.SCHEDULED, SessionStatus.PROPOSED],
        start__gte=now, start__lt=now + dt.timedelta(days=UPCOMING_DAYS),
    )
    if filters.department is not None or filters.specialty is not None:
        sessions = sessions.filter(
            pk__in=Participation.objects.filter(filters.residents_q()).values("session")
        )
    sessions = list(
        sessions.select_related("group", "intervisor__user")
        .only("start", "title", "kind", "group__name", "intervisor__user__first_name",
              "intervisor__user__last_name", "intervisor__user__email")
        .annotate(
            yes=Count("participations", filter=narrowed & Q(participations__rsvp=Rsvp.YES)),
            no=Count("participations", filter=narrowed & Q(participations__rsvp=Rsvp.NO)),
            maybe=Count("participations", filter=narrowed & Q(participations__rsvp=Rsvp.MAYBE)),
            unanswered=Count("participations", filter=narrowed & Q(participations__rsvp=Rsvp.NONE)
                             & ~Q(participations__booking="cancelled")),
        )
        .order_by("start")[:UPCOMING_LIMIT]
    )
    rows = {s.pk: UpcomingRow(s, s.yes, s.no, s.maybe, s.unanswered) for s in sessions}
    waiting = (
        Participation.objects.filter(filters.residents_q(), session__in=list(rows), rsvp=Rsvp.NONE)
        .exclude(booking="cancelled")
        .order_by("resident__user__last_name", "resident__user__first_name")
        .values_list("session_id", "resident__user__first_name", "resident__user__last_name")
    )
    for session_id, first, last in waiting:
        rows[session_id].waiting_for.append(f"{first} {last}".strip())
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


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def attendance_over_time(filters: Filters) -> Timeline:
    """Attendance rate per month, overall and split by group, department, specialty or
    training year (``filters.by``). One query."""
    dimension = DIMENSIONS.get(filters.by, DIMENSIONS["group"])
    rows = (
        Participation.objects.filter(
            filters.residents_q(), session__status=SessionStatus.HELD,
            session__start__gte=filters.start_at, session__start__lt=filters.end_at,
            attendance__in=RECORDED,
        )
        .annotate(month=TruncMonth("session__start", tzinfo=filters.zone))
        .values("month", dimension)
        .annotate(
            present=Count("pk", filter=Q(attendance=Attendance.PRESENT)), recorded=Count("pk")
        )
        .order_by()
    )
    overall: dict[dt.date, Cell] = defaultdict(Cell)
    series: dict[str, dict[dt.date, Cell]] = defaultdict(lambda: defaultdict(Cell))
    for r in rows:
        month = r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"]
        label = r[dimension]
        if label is None:
            label = _("Open sessions")
        elif filters.by == "year":
            label = _("Year %(n)d") % {"n": label}
        for cell in (overall[month], series[str(label)][month]):
            cell.present += r["present"]
            cell.recorded += r["recorded"]
    return Timeline(
        months=_months(filters.start, filters.end),
        overall=dict(overall),
        series={k: dict(v) for k, v in sorted(series.items())},
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


def absences_by_department(filters: Filters) -> list[AbsenceRow]:
    """Answers of "no" by the residents' department and the reason they gave, plus residents
    who left a held session early for clinical duty. One query."""
    in_period = Q(session__start__gte=filters.start_at, session__start__lt=filters.end_at)
    no = Q(rsvp=Rsvp.NO)
    rows = (
        Participation.objects.filter(filters.residents_q(), in_period)
        .exclude(session__status=SessionStatus.CANCELLED)
        .filter(no | Q(left_early=True))
        .values("resident__department", "resident__department__name")
        .annotate(
            **{reason: Count("pk", filter=no & Q(absence_reason=reason)) for reason in REASONS},
            unexplained=Count("pk", filter=no & Q(absence_reason="")),
            left_early_count=Count("pk", filter=Q(left_early=True)),
        )
        .order_by("resident__department__name")
    )
    return [
        AbsenceRow(
            department=r["resident__department__name"], department_id=r["resident__department"],
            counts={reason: r[reason] for reason in REASONS}, unexplained=r["unexplained"],
            left_early=r["left_early_count"],
        )
        for r in rows
    ]


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


def evaluations(filters: Filters, group_ids: list[int] | None = None) -> Evaluations:
    """Average answers per group and across groups, only where at least ``threshold``
    answers were given. Two queries (the programme's threshold, the aggregates)."""
    threshold = Programme.get().evaluation_threshold
    qs = Evaluation.objects.filter(
        session__start__gte=filters.start_at, session__start__lt=filters.end_at
    )
    if group_ids is not None:
        qs = qs.filter(session__group__in=group_ids)
    rows = (
        qs.values("session__group", "session__group__name")
        .annotate(answers=Count("pk"), **{item: Avg(item) for item in EVALUATION_ITEMS})
        .order_by("session__group__name")
    )
    groups, total, sums = [], 0, dict.fromkeys(EVALUATION_ITEMS, 0.0)
    for r in rows:
        label = r["session__group__name"] or _("Open sessions")
        shown = r["answers"] >= threshold
        groups.append(EvaluationRow(
            label, r["answers"], {i: float(r[i]) for i in EVALUATION_ITEMS} if shown else None
        ))
        total += r["answers"]
        for item in EVALUATION_ITEMS:
            sums[item] += float(r[item]) * r["answers"]
    overall = EvaluationRow(
        _("All groups"), total,
        {i: sums[i] / total for i in EVALUATION_ITEMS} if total >= threshold else None,
    )
    return Evaluations(threshold=threshold, overall=overall, groups=groups)


@dataclass
class ThemeCounts:
    threshold: int
    shown: list[tuple[str, int]]
    hidden: int  # themes used, but in fewer notes than the threshold


def theme_counts(filters: Filters, threshold: int, group_ids: list[int] | None = None) -> ThemeCounts:
    """How many notes carry each theme, across groups; never the notes themselves. A theme
    counted in fewer notes than the threshold is not named. One query."""
    through = SessionNote.themes.through
    qs = through.objects.filter(
        sessionnote__session__start__gte=filters.start_at, sessionnote__session__start__lt=filters.end_at
    )
    if group_ids is not None:
        qs = qs.filter(sessionnote__session__group__in=group_ids)
    rows = qs.values("notetheme__name").annotate(notes=Count("sessionnote", distinct=True)).order_by(
        "-notes", "notetheme__name"
    )
    shown, hidden = [], 0
    for r in rows:
        if r["notes"] >= threshold:
            shown.append((r["notetheme__name"], r["notes"]))
        else:
            hidden += 1
    return ThemeCounts(threshold=threshold, shown=shown, hidden=hidden)


# --- The whole page --------------------------------------------------------------------------------

def dashboard(filters: Filters, *, now: dt.datetime) -> dict:
    today = now.astimezone(filters.zone).date()
    groups = group_rows(filters, today)
    narrowed = filters.department is not None or filters.specialty is not None
    group_ids = [r.group.pk for r in groups] if narrowed else None
    evaluation = evaluations(filters, group_ids)
    return {
        "upcoming": upcoming(filters, now),
        "groups": groups,
        "timeline": attendance_over_time(filters),
        "absences": absences_by_department(filters),
        "evaluations": evaluation,
        "themes": theme_counts(filters, evaluation.threshold, group_ids),
    }
