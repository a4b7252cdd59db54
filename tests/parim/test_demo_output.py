"""What `make run` prints: emails whole and readable, the sign-ins last once the server
listens, plain access lines, and no warning from running tasks eagerly."""

from __future__ import annotations

import datetime as dt
import io
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.mail import EmailMessage

from parim.demo_mail import ConsoleEmailBackend
from parim.demo_people import DEMO_PASSWORD, DEMO_TENANTS, sign_ins
from tests.parim.test_deployment import _gunicorn_config

ROOT = Path(__file__).resolve().parents[2]


def test_an_email_is_printed_as_a_person_reads_it() -> None:
    out = io.StringIO()
    body = "Hello Sam,\n\nMaría approved your leave: Fri 24 Jul to Sat 25 Jul.\n" + "x" * 120
    message = EmailMessage(
        "Leave approved (Acme Care Homes)", body, "Parim <no-reply@localhost>",
        ["employee@acme.test"], attachments=[("rota.csv", "a,b", "text/csv")],
    )  # fmt: skip
    assert ConsoleEmailBackend(stream=out).send_messages([message]) == 1
    text = out.getvalue()
    assert "From:    Parim <no-reply@localhost>\nTo:      employee@acme.test\n" in text
    assert "Subject: Leave approved (Acme Care Homes)\n\nHello Sam,\n\nMaría approved" in text
    assert "x" * 120 in text  # not folded or encoded
    assert "Attached: rota.csv" in text
    assert "Content-Transfer-Encoding" not in text and "MIME-Version" not in text


def test_the_sign_ins_name_every_role_of_both_companies_and_end_with_the_address() -> None:
    text = sign_ins("http://127.0.0.1:8123")
    for demo in DEMO_TENANTS:
        for kind in demo.role_people:
            assert f"{kind.value}@{demo.domain}" in text
    assert DEMO_PASSWORD in text
    assert text.splitlines()[-1].startswith("Parim is ready at http://127.0.0.1:8123/")
    assert "ready" not in sign_ins()


def test_gunicorn_prints_the_sign_ins_once_listening_for_the_demo_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _gunicorn_config()
    assert config.preload_app is True
    server = SimpleNamespace(cfg=SimpleNamespace(preload_app=False),
                             LISTENERS=["http://127.0.0.1:8123"])  # fmt: skip
    config.when_ready(server)
    assert capsys.readouterr().out == ""
    monkeypatch.setenv("PARIM_DEMO_SIGN_INS", "1")
    config.when_ready(server)
    assert capsys.readouterr().out.rstrip().endswith("http://127.0.0.1:8123/  (Ctrl+C to stop)")


def test_the_demo_access_line_is_plain_and_hides_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "plain")
    config = _gunicorn_config()
    lines: list[str] = []
    logger = config.JsonAccessLogger.__new__(config.JsonAccessLogger)
    logger.cfg = SimpleNamespace(accesslog="-", logconfig=None, syslog=False)
    logger.access_log = SimpleNamespace(info=lines.append)
    request = SimpleNamespace(method="GET", path="/acme/join/SECRET/", query="code=1")
    response = SimpleNamespace(status_code=200, sent=5, headers=[])
    logger.access(response, request, {"REMOTE_ADDR": "127.0.0.1"}, dt.timedelta(milliseconds=42))
    assert lines[0].endswith(" GET /acme/join/[token]/ 200 42 ms")
    monkeypatch.setenv("GUNICORN_ACCESS_LOG", "off")
    assert _gunicorn_config().accesslog is None


def test_a_task_run_eagerly_logs_no_broker_warning(caplog: pytest.LogCaptureFixture) -> None:
    from parim.celery import app

    @app.task
    def double(value: int) -> int:
        return value * 2

    with caplog.at_level(logging.INFO):
        assert double.delay(21).get() == 42
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
