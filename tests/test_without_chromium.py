"""Anyone can run the suite: on a machine without Chromium the browser journeys are deselected,
one line of the summary says why, and the run passes. In CI the same run fails, and so does a
run of the whole browser directory in which a selected journey was skipped.

Each test runs pytest on tests/browser in a child process whose PATH holds no ``chromium`` and
whose Playwright has no browsers of its own. No journey gets as far as the database.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOW_TO_GET_ONE = "install Debian's chromium, or set CHROMIUM=/path"
# A plugin that skips every journey before it starts, as a journey that skips itself would.
SKIP_JOURNEYS = """
import pytest

def pytest_runtest_setup(item):
    if item.get_closest_marker("browser"):
        pytest.skip("skipped on purpose")
"""


def run_browser_tests(tmp_path, *args, **env):
    """pytest tests/browser, without the outer run's CI and services, and without Chromium
    unless ``CHROMIUM`` names one."""
    inherited = {name: value for name, value in os.environ.items() if name not in {
        "CI", "REQUIRE_SERVICES", "DATABASE_URL", "REDIS_URL", "CHROMIUM", "PYTEST_ADDOPTS",
        "PYTEST_CURRENT_TEST"}}
    path = os.pathsep.join(folder for folder in os.environ.get("PATH", "").split(os.pathsep)
                           if folder and not (Path(folder) / "chromium").exists())
    (tmp_path / "browsers").mkdir(exist_ok=True)
    (tmp_path / "skip_journeys.py").write_text(SKIP_JOURNEYS)
    child_env = {**inherited, "DEBUG": "1", "PATH": path,
                 "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "browsers"),
                 "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])),
                 **env}
    return subprocess.run(  # noqa: S603 - this suite's own pytest, with arguments from this file
        # --output: pytest-playwright empties its output folder when a run starts, and the outer
        # run's test-results/ holds the screenshots of every page (test_every_page.py).
        [sys.executable, "-m", "pytest", "tests/browser", "-q", "-p", "no:cacheprovider",
         "--output", str(tmp_path / "test-results"), *args],
        cwd=ROOT, env=child_env, capture_output=True, text=True, timeout=600)


def deselected(output: str) -> int:
    """The count on pytest's closing line."""
    return int(re.search(r"(\d+) deselected", output.splitlines()[-1]).group(1))


def test_without_chromium_the_journeys_are_deselected_with_one_line_and_the_run_passes(tmp_path):
    result = run_browser_tests(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    count = deselected(result.stdout)
    assert count > 20  # every journey, and nothing else
    line = f"browser journeys: {count} deselected — no Chromium found ({HOW_TO_GET_ONE})"
    assert [text for text in result.stdout.splitlines() if text.startswith("browser journeys")] == [line]
    assert " error" not in result.stdout and "skipped" not in result.stdout
    assert "pages no browser test visited" not in result.stdout  # the page guard keeps quiet


def test_the_line_names_a_chromium_variable_that_points_nowhere(tmp_path):
    result = run_browser_tests(tmp_path, CHROMIUM="/nonexistent/chromium")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (f"deselected — no Chromium found (CHROMIUM=/nonexistent/chromium names no program; "
            f"{HOW_TO_GET_ONE})") in result.stdout


def test_in_ci_a_missing_chromium_fails_the_run(tmp_path):
    result = run_browser_tests(tmp_path, CI="true", CHROMIUM="/nonexistent/chromium")
    assert result.returncode == 1, result.stdout + result.stderr
    count = deselected(result.stdout)
    assert (f"browser journeys: {count} not run — no Chromium found (CHROMIUM=/nonexistent/chromium "
            f"names no program; {HOW_TO_GET_ONE}); in CI every journey must run") in result.stdout


def test_in_ci_a_skipped_journey_fails_a_run_of_the_whole_directory(tmp_path):
    # /bin/true passes for a Chromium: every journey is skipped before it would start one.
    result = run_browser_tests(tmp_path, "-p", "skip_journeys", CI="true", CHROMIUM="/bin/true")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "browser journeys that did not run" in result.stdout
    assert "tests/browser/test_phone_journey.py::" in result.stdout


def test_in_ci_journeys_left_out_with_k_do_not_count(tmp_path):
    result = run_browser_tests(tmp_path, "-p", "skip_journeys", "-k", "visited_pages",
                               CI="true", CHROMIUM="/bin/true")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "browser journeys" not in result.stdout
