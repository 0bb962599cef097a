"""A real OpenID Connect provider for the sign-in tests: oidc-provider-mock, started as a process
of its own on a free local port, with the helpers that play the person at its pages.

The provider accepts any client id and secret and any redirect address (as a hospital's would
for a registered client), signs ID tokens with RS256, publishes its keys and discovery document,
and has an end-session endpoint. ``provider_sign_in`` answers its authorization page as the
person would (it is a form asking who you are), and hands the redirect back to our callback.

Outside CI, a machine where the provider cannot be started skips the tests that need it, with
one reason; in CI (CI=true or REQUIRE_SERVICES=1) that fails them instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from django.urls import reverse

from residents.oidc import BACKEND

CLIENT_ID = "intervision"
CLIENT_SECRET = "client-secret-for-tests"


def in_ci() -> bool:
    ci = os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}
    return ci or bool(os.environ.get("REQUIRE_SERVICES"))


@dataclass
class Provider:
    issuer: str

    def set_person(self, sub: str, **claims) -> None:
        """Who ``sub`` is at the provider: the claims it will put in tokens and userinfo."""
        requests.put(f"{self.issuer}/users/{sub}", json=claims, timeout=5).raise_for_status()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(log_path) -> tuple[subprocess.Popen | None, str, str]:
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    try:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log_path.open("wb"), stderr=subprocess.STDOUT, env={**os.environ, "NO_COLOR": "1"},
        )
    except OSError as error:
        return None, issuer, str(error)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return process, issuer, log_path.read_text(errors="replace")[-500:] or "it exited"
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                return process, issuer, ""
        except requests.RequestException:
            time.sleep(0.1)
    return process, issuer, "it did not answer within 20 s"


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    process, issuer, problem = _start(tmp_path_factory.mktemp("oidc") / "provider.log")
    try:
        if problem:
            reason = f"the OIDC provider (oidc-provider-mock, a dev dependency) did not start: {problem}"
            if in_ci():
                pytest.fail(reason)
            pytest.skip(reason)
        yield Provider(issuer=issuer)
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(10)


@pytest.fixture
def oidc(oidc_provider, settings, db):
    """The site configured to sign in with ``oidc_provider``."""
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_PROVIDER_NAME = "Hospital ID"
    # What the settings add when OIDC_ISSUER is set at start-up.
    backends = [path for path in settings.AUTHENTICATION_BACKENDS if path != BACKEND]
    settings.AUTHENTICATION_BACKENDS = [*backends, BACKEND]
    return oidc_provider


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def provider_sign_in(client, sub: str, *, tamper: dict | None = None, next_url: str | None = None):
    """Click "Sign in with …", answer the provider's page as ``sub`` and follow its redirect
    back to our callback; ``tamper`` changes parameters of the authorization request on the way
    (as an attacker between the two would). Returns the callback's response."""
    start = reverse("oidc_authentication_init") + (f"?{urlencode({'next': next_url})}" if next_url else "")
    to_provider = client.get(start)
    assert to_provider.status_code == 302, to_provider
    authorize = with_query(to_provider["Location"], **(tamper or {}))
    answered = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert answered.status_code == 302, answered.text[:500]
    back = urlsplit(answered.headers["Location"])
    assert back.path == reverse("oidc_authentication_callback"), back
    return client.get(f"{back.path}?{back.query}")
