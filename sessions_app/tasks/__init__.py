"""Celery tasks of sessions_app, one module per area. Celery's autodiscovery imports this
package, so each area module is imported here."""

from . import notifications, suggestions  # noqa: F401
from . import retention  # noqa: F401
from . import composition  # noqa: F401
