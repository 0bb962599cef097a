"""Real-browser journeys: Playwright drives Debian's Chromium against ``live_server``.

It also guards the project rule "every page a person uses gets at least one real-browser
test": every page the browser loads is counted, and a run of the whole directory fails when a
page of the project was never loaded (see ``NOT_PAGES`` for what is not a page).
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# live_server runs Django in a thread while Playwright's sync API holds an event loop in this one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        # As root in a container there is no sandbox; the machine has no network beyond
        # loopback, so Chromium's own background traffic is switched off.
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ],
    }


@pytest.fixture
def page(page, live_server, request):
    page.set_default_timeout(10_000)
    page.base = live_server.url
    visited = request.config.stash.setdefault(VISITED, set())
    # On the context, so a second tab (context.new_page()) is counted too.
    page.context.on("response", lambda response: _count_page(response, live_server.url, visited))
    return page


def log_in(page, email, password):
    from tests.factories import PASSWORD

    page.goto(f"{page.base}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password or PASSWORD)
    page.get_by_role("button", name="Log in").click()


# --- every page gets a browser test ---------------------------------------------------------------

# URL names that are not pages a person reads, each with the reason. Everything else in the URL
# patterns (the admin aside: Django's own, tested in tests/test_access.py) must be loaded by
# some journey. No URL serves only an htmx fragment: a fragment comes from its page's own URL
# (on HX-Request), so there is no such entry. tests/browser/test_visited_pages.py keeps this
# list honest against the URL patterns and against the access table in tests/test_access.py.
NOT_PAGES = {
    # Endpoints for machines.
    "healthz": "a health check for the load balancer",
    "calendar_feed": "an .ics feed read by calendar apps (a journey fetches it, not as a page)",
    # Downloads: a journey clicks the link and checks the file, but no page is shown.
    "resident_import_example": "the example CSV on the resident import page",
    "roster_import_example": "the example roster files on the roster import page",
    "attendance_statement_pdf": "the PDF of the attendance statement page",
    "privacy_export": "the JSON of one's own data, linked from the privacy page",
    "dashboard_export": "the CSV of each dashboard table",
    # POST-only actions: their forms (and the page they lead to) are on visited pages.
    "user_reactivate": "a POST-only action: the Reactivate button after a deactivation",
    "roster_import_confirm": "a POST-only action: Confirm import on the import preview",
    "intervisor_absence_delete": "a POST-only action: Remove on the absences page",
    "group_suggestion_plan": "a POST-only action: Plan this session on the suggestions page",
    "session_book": "a POST-only action: Book a seat on the open sessions page",
    "session_status": "a POST-only action: the status buttons on the session page",
    "composition_move": "a POST-only action: Move on the composition page",
    "logout": "a POST-only action: the Log out button in the header",
    "set_language": "a POST-only action: the language form in the footer",
    # Redirects for one's own things: the page they lead to is the one to visit.
    "my_roster": "redirects a resident to their resident_roster page",
    "my_absences": "redirects an intervisor to their intervisor_absences page",
}

VISITED = pytest.StashKey[set]()  # URL names of the pages the browser loaded
COLLECTED = pytest.StashKey[list]()  # every item of this directory, before any deselection
DESELECTED = pytest.StashKey[bool]()  # a journey was deselected (-k, -m, --deselect, --lf)
RAN = pytest.StashKey[set]()  # node ids of items of this directory that ran or were skipped
UNVISITED = pytest.StashKey[list]()  # what the guard found missing, for the terminal summary

BROWSER_DIR = Path(__file__).resolve().parent


def _count_page(response, base_url, visited):
    """Count a document the browser showed in a tab: a successful main-frame navigation."""
    from django.urls import Resolver404, resolve
    from playwright.sync_api import Error as PlaywrightError

    request = response.request
    if not response.url.startswith(base_url + "/") or not 200 <= response.status < 300:
        return  # another host, a redirect, or a refusal (a 403 or 404 is not a visit)
    try:
        if not request.is_navigation_request() or request.frame.parent_frame is not None:
            return
    except PlaywrightError:  # a service worker's request has no frame; not a page
        return
    try:
        match = resolve(urlsplit(response.url).path)
    except Resolver404:
        return  # static files and such
    visited.add(match.view_name)


def pages_a_person_uses() -> set[str]:
    from tests.test_access import _url_names  # the same walk as the access table (admin aside)

    return set(_url_names()) - set(NOT_PAGES)


def _is_journey(item) -> bool:
    return item.get_closest_marker("browser") is not None


def _in_browser_dir(path) -> bool:
    path = Path(path).resolve()
    return path == BROWSER_DIR or BROWSER_DIR in path.parents


def pytest_itemcollected(item):  # only items of this directory come here
    item.config.stash.setdefault(COLLECTED, []).append(item)


def pytest_deselected(items):
    if any(_in_browser_dir(item.path) and _is_journey(item) for item in items):
        items[0].config.stash[DESELECTED] = True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" or report.skipped:  # only items of this directory come here
        item.config.stash.setdefault(RAN, set()).add(item.nodeid)
    return report


def _every_journey_ran(session) -> bool:
    """Whether this run ran every journey, so a missing page means a missing journey and not a
    narrower selection: one file, a node id, -k, -m, --deselect, --ignore, --lf, -x, --co."""
    config = session.config
    if hasattr(config, "workerinput"):
        return False  # an xdist worker sees only its share of the tests
    if config.stash.get(DESELECTED, False):
        return False
    invocation = config.invocation_params.dir
    covered = False
    for arg in config.args:
        path, node, _ = arg.partition("::")
        path = (invocation / path).resolve()
        if node and _in_browser_dir(path):
            return False  # tests/browser/test_x.py::test_y
        if path.is_dir() and (path == BROWSER_DIR or path in BROWSER_DIR.parents):
            covered = True
    if not covered:
        return False  # only some files of the directory were named
    collected = config.stash.get(COLLECTED, [])
    if {item.path.resolve() for item in collected} != set(BROWSER_DIR.glob("test_*.py")):
        return False  # a file was left out (--ignore) or collected nothing
    # None cut short: --collect-only, --setup-only, -x or Ctrl-C leave some unrun.
    journeys = {item.nodeid for item in collected if _is_journey(item)}
    return journeys <= config.stash.get(RAN, set())


def pytest_sessionfinish(session, exitstatus):
    if exitstatus != pytest.ExitCode.OK or not _every_journey_ran(session):
        return
    unvisited = sorted(pages_a_person_uses() - session.config.stash.get(VISITED, set()))
    if unvisited:
        session.config.stash[UNVISITED] = unvisited
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config):
    unvisited = config.stash.get(UNVISITED, [])
    if unvisited:
        terminalreporter.write_sep("=", "pages no browser test visited", red=True, bold=True)
        terminalreporter.write_line(
            "Every page a person uses gets at least one real-browser test. No journey in "
            "tests/browser loaded these URL names (a 2xx page in the tab):")
        for name in unvisited:
            terminalreporter.write_line(f"  - {name}", red=True)
        terminalreporter.write_line(
            "Add a journey that opens each, or, if it is not a page (a POST-only action, a "
            "download, a fragment), add it to NOT_PAGES in tests/browser/conftest.py with the reason.")
