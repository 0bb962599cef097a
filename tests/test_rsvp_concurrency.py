"""Ten answers from one resident at the same moment (a double-clicking phone, a mail client
that opens every link) leave exactly one row, holding one of the answers given.

The resident joined after the session was planned, so every request finds no row and wants
to create one. PostgreSQL, where CI runs it; each thread has its own connection.
"""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from sessions_app.models import Participation
from sessions_app.services.participation import participation_answer
from sessions_app.services.sessions import session_plan

from .factories import GroupFactory, MembershipFactory, ResidentFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL matter"),
]

ANSWERS = [("yes", ""), ("no", "clinical_duty"), ("maybe", ""), ("no", "illness"), ("yes", "")] * 2


def test_ten_simultaneous_answers_by_one_resident_leave_one_row():
    group = GroupFactory()
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=20)
    for attempt in range(10):
        session = session_plan(group=group, start=start + dt.timedelta(days=attempt), by=None)
        resident = ResidentFactory()
        MembershipFactory(group=group, resident=resident, start_date=dt.date.today())
        assert not Participation.objects.filter(session=session, resident=resident).exists()
        barrier = threading.Barrier(len(ANSWERS))
        errors: list[BaseException] = []

        def answer(rsvp, reason, session=session, resident=resident, barrier=barrier, errors=errors):
            try:
                barrier.wait(timeout=30)
                participation_answer(session=session, resident=resident, answer=rsvp, reason=reason)
            except BaseException as error:
                errors.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=answer, args=pair) for pair in ANSWERS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, (attempt, errors)
        rows = list(Participation.objects.filter(session=session, resident=resident))
        assert len(rows) == 1, attempt
        assert (rows[0].rsvp, rows[0].absence_reason) in ANSWERS
