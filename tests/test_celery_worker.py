"""A real worker, on the configured broker (the filesystem broker locally, Redis in CI), takes a
task sent the ordinary way and runs it."""

import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_success

from intervision.celery import app


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_the_configured_broker_runs_a_sent_task():
    app.loader.import_default_modules()
    done = threading.Event()

    def on_success(sender=None, result=None, **kwargs):
        if sender.name == "residents.tasks.health.heartbeat" and result == "ok":
            done.set()

    task_success.connect(on_success, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            app.send_task("residents.tasks.health.heartbeat")
            assert done.wait(timeout=20), "the worker did not run the task"
    finally:
        task_success.disconnect(on_success)
