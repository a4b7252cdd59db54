"""Start-up stops with a message naming what to set, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest

from parim.settings import ConfigurationError, env_bool, env_int, env_str
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
BASE_ENV = {
    "PATH": os.environ.get("PATH", ""),
    "DEBUG": "false",
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "example.com",
    "DATABASE_URL": "sqlite:///:memory:",
}


def _manage_check(**overrides: str | None) -> subprocess.CompletedProcess[str]:
    merged = {**BASE_ENV, **overrides}
    env = {key: value for key, value in merged.items() if value is not None}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip


def test_valid_configuration_starts() -> None:
    result = _manage_check()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS is not set"),
        ({"DATABASE_URL": "mysql://u:p@h/db"}, "DATABASE_URL must look like postgres://"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL must look like postgres://"),
        ({"DATABASE_URL": "postgres://u@h:notaport/db"}, "DATABASE_URL is not a valid"),
        ({"DEBUG": "perhaps"}, "DEBUG must be true or false"),
        ({"SECRET_KEY": None, "SECRET_KEY_FILE": "/nonexistent/key"}, "SECRET_KEY_FILE names"),
        ({"ROTA_CACHE_SECONDS": "86401"}, "ROTA_CACHE_SECONDS must be from 0 to 86400"),
        ({"ROTA_CACHE_SECONDS": "-1"}, "ROTA_CACHE_SECONDS must be from 0 to 86400"),
    ],
)
def test_bad_configuration_stops_with_a_message_not_a_traceback(
    overrides: dict[str, str | None], message: str
) -> None:
    result = _manage_check(**overrides)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_secret_is_read_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-the-file\n")
    monkeypatch.setenv("SOME_SECRET_FILE", str(secret))
    monkeypatch.setenv("SOME_SECRET", "from-the-environment")
    assert env_str("SOME_SECRET") == "from-the-file"


def test_typed_helpers_refuse_malformed_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("A_NUMBER", "ten")
    with pytest.raises(ConfigurationError, match="A_NUMBER must be a whole number"):
        env_int("A_NUMBER", 1)
    monkeypatch.setenv("A_FLAG", "On")
    assert env_bool("A_FLAG", False) is True


def test_postgresql_statements_are_bound_on_the_server_and_prepared_when_repeated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from parim.settings import database_from_url

    monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
    options = database_from_url("DATABASE_URL", "postgres://u@h:5432/db")["OPTIONS"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "false")
    options = database_from_url("DATABASE_URL", "postgres://u@h:5432/db")["OPTIONS"]
    assert "server_side_binding" not in options and "prepare_threshold" not in options
    assert "OPTIONS" not in database_from_url("DATABASE_URL", "sqlite:///var/x.sqlite3")


@pytest.mark.django_db
def test_the_tests_connection_prepares_a_statement_run_five_times() -> None:
    from django.db import connection

    assert connection.vendor == "postgresql"  # as make test runs
    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute("SELECT count(*) FROM accounts_user WHERE email = %s", ["x@y.test"])
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%accounts_user WHERE email = $1%"],
        )
        assert cursor.fetchone()[0] == 1


SESSION_PROBE = """
import django
django.setup()
from django.conf import settings
from django.contrib.sessions.backends.cache import SessionStore
store = SessionStore()
store["who"] = "someone"
store.create()
print(settings.CACHES["sessions"]["BACKEND"].rsplit(".", 1)[-1])
print(SessionStore(session_key=store.session_key)["who"])
"""


def _session_probe(**env: str) -> subprocess.CompletedProcess[str]:
    """Write a session in one process and read it back (a new store on its key)."""
    return subprocess.run(  # noqa: S603 - the probe is this file's own constant
        [sys.executable, "-c", SESSION_PROBE], cwd=ROOT, capture_output=True, text=True,
        env={**BASE_ENV, "DJANGO_SETTINGS_MODULE": "parim.settings", **env}, timeout=60,
        check=False,
    )  # fmt: skip


def test_without_redis_sessions_are_kept_in_files_every_process_shares(tmp_path: Path) -> None:
    """The demo (`make run`: no Redis, several gunicorn processes) signs people in: a session
    written by one process is read back by another, from files."""
    result = _session_probe(SESSION_FILE_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["FileBasedCache", "someone"]
    assert any(tmp_path.iterdir())


def test_with_redis_sessions_are_kept_in_redis_and_nowhere_else(tmp_path: Path) -> None:
    """Production: sessions in Redis (REDIS_URL), shared by every process and host."""
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if IN_CI:
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("needs Redis on 127.0.0.1:6379 (make test starts it)")
    database = redis.Redis(host="127.0.0.1", port=6379, db=14)
    database.flushdb()
    result = _session_probe(REDIS_URL="redis://127.0.0.1:6379/14", SESSION_FILE_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["RedisCache", "someone"]
    keys = cast("list[bytes]", database.keys("*"))
    assert any(b"session" in key for key in keys)
    assert not any(tmp_path.iterdir())
    database.flushdb()
