"""Talking to a running server as a browser would, for the benchmarks that time or weigh pages."""

import http.client
import re
from urllib.parse import urlencode


def cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    """The cookies a response sets, by name."""
    jar = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            jar[name] = rest.split(";", 1)[0]
    return jar


def log_in(port: int, email: str, password: str, *, timeout: float = 60) -> str:
    """Log in through the form on 127.0.0.1:``port``; the Cookie header of the signed-in session.
    Raises SystemExit naming the status when the log-in is refused (django-axes answers 429)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/accounts/login/")
        response = conn.getresponse()
        page = response.read().decode()
        jar = cookies(response)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urlencode({"csrfmiddlewaretoken": token, "username": email, "password": password})
        conn.request("POST", "/accounts/login/", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={jar['csrftoken']}",
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        })
        response = conn.getresponse()
        response.read()
        jar.update(cookies(response))
    finally:
        conn.close()
    if response.status != 302 or "sessionid" not in jar:
        raise SystemExit(f"log-in as {email} failed: {response.status} (a django-axes lock-out answers 429)")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, process, seconds: float = 30, path: str = "/accounts/login/") -> None:
    """Wait until the server started as ``process`` answers ``path`` with 200 on ``port``."""
    import sys
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("the server did not answer in time")


def scratch_name(suffix: str) -> tuple[str, str]:
    """The PostgreSQL server of DATABASE_URL (default: the local one) and a scratch database on
    it named after DATABASE_URL's own with ``suffix`` appended, so people who each use their own
    DATABASE_URL never drop each other's scratch database."""
    import os
    import sys
    from urllib.parse import urlsplit

    url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    if not url.startswith("postgres"):
        sys.exit("this benchmark needs PostgreSQL: set DATABASE_URL to a postgres:// URL")
    name = urlsplit(url).path.lstrip("/") or "postgres"
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        sys.exit(f"cannot derive a scratch database name from {name!r}")
    return url, f"{name}{suffix}"


class ServedSite:
    """A scratch database, migrated and filled, served by gunicorn with DEBUG off.

    ``with ServedSite("_bench", fill, workers=2) as site:`` creates the database (dropped on
    exit unless ``keep``), migrates it, calls ``fill()`` inside this process (Django set up on
    the scratch database; what it returns is ``site.filled``), collects the static files and
    starts gunicorn on a free loopback port (``site.port``) with a throw-away SECRET_KEY and
    notes key, ALLOWED_HOSTS=127.0.0.1 and plain HTTP. Collected static files go to
    /tmp/var-<scratch database> unless BENCH_VAR_DIR says otherwise."""

    def __init__(self, suffix: str, fill, *, workers: int, keep: bool = False):
        self.server, self.scratch = scratch_name(suffix)
        self.fill, self.workers, self.keep = fill, workers, keep
        self.gunicorn = None
        self.filled = None
        self.port = 0

    def __enter__(self) -> "ServedSite":
        import os
        import secrets
        import subprocess
        import sys
        from pathlib import Path

        from postgres import admin, with_db

        print(f"scratch database: {self.scratch}")
        admin(self.server, f'DROP DATABASE IF EXISTS "{self.scratch}" WITH (FORCE)')
        admin(self.server, f'CREATE DATABASE "{self.scratch}"')
        var_dir = Path(os.environ.get("BENCH_VAR_DIR", f"/tmp/var-{self.scratch}"))
        env = {
            **os.environ, "DATABASE_URL": with_db(self.server, self.scratch),
            "DJANGO_SETTINGS_MODULE": "intervision.settings", "VAR_DIR": str(var_dir),
            "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
            "NOTES_ENCRYPTION_KEYS": "YmVuY2gtb25seS1ub3Rlcy1rZXktMzJieXRlcy0wMDA=",
            "DEBUG": "0", "SECURE_COOKIES": "0", "SECURE_SSL_REDIRECT": "0",
        }
        env.pop("REDIS_URL", None)  # the pages measured need no broker
        os.environ.update(env)
        try:
            import django

            django.setup()
            from django.core.management import call_command
            from django.db import connection

            call_command("migrate", verbosity=0)
            self.filled = self.fill()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            connection.close()
            call_command("collectstatic", interactive=False, verbosity=0)
            self.port = free_port()
            root = Path(__file__).resolve().parent.parent
            self.gunicorn = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "intervision.wsgi",
                 "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                 "--log-level", "warning"],
                cwd=root, env=env,
            )
            wait_for(self.port, self.gunicorn)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        import subprocess

        from postgres import admin

        if self.gunicorn is not None:
            self.gunicorn.terminate()
            try:
                self.gunicorn.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.gunicorn.kill()
        if not self.keep:
            from django.db import connections

            connections.close_all()
            admin(self.server, f'DROP DATABASE IF EXISTS "{self.scratch}" WITH (FORCE)')


def load(port: int, requests: list[tuple[str, str, dict, int]], per_request: int,
         threads: int) -> dict[str, list[float]]:
    """Each thread sends every (name, path, headers, expected status) in turn on one keep-alive
    connection, so all of them meet the same server state; returns the latencies per name. A
    wrong status stops the benchmark."""
    import sys
    import threading
    import time

    times: dict[str, list[float]] = {name: [] for name, *_rest in requests}
    lock = threading.Lock()
    failures: list[str] = []

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: dict[str, list[float]] = {name: [] for name in times}
        for _ in range(per_request // threads):
            for name, path, headers, expected in requests:
                begin = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                mine[name].append(time.perf_counter() - begin)
                if response.status != expected:
                    failures.append(f"{name}: {response.status}")
        with lock:
            for name in times:
                times[name] += mine[name]

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if failures:
        sys.exit(f"{len(failures)} unexpected answers, e.g. {failures[0]}")
    return times


def ms(values: list[float], percentile: int) -> float:
    """A percentile of latencies in seconds, in milliseconds (50: the median)."""
    import statistics

    if percentile == 50:
        return 1000 * statistics.median(values)
    return 1000 * statistics.quantiles(values, n=100)[percentile - 1]
