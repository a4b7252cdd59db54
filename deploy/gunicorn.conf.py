"""gunicorn settings for production: sized from the CPU count, JSON access log without query
strings or URL tokens, graceful timeouts, and the load balancer trusted for X-Forwarded-*."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import time
from typing import Any

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


bind = f"0.0.0.0:{_int('PORT', 8000)}"
worker_class = "gthread"
# Sync Django under gthread workers: two processes a core, a few threads each.
workers = _int("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count() * 2))
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 65)  # longer than the load balancer's idle timeout
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)
# The load balancer's addresses (the VPC's private ranges): only they may set X-Forwarded-*.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "10.0.0.0/8,172.16.0.0/12")
proxy_allow_ips = forwarded_allow_ips
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
# GUNICORN_ACCESS_LOG=off: no line per request (`make run` keeps its sign-ins in view).
accesslog = None if os.environ.get("GUNICORN_ACCESS_LOG", "").strip() == "off" else "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
worker_tmp_dir = "/dev/shm"  # noqa: S108  (heartbeat files in memory, not on the image's disk)
control_socket_disable = True  # the root filesystem is read-only in production


# The app is loaded and warmed once, in the master, before the workers are forked: a worker
# (at start, or replacing one after max_requests) serves its first request as fast as its
# second, instead of importing the views and compiling the templates while a person waits.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").strip().lower() != "false"


def when_ready(server: Any) -> None:
    """Listening, the workers not yet forked: warm the preloaded app (parim.startup), then,
    for `make run` (PARIM_DEMO_SIGN_INS=1), print the demo's sign-ins and address."""
    if server.cfg.preload_app:
        from parim.startup import tune_garbage_collector, warm_up

        warm_up()
        tune_garbage_collector()  # frozen before the fork: the workers' first collection is short
    if os.environ.get("PARIM_DEMO_SIGN_INS") == "1":
        from parim.demo_people import sign_ins

        print(sign_ins(str(server.LISTENERS[0])), flush=True)


def post_worker_init(worker: Any) -> None:
    """Once the app is loaded: warm it if the master did not, and tune the garbage collector
    (parim.startup)."""
    from parim.startup import tune_garbage_collector, warm_up

    if not getattr(getattr(worker, "cfg", None), "preload_app", True):
        warm_up()
    tune_garbage_collector()


_TOKENS = [
    (re.compile(r"(/join/)[^/]+"), r"\1[token]"),
    (re.compile(r"(/password-reset/)[^/]+/[^/]+"), r"\1[token]"),
    (re.compile(r"(/signup/verify/)[^/]+"), r"\1[token]"),
]


def _path(req: Any) -> str:
    path: str = req.path
    for pattern, replacement in _TOKENS:
        path = pattern.sub(replacement, path)
    return path


class JsonAccessLogger(Logger):  # type: ignore[misc]
    """One JSON object a request: the path without its query string, tokens in paths hidden;
    with LOG_FORMAT=plain, one readable line instead."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.syslog):
            return
        path = _path(req)
        if os.environ.get("LOG_FORMAT") == "plain":
            status = resp.status_code if hasattr(resp, "status_code") else str(resp.status)[:3]
            took = round(request_time.total_seconds() * 1000)
            when = time.strftime("%Y-%m-%d %H:%M:%S")
            self.access_log.info(f"{when} {req.method} {path} {status} {took} ms")
            return
        record = {
            "type": "access",
            "method": req.method,
            "path": path,
            "status": resp.status_code if hasattr(resp, "status_code") else str(resp.status)[:3],
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "request_id": dict(resp.headers).get("X-Request-ID"),
            "remote": environ.get("REMOTE_ADDR"),
        }
        self.access_log.info(json.dumps(record))


logger_class = JsonAccessLogger
