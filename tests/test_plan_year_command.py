"""manage.py plan_year: one line per window (group, local time, share free, who cannot come),
the share of members free over the plan last; without --yes nothing is planned."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from residents.models import RosterEntry
from sessions_app.models import Notification, NotificationKind, Session
from tests.factories import MembershipFactory, ResidentFactory
from tests.helpers import AMS, roster_covers

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def world(group, rosa, ruben, other_group, otto):
    """The Tuesday group (every 6 weeks) with four members, Rosa and Ruben on leave all of
    April; the Thursday group with Otto alone."""
    for name in ("Mila", "Noor"):
        MembershipFactory(group=group, resident=ResidentFactory(user__first_name=name, user__last_name="Lid"))
    for person in (rosa, ruben):
        RosterEntry.objects.create(resident=person.resident, start=dt.datetime(2026, 3, 31, tzinfo=AMS),
                                   end=dt.datetime(2026, 5, 1, tzinfo=AMS), kind="leave")
    # Every member's roster was imported for the year: known, free where no entry says not.
    roster_covers(*(m.resident for g in (group, other_group) for m in g.memberships.all()),
                  first=dt.date(2026, 1, 1), last=dt.date(2026, 12, 31))
    return group


def plan_year(*args) -> str:
    out = StringIO()
    call_command("plan_year", *args, stdout=out)
    return out.getvalue()


def test_without_yes_it_prints_the_plan_and_plans_nothing(world):
    out = plan_year("--from", "2026-03-03", "--to", "2026-04-13")
    lines = out.splitlines()
    tuesday = [line for line in lines if line.startswith("Tuesday group")]
    assert len(tuesday) == 1  # one 6-week window: 3 March – 13 April
    assert "100% free (4 of 4)" in tuesday[0] and "cannot come: -" in tuesday[0]
    assert any(line.startswith("Thursday group\t2026-03-") and "100% free (1 of 1)" in line for line in lines)
    assert "Preview only, nothing was planned: 2 session(s) would be." in out
    assert lines[-1] == "Members free over all planned sessions: 100.0% (5 of 5)"
    assert not Session.objects.exists() and not Notification.objects.exists()


def test_with_yes_it_plans_the_sessions_and_invites_the_members(world):
    out = plan_year("--from", "2026-03-03", "--to", "2026-04-13", "--yes")
    assert "Planned 2 session(s); the members are invited." in out
    assert Session.objects.count() == 2
    assert Notification.objects.filter(kind=NotificationKind.RSVP_REQUEST).count() == 5


def test_one_group_by_name_and_a_window_below_the_minimum(world):
    out = plan_year("--from", "2026-04-01", "--to", "2026-04-30", "--group", "Tuesday group", "--yes")
    (line,) = [line for line in out.splitlines() if line.startswith("Tuesday group")]
    assert "50% free (2 of 4)" in line and "BELOW THE MINIMUM (3 of 4)" in line
    assert "Rosa Resident (leave); Ruben Resident (leave)" in line
    assert out.splitlines()[-1] == "Members free over all planned sessions: 50.0% (2 of 4)"
    assert list(Session.objects.values_list("group__name", flat=True)) == ["Tuesday group"]


@pytest.mark.parametrize(("args", "error"), [
    (["--from", "2026-03-03", "--to", "2026-03-01"], "The period must end after it starts."),
    (["--from", "2026-03-01", "--to", "2026-04-01"], "The period must start after today"),
    (["--from", "2026-03-03", "--to", "2027-05-01"], "at most 13 months"),
    (["--from", "3-3-2026", "--to", "2026-04-01"], "is not a date like 2027-09-27"),
    (["--from", "2026-03-03", "--to", "2026-04-01", "--group", "Nobody"], "no active group named 'Nobody'"),
])
def test_a_wrong_period_or_group_is_refused(world, args, error):
    with pytest.raises(CommandError, match=error):
        plan_year(*args, "--yes")
    assert not Session.objects.exists()
