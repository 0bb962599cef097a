"""Real-browser journeys: Playwright drives Chromium against ``live_server``.

Which Chromium: the program named by the CHROMIUM environment variable, else ``chromium`` on the
PATH (Debian's /usr/bin/chromium), else the one Playwright downloaded (``playwright install
chromium``). Where there is none, the journeys are deselected and one line of the terminal summary
says so, so that anyone can run the rest of the suite. In CI (CI=true or REQUIRE_SERVICES=1, as
.ci/run sets) a missing browser fails the run instead, and so does a run of the whole directory
in which a journey was collected but did not run (one deselected with -k, -m or --deselect
aside).

Journeys run on the suite's calendar: the server's clock starts at ``tests.helpers.NOW`` (or a
journey's ``now`` marker) and ticks from there; see ``clock`` below.

It also guards the project rule "every page a person uses gets at least one real-browser
test": every page the browser loads is counted, and a run of the whole directory fails when a
page of the project was never loaded (see ``NOT_PAGES`` for what is not a page).
"""

import datetime as dt
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine

from tests.helpers import moment_of

# live_server runs Django in a thread while Playwright's sync API holds an event loop in this one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

NO_CHROMIUM = "no Chromium found"
HOW_TO_GET_ONE = "install Debian's chromium, or set CHROMIUM=/path"


def in_ci() -> bool:
    ci = os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}
    return ci or bool(os.environ.get("REQUIRE_SERVICES"))


def find_chromium() -> str | None:
    """The Chromium to drive, or None: $CHROMIUM, else chromium on the PATH, else Playwright's."""
    for name in (os.environ.get("CHROMIUM"), "chromium"):
        if name and (path := shutil.which(name)):
            return path
    return _playwrights_chromium()


def _playwrights_chromium() -> str | None:
    """The browser ``playwright install chromium`` downloaded, if it did."""
    from playwright.sync_api import Error, sync_playwright

    try:
        with sync_playwright() as playwright:
            path = playwright.chromium.executable_path
    except (Error, OSError):  # no driver to ask: then there is no downloaded browser either
        return None
    return path if shutil.which(path) else None


def _why_none() -> str:
    named = os.environ.get("CHROMIUM")
    wrong = f"CHROMIUM={named} names no program; " if named else ""
    return f"{NO_CHROMIUM} ({wrong}{HOW_TO_GET_ONE})"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, pytestconfig):
    chromium = pytestconfig.stash.get(CHROMIUM, None) or find_chromium()
    if not chromium:  # not reached in a normal run: without a browser the journeys are deselected
        pytest.fail(_why_none())
    return {
        **browser_type_launch_args,
        "executable_path": chromium,
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


@pytest.fixture(autouse=True)
def clock(request, settings):
    """Journeys start at NOW (or at their ``now`` marker) like the rest of the suite, but their
    clock ticks: a journey takes real seconds. Only the server travels; the browser keeps the
    real date, so its cookies last for the browser session instead of expiring at a moment that,
    to the browser, is long past."""
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None
    marker = request.node.get_closest_marker("now")
    with time_machine.travel(moment_of(marker), tick=True) as traveller:
        yield traveller


@pytest.fixture
def soon():
    """Nine days on, to the minute: a session far enough ahead to answer and to book."""
    from django.utils import timezone

    return timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=9)


def log_in(page, email, password):
    from tests.factories import PASSWORD

    page.goto(f"{page.base}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password or PASSWORD)
    page.get_by_role("button", name="Log in").click()


def menu(page, name, *, exact=False):
    """Click ``name`` in the menu, as a person would: open the folded menu on a narrow screen,
    then the dropdown the item sits in (the coordinator's items are grouped), then the item."""
    # Bootstrap's collapse and dropdowns answer only once its script has run: on a busy machine
    # a click right after a navigation can come before that, and opens nothing.
    page.wait_for_load_state()
    nav = page.locator("#nav")
    item = nav.get_by_role("link", name=name, exact=exact).first  # "Groups" is in "Compose groups" too
    if not nav.is_visible():
        _open(page.get_by_role("button", name="Menu"), nav)
    dropdown = nav.locator(".dropdown").filter(
        has=page.get_by_role("link", name=name, exact=exact, include_hidden=True)).first
    if dropdown.count() and not item.is_visible():
        _open(dropdown.locator(".dropdown-toggle"), item)
    item.click()


def _open(toggle, shown) -> None:
    """Click ``toggle`` until ``shown`` is visible (twice at most: see ``menu``)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    toggle.click()
    try:
        shown.wait_for(state="visible", timeout=3000)
    except PlaywrightTimeout:
        toggle.click()


def log_out(page):
    """Log out from the account menu (the person's name, top right)."""
    page.wait_for_load_state()
    nav = page.locator("#nav")
    if not nav.is_visible():
        _open(page.get_by_role("button", name="Menu"), nav)
    button = page.get_by_role("button", name="Log out")
    _open(nav.locator(".dropdown").filter(has=page.locator("form[action$='/logout/']")).locator(
        ".dropdown-toggle"), button)
    button.click()


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
    "resident_import_example_nl": "the Dutch Excel example CSV on the resident import page",
    "roster_import_example": "the example roster files on the roster import page",
    "intervisor_import_example": "the example CSV on the intervisor import page",
    "absence_import_example": "the example CSV on the absence import page",
    "group_import_example": "the example CSV on the group import page",
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
    # Redirects to and from the hospital's identity provider (test_sign_in_oidc_journey.py).
    "oidc_authentication_init": "redirects to the identity provider's sign-in (the Sign in with … button)",
    "oidc_authentication_callback": "redirects back from the identity provider to the page asked for",
}

VISITED = pytest.StashKey[set]()  # URL names of the pages the browser loaded
COLLECTED = pytest.StashKey[list]()  # every item of this directory, before any deselection
DESELECTED = pytest.StashKey[set]()  # node ids of deselected journeys (-k, -m, --lf, no Chromium)
RAN = pytest.StashKey[set]()  # node ids of items of this directory that ran or were skipped
EXERCISED = pytest.StashKey[set]()  # node ids of journeys that ran, or failed trying
UNVISITED = pytest.StashKey[list]()  # what the guard found missing, for the terminal summary
CHROMIUM = pytest.StashKey[str | None]()  # the Chromium the journeys drive
WITHOUT_BROWSER = pytest.StashKey[list]()  # journeys deselected because no Chromium was found
NOT_RUN = pytest.StashKey[list]()  # journeys CI collected and selected that did not run

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


@pytest.hookimpl(trylast=True)  # after -k and -m: count only the journeys that would have run
def pytest_collection_modifyitems(config, items):
    journeys = [item for item in items if _is_journey(item)]
    if not journeys:
        return  # no browser needed, none looked for
    config.stash[CHROMIUM] = find_chromium()
    if config.stash[CHROMIUM]:
        return
    items[:] = [item for item in items if not _is_journey(item)]
    config.stash[WITHOUT_BROWSER] = [item.nodeid for item in journeys]
    config.hook.pytest_deselected(items=journeys)


def pytest_deselected(items):
    journeys = {item.nodeid for item in items if _in_browser_dir(item.path) and _is_journey(item)}
    if journeys:
        items[0].config.stash.setdefault(DESELECTED, set()).update(journeys)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    stash = item.config.stash  # only items of this directory come here
    if report.when == "call" or report.skipped:
        stash.setdefault(RAN, set()).add(item.nodeid)
    if report.failed or (report.when == "call" and (not report.skipped or hasattr(report, "wasxfail"))):
        stash.setdefault(EXERCISED, set()).add(item.nodeid)
    return report


def _whole_directory_collected(config) -> bool:
    """Whether this run collected every journey: the directory (or one above it) was named and
    each of its test files collected something. Narrower runs (a file, a node id, --ignore) and
    an xdist worker, which sees only its share, are not."""
    if hasattr(config, "workerinput"):
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
    return {item.path.resolve() for item in collected} == set(BROWSER_DIR.glob("test_*.py"))


def _every_journey_ran(session) -> bool:
    """Whether this run ran every journey, so a missing page means a missing journey and not a
    narrower selection: one file, a node id, -k, -m, --deselect, --ignore, --lf, -x, --co."""
    config = session.config
    if config.stash.get(DESELECTED, set()) or not _whole_directory_collected(config):
        return False
    # None cut short: --collect-only, --setup-only, -x or Ctrl-C leave some unrun.
    journeys = {item.nodeid for item in config.stash.get(COLLECTED, []) if _is_journey(item)}
    return journeys <= config.stash.get(RAN, set())


def _journeys_not_run(session, exitstatus) -> list[str]:
    """Journeys of a run of the whole directory that were selected but did not run: skipped, or
    left out for want of a browser. What -k, -m or --deselect left out was chosen; a journey that
    errored is reported already; a run cut short (-x, --maxfail, Ctrl-C) fails anyway; and one
    that runs nothing on purpose (--co, --setup-only) is not asked."""
    config = session.config
    option = config.option
    if (exitstatus == pytest.ExitCode.INTERRUPTED or session.shouldstop or session.shouldfail
            or option.collectonly or option.setuponly or option.setupplan
            or not _whole_directory_collected(config)):
        return []
    chosen = config.stash.get(DESELECTED, set()) - set(config.stash.get(WITHOUT_BROWSER, []))
    journeys = {item.nodeid for item in config.stash.get(COLLECTED, []) if _is_journey(item)}
    return sorted(journeys - chosen - config.stash.get(EXERCISED, set()))


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if in_ci():
        if config.stash.get(WITHOUT_BROWSER, []):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        elif not_run := _journeys_not_run(session, exitstatus):
            config.stash[NOT_RUN] = not_run
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if exitstatus != pytest.ExitCode.OK or not _every_journey_ran(session):
        return
    unvisited = sorted(pages_a_person_uses() - config.stash.get(VISITED, set()))
    if unvisited:
        config.stash[UNVISITED] = unvisited
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config):
    _summarise_without_browser(terminalreporter, config)
    _summarise_not_run(terminalreporter, config)
    _summarise_unvisited(terminalreporter, config)


def _summarise_without_browser(terminalreporter, config):
    without_browser = config.stash.get(WITHOUT_BROWSER, [])
    if not without_browser:
        return
    if in_ci():
        terminalreporter.write_line(
            f"browser journeys: {len(without_browser)} not run — {_why_none()}; in CI every "
            "journey must run", red=True, bold=True)
    else:
        terminalreporter.write_line(
            f"browser journeys: {len(without_browser)} deselected — {_why_none()}", yellow=True)


def _summarise_not_run(terminalreporter, config):
    not_run = config.stash.get(NOT_RUN, [])
    if not not_run:
        return
    terminalreporter.write_sep("=", "browser journeys that did not run", red=True, bold=True)
    terminalreporter.write_line(
        "In CI every journey of tests/browser runs; these were collected and selected but "
        "skipped or left out:")
    for nodeid in not_run:
        terminalreporter.write_line(f"  - {nodeid}", red=True)


def _summarise_unvisited(terminalreporter, config):
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
