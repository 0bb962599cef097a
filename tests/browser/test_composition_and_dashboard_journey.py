"""A coordinator composes groups for a cohort, moves a resident, sees the broken rule named,
moves her back, accepts; then opens the dashboard and filters it by department."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from residents.models import Department, Specialty
from sessions_app.models import CompositionRun, IntervisionGroup
from tests.factories import IntervisorFactory, ResidentFactory

from .conftest import log_in, menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _cohort():
    residents = []
    for n, name in enumerate(["Surgery"] * 4 + ["Paediatrics"] * 4 + ["Psychiatry"] * 4):
        specialty, _ = Specialty.objects.get_or_create(name=name)
        department, _ = Department.objects.get_or_create(name=f"{name} department")
        residents.append(ResidentFactory(specialty=specialty, department=department, training_year=1 + n % 4,
                                         user__first_name=f"{name[:4]}{n}", user__last_name="Arts"))
    return residents


# Mid-September: the groups accepted below start on 1 September, inside the dashboard's period.
@pytest.mark.now(dt.datetime(2026, 9, 14, 8, 0, tzinfo=dt.UTC))
def test_a_coordinator_composes_adjusts_accepts_and_reads_the_dashboard(page, cora, celery_eager):
    residents = _cohort()
    for first in ("Ilse", "Joost"):
        IntervisorFactory(capacity=1, user__first_name=first, user__last_name="Leider")

    log_in(page, cora.email, None)
    menu(page, "Compose groups")
    page.get_by_label("Minimum group size").fill("6")
    page.get_by_label("Maximum group size").fill("6")
    page.get_by_label("Time limit (seconds)").fill("2")
    page.get_by_role("button", name="Start composing").click()

    # The worker runs in-process here, so the proposal is ready when the page opens.
    expect(page.locator("#violations")).to_have_text(re.compile("meets every rule"))
    expect(page.get_by_role("heading", name="Group 1")).to_be_visible()
    expect(page.get_by_role("heading", name="Group 2")).to_be_visible()

    run = CompositionRun.objects.get()
    by_pk = {r.pk: r for r in residents}
    surgeon = next(pk for pk in run.result["groups"][1]["resident_ids"]
                   if by_pk[pk].specialty.name == "Surgery")
    name = by_pk[surgeon].user.get_full_name()

    page.get_by_label(f"Move {name} to").select_option(label="Group 1")
    page.locator(f"form:has(#id_move_{surgeon}_to_group)").get_by_role("button", name="Move").click()
    violations = page.locator("#violations")
    expect(violations).to_contain_text("Group 1 has 3 Surgery residents (at most 2)")
    expect(violations).to_contain_text("Group 1 has 7 members (at most 6)")
    expect(page.get_by_role("link", name="Accept…")).to_have_count(0)

    page.get_by_label(f"Move {name} to").select_option(label="Group 2")
    page.locator(f"form:has(#id_move_{surgeon}_to_group)").get_by_role("button", name="Move").click()
    expect(page.locator("#violations")).to_have_text(re.compile("meets every rule"))

    page.get_by_role("link", name="Accept…").click()
    page.get_by_label("The groups start on").fill("2026-09-01")
    page.get_by_role("button", name="Create the groups").click()
    expect(page.get_by_text("2 groups were created.")).to_be_visible()
    assert IntervisionGroup.objects.filter(name__startswith="2026 group").count() == 2

    menu(page, "Dashboard")
    expect(page.get_by_role("heading", name="Absence reasons by department")).to_be_visible()
    page.get_by_label("Department", exact=True).select_option(label="Surgery department")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Department: Surgery department.")).to_be_visible()
    expect(page.locator("#table-groups")).to_contain_text("2026 group")
