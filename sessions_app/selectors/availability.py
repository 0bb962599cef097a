"""Scheduling suggestions: the database side of ``planning/availability.py``.

Loads what the pure engine needs — members, roster entries, the intervisors' absences and the
sessions they already lead, the group's windows and habits, the programme's rules — in a
fixed number of queries however many groups are asked for, runs the engine, and turns its
ids back into people. Also finds planned sessions that rosters now rule out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db.models import FloatField, Func, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from planning import availability as engine
from planning.availability import GroupRequest, Rules, Window
from residents.models import IntervisorAbsence, Programme, RosterEntry
from residents.selectors.coverage import coverage_spans, gaps
from residents.selectors.rules import rules_for
from residents.timezones import programme_zone

from ..models import AbsenceReason, IntervisionGroup, Membership, Session, SessionClash

DEFAULT_WEEKS = 12
# Sessions that hold their time: the intervisor is busy then, and clashes are looked for.
PLANNED = (Session.Status.PROPOSED, Session.Status.SCHEDULED)
CLASH_SHARE = 0.25  # a session clashes when more than a quarter of its members cannot come


# The engine explains in plain English words (``availability.REASONS``); these translate them.
REASON_LABELS = {
    "night shift": gettext_lazy("night shift"), "rest after nights": gettext_lazy("rest after nights"),
    "on call": gettext_lazy("on call"), "evening shift": gettext_lazy("evening shift"),
    "weekend duty": gettext_lazy("weekend duty"), "leave": gettext_lazy("leave"),
    "course": gettext_lazy("course"), "other duty": gettext_lazy("other duty"),
    "day duty": gettext_lazy("day duty"), "outpatient clinic": gettext_lazy("outpatient clinic"),
}


def reason_words(reasons: Iterable[str]) -> str:
    """The engine's reasons in the active language, joined: "night shift, leave"."""
    return ", ".join(str(REASON_LABELS.get(reason, reason)) for reason in reasons)


def local_moment(iso: str) -> dt.datetime:
    """An ISO 8601 time with offset, as suggestions and clashes store them, in the current zone."""
    return timezone.localtime(dt.datetime.fromisoformat(iso))


# --- rules and windows ------------------------------------------------------------------------

def parse_windows(data: object) -> list[Window]:
    """A group's ``candidate_windows`` JSON → engine windows; ValueError when malformed."""
    if not isinstance(data, list):
        raise ValueError("candidate windows must be a list")
    windows = []
    for item in data:
        if not isinstance(item, dict):
            raise ValueError("each window is an object with weekdays, start and end")
        weekdays = frozenset(int(d) for d in item.get("weekdays", ()))
        if not weekdays:
            raise ValueError("a window needs at least one weekday")
        windows.append(Window(weekdays, dt.time.fromisoformat(str(item["start"])),
                              dt.time.fromisoformat(str(item["end"]))))
    return windows


def windows_of(group: IntervisionGroup) -> tuple[Window, ...]:
    try:
        return tuple(parse_windows(group.candidate_windows))
    except (ValueError, KeyError, TypeError):
        # A window edited into nonsense in the admin must not break the page: use the default.
        from ..models import default_candidate_windows

        return tuple(parse_windows(default_candidate_windows()))


def windows_to_json(windows: Iterable[Window]) -> list[dict]:
    return [
        {"weekdays": sorted(w.weekdays), "start": w.start.strftime("%H:%M"),
         "end": w.end.strftime("%H:%M")}
        for w in windows
    ]


# --- loading ----------------------------------------------------------------------------------

def default_horizon(weeks: int = DEFAULT_WEEKS, *, now: dt.datetime | None = None,
                    tz: str | None = None) -> tuple[dt.datetime, dt.datetime]:
    """From local midnight tomorrow, ``weeks`` weeks long (the day itself is too late to plan)."""
    zone = ZoneInfo(tz) if tz else programme_zone()
    today = (now or timezone.now()).astimezone(zone).date()
    start = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0), zone)
    return start, start + dt.timedelta(weeks=weeks)


class RosterRow(NamedTuple):
    """A roster entry with the attributes of ``availability.Busy``, for readers that want
    names (the reference implementation, the fixed-plan comparison).

    ``Busy`` checks its input in ``__post_init__``; rows from the database are already
    guaranteed by its constraints (aware times, end after start, a known kind)."""

    person_id: int
    start: dt.datetime
    end: dt.datetime
    kind: str


class EpochSeconds(Func):
    """A datetime column as POSIX seconds (a float), computed by the database.

    The engine wants seconds; a driver turning every timestamp into an aware ``datetime``
    only for the engine to turn it back was most of the cost of reading a roster.
    """

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8",
                           **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        # julianday() counts milliseconds internally; rounding to them undoes the float error
        # of the conversion, so 16:00:00 comes out as a whole number of seconds.
        return self.as_sql(compiler, connection,
                           template="ROUND((julianday(%(expressions)s) - 2440587.5) * 86400.0, 3)",
                           **extra_context)


def _roster_entries(resident_ids: Iterable[int], start: dt.datetime, end: dt.datetime):
    """The entries the engine needs: from ``LOOKBACK`` (plus a day) before the horizon, which
    rest after nights and fatigue look back over, to its end."""
    since = start - engine.LOOKBACK - dt.timedelta(days=1)
    return RosterEntry.objects.filter(resident_id__in=list(resident_ids), end__gt=since, start__lt=end)


def roster_query(resident_ids: Iterable[int], start: dt.datetime, end: dt.datetime):
    """The rows the engine needs as plain ``(resident_id, start, end, kind)`` tuples, start
    and end in POSIX seconds: the shape ``availability`` reads directly, at the least cost."""
    return _roster_entries(resident_ids, start, end).values_list(
        "resident_id", EpochSeconds("start"), EpochSeconds("end"), "kind")


def load_roster(resident_ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> list[RosterRow]:
    """The same entries with names and datetimes (see ``RosterRow``), in one query."""
    rows = _roster_entries(resident_ids, start, end).values_list("resident_id", "start", "end", "kind")
    return list(map(RosterRow._make, rows))


def _intervisor_busy(
    intervisor_ids: set[int], start: dt.datetime, end: dt.datetime,
    exclude_sessions: Iterable[int] = (),
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """Absences and the sessions each intervisor already leads (two queries)."""
    busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    absences = IntervisorAbsence.objects.filter(
        intervisor_id__in=intervisor_ids, end__gt=start, start__lt=end
    ).values_list("intervisor_id", "start", "end")
    for pid, begin, finish in absences:
        busy[pid].append((begin, finish))
    sessions = Session.objects.filter(
        Q(intervisor_id__in=intervisor_ids) | Q(group__co_intervisor_id__in=intervisor_ids),
        status__in=PLANNED, end__gt=start, start__lt=end,
    )
    if exclude_sessions := list(exclude_sessions):
        sessions = sessions.exclude(pk__in=exclude_sessions)
    for leader, co_leader, begin, finish in sessions.values_list(
            "intervisor_id", "group__co_intervisor_id", "start", "end"):
        for pid in {leader, co_leader} & intervisor_ids:
            busy[pid].append((begin, finish))
    return busy


class Member(NamedTuple):
    """A member as suggestions show them: id and full name (no model instances needed)."""

    pk: int
    name: str


@dataclass
class GroupPlan:
    """One group ready for the engine: its members (in display order) and its request."""

    group: IntervisionGroup
    members: list[Member]
    request: GroupRequest
    rules: Rules
    last_session: dt.datetime | None = None

    @property
    def names(self) -> dict[int, str]:
        return {m.pk: m.name for m in self.members}

    def missing_rosters(self) -> list[MissingRosters]:
        """Members whose roster does not cover the whole horizon, grouped: none at all in it,
        none after a day (the last it covers), or gaps inside it. Empty when all are known."""
        known = self.request.member_known
        if known is None:
            return []
        start, end = self.request.horizon_start, self.request.horizon_end
        zone = ZoneInfo(self.rules.tz)
        none, after, holes = 0, defaultdict(int), 0
        for spans in known:
            missing = gaps(list(spans), start, end)
            if not missing:
                continue
            if not spans or missing == [(start, end)]:
                none += 1
            elif missing[-1][1] == end:
                after[missing[-1][0]] += 1  # where their roster stops
            else:
                holes += 1
        found = [MissingRosters(count, (stop - dt.timedelta(microseconds=1)).astimezone(zone).date())
                 for stop, count in sorted(after.items())]
        if none:
            found.insert(0, MissingRosters(none, None))
        if holes:
            found.append(MissingRosters(holes, None, gaps=True))
        return found


class MissingRosters(NamedTuple):
    """``count`` members without a roster in the horizon (``after`` None), after the day
    ``after``, or (``gaps``) for some days inside it."""

    count: int
    after: dt.date | None
    gaps: bool = False


def group_plans(
    groups: Sequence[IntervisionGroup], start: dt.datetime, end: dt.datetime, *,
    rules: Rules | None = None, exclude_sessions: Iterable[int] = (),
) -> list[GroupPlan]:
    """Requests for ``groups`` over [start, end) in five queries, whatever their number."""
    rules = rules or rules_for(Programme.get())
    zone = ZoneInfo(rules.tz)
    on = start.astimezone(zone).date()
    group_ids = [g.pk for g in groups]
    members: dict[int, list[Member]] = defaultdict(list)
    current = Membership.objects.on(on).filter(group_id__in=group_ids)
    memberships = current.order_by(
        "resident__user__last_name", "resident__user__first_name"
    ).values_list("group_id", "resident_id", "resident__user__first_name", "resident__user__last_name")
    for group_id, resident_id, first, last in memberships:
        # As User.get_full_name() spells it.
        members[group_id].append(Member(resident_id, f"{first} {last}".strip()))
    intervisor_ids = {i for g in groups for i in (g.intervisor_id, g.co_intervisor_id) if i}
    # Only busy time inside the horizon can touch a slot (unlike rosters, no look back).
    busy = _intervisor_busy(intervisor_ids, start, end, exclude_sessions)
    # What each member's roster covers: outside it, with no duty known, they are unknown.
    known = coverage_spans(current.order_by().values("resident_id"), start, end)
    # Each group's latest session before the horizon: one row per group, however long the
    # history.
    last: dict[int, dt.datetime] = dict(
        Session.objects.filter(
            group_id__in=group_ids, start__lt=start,
            status__in=[Session.Status.SCHEDULED, Session.Status.HELD],
        ).order_by().values("group_id").annotate(latest=Max("start")).values_list("group_id", "latest")
    )
    plans = []
    parsed: dict[str, tuple[Window, ...]] = {}  # groups share a handful of window sets
    for group in groups:
        leaders = {i for i in (group.intervisor_id, group.co_intervisor_id) if i}
        key = repr(group.candidate_windows)
        if key not in parsed:
            parsed[key] = windows_of(group)
        last_start = last.get(group.pk)
        local = last_start.astimezone(zone) if last_start else None
        request = GroupRequest(
            member_ids=tuple(r.pk for r in members[group.pk]),
            intervisor_busy=tuple(sorted(span for pid in leaders for span in busy.get(pid, ()))),
            windows=parsed[key],
            duration=dt.timedelta(minutes=_round_to_cell(group.default_duration_minutes)),
            horizon_start=start,
            horizon_end=end,
            last_session_start=last_start,
            cadence_weeks=group.cadence_weeks,
            usual_weekday=local.weekday() if local else None,
            usual_start=local.time().replace(tzinfo=None, second=0, microsecond=0) if local else None,
            member_known=tuple(tuple(known.get(r.pk, ())) for r in members[group.pk]),
        )
        plans.append(GroupPlan(group, members[group.pk], request, rules, last_start))
    return plans


def _round_to_cell(minutes: int) -> int:
    return -(-minutes // 15) * 15


# --- suggestions ------------------------------------------------------------------------------

@dataclass
class GroupSuggestions:
    """What the suggestions page shows for one group."""

    plan: GroupPlan
    suggestions: list[engine.Suggestion]
    matrix: engine.AvailabilityMatrix | None = None
    names: dict[int, str] = field(default_factory=dict)
    # No time reached the minimum share of members: these are the best times anyway.
    below_minimum: bool = False

    @property
    def required(self) -> int:
        return self.plan.rules.required_members(len(self.plan.members))


def suggest_for_group(
    group: IntervisionGroup, *, weeks: int = DEFAULT_WEEKS, start: dt.datetime | None = None,
    end: dt.datetime | None = None, limit: int = 10, with_matrix: bool = True,
    below_minimum: int = 0,
) -> GroupSuggestions:
    """Ranked suggestions for one group and, for the grid, who can come to each of them.

    Over [start, end), or ``weeks`` from ``start`` (default: from tomorrow). When no time
    reaches the minimum share of members, ``below_minimum`` (a number) asks for that many of
    the best times anyway, with ``below_minimum`` set on the result."""
    rules = rules_for(Programme.get())
    if start is None:
        start, end = default_horizon(weeks, tz=rules.tz)
    elif end is None:
        end = start + dt.timedelta(weeks=weeks)
    (plan,) = group_plans([group], start, end, rules=rules)
    roster = list(roster_query(plan.request.member_ids, start, end))
    suggestions = engine.suggest_slots(plan.request, roster, rules, limit=limit) if plan.members else []
    below = False
    if not suggestions and plan.members and below_minimum:
        # The same ranking with no share required: the intervisor must still be free.
        anyone = dataclasses.replace(rules, min_share=0)
        suggestions = engine.suggest_slots(plan.request, roster, anyone, limit=below_minimum)
        below = bool(suggestions)
    matrix = None
    if with_matrix and suggestions:
        matrix = engine.availability_matrix(plan.request, roster, [s.slot for s in suggestions], rules)
    return GroupSuggestions(plan, suggestions, matrix, plan.names, below_minimum=below)


def suggest_for_groups(
    groups: Sequence[IntervisionGroup], *, start: dt.datetime, end: dt.datetime,
    limit: int = 5, rules: Rules | None = None,
) -> dict[int, GroupSuggestions]:
    """Suggestions for many groups with one roster query for all their members."""
    rules = rules or rules_for(Programme.get())
    plans = group_plans(groups, start, end, rules=rules)
    # Read once for everybody; each group takes its members' rows from it.
    roster = engine.Roster(roster_query({pid for p in plans for pid in p.request.member_ids}, start, end),
                           rules)
    results = {}
    for plan in plans:
        found = engine.suggest_slots(plan.request, roster, rules, limit=limit) if plan.members else []
        results[plan.group.pk] = GroupSuggestions(plan, found, None, plan.names)
    return results


def suggestion_json(suggestion: engine.Suggestion, names: dict[int, str]) -> dict:
    """A suggestion as plain data (for snapshots, clashes and e-mails)."""
    return {
        "start": suggestion.start.isoformat(),
        "end": suggestion.end.isoformat(),
        "attending": suggestion.attending,
        "member_count": suggestion.member_count,
        "unavailable": [{"name": names.get(s.person_id, "?"), "reasons": list(s.reasons)}
                        for s in suggestion.unavailable],
        "released": [{"name": names.get(s.person_id, "?"), "reasons": list(s.reasons)}
                     for s in suggestion.released],
        "unknown": [names.get(pid, "?") for pid in suggestion.unknown],
    }


# --- clashes ----------------------------------------------------------------------------------

@dataclass
class Clash:
    """Who cannot come at a time: for a planned session (``session``) or a proposed one."""

    session: Session | None
    intervisor_unavailable: bool
    member_count: int
    unavailable: list[dict]  # {"resident_id", "name", "reasons"}
    alternatives: list[dict] = field(default_factory=list)

    @property
    def is_clash(self) -> bool:
        return self.intervisor_unavailable or len(self.unavailable) > CLASH_SHARE * self.member_count


def proposed_clashes(
    group: IntervisionGroup, times: Sequence[tuple[dt.datetime, dt.datetime]], *,
    rules: Rules | None = None, exclude_sessions: Iterable[int] = (),
) -> list[Clash]:
    """Who could not come to a session of ``group`` at each of ``times`` (start, end), from
    the rosters, the intervisor's absences and the other sessions they lead
    (``exclude_sessions``: the sessions being moved do not stand in their own way).
    Five queries (six without ``rules``) however many times are asked about."""
    if not times:
        return []
    rules = rules or rules_for(Programme.get())
    first, last = min(start for start, _ in times), max(end for _, end in times)
    (plan,) = group_plans([group], first, last, rules=rules, exclude_sessions=exclude_sessions)
    roster = list(roster_query(plan.request.member_ids, first, last))
    slots = [engine.Slot(start, end) for start, end in times]
    matrix = engine.availability_matrix(plan.request, roster, slots, rules)
    names = plan.names
    return [
        Clash(None, not intervisor_free, len(plan.members), [
            {"resident_id": row[at].person_id, "name": names[row[at].person_id],
             "reasons": list(row[at].reasons)}
            for row in matrix.rows if row[at].state == engine.UNAVAILABLE
        ])
        for at, intervisor_free in enumerate(matrix.intervisor_free)
    ]


def proposed_clash(group: IntervisionGroup, start: dt.datetime, end: dt.datetime, *,
                   rules: Rules | None = None, exclude_sessions: Iterable[int] = ()) -> Clash:
    """``proposed_clashes`` for one time."""
    (clash,) = proposed_clashes(group, [(start, end)], rules=rules, exclude_sessions=exclude_sessions)
    return clash


def roster_fits(resident_ids: Sequence[int], times: Sequence[tuple[dt.datetime, dt.datetime]], *,
                rules: Rules | None = None) -> dict[int, list[engine.MemberStatus]]:
    """How each of ``times`` fits each resident's roster, rest after nights included: per
    resident, one status per time (available, released from the duty named, or unavailable
    with the reasons). One query (two without ``rules``); none without residents or times."""
    ids = tuple(dict.fromkeys(resident_ids))
    if not times or not ids:
        return {pid: [] for pid in ids}
    rules = rules or rules_for(Programme.get())
    first, last = min(start for start, _ in times), max(end for _, end in times)
    request = GroupRequest(member_ids=ids, intervisor_busy=(), windows=(), duration=engine.CELL,
                           horizon_start=first, horizon_end=last)
    roster = list(roster_query(ids, first, last))
    matrix = engine.availability_matrix(request, roster, [engine.Slot(s, e) for s, e in times], rules)
    return {pid: list(row) for pid, row in zip(matrix.member_ids, matrix.rows, strict=True)}


def own_fit(resident_id: int, times: Sequence[tuple[dt.datetime, dt.datetime]], *,
            rules: Rules | None = None) -> list[engine.MemberStatus]:
    """``roster_fits`` for one resident: how each of ``times`` fits their own roster."""
    return roster_fits([resident_id], times, rules=rules)[resident_id]


# The absence reason a resident's own roster points to, for the "no" answer's pre-filled reason:
# duty is clinical duty, leave is leave; a course (or day work, which gives way) says nothing.
_CLINICAL = {engine.REASONS[k] for k in ("night", engine.REST, "on_call", "evening", "weekend", "other")}


def absence_reason_for(fit: engine.MemberStatus | None) -> str:
    """``AbsenceReason`` value the roster suggests for someone who cannot come, or ""."""
    if fit is None or fit.state != engine.UNAVAILABLE:
        return ""
    if engine.REASONS["leave"] in fit.reasons:
        return AbsenceReason.LEAVE
    if _CLINICAL & set(fit.reasons):
        return AbsenceReason.CLINICAL_DUTY
    return ""


def session_clash(session: Session, *, rules: Rules | None = None,
                  alternatives: int = 3) -> Clash:
    """Who can no longer come to a planned group session, and the best alternatives if
    rosters rule it out (the intervisor cannot come, or more than a quarter of the members)."""
    clash = proposed_clash(session.group, session.start, session.end, rules=rules,
                           exclude_sessions=[session.pk])
    clash.session = session
    if clash.is_clash and alternatives:
        found = suggest_for_group(session.group, limit=alternatives, with_matrix=False)
        clash.alternatives = [suggestion_json(s, found.names) for s in found.suggestions]
    return clash


def upcoming_sessions(*, since: dt.datetime | None = None, residents: Iterable[int] | None = None):
    """Planned group sessions from ``since`` on, optionally only of groups these residents are in."""
    sessions = Session.objects.filter(
        kind=Session.Kind.GROUP, status__in=PLANNED, start__gte=since or timezone.now()
    ).select_related("group", "group__intervisor__user")
    if residents is not None:
        groups = Membership.objects.filter(resident_id__in=list(residents)).values("group_id")
        sessions = sessions.filter(group_id__in=groups)
    return sessions.order_by("start")


def groups_needing_a_session(*, now: dt.datetime | None = None) -> list[IntervisionGroup]:
    """Active groups with members and no session planned within their cadence from now."""
    now = now or timezone.now()
    groups = list(
        IntervisionGroup.objects.active().select_related("intervisor__user").order_by("name")
    )
    planned = defaultdict(list)
    for group_id, begin in Session.objects.filter(
            group__in=groups, status__in=PLANNED, start__gte=now).values_list("group_id", "start"):
        planned[group_id].append(begin)
    return [
        g for g in groups
        if not any(b <= now + dt.timedelta(weeks=g.cadence_weeks) for b in planned[g.pk])
    ]


def open_clashes(group) -> list[SessionClash]:
    """Clashes of the group's upcoming sessions that no later check has cleared (one query)."""
    return list(
        SessionClash.objects.filter(session__group=group, cleared_at__isnull=True,
                                    session__start__gte=timezone.now(),
                                    session__status__in=PLANNED)
        .select_related("session").order_by("session__start")
    )
