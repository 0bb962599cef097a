"""Properties of the availability engine over random rosters.

Hypothesis draws groups, rosters with every kind of duty (nights often in series), windows
with odd minutes and horizons around DST changes and public holidays, in several zones.
Whatever it draws, the engine must agree with the plain interval-based reference, and no
suggestion may count a member who is on blocking duty or resting.
"""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planning.availability import (
    KINDS,
    RELEASED,
    UNAVAILABLE,
    Busy,
    GroupRequest,
    Roster,
    Rules,
    Slot,
    Window,
    availability_matrix,
    feasible_slots,
    suggest_slots,
)
from planning.reference import reference_feasible_slots, reference_rest_periods

ZONES = ["Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "UTC"]
# DST changes (both directions, EU and US), King's Day, Ascension Day and Christmas.
ANCHORS = [
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2025, 10, 26),
    date(2026, 3, 8),
    date(2026, 11, 1),
    date(2026, 4, 27),
    date(2026, 5, 14),
    date(2025, 12, 25),
]
NON_QUARTER = st.integers(0, 59)
MEMBERS = 6
OUTSIDER = 99  # in the roster, not in the group: must be ignored


@st.composite
def instants(draw, low: datetime, span_minutes: int) -> datetime:
    """An instant in a random zone, on the quarter hour or not."""
    minutes = draw(st.integers(0, span_minutes))
    if draw(st.booleans()):
        minutes -= minutes % 15
    value = low + timedelta(minutes=minutes)
    return value.astimezone(ZoneInfo(draw(st.sampled_from(ZONES))))


@st.composite
def night_series(draw, person: int, low: datetime, span_minutes: int) -> list[Busy]:
    first = draw(instants(low, span_minutes))
    gap = timedelta(hours=draw(st.sampled_from([12, 14, 20, 24, 30, 38])))
    length = timedelta(hours=draw(st.integers(6, 12)))
    nights, start = [], first
    for _ in range(draw(st.integers(1, 5))):
        nights.append(Busy(person, start, start + length, "night"))
        start = start + length + gap
    return nights


@st.composite
def windows(draw) -> Window:
    weekdays = frozenset(draw(st.sets(st.integers(0, 6), min_size=1)))
    start_minute = draw(st.integers(0, 22 * 60))
    if draw(st.booleans()):
        start_minute -= start_minute % 15
    # Mostly a few hours wide, sometimes very narrow: wide enough to hold slots often.
    end_minute = min(23 * 60 + 59, start_minute + draw(st.integers(1, 10 * 60)))
    as_time = lambda m: time(m // 60, m % 60)  # noqa: E731
    return Window(weekdays, as_time(start_minute), as_time(end_minute))


@st.composite
def scenarios(draw) -> tuple[GroupRequest, list[Busy], Rules]:
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    anchor = draw(st.sampled_from(ANCHORS))
    horizon_start = datetime.combine(
        anchor - timedelta(days=draw(st.integers(0, 4))), time(), zone
    ) + timedelta(minutes=draw(st.integers(0, 24 * 60)))
    horizon_end = horizon_start + timedelta(minutes=draw(st.integers(60, 6 * 24 * 60)))
    members = tuple(range(1, draw(st.integers(0, MEMBERS)) + 1))

    # Roster entries from well before the horizon (rest and fatigue look back) to its end.
    low = horizon_start - timedelta(days=9)
    span = int((horizon_end - low).total_seconds() // 60)
    people = st.sampled_from([*members, OUTSIDER]) if members else st.just(OUTSIDER)
    roster: list[Busy] = []
    for _ in range(draw(st.integers(0, 30))):
        start = draw(instants(low, span))
        minutes = draw(st.integers(1, 14 * 60) | st.integers(1, 3 * 24 * 60))  # to 3 days
        kind = draw(st.sampled_from(sorted(KINDS)))
        roster.append(Busy(draw(people), start, start + timedelta(minutes=minutes), kind))
    for _ in range(draw(st.integers(0, 3))):
        roster.extend(draw(night_series(draw(people), low, span)))

    intervisor = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(instants(horizon_start - timedelta(days=1), span))
        intervisor.append((start, start + timedelta(minutes=draw(st.integers(1, 24 * 60)))))

    closed = draw(st.sets(st.sampled_from([anchor + timedelta(days=d) for d in range(-2, 5)])))
    request = GroupRequest(
        member_ids=members,
        intervisor_busy=tuple(intervisor),
        windows=tuple(draw(st.lists(windows(), min_size=1, max_size=3))),
        duration=timedelta(minutes=15 * draw(st.integers(1, 12))),
        horizon_start=horizon_start,
        horizon_end=horizon_end,
        last_session_start=draw(st.none() | st.just(horizon_start - timedelta(days=30))),
        cadence_weeks=draw(st.none() | st.integers(4, 8)),
        usual_weekday=draw(st.none() | st.integers(0, 6)),
        usual_start=draw(st.none() | st.just(time(16))),
        closed_dates=frozenset(closed),
    )
    rules = Rules(
        give_way_kinds=frozenset(draw(st.sets(st.sampled_from(sorted(KINDS)), max_size=4))),
        min_share=draw(st.sampled_from([0, 0.5, 0.6, 0.75, 1.0])),
        country=draw(st.sampled_from(["NL", None])),
        tz=zone.key,
        series_length=draw(st.integers(2, 4)),
    )
    return request, roster, rules


def _overlaps(slot_start: datetime, slot_end: datetime, start: datetime, end: datetime) -> bool:
    return start < slot_end and slot_start < end


PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(scenarios())
def test_the_engine_finds_exactly_the_slots_the_reference_finds(scenario):
    request, roster, rules = scenario
    engine = {(s.start, s.end, s.available, s.released) for s in feasible_slots(request, roster, rules)}
    reference = {
        (s.start, s.end, s.available, s.released) for s in reference_feasible_slots(request, roster, rules)
    }
    assert engine == reference


@PROPERTY_SETTINGS
@given(scenarios())
def test_it_never_counts_a_member_on_blocking_duty_or_resting_and_the_intervisor_is_free(
    scenario,
):
    request, roster, rules = scenario
    suggestions = suggest_slots(request, roster, rules, limit=1000)
    required = rules.required_members(len(request.member_ids))
    for suggestion in suggestions:
        start, end = suggestion.start, suggestion.end
        assert not any(_overlaps(start, end, s, e) for s, e in request.intervisor_busy)
        assert len(suggestion.available) >= required
        for person in suggestion.available:
            mine = [entry for entry in roster if entry.person_id == person]
            blocking = [e for e in mine if e.kind not in rules.give_way_kinds]
            assert not any(_overlaps(start, end, e.start, e.end) for e in blocking)
            # The plain rule, independent of any series logic: 14 h after every night.
            assert not any(e.end <= start < e.end + rules.rest_after_night for e in mine if e.kind == "night")
            rests = reference_rest_periods([(e.start, e.end) for e in mine if e.kind == "night"], rules)
            assert not any(_overlaps(start, end, s, e) for s, e in rests)
        for status in suggestion.unavailable:
            assert status.person_id not in suggestion.available
            assert status.reasons


@PROPERTY_SETTINGS
@given(scenarios())
def test_suggestions_are_ranked_spread_over_days_and_come_from_the_feasible_slots(scenario):
    request, roster, rules = scenario
    feasible = {s.start: s for s in feasible_slots(request, roster, rules)}
    suggestions = suggest_slots(request, roster, rules, limit=1000)
    zone = ZoneInfo(rules.tz)

    attendance = [s.attending for s in suggestions]
    assert attendance == sorted(attendance, reverse=True)
    per_day: dict[date, list[Slot]] = {}
    for suggestion in suggestions:
        assert set(suggestion.available) == feasible[suggestion.start].available
        same_day = per_day.setdefault(suggestion.start.astimezone(zone).date(), [])
        assert not any(_overlaps(suggestion.start, suggestion.end, o.start, o.end) for o in same_day)
        same_day.append(suggestion.slot)
    assert all(len(slots) <= 2 for slots in per_day.values())
    # Every feasible day is offered: the spreading drops slots, never whole days.
    assert set(per_day) == {s.astimezone(zone).date() for s in feasible}


@PROPERTY_SETTINGS
@given(scenarios())
def test_the_matrix_agrees_with_the_feasible_slots(scenario):
    request, roster, rules = scenario
    feasible = feasible_slots(request, roster, rules)[:20]
    matrix = availability_matrix(request, roster, [Slot(s.start, s.end) for s in feasible], rules)
    assert all(matrix.intervisor_free)
    for index, slot in enumerate(feasible):
        column = {pid: matrix.cell(pid, index) for pid in request.member_ids}
        assert {p for p, c in column.items() if c.state != UNAVAILABLE} == slot.available
        assert {p for p, c in column.items() if c.state == RELEASED} == slot.released
        assert all(c.reasons for c in column.values() if c.state in (UNAVAILABLE, RELEASED))


@PROPERTY_SETTINGS
@given(scenarios())
def test_a_roster_read_once_in_seconds_plans_every_group_as_the_entries_do(scenario):
    request, roster, rules = scenario
    # As the database hands them over: plain tuples with POSIX seconds, everybody's at once.
    shared = Roster([(e.person_id, e.start.timestamp(), e.end.timestamp(), e.kind) for e in roster], rules)
    # A second group of the same people, listed the other way round, reads the same roster.
    reversed_request = replace(request, member_ids=request.member_ids[::-1])
    for asked in (request, reversed_request):
        expected = suggest_slots(asked, roster, rules, limit=1000)
        assert suggest_slots(asked, shared, rules, limit=1000) == expected
        assert feasible_slots(asked, shared, rules) == feasible_slots(asked, roster, rules)
        slots = [Slot(s.start, s.end) for s in feasible_slots(asked, roster, rules)[:10]]
        matrix = availability_matrix(asked, roster, slots, rules)
        assert availability_matrix(asked, shared, slots, rules) == matrix


def test_the_generated_scenarios_reach_feasible_slots_and_suggestions_in_utc():
    # Guard against a strategy so strict that the properties above hold vacuously.
    # Derandomized: the guard checks the strategy, so it must not depend on luck.
    @settings(max_examples=100, deadline=None, database=None, derandomize=True)
    @given(scenarios())
    def collect(scenario):
        request, roster, rules = scenario
        slots = feasible_slots(request, roster, rules)
        found.append(bool(slots) and bool(request.member_ids))
        assert all(s.start.tzinfo is UTC for s in slots)

    found: list[bool] = []
    collect()
    assert sum(found) >= 10


def _cells(entries: list[Busy]) -> set[int]:
    """The quarter hours since the epoch that the entries touch."""
    touched: set[int] = set()
    for entry in entries:
        start, end = entry.start.timestamp(), entry.end.timestamp()
        touched.update(range(int(start // 900), -int(-end // 900)))
    return touched


def _ranked_by_hand(request: GroupRequest, roster: list[Busy], rules: Rules, limit: int) -> list[tuple]:
    """Every feasible slot with its keys as the engine's docstring lists them, sorted, then
    spread over days: the ranking worked out in full, with sets of cells."""
    zone = ZoneInfo(rules.tz)
    worked = {pid: _cells([e for e in roster if e.person_id == pid and e.kind != "leave"])
              for pid in request.member_ids}
    nights = {pid: _cells([e for e in roster if e.person_id == pid and e.kind == "night"])
              for pid in request.member_ids}
    off_nights, heavy = int(rules.fatigue_after_night.total_seconds() // 900), rules.heavy_week_hours * 4
    target = None
    if request.last_session_start is not None and request.cadence_weeks is not None:
        target = request.last_session_start.astimezone(zone).date() + timedelta(weeks=request.cadence_weeks)
    keyed = []
    for slot in feasible_slots(request, roster, rules):
        now = int(slot.start.timestamp() // 900)
        tired = {pid for pid in slot.available
                 if nights[pid] & set(range(now - off_nights, now))
                 or len(worked[pid] & set(range(now - 7 * 96, now))) > heavy}
        local = slot.start.astimezone(zone)
        breaks = (request.usual_weekday is not None and local.weekday() != request.usual_weekday) + (
            request.usual_start is not None and local.time().replace(tzinfo=None) != request.usual_start)
        distance = abs((local.date() - target).days) if target else 0
        keyed.append(((-len(slot.available), len(tired), distance, breaks, slot.start), slot, tired))
    keyed.sort(key=lambda item: item[0])
    taken: dict[date, list[Slot]] = {}
    found = []
    for _key, slot, tired in keyed:
        same_day = taken.setdefault(slot.start.astimezone(zone).date(), [])
        if len(same_day) >= 2 or any(_overlaps(slot.start, slot.end, o.start, o.end) for o in same_day):
            continue
        same_day.append(Slot(slot.start, slot.end))
        found.append((slot.start, slot.available, frozenset(tired)))
        if len(found) == limit:
            break
    return found


@st.composite
def tiring_scenarios(draw) -> tuple[GroupRequest, list[Busy], Rules]:
    """Scenarios in which members work long weeks, around the heavy-week line: a shift on
    most days from well before a horizon of days, mostly work that gives way (so the tired
    can still come), some overlapping (on call over a day's work). Who is tired then differs
    from slot to slot, and the ranking has to weigh it."""
    request, roster, rules = draw(scenarios())
    horizon_end = max(request.horizon_end, request.horizon_start + timedelta(days=draw(st.integers(2, 6))))
    wide = (Window(frozenset(range(7)), time(7), time(21)),)
    request = replace(request, horizon_end=horizon_end,
                      windows=draw(st.sampled_from([request.windows, wide])))
    low = request.horizon_start - timedelta(days=9)
    days = (horizon_end - low).days + 1
    for person in request.member_ids:
        if draw(st.integers(0, 3)) == 0:
            continue
        for day in range(days):
            if draw(st.integers(0, 6)) == 0:
                continue  # a day off now and then
            minutes = 15 * draw(st.integers(0, 40)) + draw(st.sampled_from([0, 7]))
            start = low + timedelta(days=day, minutes=minutes)
            kind = draw(st.sampled_from(["day", "day", "outpatient", "leave", "course", "night"]))
            roster.append(Busy(person, start, start + timedelta(hours=draw(st.integers(6, 12))), kind))
            if draw(st.integers(0, 5)) == 0:
                on_call = start + timedelta(hours=2)
                roster.append(Busy(person, on_call, on_call + timedelta(hours=12), "on_call"))
    rules = replace(rules, give_way_kinds=rules.give_way_kinds | {"day", "outpatient", "on_call"},
                    min_share=draw(st.sampled_from([0, 0.5])))
    return request, roster, rules


@PROPERTY_SETTINGS
@given(tiring_scenarios(), st.sampled_from([1, 3, 10, 1000]))
def test_the_ranking_is_that_of_sorting_every_feasible_slot_by_every_key(scenario, limit):
    request, roster, rules = scenario
    expected = _ranked_by_hand(request, roster, rules, limit)
    shared = Roster([(e.person_id, e.start.timestamp(), e.end.timestamp(), e.kind) for e in roster], rules)
    for read in (roster, shared):
        assert [(s.start, frozenset(s.available), frozenset(s.fatigued))
                for s in suggest_slots(request, read, rules, limit=limit)] == expected
