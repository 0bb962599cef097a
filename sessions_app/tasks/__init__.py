"""Celery tasks of sessions_app, one module per area. Celery's autodiscovery imports this
package, so each area module is imported here."""

from . import composition, notifications, retention, suggestions  # noqa: F401
