"""Celery tasks of sessions_app, one module per area. Celery's autodiscovery imports this
package, so each area module is imported here."""

# The project's Celery app first, so these tasks bind to it in whatever process imports them.
import intervision.celery  # noqa: F401

from . import composition, notifications, replies, retention, suggestions, year_plan  # noqa: F401
