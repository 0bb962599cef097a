"""Every GET page of each role, in one place: the access table of tests/test_access.py says which
pages a persona opens (a 200), tests/browser/conftest.py's NOT_PAGES which of those are not pages
a person reads (downloads, feeds). The accessibility crawl in the browser
(tests/browser/test_every_page.py) and the HTML validity check (tests/test_html_validity.py) both
walk this list.
"""

from django.urls import reverse

# The roles, each played by its persona from tests/conftest.py; "logged out" is nobody.
ROLES = {
    "coordinator": "cora",
    "resident": "rosa",
    "intervisor": "ivan",
    "admin": "adam",
    "logged out": "anonymous",
}


def more_to_show(personas):
    """Rows the access table's objects leave out: an open session nobody has booked yet (its
    page shows a booking form)."""
    from tests.test_access import _open_session

    _open_session(personas)


def pages_of(personas, role) -> list[tuple[str, str]]:
    """(URL name, path) of every page ``role`` opens, its objects made in the database now
    (call it inside a test that has ``personas``)."""
    from tests.browser.conftest import NOT_PAGES
    from tests.test_access import RULES

    persona = ROLES[role]
    pages = []
    for name, (kwargs_for, expected) in sorted(RULES.items()):
        if name in NOT_PAGES or expected.get(persona, expected.get("*")) != 200:
            continue
        pages.append((name, reverse(name, kwargs=kwargs_for(personas) if kwargs_for else None)))
    return pages
