"""manage.py plan_year --from DATE --to DATE [--group NAME] [--yes]: plan the year from a shell.

Prints one line per cadence window of each active group (or of the one named): the local time
of the session, the share of members free and who cannot come, or why the window gets none;
last, the share of members free over all the sessions of the plan. Without ``--yes`` it only
shows the plan; with it, the sessions are planned (all or nothing) and the members invited.
How the plan is made: docs/planning.md.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sessions_app.models import IntervisionGroup
from sessions_app.services import year_plan as services


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date like 2027-09-27.") from None


class Command(BaseCommand):
    help = "Plan one session per cadence window of each group between two dates (see docs/planning.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="last", required=True, help="Last day (included), YYYY-MM-DD.")
        parser.add_argument("--group",
                            help="Only the active group of this name (default: all active groups).")
        parser.add_argument("--yes", action="store_true",
                            help="Plan the sessions and invite the members; without it, only show the plan.")

    def handle(self, *args, first: str, last: str, group: str | None, yes: bool, **options) -> None:
        first_day, last_day = _date(first), _date(last)
        problems = services.check_period(first_day, last_day, today=timezone.localdate())
        if problems:
            raise CommandError(" ".join(problems))
        groups = IntervisionGroup.objects.active().select_related("intervisor__user")
        if group is not None:
            groups = groups.filter(name=group)
            if not groups:
                raise CommandError(f"There is no active group named {group!r}.")
        plan = services.year_plan_preview(groups=list(groups), first=first_day, last=last_day)
        for window in plan.windows:
            self.stdout.write(self._line(window))
        if yes:
            try:
                planned = services.year_plan_apply(groups=plan.groups, first=first_day, last=last_day,
                                                   by=None, fingerprint=plan.fingerprint)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            self.stdout.write(self.style.SUCCESS(
                f"Planned {len(planned)} session(s); the members are invited."))
        else:
            self.stdout.write(f"Preview only, nothing was planned: {len(plan.sessions)} session(s) "
                              "would be. Run again with --yes to plan them.")
        share = "no sessions" if plan.share is None else f"{plan.share:.1%}"
        self.stdout.write(f"Members free over all planned sessions: {share} "
                          f"({plan.free_seats} of {plan.seats})")

    def _line(self, w: services.PlannedWindow) -> str:
        period = f"{w.window_start:%Y-%m-%d}..{w.last_day:%Y-%m-%d}"
        if w.existing is not None:
            when = timezone.localtime(w.existing.start).strftime("%Y-%m-%d %H:%M")
            return f"{w.group.name}\t{period}\talready planned on {when}, left as it is"
        if w.too_soon:
            return f"{w.group.name}\t{period}\tno session: within half a cadence of the previous one"
        if w.no_time:
            why = "no members" if not w.member_count else "the intervisor cannot lead any time in it"
            return f"{w.group.name}\t{period}\tno session: {why}"
        cannot = "; ".join(f"{p['name']} ({p['reasons']})" for p in w.unavailable) or "-"
        below = f"\tBELOW THE MINIMUM ({w.required} of {w.member_count})" if w.below_minimum else ""
        return (f"{w.group.name}\t{w.start:%Y-%m-%d %H:%M}\t{w.share:.0%} free "
                f"({w.attending} of {w.member_count})\tcannot come: {cannot}{below}")
