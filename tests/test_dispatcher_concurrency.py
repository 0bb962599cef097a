"""Dispatchers and duplicate deliveries of the same send task running at the same moment, each
thread on its own database connection: every message still leaves exactly once. The claim is a
conditional UPDATE that PostgreSQL re-checks after waiting for a competing one; this is a
PostgreSQL matter, where CI runs it."""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from sessions_app.models import Notification
from sessions_app.services.notifications import Kind, enqueue
from sessions_app.services.sessions import session_plan
from sessions_app.tasks.notifications import dispatch_notifications, send_notification

from .factories import GroupFactory, MembershipFactory, ResidentFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL matter"),
    pytest.mark.usefixtures("celery_eager"),
]


def _together(jobs) -> None:
    """Start every job at the same moment, each in its own thread with its own connection."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job) -> None:
        try:
            barrier.wait(timeout=30)
            job()
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def _sent_per_row() -> Counter:
    return Counter(int(m.extra_headers["X-Intervision-Notification"]) for m in mail.outbox)


def test_duplicate_deliveries_of_one_task_at_the_same_moment_send_once(cora):
    group = GroupFactory()
    members = [ResidentFactory().user for _ in range(30)]
    for user in members:
        MembershipFactory(group=group, resident=user.resident)
    session = session_plan(group=group, start=timezone.now() + dt.timedelta(days=10), by=cora)
    Notification.objects.exclude(kind=Kind.REMINDER_24H).delete()
    Notification.objects.update(due_at=timezone.now() - dt.timedelta(minutes=1))
    rows = list(Notification.objects.filter(session=session).values_list("pk", flat=True))
    assert len(rows) == 30

    # Ten workers receive the same message at once, thirty times over.
    for pk in rows:
        _together([lambda pk=pk: send_notification.apply(args=[pk]) for _ in range(10)])

    assert _sent_per_row() == Counter({pk: 1 for pk in rows})
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_dispatchers_and_redelivered_tasks_racing_send_each_message_once(cora, ivan):
    group = GroupFactory(intervisor=ivan.intervisor)
    for _ in range(6):
        MembershipFactory(group=group, resident=ResidentFactory())
    start = timezone.now() + dt.timedelta(days=10)
    session_plan(group=group, start=start, by=cora)
    coordinators = [cora]
    enqueue(Kind.LOW_RSVP_DIGEST, coordinators, None, "week:2099-W01", timezone.now())
    # Everything about the session falls due now: request, reminders, nudge, prompt.
    Notification.objects.update(due_at=timezone.now() - dt.timedelta(minutes=1))
    rows = list(Notification.objects.values_list("pk", flat=True))

    def redeliver_everything():
        for pk in rows:
            send_notification.apply(args=[pk])

    _together([dispatch_notifications.apply] * 3 + [redeliver_everything] * 3)
    dispatch_notifications.apply()  # and a third dispatcher run after the race

    sent = _sent_per_row()
    assert set(sent.values()) == {1}
    assert Counter(
        (n.kind, n.session_id, n.recipient_id) for n in Notification.objects.filter(pk__in=sent)
    ).most_common(1)[0][1] == 1
    statuses = Counter(Notification.objects.values_list("status", flat=True))
    assert statuses["sent"] == len(sent) and statuses["pending"] == statuses["sending"] == 0
    assert statuses["sent"] >= 6 * 4  # requests, two reminders and a nudge for each member
