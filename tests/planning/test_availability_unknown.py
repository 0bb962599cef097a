"""Missing data is not availability: a member whose roster does not cover a slot is unknown,
never free, and counts against the slot as a busy member does.

Personas as in test_availability.py: anna, bram, cees and dirk, Mon–Fri 16:00–18:00 Amsterdam,
the quiet week of Monday 1 to Friday 5 June 2026.
"""

from datetime import timedelta

from planning.availability import (
    AVAILABLE,
    RELEASED,
    UNAVAILABLE,
    UNKNOWN,
    Busy,
    Slot,
    availability_matrix,
    feasible_slots,
    suggest_slots,
)
from tests.planning.test_availability import ANNA, BRAM, CEES, DIRK, local, request

WEEK = ((local("2026-06-01"), local("2026-06-06")),)
UNTIL_WEDNESDAY = ((local("2026-06-01"), local("2026-06-03")),)  # Monday and Tuesday


def known(**spans):
    """member_known for the group: each member's spans, the whole week unless named."""
    names = {"anna": ANNA, "bram": BRAM, "cees": CEES, "dirk": DIRK}
    given = {names[name]: value for name, value in spans.items()}
    return tuple(given.get(pid, WEEK) for pid in (ANNA, BRAM, CEES, DIRK))


def test_without_coverage_every_member_is_known_as_before():
    assert request().member_known is None
    assert all(len(s.available) == 4 for s in feasible_slots(request(), []))


def test_a_member_whose_roster_ends_is_unknown_after_it_not_free():
    req = request(member_known=known(anna=UNTIL_WEDNESDAY))
    best = suggest_slots(req, [], limit=20, max_per_day=1)
    tuesday = [s for s in best if s.start.astimezone(local("2026-06-01").tzinfo).day == 2]
    thursday = [s for s in best if s.start.astimezone(local("2026-06-01").tzinfo).day == 4]
    assert ANNA in tuesday[0].available and tuesday[0].unknown == ()
    assert ANNA not in thursday[0].available and thursday[0].unknown == (ANNA,)
    assert thursday[0].unavailable == ()  # unknown is not busy either


def test_unknowns_count_against_the_slot_in_the_ranking():
    # Cees works evenings Monday and Tuesday; from Wednesday anna is unknown; Friday dirk
    # is busy too. Three can come on four days, two on Friday: Friday ranks last.
    busy = [Busy(CEES, local(day, 15), local(day, 23), "evening") for day in ("2026-06-01", "2026-06-02")]
    busy.append(Busy(DIRK, local("2026-06-05", 15), local("2026-06-05", 23), "evening"))
    req = request(member_known=known(anna=UNTIL_WEDNESDAY))
    ranked = suggest_slots(req, busy, limit=5, max_per_day=1)
    counts = [(s.attending, len(s.unknown), len(s.unavailable)) for s in ranked]
    assert counts == [(3, 0, 1), (3, 0, 1), (3, 1, 0), (3, 1, 0)]  # Friday: 2 of 4, below 75%


def test_too_many_unknowns_make_a_slot_infeasible_like_busy_members():
    req = request(member_known=known(anna=UNTIL_WEDNESDAY, bram=UNTIL_WEDNESDAY))
    days = {s.start.date().isoformat() for s in feasible_slots(req, [])}
    assert days == {"2026-06-01", "2026-06-02"}  # 2 of 4 is below 75%


def test_a_known_duty_outside_the_coverage_is_still_busy_not_unknown():
    req = request(member_known=known(anna=UNTIL_WEDNESDAY))
    thursday = local("2026-06-04", 16)
    leave = Busy(ANNA, local("2026-06-04"), local("2026-06-05"), "leave")
    day_work = Busy(BRAM, local("2026-06-04", 8), local("2026-06-04", 17), "day")
    matrix = availability_matrix(req, [leave, day_work], [Slot(thursday, thursday + timedelta(hours=2))])
    states = [row[0].state for row in matrix.rows]
    assert states == [UNAVAILABLE, RELEASED, AVAILABLE, AVAILABLE]
    friday = local("2026-06-05", 16)
    later = availability_matrix(req, [], [Slot(friday, friday + timedelta(hours=2))])
    assert later.cell(ANNA, 0).state == UNKNOWN and later.cell(BRAM, 0).state == AVAILABLE


def test_a_member_with_no_roster_at_all_is_unknown_everywhere():
    req = request(member_known=known(dirk=()))
    assert all(DIRK not in s.available for s in feasible_slots(req, []))
    assert all(s.unknown == (DIRK,) for s in suggest_slots(req, [], limit=5))
