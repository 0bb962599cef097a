"""Real-browser journeys: Playwright drives Debian's Chromium against ``live_server``."""

import os
import shutil

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
def page(page, live_server):
    page.set_default_timeout(10_000)
    page.base = live_server.url
    return page


def log_in(page, email, password):
    from tests.factories import PASSWORD

    page.goto(f"{page.base}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password or PASSWORD)
    page.get_by_role("button", name="Log in").click()
