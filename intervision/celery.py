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
    # Nightly, at a quiet hour: delete session notes older than the programme keeps them
    # (Programme.note_retention_months after the session), with an audit row per note.
    "purge-expired-notes": {
        "task": "sessions_app.tasks.retention.purge_expired_notes",
        "schedule": crontab(hour=3, minute=40),
    },
    # Nightly: the public holidays of the programme's country for the years around today, kept
    # on the programme's row so that web processes plan around them without the holidays
    # package. Also picks up a change of country by the next morning.
    "refresh-public-holidays": {
        "task": "residents.tasks.holidays.refresh_public_holidays",
        "schedule": crontab(hour=3, minute=10),
    },
    # Proves in the worker log that beat and a worker are alive; cheap, touches nothing.
    "heartbeat": {"task": "residents.tasks.health.heartbeat", "schedule": 60.0},
    # Nightly, before coordinators start their day: suggest times for groups whose next
    # session is not planned within their cadence, and mail each coordinator one digest.
    "prepare-suggestions": {
        "task": "sessions_app.tasks.suggestions.prepare_suggestions",
        "schedule": crontab(hour=5, minute=15),
    },
    # The outbox: hand every due notification (RSVP requests, reminders, changes …) to a
    # worker, and put back rows whose worker died. Every two minutes, so a reminder is at most
    # that late; a run with nothing due costs two queries.
    "dispatch-notifications": {
        "task": "sessions_app.tasks.notifications.dispatch_notifications",
        "schedule": 120.0,
    },
    # Every two minutes, like the outbox: the Accept / Decline / Maybe that calendar apps sent
    # to the reply mailbox (REPLY_MAILBOX_URL) become answers, so a resident who declined in
    # Outlook gets no reminders. Does nothing without a mailbox; one IMAP search when empty.
    "fetch-calendar-replies": {
        "task": "sessions_app.tasks.replies.fetch_replies",
        "schedule": 120.0,
    },
    # Monday morning, local time: each coordinator's digest of sessions in the next two weeks
    # with few answers, while there is still time to chase them.
    "low-rsvp-digests": {
        "task": "sessions_app.tasks.notifications.enqueue_low_rsvp_digests",
        "schedule": crontab(hour=7, minute=30, day_of_week="mon"),
    },
    # Every ten minutes: roster imports whose worker died (killed at the time limit, or the
    # machine went down) would show "importing" forever; fail those queued or running past
    # their limit so the coordinator sees it and can upload again. One UPDATE when none are.
    "sweep-stuck-roster-imports": {
        "task": "residents.tasks.rosters.sweep_stuck_roster_imports",
        "schedule": 600.0,
    },
    # Every two minutes: "forgot your password" requests whose task was lost (the broker was
    # away when they came) are handed on, and requests older than a day are forgotten (they
    # hold addresses anyone may have typed). One DELETE and one SELECT when there is nothing.
    "sweep-password-resets": {
        "task": "residents.tasks.accounts.sweep_password_resets",
        "schedule": 120.0,
    },
    # Every five minutes: the same for composition runs, failed once queued or running ten
    # minutes past their solver's time limit (the worker died or the task was lost), so the
    # page stops showing them as solving. A sweep with nothing stuck costs one query.
    "fail-stuck-compositions": {
        "task": "sessions_app.tasks.composition.fail_stuck_compositions",
        "schedule": 300.0,
    },
    # Every ten minutes: the same for confirmed plans of the year, failed once queued an hour
    # or running five minutes past their time limit, so their page stops showing "planning".
    "sweep-stuck-year-plans": {
        "task": "sessions_app.tasks.year_plan.sweep_stuck_year_plans",
        "schedule": 600.0,
    },
}
