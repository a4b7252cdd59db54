"""Security headers on every response, and Django's deployment checks with production settings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import member

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/accounts/login/", "/.well-known/security.txt", "/no-such-page/"])
def test_every_response_carries_the_security_headers(client: Client, url: str) -> None:
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client: Client, tenant_a: object) -> None:
    membership = member(tenant_a)  # type: ignore[arg-type]
    client.force_login(membership.user)
    for url in ["/accounts/login/", "/alpha/", "/accounts/"]:
        body = client.get(url).content.decode()
        assert "<script>" not in body and "<script " not in body.replace('<script src="', ""), url
        assert " style=" not in body and "<style" not in body, url


def test_csrf_cookie_is_samesite_lax(client: Client) -> None:
    client.get("/accounts/login/")
    cookie = client.cookies["csrftoken"]
    assert cookie["samesite"] == "Lax"


def test_production_settings_pass_the_deployment_checks() -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "app.example.com",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_and_host_bound() -> None:
    script = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SESSION_COOKIE_NAME, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT)"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "parim.settings",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "app.example.com",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    assert result.stdout.split() == [
        "True", "True", "True", "__Host-sessionid", "63072000", "True", "True", "True"
    ]  # fmt: skip


@pytest.mark.django_db
def test_pages_are_compressed_for_browsers_that_accept_gzip_never_twice_alike(
    client: Client,
) -> None:
    import gzip

    plain = client.get("/accounts/login/")
    assert "Content-Encoding" not in plain
    first = client.get("/accounts/login/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    second = client.get("/accounts/login/", HTTP_ACCEPT_ENCODING="gzip")
    assert first["Content-Encoding"] == "gzip" and "Accept-Encoding" in first["Vary"]
    page = gzip.decompress(first.content).decode()
    assert "Sign in" in page and len(first.content) < len(page.encode()) * 3 / 4  # padded
    # BREACH: each response carries random padding (a random file name in the gzip header, so
    # the length no longer follows the content), and its CSRF token is masked afresh.
    fname = 0x08
    assert first.content[3] & fname and second.content[3] & fname
    lengths = {
        len(client.get("/accounts/login/", HTTP_ACCEPT_ENCODING="gzip").content) for _ in range(12)
    }
    assert len(lengths) > 1  # all twelve alike: odds of 1 in 100**11
