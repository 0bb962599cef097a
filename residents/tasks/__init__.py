"""Celery tasks of the residents app, one module per area. Celery's autodiscovery imports
this package, so each area module is imported here."""

from . import health, rosters  # noqa: F401
