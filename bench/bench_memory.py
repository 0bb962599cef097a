"""Benchmark: the memory of one gunicorn worker of Intervision against one of a bare Django project.

Baseline: a project made on the spot by ``django-admin startproject bare`` (DEBUG off, SQLite,
nothing added), served by the same gunicorn binary with the same flags (``--workers 1``).

The app side gets a fresh database: on SQLite (the default) a file in a temporary VAR_DIR; with
DATABASE_URL pointing at PostgreSQL, a scratch database on that server named after the URL's
(``<name>_bench_memory``, e.g. ``iv_deps_bench_memory`` for ``…/iv_deps``), created afresh and
dropped at the end (``--keep`` keeps it and the temporary folders). ``manage.py migrate`` and
``manage.py demo_data`` fill it and ``manage.py collectstatic`` gathers the static files, then
gunicorn serves it with DEBUG off, a throw-away SECRET_KEY and notes key, ALLOWED_HOSTS=127.0.0.1
and plain HTTP. The demo coordinator logs in through the log-in form and asks ``--requests``
times for each of the coordinator's main pages: home, groups, one group and its suggestions,
sessions, residents, workload, dashboard, evaluations and compose; every answer must be a 200.
The bare project's admin log-in page is asked for as many times in all.

Then it reads VmRSS of each worker process (the master's child, from /proc; Linux only) and
prints both in MB, their ratio (target: app at most 1.5x the bare project) and whether the
worker has mapped OR-Tools', pandas' or numpy's libraries: the web process needs none of them.

    .venv/bin/python bench/bench_memory.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iv_deps .venv/bin/python bench/bench_memory.py
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from postgres import admin, with_db  # bench/postgres.py and bench/web.py, beside this script
from web import free_port, log_in, wait_for

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtualenv's bin/, for gunicorn

COORDINATOR = "coordinator@intervision.example"  # the demo programme's known log-in
PASSWORD = "intervision"  # noqa: S105 - published with the demo data
TARGET = 1.5
GUNICORN_FLAGS = ["--workers", "1", "--timeout", "120", "--log-level", "warning"]


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")


class Server:
    """One gunicorn master with one worker, stopped on leaving the ``with`` block."""

    def __init__(self, module: str, cwd: Path, env: dict[str, str], ready_path: str) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), module, "--bind", f"127.0.0.1:{self.port}", *GUNICORN_FLAGS],
            cwd=cwd, env=env,
        )
        try:
            wait_for(self.port, self.process, 60, ready_path)
        except BaseException:
            self.stop()
            raise

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def get(self, path: str, cookie: str = "") -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = conn.getresponse()
            return response.status, response.read().decode(errors="replace")
        finally:
            conn.close()

    def worker_pid(self) -> int:
        """The master's one child: gunicorn forks its worker, so the app lives there."""
        master = self.process.pid
        children = set()
        for task in Path(f"/proc/{master}/task").iterdir():
            children.update(int(pid) for pid in (task / "children").read_text().split())
        if len(children) != 1:
            sys.exit(f"expected one gunicorn worker under {master}, found {sorted(children)}")
        return children.pop()


def _ask(server: Server, paths: list[str], times: int, cookie: str = "") -> None:
    for _ in range(times):
        for path in paths:
            status, _ = server.get(path, cookie)
            if status != 200:
                sys.exit(f"GET {path} answered {status}, not 200")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024  # kB
    sys.exit(f"no VmRSS for process {pid}")


def _mapped(pid: int, package: str) -> bool:
    """Whether the process has mapped a file from ``package``'s folder (its compiled libraries)."""
    return f"/{package}/" in Path(f"/proc/{pid}/maps").read_text()


def _measure_app(env: dict[str, str], requests: int) -> tuple[float, dict[str, bool], int]:
    with Server("intervision.wsgi", ROOT, env, "/accounts/login/") as server:
        cookie = log_in(server.port, COORDINATOR, PASSWORD)
        status, page = server.get("/groups/", cookie)
        found = re.search(r'href="/groups/(\d+)/"', page)
        if status != 200 or found is None:
            sys.exit(f"/groups/ answered {status} with no group to open")
        group = found.group(1)
        pages = ["/", "/groups/", f"/groups/{group}/", f"/groups/{group}/suggestions/", "/sessions/",
                 "/residents/", "/workload/", "/dashboard/", "/evaluations/", "/compose/"]
        _ask(server, pages, requests, cookie)
        pid = server.worker_pid()
        loaded = {package: _mapped(pid, package) for package in ("ortools", "pandas", "numpy")}
        return _rss_mb(pid), loaded, len(pages) * requests


def _measure_bare(scratch: Path, total: int) -> float:
    project = scratch / "bare"
    project.mkdir()
    # Run inside the empty target folder: from its parent, the folder itself would import as
    # a namespace package "bare" and startproject would refuse the name.
    _run([sys.executable, "-m", "django", "startproject", "bare", "."], project, dict(os.environ))
    settings = project / "bare" / "settings.py"
    text = settings.read_text()
    changes = [("DEBUG = True", "DEBUG = False"), ("ALLOWED_HOSTS = []", 'ALLOWED_HOSTS = ["127.0.0.1"]')]
    for old, new in changes:
        if old not in text:
            sys.exit(f"startproject's settings.py has no {old!r} to change")
        text = text.replace(old, new)
    settings.write_text(text)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bare.settings"}
    env.pop("DATABASE_URL", None)
    _run([sys.executable, "manage.py", "migrate", "--noinput"], project, env)
    with Server("bare.wsgi", project, env, "/admin/login/") as server:
        _ask(server, ["/admin/login/"], total)
        return _rss_mb(server.worker_pid())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3, help="times each page is asked for (1-20)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and folders")
    args = parser.parse_args()
    args.requests = max(1, min(args.requests, 20))

    from cryptography.fernet import Fernet

    scratch_dir = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "intervision.settings", "VAR_DIR": str(scratch_dir / "var"),
        "SECRET_KEY": secrets.token_urlsafe(50), "NOTES_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1", "DEBUG": "0", "SECURE_COOKIES": "0", "SECURE_SSL_REDIRECT": "0",
    }
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):  # the pages measured need no broker
        env.pop(name, None)
    server_url = os.environ.get("DATABASE_URL", "")
    scratch_db = None
    if server_url.startswith("postgres"):
        named = urlsplit(server_url).path.lstrip("/")
        scratch_db = f"{named if named not in ('', 'postgres') else 'iv'}_bench_memory"
        admin(server_url, f'DROP DATABASE IF EXISTS "{scratch_db}" WITH (FORCE)')
        admin(server_url, f'CREATE DATABASE "{scratch_db}"')
        env["DATABASE_URL"] = with_db(server_url, scratch_db)
    else:
        env.pop("DATABASE_URL", None)  # settings' SQLite file under VAR_DIR
    try:
        # The demo accounts share a published password: demo_data loads them only with DEBUG on.
        setup = {**env, "DEBUG": "1"}
        begin = time.perf_counter()
        _run([sys.executable, "manage.py", "migrate", "--noinput"], ROOT, setup)
        _run([sys.executable, "manage.py", "demo_data"], ROOT, setup)
        _run([sys.executable, "manage.py", "collectstatic", "--noinput"], ROOT, env)
        database = f"PostgreSQL {scratch_db}" if scratch_db else "SQLite"
        print(f"data: demo programme on {database} (migrated, loaded and static files collected "
              f"in {time.perf_counter() - begin:.1f} s)")

        app_mb, loaded, total = _measure_app(env, args.requests)
        bare_mb = _measure_bare(scratch_dir, total)
        ratio = app_mb / bare_mb
        print(f"gunicorn {' '.join(GUNICORN_FLAGS)}, DEBUG off; {total} requests to each worker")
        print(f"app worker:  {app_mb:6.1f} MB RSS   (10 coordinator pages x {args.requests})")
        print(f"bare worker: {bare_mb:6.1f} MB RSS   (admin log-in page x {total})")
        verdict = "ok" if ratio <= TARGET else "ABOVE TARGET"
        print(f"ratio app / bare: {ratio:.2f}x (target <= {TARGET}x) {verdict}")
        for package, present in loaded.items():
            print(f"{package} in the app worker: {'loaded' if present else 'not loaded'}")
        return 0 if ratio <= TARGET else 1
    finally:
        if scratch_db and not args.keep:
            admin(server_url, f'DROP DATABASE IF EXISTS "{scratch_db}" WITH (FORCE)')
        if args.keep:
            print(f"kept: {scratch_dir}" + (f" and database {scratch_db}" if scratch_db else ""))
        else:
            shutil.rmtree(scratch_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
