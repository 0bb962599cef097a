"""/healthz tells a load balancer whether the database and the broker answer."""

from unittest import mock

from django.db.utils import OperationalError
from django.urls import reverse


def test_it_answers_200_when_database_and_broker_are_up(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok",
                               "oldest_due_message_seconds": None}


def test_it_answers_503_naming_the_broker_when_the_broker_is_down(client, db, settings):
    # A broker address where nothing listens on this machine.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"].startswith("down")
    assert response.json()["database"] == "ok"


def test_it_answers_503_naming_the_database_when_the_database_is_down(client, db):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute",
                    side_effect=OperationalError("connection refused")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "down: OperationalError"


def test_it_refuses_post(client, db):
    assert client.post(reverse("healthz")).status_code == 405
