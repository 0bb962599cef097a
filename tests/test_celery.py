"""Celery: one app configured from settings, one beat schedule, every periodic task runnable."""

import pytest

from intervision.celery import app


def test_the_app_reads_its_configuration_from_django_settings(settings):
    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert app.conf.broker_url == settings.CELERY_BROKER_URL


@pytest.mark.django_db
def test_every_periodic_task_runs_once(celery_eager):
    app.loader.import_default_modules()
    assert app.conf.beat_schedule, "the beat schedule is empty"
    for name, entry in app.conf.beat_schedule.items():
        task = app.tasks[entry["task"]]
        result = task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}))
        assert result.successful(), name
