"""The main menu: every item opens for the role that sees it, the current page is marked once,
and drawing it asks the database nothing. (How it looks and folds: browser/test_menu_journey.py.)"""

import re

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.template.loader import get_template
from django.urls import resolve, reverse

from intervision.menu import COORDINATOR, INTERVISOR, RESIDENT

from .helpers import login

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a class="(?:nav-link|dropdown-item)[^"]*" href="([^"]+)"')


def _menu(html: str) -> str:
    return html[html.index("<nav"):html.index("</nav>")]


@pytest.mark.parametrize(("persona", "names"), [
    ("cora", [link.name for section in COORDINATOR for link in section.links] + ["my_calendar"]),
    ("ivan", [link.name for link in INTERVISOR]),
    ("rosa", [link.name for link in RESIDENT]),
])  # each followed by the account menu's "Change password"
def test_every_item_of_a_roles_menu_opens_for_that_role(request, persona, names):
    client = login(request.getfixturevalue(persona))
    menu = _menu(client.get(reverse("home")).content.decode())
    addresses = LINK.findall(menu)
    assert addresses == [reverse(name) for name in [*names, "password_change"]]
    for address in addresses:
        assert client.get(address, follow=True).status_code == 200, address  # "my roster" redirects


def test_the_current_page_is_marked_once_and_its_dropdown_is_active(cora):
    menu = _menu(login(cora).get(reverse("workload")).content.decode())
    assert menu.count('aria-current="page"') == 1
    assert f'class="dropdown-item active" href="{reverse("workload")}" aria-current="page"' in menu
    people = re.search(r'<button class="nav-link dropdown-toggle([^"]*)"[^>]*>People</button>', menu)
    assert people.group(1) == " active"
    assert len(re.findall(r"dropdown-toggle active", menu)) == 1


def test_drawing_the_menu_asks_the_database_nothing(cora, rf, django_assert_num_queries):
    request = rf.get(reverse("workload"))
    request.user, request.resolver_match = cora, resolve(reverse("workload"))
    request.session, request.META["CSRF_COOKIE"] = {}, "x" * 32
    request._messages = FallbackStorage(request)
    with django_assert_num_queries(0):
        page = get_template("base.html").render({}, request)
    assert 'aria-current="page">Workload</a>' in page
