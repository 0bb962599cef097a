"""Twenty residents asking for the last seat at the same moment: exactly one gets it, the others
queue up in the order they got their turn, numbered 1 to 19 without gaps.

Each thread has its own database connection, so the requests really race. The session row is
locked while the seats are counted; this is a PostgreSQL matter, where CI runs it.
"""

import datetime as dt
import threading
import time
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from sessions_app.models import Participation, Session
from sessions_app.services.participation import participation_book

from .factories import IntervisorFactory, ResidentFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL matter"),
]

CONTENDERS = 20
ROUNDS = 50
FIRST = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=30)


def _open_sessions(count: int, *, capacity: int = 1) -> list[Session]:
    leader = IntervisorFactory()
    # A day apart, so one resident's bookings in different rounds never overlap.
    return [
        Session.objects.create(
            kind=Session.Kind.OPEN, intervisor=leader, capacity=capacity, title=f"Round {n}",
            start=FIRST + dt.timedelta(days=n), end=FIRST + dt.timedelta(days=n, minutes=90),
        )
        for n in range(count)
    ]


def _check_round(session: Session, *, seats: int = 1) -> None:
    rows = list(Participation.objects.filter(session=session))
    assert len(rows) == CONTENDERS, session
    assert Counter(p.booking for p in rows) == {"booked": seats, "waitlisted": CONTENDERS - seats}, session
    waiting = sorted((p for p in rows if p.booking == "waitlisted"), key=lambda p: p.waitlist_position)
    assert [p.waitlist_position for p in waiting] == list(range(1, CONTENDERS - seats + 1)), session
    # In order of arrival: every place was handed out under the lock, stamped with the time of
    # its turn, so the queue follows those stamps, and every seat was taken before any place.
    stamps = [p.booked_at for p in waiting]
    assert stamps == sorted(stamps), session
    assert max(p.booked_at for p in rows if p.booking == "booked") <= stamps[0], session


def _race(rounds: int, attempt) -> list[list[str]]:
    """Run ``attempt(thread_index, round_index)`` in CONTENDERS threads, all rounds, a barrier
    before each round; returns the outcomes per round. Each thread keeps its own connection."""
    barrier = threading.Barrier(CONTENDERS)
    outcomes: list[list[str]] = [[] for _ in range(rounds)]
    errors: list[BaseException] = []

    def contender(index: int) -> None:
        try:
            for n in range(rounds):
                barrier.wait(timeout=30)
                outcomes[n].append(attempt(index, n))
        except BaseException as error:  # reported by the main thread
            errors.append(error)
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(CONTENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    return outcomes


def test_twenty_requests_for_the_last_seat_fifty_times_admit_exactly_one_each_time():
    residents = ResidentFactory.create_batch(CONTENDERS)
    sessions = _open_sessions(ROUNDS)
    began = time.monotonic()

    def book(index: int, n: int) -> str:
        return participation_book(session=sessions[n], resident=residents[index]).booking

    outcomes = _race(ROUNDS, book)
    elapsed = time.monotonic() - began
    for n, session in enumerate(sessions):
        assert Counter(outcomes[n]) == {"booked": 1, "waitlisted": CONTENDERS - 1}, n
        _check_round(session)
    assert elapsed < 60, f"{ROUNDS} rounds took {elapsed:.1f} s"


def test_twenty_requests_for_the_last_two_seats_never_overbook():
    residents = ResidentFactory.create_batch(CONTENDERS)
    sessions = _open_sessions(5, capacity=2)
    _race(5, lambda index, n: participation_book(session=sessions[n], resident=residents[index]).booking)
    for session in sessions:
        _check_round(session, seats=2)


def test_twenty_partial_requests_through_the_page_get_one_seat_and_nineteen_409s():
    residents = ResidentFactory.create_batch(CONTENDERS)
    sessions = _open_sessions(3)
    clients = []
    for resident in residents:
        client = Client()
        client.force_login(resident.user)
        clients.append(client)

    def post(index: int, n: int) -> str:
        response = clients[index].post(reverse("session_book", kwargs={"pk": sessions[n].pk}),
                                       HTTP_HX_REQUEST="true")
        body = response.content.decode()
        if response.status_code == 200 and "You have a seat" in body:
            return "seat"
        if response.status_code == 409 and "Full — you are on the waitlist at position" in body:
            return "waitlist"
        return f"{response.status_code}: {body[:200]}"

    outcomes = _race(len(sessions), post)
    for n, session in enumerate(sessions):
        assert Counter(outcomes[n]) == {"seat": 1, "waitlist": CONTENDERS - 1}, outcomes[n]
        _check_round(session)
