from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    verbose_name = "Groups and sessions"

    def ready(self) -> None:
        # Reactions to changes on the people side (residents.signals).
        from . import receivers

        receivers.connect()
        _register_group_import()


def _register_group_import() -> None:
    """The group import runs in the worker like the people side's imports (see
    residents.services.table_import_run), which cannot name it itself."""
    from residents.importers import uploads
    from residents.models import ImportKind
    from residents.services import table_import_run

    from .importers import groups

    table_import_run.register(table_import_run.Importer(
        ImportKind.GROUPS, uploads.GROUPS, groups.check_groups_file, uploads.plan_json,
        lambda data, digest: table_import_run.counts(
            groups.groups_import(data, expected_digest=digest))))
