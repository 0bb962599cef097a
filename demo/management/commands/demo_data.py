"""``manage.py demo_data``: a realistic, reproducible programme to click through.

About 120 residents over 12 specialties, their supervisors, 8 intervisors and 16 groups, a year
of rosters, half a year of sessions and three months ahead, plus one known log-in per role,
as of today (``demo.build`` says how, and builds it). A second run reuses what is there.

The known accounts share one published password, so the command refuses to run with DEBUG off
unless ``--force`` is given.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from demo.build import demo_load, demo_logins
from demo.groups import PlacementError


class Command(BaseCommand):
    help = "Load a realistic demo programme with known log-ins (password 'intervision')."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true",
                            help="Delete the demo data first, then load it again.")
        parser.add_argument("--force", action="store_true",
                            help="Run even with DEBUG off (the demo accounts have a known password).")

    def handle(self, *args, reset: bool = False, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo data with DEBUG off: it creates accounts with a published "
                "password. Pass --force if this really is a demo site."
            )
        now = timezone.now()
        started = time.monotonic()
        try:
            built = demo_load(now=now, reset=reset, say=self.stdout.write,
                              language=settings.DEMO_LANGUAGE)
        except PlacementError as error:
            raise CommandError(str(error)) from error
        if built:
            seconds = time.monotonic() - started
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {seconds:.1f} s."))
        self.stdout.write(demo_logins(timezone.localdate(now)))
