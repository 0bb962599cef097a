"""What the evaluation report shows: aggregates only, and only above a threshold.

The unit is **a group over a calendar year** (by the sessions' dates, in the programme's zone);
the open sessions form one more unit (for an intervisor: the open sessions they led). Groups of
6–8 rarely give five answers to one session, so per-session figures would almost never show;
a year per group does, while the years do not overlap, so comparing two of them reveals no
single answer. A unit with fewer answers than ``Programme.evaluation_threshold`` shows nothing —
not even how many answers it has — and the programme-wide figures add up only the units that
are shown, so subtracting cannot uncover a hidden one.

Comments are shown to a group's own intervisors, under the same threshold; coordinators never
see comments. Coordinators see how often each note theme was tagged across all groups — never
per group, never note text — and only when the notes come from at least ``MIN_GROUPS_FOR_THEMES``
groups.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q, QuerySet

from residents.models import Programme, User

from ..access import evaluation_report_scope
from ..models import (
    EVALUATION_ANSWER_WINDOW,
    EVALUATION_QUESTIONS,
    Attendance,
    Evaluation,
    EvaluationReceipt,
    IntervisionGroup,
    NoteTheme,
    Session,
    theme_label,
)

MIN_GROUPS_FOR_THEMES = 3
OPEN_SESSIONS = "open"


@dataclass
class ItemFigures:
    field: str
    question: str
    mean: float
    counts: list[int]  # answers 1..5

    @property
    def rows(self) -> list[tuple[int, int, int]]:
        """(score, count, percent) for a bar per score."""
        total = sum(self.counts) or 1
        return [(score, n, round(100 * n / total)) for score, n in enumerate(self.counts, 1)]


@dataclass
class Unit:
    key: str  # a group id, or "open"
    name: str
    shown: bool
    answers: int = 0  # 0 when not shown: the count of a hidden unit is not revealed either
    items: list[ItemFigures] = field(default_factory=list)
    comments: list[str] | None = None  # None: not for this reader


@dataclass
class Report:
    year: int
    threshold: int
    units: list[Unit]
    total: Unit | None  # the shown units together (coordinators)
    themes: list[tuple[str, int]] | None  # None: too few groups to show
    theme_groups: int = 0


def _aggregates() -> dict:
    fields = {"answers": Count("id")}
    for item, *_rest in EVALUATION_QUESTIONS:
        fields[f"{item}_mean"] = Avg(item)
        for score in range(1, 6):
            fields[f"{item}_{score}"] = Count("id", filter=Q(**{item: score}))
    return fields


def _figures(row: dict) -> list[ItemFigures]:
    return [
        ItemFigures(field=item, question=str(question), mean=round(row[f"{item}_mean"], 1),
                    counts=[row[f"{item}_{score}"] for score in range(1, 6)])
        for item, question, *_rest in EVALUATION_QUESTIONS
    ]


def _combine(rows: list[dict]) -> dict:
    total = {"answers": sum(r["answers"] for r in rows)}
    for item, *_rest in EVALUATION_QUESTIONS:
        for score in range(1, 6):
            total[f"{item}_{score}"] = sum(r[f"{item}_{score}"] for r in rows)
        weighted = sum(score * total[f"{item}_{score}"] for score in range(1, 6))
        total[f"{item}_mean"] = weighted / total["answers"] if total["answers"] else 0
    return total


def _scope(user: User) -> tuple[QuerySet[Evaluation], list[IntervisionGroup]]:
    """The answers and groups ``user`` may see aggregates of (``access.evaluation_report_scope``)."""
    answers, groups = evaluation_report_scope(user)
    return answers, list(groups)


def evaluation_report(*, user: User, year: int) -> Report:
    """The aggregates ``user`` may see for ``year``. Coordinators: every group, the shown
    units together, and theme counts. Intervisors: their own groups and open sessions, with
    comments. Queries: the programme, one aggregate query, and for intervisors one query for
    the comments; for coordinators two for the themes."""
    threshold = Programme.get().evaluation_threshold
    answers, groups = _scope(user)
    answers = answers.filter(session__start__year=year)
    rows = {
        (row["session__group"] or OPEN_SESSIONS): row
        for row in answers.values("session__group").annotate(**_aggregates()).order_by()
    }
    # Open sessions have no group: values() puts all of them in the one row with group None.
    names = {g.pk: g.name for g in groups}
    units = []
    for key, row in sorted(rows.items(), key=lambda kv: (kv[0] == OPEN_SESSIONS, names.get(kv[0], ""))):
        name = names.get(key) if key != OPEN_SESSIONS else None
        shown = row["answers"] >= threshold
        unit = Unit(key=str(key), name=name or "", shown=shown)
        if shown:
            unit.answers = row["answers"]
            unit.items = _figures(row)
        units.append(unit)
    for group in groups:  # groups without any answer are listed too, as not shown
        if group.pk not in rows and (group.is_active or not user.is_coordinator):
            units.append(Unit(key=str(group.pk), name=group.name, shown=False))
    units.sort(key=lambda u: (u.key == OPEN_SESSIONS, u.name))

    if not user.is_coordinator:
        shown_keys = [u.key for u in units if u.shown]
        comments = _comments(answers, shown_keys)
        for unit in units:
            if unit.shown:
                unit.comments = comments.get(unit.key, [])
        return Report(year=year, threshold=threshold, units=units, total=None, themes=None)

    shown_rows = [rows[_key(u.key)] for u in units if u.shown]
    total = None
    if shown_rows:
        combined = _combine(shown_rows)
        total = Unit(key="total", name="", shown=True, answers=combined["answers"], items=_figures(combined))
    themes, theme_groups = theme_counts(year=year)
    return Report(year=year, threshold=threshold, units=units, total=total, themes=themes,
                  theme_groups=theme_groups)


def _key(key: str):
    return OPEN_SESSIONS if key == OPEN_SESSIONS else int(key)


def _comments(answers: QuerySet[Evaluation], shown_keys: list[str]) -> dict[str, list[str]]:
    if not shown_keys:
        return {}
    groups = [int(k) for k in shown_keys if k != OPEN_SESSIONS]
    selection = Q(session__group__in=groups)
    if OPEN_SESSIONS in shown_keys:
        selection |= Q(session__group__isnull=True)
    found: dict[str, list[str]] = {}
    rows = answers.filter(selection).exclude(comment="").values_list("session__group", "comment")
    for group_id, comment in rows:
        found.setdefault(str(group_id) if group_id else OPEN_SESSIONS, []).append(comment)
    for comments in found.values():
        # Shuffled: the order in which answers came in says something about who wrote them.
        random.shuffle(comments)
    return found


def theme_counts(*, year: int) -> tuple[list[tuple[str, int]] | None, int]:
    """How often each theme was tagged on notes of ``year``'s sessions, across all groups, and
    from how many groups the notes come. None while that is fewer than MIN_GROUPS_FOR_THEMES."""
    notes_of_year = Q(notes__session__start__year=year)
    theme_groups = (
        Session.objects.filter(start__year=year, notes__themes__isnull=False, group__isnull=False)
        .values("group").distinct().count()
    )
    if theme_groups < MIN_GROUPS_FOR_THEMES:
        return None, theme_groups
    counted = (
        NoteTheme.objects.annotate(uses=Count("notes", filter=notes_of_year))
        .filter(uses__gt=0).order_by("-uses", "name").values_list("key", "name", "uses")
    )
    return [(theme_label(key, name), uses) for key, name, uses in counted], theme_groups


def evaluations_open_for(resident, now) -> list[Session]:
    """Sessions ``resident`` attended whose evaluation is open and not yet given, newest first.
    One query."""
    answered = EvaluationReceipt.objects.filter(resident=resident).values("session")
    return list(
        Session.objects.filter(
            participations__resident=resident, participations__attendance=Attendance.PRESENT,
            end__gte=now - EVALUATION_ANSWER_WINDOW, start__lte=now,
        ).exclude(pk__in=answered).select_related("group").order_by("-start")
    )
