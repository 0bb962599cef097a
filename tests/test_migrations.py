"""Migrations that move data keep it."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def test_evaluations_move_to_random_keys_with_their_answers():
    old = _migrate(("sessions_app", "0004_default_note_themes"))
    User = old.get_model("residents", "User")
    Intervisor = old.get_model("residents", "Intervisor")
    Group = old.get_model("sessions_app", "IntervisionGroup")
    Session = old.get_model("sessions_app", "Session")
    Evaluation = old.get_model("sessions_app", "Evaluation")
    user = User.objects.create(email="lead@hospital.example", first_name="L", last_name="L",
                               calendar_token="t")
    leader = Intervisor.objects.create(user=user)
    group = Group.objects.create(name="G", intervisor=leader)
    session = Session.objects.create(group=group, intervisor=leader, kind="group",
                                     start="2026-03-03T15:00Z", end="2026-03-03T16:30Z")
    for score in (1, 2, 3, 4, 5):
        Evaluation.objects.create(session=session, safety=score, depth=score, guidance=score,
                                  value=score, exhaustion=score, comment=f"c{score}",
                                  submitted_on="2026-03-03")
    try:
        new = _migrate(("sessions_app", "0005_evaluation_random_key"))
        moved = new.get_model("sessions_app", "Evaluation").objects.all()
        assert sorted(e.safety for e in moved) == [1, 2, 3, 4, 5]
        assert sorted(e.comment for e in moved) == ["c1", "c2", "c3", "c4", "c5"]
        assert all(isinstance(e.pk, uuid.UUID) and e.session_id == session.pk for e in moved)
    finally:
        _migrate(max(MigrationExecutor(connection).loader.graph.leaf_nodes("sessions_app")))
