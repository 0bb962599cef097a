"""The one Celery app, configured from Django settings (``CELERY_*``), with the beat schedule.

The schedule lives here, in code, so there is exactly one of it; each entry says why it runs.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intervision.settings")

app = Celery("intervision")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Proves in the worker log that beat and a worker are alive; cheap, touches nothing.
    "heartbeat": {"task": "residents.tasks.heartbeat", "schedule": 60.0},
    # Nightly, before coordinators start their day: suggest times for groups whose next
    # session is not planned within their cadence, and mail each coordinator one digest.
    "prepare-suggestions": {
        "task": "sessions_app.tasks.suggestions.prepare_suggestions",
        "schedule": crontab(hour=5, minute=15),
    },
}
