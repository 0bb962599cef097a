"""The list of what is not a page (conftest.NOT_PAGES) stays true to the URL patterns and to the
access table in tests/test_access.py, so the browser-coverage guard cannot drift."""

from tests.test_access import RULES, _url_names

from .conftest import NOT_PAGES, pages_a_person_uses


def _answers_a_get_with_405(name):
    _, expected = RULES[name]
    return 405 in expected.values() and 200 not in expected.values()


def test_every_exclusion_names_a_url_pattern_and_gives_a_reason():
    assert set(NOT_PAGES) <= set(_url_names())
    assert all(reason.strip() for reason in NOT_PAGES.values())


def test_every_action_that_refuses_a_get_is_excluded_as_post_only():
    post_only = {name for name in RULES if _answers_a_get_with_405(name)}
    assert post_only  # the access table still says so
    for name in post_only:
        assert NOT_PAGES.get(name, "").startswith("a POST-only action"), name


def test_what_is_called_post_only_refuses_a_get():
    for name, reason in NOT_PAGES.items():
        if reason.startswith("a POST-only action") and name != "set_language":
            assert _answers_a_get_with_405(name), name  # set_language redirects a GET unchanged


def test_the_pages_include_each_persona_s_start_and_the_account_pages():
    pages = pages_a_person_uses()
    assert {"home", "login", "password_change", "password_reset_confirm", "my_sessions",
            "group_detail", "dashboard"} <= pages
    assert not pages & {"healthz", "calendar_feed", "logout", "dashboard_export"}
