"""Celery tasks of the residents app, one module per area. Celery's autodiscovery imports
this package, so each area module is imported here."""

# The project's Celery app first, so these tasks bind to it in whatever process imports them.
import intervision.celery  # noqa: F401

from . import accounts, health, holidays, imports, rosters  # noqa: F401
