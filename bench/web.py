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
