"""A coordinator plans a session by hand at a time when half the group is off after nights: the
page says who cannot come and why and plans nothing; she ticks "plan it anyway" and it is
planned, with the absentees named."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from residents.models import RosterEntry
from sessions_app.models import Session
from tests.factories import MembershipFactory, ResidentFactory

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_is_warned_before_planning_over_nights_and_can_plan_anyway(page, cora, rosa, ruben,
                                                                                 group):
    for name in ("Mila", "Noor"):
        MembershipFactory(group=group, resident=ResidentFactory(user__first_name=name))
    day = timezone.localdate() + dt.timedelta(days=8)
    zone = timezone.get_current_timezone()
    morning = dt.datetime.combine(day, dt.time(8), zone)
    for person in (rosa, ruben):  # nights ending at 08:00: resting until 22:00
        RosterEntry.objects.create(resident=person.resident, start=morning - dt.timedelta(hours=10),
                                   end=morning, kind="night")

    log_in(page, cora.email, None)
    page.goto(f"{page.base}/groups/{group.pk}/")
    page.get_by_role("link", name="Plan a session").first.click()
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Starts at").fill("16:00")
    page.get_by_role("button", name="Plan session").click()

    warning = page.locator("#roster-check")
    expect(warning).to_contain_text("The rosters rule this time out")
    expect(warning).to_contain_text("2 of 4 members cannot come")
    expect(warning).to_contain_text("Rosa Resident (rest after nights)")
    expect(warning.get_by_role("link", name="see the times the rosters allow")).to_be_visible()
    assert not Session.objects.exists()

    page.get_by_label("Plan it at this time anyway").check()
    page.get_by_role("button", name="Plan session").click()
    expect(page.get_by_text(re.compile("A session of Tuesday group is planned on"))).to_be_visible()
    expect(page.get_by_text(re.compile("2 of 4 members cannot come: Rosa Resident"))).to_be_visible()
    assert Session.objects.get().start == dt.datetime.combine(day, dt.time(16), zone)
