from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    verbose_name = "Groups and sessions"

    def ready(self) -> None:
        # Reactions to changes on the people side (residents.signals).
        from . import receivers

        receivers.connect()
