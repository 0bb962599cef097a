"""Everything that changes state in sessions_app, one module per area:

- ``groups``: groups and memberships
- ``sessions``: planning, series, rescheduling, cancelling, status changes
- ``participation``: RSVPs, bookings and the waitlist, attendance
- ``notifications``: the outbox of e-mails and the dispatcher that sends them
- ``notes`` and ``evaluations``: confidential notes, anonymous evaluations
- ``composition``: composing groups with the planning engine

Callers import from the area module (``from sessions_app.services.sessions import session_plan``).
The group functions are re-exported here because the residents app uses them.
"""

from .groups import (
    check_intervisor_fits_groups,
    group_create,
    group_update,
    intervisor_conflicts,
    membership_add,
    membership_end,
    memberships_end_for_resident,
)

__all__ = [
    "check_intervisor_fits_groups",
    "group_create",
    "group_update",
    "intervisor_conflicts",
    "membership_add",
    "membership_end",
    "memberships_end_for_resident",
]
