"""Plan the year: one session per cadence window of each group, at the best time of the window.

``year_plan_preview`` works the plan out without writing anything; ``year_plan_apply`` plans
the sessions of a preview, all or nothing, through ``session_plan`` (so the members are invited
through the outbox as for any session). The suggestions page, the plan-the-year pages and
``manage.py plan_year`` all use these two.

How a plan is made (docs/planning.md says it for coordinators):

* From the first day, the period is cut into windows of the group's cadence (a 6-weekly group
  gets 1–6 weeks, 7–12 weeks, …); the last window ends with the period.
* A window that already holds a planned session of the group is left as it is (the preview
  says so), and that session counts as the group's last one for the next window.
* Two sessions of a group are at least half its cadence apart (a 6-weekly group: 3 weeks),
  so the end of one window and the start of the next never make a gap of days.
* Otherwise the session goes where the suggestions engine ranks best in the window: the most
  members free, then the least tired, then nearest the cadence after the previous session,
  then the group's usual day and time. The intervisor's absences, the sessions they already
  lead and the sessions this plan gives them in other groups are never suggested over.
* When no time in the window reaches the programme's minimum share of members, the best time
  the intervisor can lead is kept anyway and flagged as below the minimum; a window in which
  the intervisor cannot lead at all gets no session and says so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from planning import availability as engine
from residents.models import Programme, User
from residents.selectors.rules import rules_for

from ..models import IntervisionGroup, Session, YearPlanRun
from ..selectors import availability as suggestions
from .sessions import session_plan

MAX_MONTHS = 13  # a plan, and a window of suggestions, spans at most this many months


def months_later(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` calendar months on (31 January + 1 month is 28/29 February)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def check_period(first: dt.date | None, last: dt.date | None, *, today: dt.date) -> list[str]:
    """What is wrong with a period from ``first`` to ``last`` (both days included), in words;
    empty when it can be planned or suggested in."""
    if first is None or last is None:
        return []
    problems = []
    if first <= today:
        problems.append(_("The period must start after today (%(today)s).") % {"today": today.isoformat()})
    if last <= first:
        problems.append(_("The period must end after it starts."))
    elif last > months_later(first, MAX_MONTHS):
        problems.append(_("The period can be at most %(months)s months long.") % {"months": MAX_MONTHS})
    return problems


def period_bounds(first: dt.date, last: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight at the start of ``first`` and after ``last``: the days are included."""
    return (dt.datetime.combine(first, dt.time(0), zone),
            dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), zone))


@dataclass
class PlannedWindow:
    """One cadence window of one group in the preview."""

    group: IntervisionGroup
    window_start: dt.datetime  # local midnight
    window_end: dt.datetime  # local midnight after the window's last day
    member_count: int
    required: int
    start: dt.datetime | None = None  # the chosen time (None: nothing to plan)
    end: dt.datetime | None = None
    attending: int = 0
    unavailable: list[dict] = field(default_factory=list)  # {"name", "reasons"} in words
    existing: Session | None = None  # the group's session already planned in the window
    too_soon: bool = False  # the window ends within half a cadence of the previous session

    @property
    def to_plan(self) -> bool:
        return self.start is not None and self.existing is None

    @property
    def below_minimum(self) -> bool:
        return self.to_plan and self.attending < self.required

    @property
    def no_time(self) -> bool:
        """Neither a session already planned nor a time the intervisor can lead."""
        return self.start is None and self.existing is None and not self.too_soon

    @property
    def share(self) -> float | None:
        return self.attending / self.member_count if self.to_plan and self.member_count else None

    @property
    def last_day(self) -> dt.date:
        return (self.window_end - dt.timedelta(days=1)).date()


@dataclass
class YearPlan:
    """A preview: every window of every group asked for, in group then date order."""

    first: dt.date
    last: dt.date
    windows: list[PlannedWindow]
    groups: list[IntervisionGroup]
    # Each group's members as the plan counts them (those on the first day), by id.
    members: dict[IntervisionGroup, tuple[int, ...]] = field(default_factory=dict)

    @property
    def sessions(self) -> list[PlannedWindow]:
        return [w for w in self.windows if w.to_plan]

    @property
    def free_seats(self) -> int:
        return sum(w.attending for w in self.sessions)

    @property
    def seats(self) -> int:
        return sum(w.member_count for w in self.sessions)

    @property
    def share(self) -> float | None:
        """Members free over all sessions to plan (a seat per member per session)."""
        return self.free_seats / self.seats if self.seats else None

    @property
    def below_minimum(self) -> list[PlannedWindow]:
        return [w for w in self.windows if w.below_minimum]

    @property
    def fingerprint(self) -> str:
        """Names the sessions this preview would plan: confirming checks it is still the plan."""
        text = ";".join(f"{w.group.pk}@{w.start.isoformat()}" for w in self.sessions)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _windows(start: dt.datetime, end: dt.datetime, cadence_weeks: int, zone: ZoneInfo):
    """[start, end) cut into local-date windows of ``cadence_weeks`` weeks."""
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    step = dt.timedelta(weeks=cadence_weeks)
    while day < last:
        yield (dt.datetime.combine(day, dt.time(0), zone),
               dt.datetime.combine(min(day + step, last), dt.time(0), zone))
        day += step


def _day_after(moment: dt.datetime, days: int, zone: ZoneInfo) -> dt.datetime:
    """Local midnight ``days`` days after the day of ``moment``."""
    return dt.datetime.combine(moment.astimezone(zone).date() + dt.timedelta(days=days), dt.time(0), zone)


def _people(statuses, names) -> list[dict]:
    return [{"name": names.get(s.person_id, "?"), "reasons": suggestions.reason_words(s.reasons)}
            for s in statuses]


def year_plan_preview(*, groups: Sequence[IntervisionGroup], first: dt.date, last: dt.date) -> YearPlan:
    """The plan for ``groups`` from ``first`` to ``last`` (both included); writes nothing.

    Reads the rosters of all members once; the engine then runs once per window (twice for a
    window in which no time reaches the minimum)."""
    rules = rules_for(Programme.get())
    zone = ZoneInfo(rules.tz)
    start, end = period_bounds(first, last, zone)
    groups = sorted(groups, key=lambda g: (g.name, g.pk))
    plans = suggestions.group_plans(groups, start, end, rules=rules)
    rows = list(suggestions.roster_query({pid for p in plans for pid in p.request.member_ids}, start, end))
    roster = engine.Roster(rows, rules)
    # Below the minimum: the same ranking with no share required (the intervisor must still
    # be free), so the best time is the one the most members can come to. A Roster is built
    # for one set of rules, so that one has its own, made when first needed.
    anyone = dataclasses.replace(rules, min_share=0)
    roster_for_anyone: list[engine.Roster] = []

    def best_below_minimum(request):
        if not roster_for_anyone:
            roster_for_anyone.append(engine.Roster(rows, anyone))
        return engine.suggest_slots(request, roster_for_anyone[0], anyone, limit=1)

    existing: dict[int, list[Session]] = defaultdict(list)
    for session in (Session.objects.filter(group__in=groups, kind=Session.Kind.GROUP,
                                           status__in=suggestions.PLANNED, start__lt=end,
                                           end__gt=start).order_by("start")):
        existing[session.group_id].append(session)
    # Sessions this plan gives an intervisor: one who leads two groups leads one at a time.
    leading: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    windows = []
    for plan in plans:
        group = plan.group
        leaders = [i for i in (group.intervisor_id, group.co_intervisor_id) if i]
        previous = plan.last_session
        names = plan.names
        required = rules.required_members(len(plan.members))
        for low, high in _windows(start, end, group.cadence_weeks, zone):
            window = PlannedWindow(group, low, high, len(plan.members), required)
            windows.append(window)
            already = [s for s in existing[group.pk] if low <= s.start < high]
            if already:
                window.existing = already[0]
                previous = already[-1].start
                continue
            if not plan.members:
                continue
            # Two sessions of a group at least half its cadence apart: the best time of one
            # window at its end and of the next at its start would make a gap of days.
            if previous is not None:
                low = max(low, _day_after(previous, group.cadence_weeks * 7 // 2, zone))
                if low >= high:  # a short last window right after the previous session
                    window.too_soon = True
                    continue
            request = dataclasses.replace(
                plan.request, horizon_start=low, horizon_end=high, last_session_start=previous,
                intervisor_busy=tuple(sorted(
                    plan.request.intervisor_busy + tuple(span for i in leaders for span in leading[i]))),
            )
            found = engine.suggest_slots(request, roster, rules, limit=1) or best_below_minimum(request)
            if not found:
                continue
            best = found[0]
            window.start, window.end = best.start.astimezone(zone), best.end.astimezone(zone)
            window.attending = best.attending
            window.unavailable = _people(best.unavailable, names)
            previous = best.start
            for i in leaders:
                leading[i].append((best.start, best.end))
    return YearPlan(first, last, windows, groups, {p.group: p.request.member_ids for p in plans})


@transaction.atomic
def year_plan_apply(*, groups: Sequence[IntervisionGroup], first: dt.date, last: dt.date,
                    by: User | None, fingerprint: str | None = None,
                    progress: Callable[[int, int], object] | None = None) -> list[Session]:
    """Plan every session of the preview for ``groups``, all or nothing.

    The groups are locked and the plan is worked out again inside the transaction, so two
    coordinators confirming at once cannot both plan the same windows. With ``fingerprint``
    (a preview's), it is refused when the plan is no longer the one previewed (a roster
    imported, an absence or a session added in between)."""
    ids = sorted(g.pk for g in groups)
    locked = list(IntervisionGroup.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    for group in locked:
        if not group.is_active:
            raise ValidationError(_("%(group)s is no longer active.") % {"group": group})
    plan = year_plan_preview(groups=locked, first=first, last=last)
    if fingerprint is not None and fingerprint != plan.fingerprint:
        raise ValidationError(_("The rosters, absences or sessions changed since this plan was "
                                "shown; nothing was planned. Look at the new plan and confirm again."))
    planned = []
    for window in plan.sessions:
        planned.append(session_plan(group=window.group, start=window.start, end=window.end, by=by))
        if progress is not None:
            progress(len(planned), len(plan.sessions))
    return planned


# --- in a worker ------------------------------------------------------------------------------
#
# Confirming a plan of every group of a large programme writes hundreds of sessions, each with
# its participations and outbox rows: on 250 residents in 34 groups a year is 319 sessions and
# took 12–22 s on PostgreSQL, longer than a request should wait. So the page queues it and a
# worker plans it, in one transaction as above, while the page shows its progress. The page
# queues it with ``services/year_plan_queue.py::year_plan_confirm``.

PROGRESS_TIMEOUT = 3600  # seconds the progress is kept; longer than a plan may run
YEAR_PLAN_TIME_LIMIT = dt.timedelta(minutes=15)  # the task's time_limit (tasks/year_plan.py)


def _progress_key(pk: int) -> str:
    return f"year-plan-run:{pk}:planned"


def year_plan_run_progress(run: YearPlanRun) -> tuple[int, int]:
    """(sessions planned, sessions to plan): the worker's last report while it runs (inside
    its transaction nothing shows in the database), the outcome afterwards."""
    if run.status == YearPlanRun.Status.RUNNING:
        planned, total = cache.get(_progress_key(run.pk)) or (0, 0)
        return planned, total
    return run.planned, run.total


class _Swept(Exception):
    """The run was failed by the sweeper while this worker planned it: roll back."""


def year_plan_run_apply(*, run_id: int) -> str:
    """Plan a queued run (``year_plan_apply``); running it twice plans once. The sessions and
    the run's outcome are written in one transaction, so a run marked failed by the sweeper
    meanwhile plans nothing."""
    if not YearPlanRun.objects.filter(pk=run_id, status=YearPlanRun.Status.QUEUED).update(
            status=YearPlanRun.Status.RUNNING, status_changed_at=timezone.now()):
        return "taken"  # another worker got there first, or it is finished
    run = YearPlanRun.objects.get(pk=run_id)
    groups = list(IntervisionGroup.objects.filter(pk__in=run.group_ids))

    def report(planned: int, total: int) -> None:
        cache.set(_progress_key(run_id), (planned, total), PROGRESS_TIMEOUT)

    try:
        with transaction.atomic():
            planned = year_plan_apply(groups=groups, first=run.first_day, last=run.last_day,
                                      by=run.created_by, fingerprint=run.fingerprint, progress=report)
            if not YearPlanRun.objects.filter(pk=run_id, status=YearPlanRun.Status.RUNNING).update(
                    status=YearPlanRun.Status.DONE, total=len(planned), planned=len(planned),
                    finished_at=timezone.now(), status_changed_at=timezone.now()):
                raise _Swept
    except ValidationError as error:
        year_plan_run_fail(run_id=run_id, reasons=error.messages)
        return YearPlanRun.Status.FAILED
    except _Swept:
        return YearPlanRun.Status.FAILED
    return YearPlanRun.Status.DONE


YEAR_PLAN_QUEUE_LIMIT = dt.timedelta(hours=1)  # queued longer: no worker took it


def year_plan_runs_sweep(*, now: dt.datetime | None = None) -> int:
    """Fail runs stuck queued or running past their limit (their worker is gone), so their
    pages stop waiting; how many. Running it again changes nothing."""
    now = now or timezone.now()
    stuck = YearPlanRun.objects.filter(
        Q(status=YearPlanRun.Status.QUEUED, status_changed_at__lt=now - YEAR_PLAN_QUEUE_LIMIT)
        | Q(status=YearPlanRun.Status.RUNNING,
            status_changed_at__lt=now - YEAR_PLAN_TIME_LIMIT - dt.timedelta(minutes=5))
    )
    reason = _("The plan stopped without finishing (its worker is gone); nothing was planned. "
               "Look at the plan again and confirm it.")
    return stuck.update(status=YearPlanRun.Status.FAILED, problems=[reason], planned=0,
                        finished_at=now, status_changed_at=now)


def year_plan_run_fail(*, run_id: int, reasons: Sequence[str]) -> None:
    YearPlanRun.objects.filter(pk=run_id).exclude(status=YearPlanRun.Status.DONE).update(
        status=YearPlanRun.Status.FAILED, problems=list(reasons), planned=0,
        finished_at=timezone.now(), status_changed_at=timezone.now())
