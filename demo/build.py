"""The demo programme in one call, from its builders: people (``demo.people``), groups
(``demo.groups``), a year of rosters (``demo.rosters``), half a year of sessions and three
months ahead (``demo.sessions``), and the four known log-ins.

``demo_load`` is what ``manage.py demo_data`` runs: it builds the programme once, and on a
second run only adds what a site loaded by an older version lacks. ``demo_build`` builds it
unconditionally, in any size (``Shape``); the benchmarks use it on a scratch database.

Everything is relative to the moment passed in, so the same moment gives the same programme
on every machine and every day: each part draws from its own ``random.Random``, seeded from
``SEED`` and the part's name, so a part added later comes out as it would have with the rest.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from demo.dutch import demo_in_dutch
from demo.groups import GROUPS, groups_build
from demo.people import (
    ADMIN_EMAIL,
    COORDINATOR_EMAIL,
    DOMAIN,
    INTERVISOR_EMAIL,
    INTERVISORS,
    PASSWORD,
    RESIDENT_EMAIL,
    RESIDENTS,
    known_accounts_create,
    people_build,
)
from demo.rosters import demo_rosters_exist, rosters_build
from demo.sessions import AHEAD_WEEKS, HISTORY_WEEKS, demo_sessions_exist, sessions_build
from residents.models import Intervisor, Programme, Resident, User
from residents.services.holidays import programme_holidays_refresh
from sessions_app.models import IntervisionGroup, Membership, Session, SessionNote

SEED = 375  # BMC Medical Education 24:375 — the study the product is built on


@dataclass(frozen=True)
class Shape:
    """How large a demo programme is and how much of its time is filled in."""

    residents: int = RESIDENTS
    intervisors: int = len(INTERVISORS)
    groups: int = GROUPS
    history_weeks: int = HISTORY_WEEKS
    ahead_weeks: int = AHEAD_WEEKS
    open_sessions: bool = True


DEMO = Shape()


def seeded(part: str, seed: int = SEED) -> random.Random:
    return random.Random(f"{seed}:{part}")


def _quiet(_line: str) -> None:
    pass


def demo_loaded() -> bool:
    return User.objects.filter(email__iexact=COORDINATOR_EMAIL).exists()


def demo_load(*, now: dt.datetime, reset: bool = False,
              say: Callable[[str], object] = _quiet, language: str = "en") -> bool:
    """The demo programme as of ``now``, once: True when it was built now; False when it was
    there already (then only the rosters or sessions an older version did not load are
    added). ``reset`` removes it first."""
    if reset:
        say(f"Removed the demo data ({demo_wipe()} rows).")
    elif demo_loaded():
        say("Demo data already loaded.")
        today = timezone.localdate(now)
        if not Programme.get().public_holidays:
            programme_holidays_refresh(today=today)
        if not demo_rosters_exist():
            with transaction.atomic():
                count = _rosters(today)
            say(f"Added {count} demo roster entries.")
        if not demo_sessions_exist():
            with transaction.atomic():
                counts = _sessions(now, DEMO)
            say(f"Added the demo sessions: {_describe(counts)}.")
        return False
    demo_build(now=now, say=say, language=language)
    return True


@transaction.atomic
def demo_build(*, now: dt.datetime, shape: Shape = DEMO, seed: int = SEED,
               say: Callable[[str], object] = _quiet, language: str = "en") -> None:
    """Build a demo programme of ``shape`` as of ``now`` in one transaction; in Dutch
    (``language="nl"``: names, rooms, texts and the known log-ins' interface) if asked."""
    today = timezone.localdate(now)
    # The public holidays on the programme's row, as the nightly task keeps them: planning in
    # the web process reads them from there.
    programme_holidays_refresh(today=today)
    people = people_build(rng=seeded("people", seed), today=today, residents=shape.residents,
                          intervisors=shape.intervisors)
    # Groups have met for the history's weeks; newer residents joined when they started.
    since = today - dt.timedelta(weeks=shape.history_weeks + 1)
    since -= dt.timedelta(days=since.weekday())
    groups = groups_build(rng=seeded("groups", seed), intervisors=people.intervisors,
                          residents=people.residents, since=since, count=shape.groups)
    known_accounts_create()
    count = _rosters(today, seed)
    say(f"{count} roster entries over a year, intervisors' holidays.")
    say(f"Sessions: {_describe(_sessions(now, shape, seed))}.")
    placed = Membership.objects.filter(group__in=groups).count()
    if language == "nl":
        demo_in_dutch()
        say("In Dutch: specialties, departments, rooms, groups and texts.")
    say(f"{len(people.residents)} residents, {len(people.staff)} supervising staff, "
        f"{len(people.intervisors)} intervisors, {len(groups)} groups, {placed} residents placed.")


def _rosters(today: dt.date, seed: int = SEED) -> int:
    # Read back by address, in order, so a site that gets its rosters later gets the same ones.
    return rosters_build(
        rng=seeded("rosters", seed), today=today,
        residents=Resident.objects.filter(user__email__iendswith=DOMAIN).order_by("pk"),
        intervisors=Intervisor.objects.filter(user__email__iendswith=DOMAIN).order_by("pk"),
    )


def _sessions(now: dt.datetime, shape: Shape, seed: int = SEED) -> Counter[str]:
    return sessions_build(rng=seeded("sessions", seed), now=now, history_weeks=shape.history_weeks,
                          ahead_weeks=shape.ahead_weeks, open_sessions=shape.open_sessions)


def _describe(counts: Counter[str]) -> str:
    return ", ".join(f"{n} {what}" for what, n in counts.items())


@transaction.atomic
def demo_wipe() -> int:
    """Remove every demo account and what hangs on it; returns the number of rows removed."""
    demo = Q(email__iendswith=f"@{DOMAIN}") | Q(email__iendswith=f".{DOMAIN}")
    users = User.objects.filter(demo)
    # Sessions protect their groups and intervisors, notes their authors: remove them first.
    # Note audit rows hold only ids and stay, as they do when a note is deleted in the app.
    sessions = Session.objects.filter(
        Q(intervisor__user__in=users) | Q(group__intervisor__user__in=users)
    )
    SessionNote.objects.filter(session__in=sessions).delete()
    sessions.delete()
    # Groups and memberships protect intervisors and residents: remove them next.
    IntervisionGroup.objects.filter(
        Q(intervisor__user__in=users) | Q(co_intervisor__user__in=users)
    ).delete()
    Membership.objects.filter(resident__user__in=users).delete()
    count, _ = users.delete()
    return count


def demo_logins(today: dt.date) -> str:
    """The known log-ins, and the group the known resident is in on ``today``."""
    resident = User.objects.filter(email__iexact=RESIDENT_EMAIL).first()
    group = resident and IntervisionGroup.objects.with_member(resident, today).first()
    where = f" — member of {group.name}" if group else ""
    led = f" — leads {group.name}" if group else ""
    return (
        f'\nDemo log-ins (password "{PASSWORD}" for all):\n'
        f"  coordinator  {COORDINATOR_EMAIL}\n"
        f"  resident     {RESIDENT_EMAIL}{where}\n"
        f"  intervisor   {INTERVISOR_EMAIL}{led}\n"
        f"  admin        {ADMIN_EMAIL} — Django admin at /admin/\n"
    )
