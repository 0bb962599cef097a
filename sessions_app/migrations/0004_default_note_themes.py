"""The programme's starting list of note themes; coordinators maintain it in the admin after."""

from django.db import migrations

DEFAULT_THEMES = [
    "Workload",
    "Feedback culture",
    "Medical error",
    "Career doubts",
    "Work–life balance",
    "Conflict",
    "Patient death",
    "Professional identity",
]


def add_default_themes(apps, schema_editor):
    NoteTheme = apps.get_model("sessions_app", "NoteTheme")
    for name in DEFAULT_THEMES:
        NoteTheme.objects.get_or_create(name=name)


def remove_unused_default_themes(apps, schema_editor):
    NoteTheme = apps.get_model("sessions_app", "NoteTheme")
    NoteTheme.objects.filter(name__in=DEFAULT_THEMES, notes__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("sessions_app", "0003_group_windows_clashes_snapshots"),
    ]

    operations = [
        migrations.RunPython(add_default_themes, remove_unused_default_themes),
    ]
