"""The real path, without eager mode: the dispatcher publishes one send task per due row on the
configured broker (the filesystem broker locally, Redis in CI), and a worker sends them."""

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from intervision.celery import app
from sessions_app.models import Notification
from sessions_app.services.notifications import Kind
from sessions_app.services.sessions import session_plan
from sessions_app.tasks.notifications import dispatch_notifications


@pytest.mark.django_db(transaction=True)
def test_a_worker_sends_what_the_dispatcher_hands_out(group, rosa, ruben, cora):
    app.loader.import_default_modules()
    session_plan(group=group, start=timezone.now() + dt.timedelta(days=10), by=cora)
    requests = Notification.objects.filter(kind=Kind.RSVP_REQUEST)
    assert requests.count() == 2

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        dispatch_notifications.delay()  # as beat would: the worker runs the dispatcher too
        deadline = time.monotonic() + 30
        while requests.exclude(status="sent").exists():
            assert time.monotonic() < deadline, list(requests.values_list("status", "last_error"))
            time.sleep(0.1)

    # The residents' requests; the intervisor's invitation may have gone in the same run.
    assert sorted(m.to[0] for m in mail.outbox if m.to[0] != group.intervisor.user.email) == [
        rosa.email, ruben.email]
    assert set(requests.values_list("attempts", flat=True)) == {1}
