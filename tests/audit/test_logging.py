"""Application logs are JSON lines with request, tenant and user ids, and never hold an email
address, password, token, TOTP key or code: the main flows are driven and every line scanned."""

from __future__ import annotations

import base64
import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, TestCase

from audit.logging import JsonFormatter
from tenancy.models import Tenant
from tenancy.permissions import RoleKind
from tests.factories import TEST_PASSWORD, clock_moved, enrol_two_factor, member, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def test_main_flows_log_no_secrets_or_email_addresses(
    client: Client, tenant_a: Tenant, captured_logs: io.StringIO, mailoutbox: Any
) -> None:
    secrets: list[str] = [TEST_PASSWORD]
    admin = member(tenant_a, kind=RoleKind.ADMIN, email="admin.person@alpha.test")
    two = member(tenant_a, email="two.factor@alpha.test")
    secrets += ["admin.person@alpha.test", "two.factor@alpha.test", "nobody.here@alpha.test"]

    # Failed sign-ins (known and unknown), then a lockout.
    for email in ["nobody.here@alpha.test", "admin.person@alpha.test"]:
        client.post("/accounts/login/", {"username": email, "password": "wrong-password-guess"})
    secrets.append("wrong-password-guess")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "nobody.here@alpha.test", "password": "x"})

    # Two-factor: enrolment, a code, a backup code.
    device, codes = enrol_two_factor(two.user)
    secrets += [device.key, base64.b32encode(device.bin_key).decode().rstrip("="), *codes]
    second = Client()
    second.post(
        "/accounts/login/", {"username": "two.factor@alpha.test", "password": TEST_PASSWORD}
    )
    with clock_moved(30) as now:
        code = totp_code(device, at=now)
        second.post("/accounts/login/verify/", {"code": code})
    secrets.append(code)

    # An invitation sent, a bad link, the real link, a password reset.
    client.force_login(admin.user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post("/alpha/people/invite/", {"email": "invitee.person@alpha.test",
                    "role": str(admin.role_id)})  # fmt: skip
    token = re.search(r"/join/([\w-]+)/", mailoutbox[-1].body).group(1)  # type: ignore[union-attr]
    secrets += [token, "invitee.person@alpha.test"]
    anonymous = Client()
    anonymous.get(f"/alpha/join/{token}x/")
    anonymous.post(f"/alpha/join/{token}/", {"full_name": "In Vitee",
                   "password": "invitee chosen passphrase"})  # fmt: skip
    secrets.append("invitee chosen passphrase")
    Client().post("/accounts/password-reset/", {"email": "two.factor@alpha.test"})
    reset = re.search(r"/password-reset/(\S+)/(\S+)/", mailoutbox[-1].body)
    assert reset is not None
    secrets.append(reset.group(2))
    Client().get(f"/accounts/password-reset/{reset.group(1)}/{reset.group(2)}/")

    # Pages that log warnings: a 404, a 403; and an audit export.
    client.get("/alpha/no-such-page/")
    Client().get("/admin.person@alpha.test/")
    employee_client = Client()
    employee_client.force_login(two.user)
    employee_client.get("/alpha/audit/")
    b"".join(client.get("/alpha/audit/export.jsonl").streaming_content)  # type: ignore[attr-defined]

    output = captured_logs.getvalue()
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert lines, "the flows above should have logged something"
    for secret in secrets:
        assert secret not in output, f"a secret reached the logs: {secret[:6]}..."
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert any(line.get("request_id") for line in lines)
    assert any(line.get("tenant_id") and line.get("user_id") for line in lines)


@pytest.mark.parametrize(
    "line",
    [
        "user admin@localhost signed in",
        "for o'brien@example.com today",
        "next=%2Fjoin%2Fabc123 from alice%40example.com",
        '{"password": "hunter22hunter22", "user": 1}',
        "token: s3cr3t-value and code=123456",
        "GET /alpha/join/AbCdEf123/ 404",
    ],
)
def test_scrubbing_catches_awkward_forms(line: str) -> None:
    from audit.logging import scrub

    cleaned = scrub(line)
    for secret in ["admin@localhost", "brien@example", "abc123", "alice", "hunter22",
                   "s3cr3t", "123456", "AbCdEf123"]:  # fmt: skip
        assert secret not in cleaned, (line, cleaned)
