"""Give anonymous evaluations a random primary key.

Receipts (who answered) and answers were both numbered by a counter in the same transaction,
so anyone reading the tables could pair them by number. The answers move to a table keyed by
random UUIDs, copied in random order; the old table is dropped.
"""

import uuid

import django.db.models.deletion
from django.db import migrations, models


def copy_answers(apps, schema_editor):
    Legacy = apps.get_model("sessions_app", "LegacyEvaluation")
    Evaluation = apps.get_model("sessions_app", "Evaluation")
    fields = ["session_id", "safety", "depth", "guidance", "value", "exhaustion", "comment",
              "submitted_on"]
    rows = Legacy.objects.order_by("?").values(*fields)
    Evaluation.objects.bulk_create(
        [Evaluation(id=uuid.uuid4(), **row) for row in rows], batch_size=1000
    )


class Migration(migrations.Migration):

    dependencies = [
        ("sessions_app", "0004_default_note_themes"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="evaluation", name="evaluation_scale_range"),
        migrations.RenameModel("Evaluation", "LegacyEvaluation"),
        migrations.AlterField(
            model_name="legacyevaluation",
            name="session",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+",
                to="sessions_app.session",
            ),
        ),
        migrations.CreateModel(
            name="Evaluation",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True,
                                        serialize=False)),
                ("safety", models.PositiveSmallIntegerField(choices=[(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")])),
                ("depth", models.PositiveSmallIntegerField(choices=[(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")])),
                ("guidance", models.PositiveSmallIntegerField(choices=[(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")])),
                ("value", models.PositiveSmallIntegerField(choices=[(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")])),
                ("exhaustion", models.PositiveSmallIntegerField(choices=[(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")])),
                ("comment", models.TextField(blank=True)),
                ("submitted_on", models.DateField()),
                ("session", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                              related_name="evaluations", to="sessions_app.session")),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("depth__range", (1, 5)), ("exhaustion__range", (1, 5)),
                                           ("guidance__range", (1, 5)), ("safety__range", (1, 5)),
                                           ("value__range", (1, 5))),
                        name="evaluation_scale_range",
                    )
                ],
            },
        ),
        migrations.RunPython(copy_answers, migrations.RunPython.noop),
        migrations.DeleteModel(name="LegacyEvaluation"),
    ]
