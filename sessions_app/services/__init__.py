"""Everything that changes state in sessions_app, one module per area:

- ``groups``: groups and memberships
- ``sessions``: planning, series, rescheduling, cancelling, status changes
- ``waitlist``: seats and the waitlist order, shared by sessions and participation
- ``participation``: RSVPs, bookings and the waitlist, attendance
- ``notifications``: the outbox of e-mails and the dispatcher that sends them
- ``notes`` and ``evaluations``: confidential notes, anonymous evaluations
- ``composition``: composing groups (the solver itself runs in ``composition_solve``)
- ``suggestions``: the nightly suggestions and the clash check after roster imports
- ``privacy``: a person's data, exported or erased

Callers import the area module (``from sessions_app.services import sessions``).
"""
