"""``/healthz``: whether the database and the broker answer, for load balancers and monitoring,
and how long the oldest message that is due has waited (a number that grows while no worker
sends mail; monitoring alerts on it, the load balancer ignores it)."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sessions_app.selectors.notifications import oldest_due_age


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer; 503 naming what does not. The age of the
    oldest due message (seconds, null when none is due) is reported either way: late mail is
    not a reason to take the web process out of service."""
    checks: dict[str, str] = {}
    oldest_due: int | None = None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
        age = oldest_due_age(timezone.now())
        oldest_due = None if age is None else int(age.total_seconds())
    except Exception as exc:  # any failure means "down": say which and why
        checks["database"] = f"down: {exc.__class__.__name__}"
    try:
        # kombu (Celery's messaging library) alone: the check needs a connection, not the
        # Celery app, which web processes otherwise never load. Imported here, not at start:
        # with what it pulls in (billiard, cffi) it is about 1 MB a web process only needs
        # once something asks for its health.
        from kombu import Connection

        broker = Connection(settings.CELERY_BROKER_URL,
                            transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}))
        with broker as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = f"down: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "down", **checks,
                         "oldest_due_message_seconds": oldest_due},
                        status=200 if healthy else 503)
