"""Production start-up refusals, the health check behind a load balancer, security.txt, and the
deployment files (gunicorn settings and access log, compose)."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "PATH": os.environ.get("PATH", ""),
    "PARIM_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "PERSONAL_DATA_KEYS": secrets.token_urlsafe(40),
    "AUDIT_CHAIN_KEYS": "2026:" + secrets.token_urlsafe(40),
    "TWO_FACTOR_KEYS": secrets.token_urlsafe(40),
    "ALLOWED_HOSTS": "app.example.com",
    "DATABASE_URL": "postgres://parim_app:pw@db.internal:5432/parim",
    "AUDIT_ARCHIVE_BUCKET": "parim-audit-archive",
    "EMAIL_HOST": "email-smtp.eu-west-2.amazonaws.com",
    "SECURITY_CONTACT": "mailto:security@parim.io",
}


def _check(**overrides: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in {**PRODUCTION, **overrides}.items() if v is not None}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip


def test_production_settings_start() -> None:
    result = _check()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"DEBUG": "true"}, "DEBUG must be false"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be a random value"),
        ({"PERSONAL_DATA_KEYS": ""}, "PERSONAL_DATA_KEYS must be set"),
        ({"PERSONAL_DATA_KEYS": "too-short"}, "PERSONAL_DATA_KEYS must be set"),
        ({"AUDIT_CHAIN_KEYS": ""}, "AUDIT_CHAIN_KEYS must be set"),
        ({"AUDIT_CHAIN_KEYS": "2026:too-short"}, "AUDIT_CHAIN_KEYS must be set"),
        ({"AUDIT_CHAIN_KEYS": "bad id!:" + "x" * 40}, "AUDIT_CHAIN_KEYS: a key id"),
        ({"AUDIT_ANCHOR_SECONDS": "0"}, "AUDIT_ANCHOR_SECONDS must be from 10"),
        ({"TWO_FACTOR_KEYS": ""}, "TWO_FACTOR_KEYS must be set"),
        ({"TWO_FACTOR_KEYS": "too-short"}, "TWO_FACTOR_KEYS must be set"),
        ({"SECRET_KEY": "x" * 60}, "SECRET_KEY must be a random value"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS must name the hosts"),
        ({"HTTPS": "false"}, "HTTPS must be true"),
        ({"DATABASE_URL": "sqlite:///x.sqlite3"}, "DATABASE_URL must point at PostgreSQL"),
        ({"PARIM_ENV": "staging"}, "PARIM_ENV must be development or production"),
        ({"TRUSTED_PROXY_HOPS": "two"}, "TRUSTED_PROXY_HOPS must be a whole number"),
        ({"AUDIT_ARCHIVE_BUCKET": ""}, "AUDIT_ARCHIVE_BUCKET must name"),
        ({"EMAIL_HOST": "localhost"}, "EMAIL_HOST must name the SMTP server"),
        ({"SECURITY_CONTACT": "mailto:security@parim.example"}, "SECURITY_CONTACT must be"),
        ({"STRIPE_SECRET_KEY": "sk_live_x"}, "Set all of STRIPE_SECRET_KEY, STRIPE_PRICE_ID"),
    ],
)
def test_production_refuses_insecure_or_malformed_values(
    overrides: dict[str, str], named: str
) -> None:
    result = _check(**overrides)
    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_the_database_url_is_built_from_parts_on_ecs() -> None:
    script = "import django; django.setup(); from django.conf import settings as s; " \
             "d = s.DATABASES['default']; print(d['HOST'], d['USER'], d['NAME'], " \
             "d['OPTIONS'].get('sslmode'), s.CELERY_BROKER_URL.split('@')[1])"  # fmt: skip
    env = {**PRODUCTION, "DATABASE_URL": "", "DATABASE_HOST": "cluster.internal",
           "DATABASE_PASSWORD": "p@ss/word", "REDIS_HOST": "cache.internal",
           "REDIS_AUTH_TOKEN": "t0ken", "DJANGO_SETTINGS_MODULE": "parim.settings"}  # fmt: skip
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    assert result.stdout.split() == [
        "cluster.internal", "parim_app", "parim", "require",
        "cache.internal:6379/0?ssl_cert_reqs=required",
    ]  # fmt: skip


@pytest.mark.django_db
def test_health_check_answers_load_balancers_by_ip_over_plain_http() -> None:
    client = Client(HTTP_HOST="10.0.4.17")  # not an allowed host, and no HTTPS
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok"}
    assert response["X-Content-Type-Options"] == "nosniff"


def test_security_txt_follows_rfc_9116(client: Client) -> None:
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    fields = dict(line.split(": ", 1) for line in response.content.decode().splitlines())
    assert fields["Contact"].startswith("mailto:")
    assert fields["Expires"].endswith("Z")
    assert fields["Canonical"].endswith("/.well-known/security.txt")


def _gunicorn_config() -> Any:
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "deploy/gunicorn.conf.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gunicorn_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    config = _gunicorn_config()
    assert (config.workers, config.threads, config.worker_class) == (5, 8, "gthread")
    assert config.graceful_timeout == 30 and config.forwarded_allow_ips
    monkeypatch.delenv("WEB_CONCURRENCY")
    assert _gunicorn_config().workers >= 2


def test_the_access_log_is_json_without_query_strings_or_url_tokens() -> None:
    import datetime as dt

    config = _gunicorn_config()
    records: list[str] = []
    logger = config.JsonAccessLogger.__new__(config.JsonAccessLogger)
    logger.cfg = SimpleNamespace(accesslog="-", logconfig=None, syslog=False)
    logger.access_log = SimpleNamespace(info=records.append)
    request = SimpleNamespace(method="GET", path="/acme/join/SECRET-TOKEN/", query="next=x&code=1")
    response = SimpleNamespace(status_code=200, sent=512, headers=[("X-Request-ID", "abc123")])
    logger.access(response, request, {"REMOTE_ADDR": "10.0.1.5"}, dt.timedelta(milliseconds=12))
    record = json.loads(records[0])
    assert record["path"] == "/acme/join/[token]/"
    assert "SECRET-TOKEN" not in records[0] and "code=1" not in records[0]
    assert record["status"] == 200 and record["request_id"] == "abc123"
    logging.getLogger(__name__).debug("access log checked")


def test_compose_migrates_as_the_owner_and_runs_the_app_as_its_own_role() -> None:
    compose = yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis", "s3", "migrate"} <= set(services)
    assert "parim_owner" in services["migrate"]["environment"]["DATABASE_URL"]
    assert services["migrate"]["environment"]["DATABASE_APP_ROLE"] == "parim_app"
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql://parim_app")


def test_workers_tune_the_garbage_collector_once_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from parim.startup import tune_garbage_collector

    before = gc.get_threshold()
    monkeypatch.setenv("GC_THRESHOLD_0", "12345")
    try:
        _gunicorn_config().post_worker_init(None)
        assert gc.get_threshold() == (12345, 20, 20)
        assert gc.get_freeze_count() > 0
        monkeypatch.delenv("GC_THRESHOLD_0")
        tune_garbage_collector()
        assert gc.get_threshold()[0] == 20_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
