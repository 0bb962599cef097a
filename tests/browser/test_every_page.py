"""Every GET page of each role (tests/pages.py), on a phone (390 px) and on a desktop (1280 px),
in English and in Dutch: axe-core finds no serious or critical violation, nothing sticks out
sideways, and the browser logs no error. A screenshot of each page is kept under test-results/
(CI keeps it as an artefact).

One browser context per role × screen × language, signed in once; the pages are visited in turn
and every finding is collected, so one failing run lists all of them."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client

from tests.pages import ROLES, more_to_show, pages_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 800}}
LANGUAGES = {"en": "en-GB", "nl": "nl-NL"}
SERIOUS = {"serious", "critical"}
AXE = Axe()


def _signed_in(browser, live_server, user, screen, language):
    context = browser.new_context(viewport=SCREENS[screen], locale=LANGUAGES[language])
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value})
    context.add_cookies(cookies)
    return context


def _violations(page) -> list[str]:
    found = AXE.run(page).response["violations"]
    return [f"axe {v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:4])}"
            for v in found if v["impact"] in SERIOUS]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_fits_the_screen_and_logs_no_error(browser, live_server, personas, planned,
                                                                  pytestconfig, role, screen, language):
    more_to_show(personas)
    persona = ROLES[role]
    user = None if persona == "anonymous" else personas[persona]
    pages = pages_of(personas, role)
    context = _signed_in(browser, live_server, user, screen, language)
    page = context.new_page()
    page.set_default_timeout(10_000)
    logged = []
    page.on("console", lambda message: message.type == "error" and logged.append(message.text))
    page.on("pageerror", lambda error: logged.append(str(error)))
    # In pytest-playwright's output folder (test-results/ unless --output names another), which it
    # empties when a run starts: what is there after a run is that run's.
    folder = f"{role.replace(' ', '-')}-{screen}-{language}"
    shots = Path(pytestconfig.getoption("--output")) / "pages" / folder
    shots.mkdir(parents=True, exist_ok=True)

    findings = []
    for name, path in pages:
        logged.clear()
        response = page.goto(live_server.url + path)
        assert response.ok, (role, path, response.status)
        page.screenshot(path=shots / f"{name.replace(':', '-')}.png", full_page=True)
        problems = _violations(page)
        width, screen_width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        if width > screen_width:
            problems.append(f"{width} px wide on a {screen_width} px screen")
        problems += [f"console: {text}" for text in logged]
        findings += [f"{path} ({name}): {problem}" for problem in problems]
    context.close()
    assert len(pages) >= 5
    assert not findings, "\n".join(findings)
