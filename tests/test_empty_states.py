"""An empty list says what to do next, with a link to do it."""

import pytest
from django.urls import reverse

from .helpers import login

pytestmark = pytest.mark.usefixtures("clock")


def test_no_groups_yet_points_to_making_or_composing_them(as_cora):
    page = as_cora.get(reverse("group_list")).content.decode()
    assert "No groups." in page
    assert f'<a href="{reverse("group_create")}">Make a group</a>' in page
    assert f'<a href="{reverse("composition_start")}">' in page


def test_no_residents_points_to_adding_or_importing_them(as_cora):
    page = as_cora.get(reverse("resident_list"), {"show": "all"}).content.decode()
    assert f'<a href="{reverse("resident_create")}">Add a resident</a>' in page
    assert f'<a href="{reverse("resident_import")}">import them from a CSV file</a>' in page


def test_a_search_that_finds_nobody_offers_every_resident(as_cora, rosa):
    page = as_cora.get(reverse("resident_list"), {"q": "nobody"}).content.decode()
    assert "No residents match." in page and 'href="?show=all"' in page


def test_no_intervisors_points_to_adding_one(as_cora):
    page = as_cora.get(reverse("intervisor_list")).content.decode()
    assert f'<a href="{reverse("intervisor_create")}">Add an intervisor</a>' in page


def test_no_sessions_points_the_coordinator_to_planning_the_year(as_cora):
    page = as_cora.get(reverse("session_list")).content.decode()
    assert f'<a href="{reverse("year_plan_all")}">Plan the year for every group</a>' in page


def test_residents_are_told_when_open_sessions_and_evaluations_appear(rosa):
    client = login(rosa)
    assert "you can book a seat" in client.get(reverse("open_sessions")).content.decode()
    assert "opens here for 30 days" in client.get(reverse("my_evaluations")).content.decode()
