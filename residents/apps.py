from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = "People"

    def ready(self) -> None:
        # Connects the log-in hook that starts the session clocks (idle and absolute limits).
        from . import middleware  # noqa: F401
