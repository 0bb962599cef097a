import datetime as dt
from zoneinfo import ZoneInfo

from django.test import Client

AMS = ZoneInfo("Europe/Amsterdam")

# The suite's calendar. The ``clock`` fixture (conftest.py) stands still at NOW unless a test's
# ``now`` marker names another moment; ``planned`` is a session at START, planned at NOW.
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # Monday 2 March 2026, 10:00 in Amsterdam
START = dt.datetime(2026, 3, 17, 15, 0, tzinfo=dt.UTC)  # Tuesday 17 March, 16:00 in Amsterdam


def login(user) -> Client:
    """A test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client


def plan_form(**overrides) -> dict:
    """What the plan-a-session form posts: Tuesday 24 March 2026, 16:00 local, 90 minutes."""
    data = {"date": "2026-03-24", "start_time": "16:00", "duration_minutes": "90",
            "location": "Room 4.12", "video_url": "", "status": "scheduled"}
    data.update(overrides)
    return data


def edit_form(session, **overrides) -> dict:
    """What the reschedule form posts for ``session`` unchanged (this session only)."""
    local = session.start.astimezone(AMS)
    data = {"date": local.date().isoformat(), "start_time": local.strftime("%H:%M"),
            "duration_minutes": str(int((session.end - session.start).total_seconds() // 60)),
            "location": session.location, "video_url": session.video_url, "scope": "this"}
    data.update(overrides)
    return data


def roster_covers(*residents, first: dt.date, last: dt.date, source: str = "roster") -> None:
    """Record that ``residents``' rosters are known from ``first`` to ``last`` (inclusive), as
    an import of that period does: planning counts them free there unless an entry says not."""
    from residents.models import RosterCoverage

    RosterCoverage.objects.bulk_create([
        RosterCoverage(resident=resident, source=source,
                       start=dt.datetime.combine(first, dt.time(0), AMS),
                       end=dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), AMS))
        for resident in residents
    ])


# --- Imports through their pages ---------------------------------------------------------------
# The request only keeps an upload; a worker checks it, and after the confirmation applies it.
# These run the worker's part in the test (tasks run eagerly: the module uses ``celery_eager``)
# and answer with the page the coordinator then sees.

def import_upload(client, url: str, upload):
    """Post ``upload`` to an import page; the preview (or the problems) once a worker checked
    it, or the request's own refusal (400) when the file is too large or of the wrong kind."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, {"file": upload})
    if response.status_code != 302 or not response["Location"].startswith(url):
        return response
    return client.get(response["Location"])


def import_confirm(client, preview):
    """Confirm a preview; the answer once a worker applied it (a redirect to where the import
    leads, with its message), or the page the import then shows."""
    from django.test import TestCase

    assert preview.status_code == 200, preview.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(preview.wsgi_request.path)
    return client.get(preview.wsgi_request.path)


def moment_of(marker) -> object:
    """The moment a ``now`` marker names, or NOW without one. A callable is called when the
    test starts: a moment taken when the tests were collected is minutes old by then."""
    if marker is None:
        return NOW
    moment = marker.args[0]
    return moment() if callable(moment) else moment
