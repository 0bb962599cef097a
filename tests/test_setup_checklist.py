"""The coordinator's home on a new install: the order of work as a checklist that ticks
itself off from the data.

Specialties and departments → residents → intervisors → groups → rosters → sessions. A step is
done as soon as its data is in, and shows how much there is; the first step not done is the
next one; each links to the page that does it, with the example files where an import needs
them. When every step is done the checklist is gone. The counts cost the same queries
whatever the size of the programme.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse

from residents.models import RosterEntry
from sessions_app.models import Session
from sessions_app.services.sessions import session_plan, session_set_status

from .factories import DepartmentFactory, ResidentFactory, SpecialtyFactory
from .helpers import START, login

pytestmark = pytest.mark.usefixtures("clock")


def steps(response) -> dict[str, str]:
    """Step → "done", "next" or "todo", read from the page."""
    found = {}
    items = re.findall(r'<li class="list-group-item[^"]*" data-step="[^"]+"[^>]*>', response.content.decode())
    for item in items:
        key = re.search(r'data-step="([^"]+)"', item).group(1)
        if 'data-done="true"' in item:
            found[key] = "done"
        else:
            found[key] = "next" if 'aria-current="step"' in item else "todo"
    return found


def home(client):
    return client.get(reverse("home"))


def test_an_empty_install_shows_every_step_to_do_with_reference_data_next(as_cora):
    response = home(as_cora)
    assert list(steps(response).items()) == [
        ("reference", "next"), ("residents", "todo"), ("intervisors", "todo"), ("groups", "todo"),
        ("rosters", "todo"), ("sessions", "todo"),
    ]
    assert "Setting up the programme" in response.content.decode()


def test_each_step_links_to_the_page_that_does_it_and_to_the_example_files(as_cora):
    page = home(as_cora).content.decode()
    for url in [
        reverse("reference_data"), reverse("resident_import"), reverse("resident_create"),
        reverse("intervisor_create"), reverse("group_create"), reverse("composition_start"),
        reverse("roster_import"), reverse("group_list"),
    ]:
        assert f'href="{url}"' in page, url
    for example in [reverse("resident_import_example"), reverse("roster_import_example", args=["csv"]),
                    reverse("roster_import_example", args=["ics"])]:
        assert f'href="{example}" download' in page, example
        assert as_cora.get(example).status_code == 200


def test_reference_data_ticks_off_only_with_a_specialty_and_a_department(as_cora):
    SpecialtyFactory(name="Surgery")
    assert steps(home(as_cora))["reference"] == "next"
    DepartmentFactory(name="Surgery")
    DepartmentFactory(name="Emergency Department")
    response = home(as_cora)
    assert steps(response)["reference"] == "done"
    assert steps(response)["residents"] == "next"
    assert "✓ 1 specialty, 2 departments" in response.content.decode()


def test_residents_intervisors_and_groups_tick_off_with_their_counts(as_cora, rosa, ruben):
    # rosa and ruben are in ivan's group: residents, an intervisor and a group exist.
    response = home(as_cora)
    assert steps(response) == {
        "reference": "done", "residents": "done", "intervisors": "done", "groups": "done",
        "rosters": "next", "sessions": "todo",
    }
    page = response.content.decode()
    assert "✓ 2 residents" in page and "✓ 1 intervisor" in page and "✓ 1 group" in page


def test_rosters_tick_off_with_the_number_of_residents_who_have_one(as_cora, rosa, ruben):
    start = dt.datetime(2026, 3, 3, 7, tzinfo=dt.UTC)
    for _ in range(3):
        RosterEntry.objects.create(resident=rosa.resident, start=start, end=start + dt.timedelta(hours=9),
                                   kind="day")
        start += dt.timedelta(days=1)
    response = home(as_cora)
    assert steps(response)["rosters"] == "done"
    assert steps(response)["sessions"] == "next"
    assert "✓ rosters for 1 resident" in response.content.decode()


def test_a_step_can_be_done_before_the_one_it_follows(as_cora, ivan):
    # An intervisor added before any specialty: that step is done, reference data is still next.
    assert steps(home(as_cora)) == {
        "reference": "next", "residents": "todo", "intervisors": "done", "groups": "todo",
        "rosters": "todo", "sessions": "todo",
    }


def test_a_cancelled_session_does_not_count_as_planned(as_cora, cora, group, rosa):
    RosterEntry.objects.create(resident=rosa.resident, kind="day", start=START - dt.timedelta(days=1),
                               end=START - dt.timedelta(hours=20))
    session = session_plan(group=group, start=START, by=cora)
    session_set_status(session=session, status=Session.Status.CANCELLED, by=cora)
    assert steps(home(as_cora))["sessions"] == "next"


def test_once_every_step_is_done_the_checklist_is_gone(as_cora, cora, group, rosa):
    RosterEntry.objects.create(resident=rosa.resident, kind="day", start=START - dt.timedelta(days=1),
                               end=START - dt.timedelta(hours=20))
    session_plan(group=group, start=START, by=cora)
    response = home(as_cora)
    assert steps(response) == {}
    assert "Setting up the programme" not in response.content.decode()
    assert response.context["counts"].sessions == 1


def test_members_never_see_the_checklist(rosa, ivan):
    for user in (rosa, ivan):
        assert "Setting up the programme" not in home(login(user)).content.decode()


def test_the_home_page_costs_the_same_queries_for_a_big_programme(as_cora, django_assert_num_queries):
    # session, user; then the counts: specialties, departments, residents (with those in no
    # group and those with a roster), intervisors, groups, sessions; the failed and late mail;
    # what needs attention (tests/test_homes.py; without groups, four)
    with django_assert_num_queries(9 + 4):
        home(as_cora)
    for resident in ResidentFactory.create_batch(25):
        RosterEntry.objects.create(resident=resident, kind="night", start=START,
                                   end=START + dt.timedelta(hours=10))
    with django_assert_num_queries(9 + 4):
        response = home(as_cora)
    assert response.context["counts"].with_roster == 25


def test_the_counts_leave_out_deactivated_people(as_cora, anna):
    anna.user.is_active = False
    anna.user.save()
    RosterEntry.objects.create(resident=anna, kind="day", start=START, end=START + dt.timedelta(hours=8))
    counts = home(as_cora).context["counts"]
    assert (counts.residents, counts.with_roster, counts.without_group) == (0, 0, 0)


# --- the group form on an install without intervisors ----------------------------------------

def test_the_group_form_without_intervisors_says_where_to_add_one(as_cora):
    page = as_cora.get(reverse("group_create")).content.decode()
    assert "There are no intervisors yet" in page
    assert f'href="{reverse("intervisor_create")}"' in page


def test_the_group_form_with_an_intervisor_gives_no_such_hint(as_cora, ivan):
    assert "There are no intervisors yet" not in as_cora.get(reverse("group_create")).content.decode()
