"""How long the demo's first sign-in takes, and the second: start gunicorn on the demo's
database (as `make run` serves it, after `make run` has prepared var/), wait for it to say
where it is, sign in at once, then sign in again in a new session. Prints the seconds of each
(login page, sign-in POST, home page). A measurement for docs/benchmarks.md, not a test.

    .venv/bin/python scripts/first_sign_in.py [--config deploy/gunicorn.conf.py] [--rounds 3]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORT = 8179


def sign_in(base: str, email: str) -> float:
    """Seconds from asking for the login page to the signed-in home page."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    started = time.perf_counter()
    page = opener.open(f"{base}/accounts/login/", timeout=60).read().decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if found is None:
        raise SystemExit("no CSRF token on the login page")
    form = {"csrfmiddlewaretoken": found.group(1), "username": email, "password": "rota-demo-2026"}
    request = urllib.request.Request(  # noqa: S310  (http://127.0.0.1 only)
        f"{base}/accounts/login/", data=urllib.parse.urlencode(form).encode(),
        headers={"Referer": f"{base}/accounts/login/"},
    )  # fmt: skip
    with opener.open(request, timeout=60) as response:
        response.read()
        if "/accounts/login/" in response.geturl():
            raise SystemExit(f"the sign-in as {email} failed")
    return time.perf_counter() - started


def one_round(config: str) -> tuple[float, float, float]:
    env = os.environ | {
        "DEBUG": "false", "HTTPS": "false", "SECRET_KEY_FILE": str(ROOT / "var/secret_key"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_FORMAT": "plain",
        "DATABASE_URL": f"sqlite:///{ROOT / 'var/parim.sqlite3'}", "PARIM_DEMO_SIGN_INS": "1",
        "GUNICORN_ACCESS_LOG": "off", "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    server = subprocess.Popen(  # noqa: S603  (our own gunicorn, fixed arguments)
        [str(ROOT / ".venv/bin/gunicorn"), "parim.wsgi:application", "--config", config,
         "--bind", f"127.0.0.1:{PORT}", "--workers", "2", "--threads", "4",
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    started = time.perf_counter()
    try:
        # The address is shown: by the server once it is ready, or else (a config that prints
        # nothing) as soon as the port accepts connections, as `make run` used to print it.
        ready = threading.Event()

        def read() -> None:
            for line in server.stdout or ():
                if "is ready at" in line:
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        banner = "PARIM_DEMO_SIGN_INS" in Path(config).read_text()
        while not ready.is_set():
            if time.perf_counter() - started > 120:
                raise TimeoutError("the server did not start")
            if not banner:
                try:
                    socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
                    break
                except OSError:
                    pass
            time.sleep(0.02)
        shown = time.perf_counter() - started
        base = f"http://127.0.0.1:{PORT}"
        return shown, sign_in(base, "manager@acme.test"), sign_in(base, "manager@acme.test")
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "deploy/gunicorn.conf.py"))
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    for number in range(1, options.rounds + 1):
        shown, first, second = one_round(options.config)
        print(f"round {number}: address shown after {shown:.1f} s; first sign-in {first:.2f} s, "
              f"second {second:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
