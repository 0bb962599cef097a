"""Two coordinators adding the last member at the same moment: exactly one succeeds.

The group row is locked while its size is counted, so this holds on PostgreSQL, where CI runs it.
"""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from sessions_app.services import groups as services

from .factories import GroupFactory, MembershipFactory, ResidentFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL matter")
def test_racing_for_the_last_seat_admits_exactly_one():
    for attempt in range(5):
        group = GroupFactory(min_size=2, max_size=3)
        MembershipFactory.create_batch(2, group=group, start_date=dt.date(2026, 1, 5))
        contenders = ResidentFactory.create_batch(8)
        barrier = threading.Barrier(len(contenders))
        outcomes: list[str] = []

        def join(resident, group=group, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait()
                services.membership_add(group=group, resident=resident, start_date=dt.date(2026, 2, 2))
                outcomes.append("joined")
            except ValidationError as error:
                outcomes.append("full" if "is full" in str(error) else str(error))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=join, args=(r,)) for r in contenders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["full"] * 7 + ["joined"], attempt
        assert group.memberships.count() == 3
