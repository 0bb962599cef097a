"""Set-up shared by the whole suite: personas, a clock that stands still, a planned session.

- cora: the programme's coordinator
- rosa and ruben: residents in the same group ("Tuesday group"), led by ivan
- otto: a resident in another group ("Thursday group"), led by iris
- ivan: intervisor of rosa's group; iris: another intervisor
- adam: an administrator (Django admin only)
- anna: a resident in no group, whose rosters the imports fill (the fixture is her Resident)
- leaders: Lea and Lex Leader, intervisors with room for one group each, for composing groups

Time: a test that depends on the date asks for ``clock``, which stands still at ``helpers.NOW``
(Monday 2 March 2026) or at the moment of its ``@pytest.mark.now(...)``; ``clock.move_to(...)``
and ``clock.shift(...)`` move it on. ``planned`` is rosa's group's session at ``helpers.START``.
"""

import os
import shutil

import pytest
import time_machine

from residents.models import User
from sessions_app.services.sessions import session_plan

from .factories import (
    PASSWORD,
    DepartmentFactory,
    GroupFactory,
    IntervisorFactory,
    MembershipFactory,
    ResidentFactory,
    SpecialtyFactory,
    UserFactory,
)
from .helpers import START, login, moment_of

# A real OpenID Connect provider process and the site configured for it (sign-in tests).
pytest_plugins = ["tests.oidc_provider"]


def pytest_configure(config):
    """In CI (REQUIRE_SERVICES=1) the suite must run on PostgreSQL and Redis, never fall back."""
    if not os.environ.get("REQUIRE_SERVICES"):
        return
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise pytest.UsageError("REQUIRE_SERVICES is set but DATABASE_URL is not PostgreSQL")
    if not (settings.REDIS_URL and settings.CELERY_BROKER_URL.startswith("redis://")):
        raise pytest.UsageError("REQUIRE_SERVICES is set but REDIS_URL is not a Redis broker")


NO_JAVA = "no Java found (install Debian's default-jre-headless)"
WITHOUT_JAVA = pytest.StashKey[list]()  # HTML checks deselected because there is no Java


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """The Nu HTML Checker runs on Java. Where there is none, its tests are deselected and one
    line of the summary says so; in CI (CI=true or REQUIRE_SERVICES=1) the run fails instead."""
    checks = [item for item in items if item.get_closest_marker("nu_checker")]
    if not checks or shutil.which("java"):
        return
    items[:] = [item for item in items if not item.get_closest_marker("nu_checker")]
    config.stash[WITHOUT_JAVA] = [item.nodeid for item in checks]
    config.hook.pytest_deselected(items=checks)


def pytest_sessionfinish(session, exitstatus):
    from tests.browser.conftest import in_ci

    if session.config.stash.get(WITHOUT_JAVA, []) and in_ci():
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config):
    from tests.browser.conftest import in_ci

    without_java = config.stash.get(WITHOUT_JAVA, [])
    if not without_java:
        return
    if in_ci():
        terminalreporter.write_line(f"HTML checks: {len(without_java)} not run — {NO_JAVA}; in CI "
                                    "they must run", red=True, bold=True)
    else:
        terminalreporter.write_line(f"HTML checks: {len(without_java)} deselected — {NO_JAVA}",
                                    yellow=True)


@pytest.fixture(autouse=True)
def _default_language():
    # A request in Dutch leaves Dutch active in the thread (LocaleMiddleware does not reset it),
    # and tests that call services directly would then read Dutch messages: every test starts
    # in the default language.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is deliberately slow; the suite creates hundreds of users. One test below checks
    # that the real settings hash with Argon2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock(request):
    """Time stands still at NOW, or at the moment of the test's ``now`` marker, for the whole
    test; the traveller it yields moves it on (``move_to``, ``shift``)."""
    marker = request.node.get_closest_marker("now")
    with time_machine.travel(moment_of(marker), tick=False) as traveller:
        yield traveller


@pytest.fixture
def cora(db):
    return UserFactory(email="cora@hospital.example", first_name="Cora", last_name="Coordinator",
                       role=User.Role.COORDINATOR)


@pytest.fixture
def adam(db):
    return UserFactory(email="adam@hospital.example", first_name="Adam", last_name="Admin",
                       role=User.Role.ADMINISTRATOR, is_staff=True, is_superuser=True)


@pytest.fixture
def ivan(db):
    return IntervisorFactory(user__email="ivan@hospital.example", user__first_name="Ivan",
                             user__last_name="Intervisor").user


@pytest.fixture
def iris(db):
    return IntervisorFactory(user__email="iris@hospital.example", user__first_name="Iris",
                             user__last_name="Other").user


@pytest.fixture
def group(ivan):
    return GroupFactory(name="Tuesday group", intervisor=ivan.intervisor)


@pytest.fixture
def other_group(iris):
    return GroupFactory(name="Thursday group", intervisor=iris.intervisor)


@pytest.fixture
def rosa(group):
    resident = ResidentFactory(user__email="rosa@hospital.example", user__first_name="Rosa",
                               user__last_name="Resident")
    MembershipFactory(group=group, resident=resident)
    return resident.user


@pytest.fixture
def ruben(group):
    resident = ResidentFactory(user__email="ruben@hospital.example", user__first_name="Ruben",
                               user__last_name="Resident")
    MembershipFactory(group=group, resident=resident)
    return resident.user


@pytest.fixture
def otto(other_group):
    resident = ResidentFactory(user__email="otto@hospital.example", user__first_name="Otto",
                               user__last_name="Outsider")
    MembershipFactory(group=other_group, resident=resident)
    return resident.user


@pytest.fixture
def anna(db):
    return ResidentFactory(user__email="anna@hospital.example", user__first_name="Anna")


@pytest.fixture
def leaders(db):
    return [IntervisorFactory(capacity=1, user__first_name="Lea", user__last_name="Leader"),
            IntervisorFactory(capacity=1, user__first_name="Lex", user__last_name="Leader")]


@pytest.fixture
def catalogue(db):
    """The specialties and departments that the resident import files name."""
    for name in ["Internal Medicine", "Surgery", "Paediatrics"]:
        SpecialtyFactory(name=name)
    for name in ["Internal Medicine", "Surgery", "Children's Hospital"]:
        DepartmentFactory(name=name)


@pytest.fixture
def personas(cora, adam, ivan, iris, rosa, ruben, otto):
    return {"cora": cora, "adam": adam, "ivan": ivan, "iris": iris, "rosa": rosa,
            "ruben": ruben, "otto": otto}


@pytest.fixture
def planned(clock, group, rosa, ruben, cora):
    """The Tuesday group's session at START, planned by cora on the clock (at NOW unless the test
    names another moment): rosa and ruben are invited."""
    return session_plan(group=group, start=START, by=cora)


@pytest.fixture
def as_cora(cora):
    return login(cora)


@pytest.fixture
def celery_eager(settings):
    """Run tasks in-process for tests about what a task does, not how it is delivered."""
    from intervision.celery import app

    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = False


@pytest.fixture
def ask_password_reset(celery_eager, django_capture_on_commit_callbacks):
    """Post the "forgot your password" form and let the worker do its part (look the account
    up, send the link through the outbox): the e-mail, if any, is in ``mail.outbox`` on return."""
    from django.urls import reverse

    def ask(client, email, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("password_reset"), {"email": email}, **extra)

    return ask


@pytest.fixture
def dutch_catalogue(settings, tmp_path):
    """The Dutch catalogue as it will be once the translations waiting in locale/pending/*.po
    are merged into it (nothing to do once they are): those files, compiled with msgfmt, go
    before locale/ on LOCALE_PATHS. Changing the setting resets Django's translation caches."""
    import shutil
    import subprocess
    from pathlib import Path

    pending = sorted((Path(settings.BASE_DIR) / "locale" / "pending").glob("*.po"))
    msgcat, msgfmt = shutil.which("msgcat"), shutil.which("msgfmt")
    if pending and msgcat and msgfmt:
        target = tmp_path / "nl" / "LC_MESSAGES"
        target.mkdir(parents=True)
        # our own files, by absolute program paths
        subprocess.run([msgcat, "--use-first", "-o", str(target / "django.po"), *map(str, pending)],  # noqa: S603
                       check=True)
        subprocess.run([msgfmt, "-o", str(target / "django.mo"), str(target / "django.po")], check=True)  # noqa: S603
        settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]
    return settings.LOCALE_PATHS


__all__ = ["PASSWORD"]
