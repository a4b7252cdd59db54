"""The audit archive's S3 (moto's S3 server over real HTTP, which enforces Object Lock)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import psycopg
import pytest
from django.db import connection
from moto.server import ThreadedMotoServer

from tests.conftest import IN_CI

BUCKET = "parim-audit-archive"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_client(endpoint: str) -> Any:
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="eu-west-2",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip


@pytest.fixture
def s3(s3_endpoint: str, request: pytest.FixtureRequest) -> Any:
    """A client with a fresh bucket of its own (`client.bucket_name`), created with Object Lock."""
    client = s3_client(s3_endpoint)
    name = f"{BUCKET}-{abs(hash(request.node.nodeid)) % 10**8}"
    client.create_bucket(
        Bucket=name, ObjectLockEnabledForBucket=True,
        CreateBucketConfiguration={"LocationConstraint": "eu-west-2"},
    )  # fmt: skip
    client.bucket_name = name
    return client


def superuser_connection() -> psycopg.Connection:
    """An autocommit connection to the test database as the PostgreSQL superuser: the attacker
    who controls the database (and can switch its triggers off)."""
    url = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    return _connect(url)


def owner_connection() -> psycopg.Connection:
    """The same as the schema owner (the role migrations run as)."""
    url = os.environ.get("DATABASE_OWNER_URL")
    if not url:
        if IN_CI:
            raise RuntimeError("DATABASE_OWNER_URL is not set")
        pytest.skip("needs DATABASE_OWNER_URL")
    return _connect(url)


def _connect(url: str) -> psycopg.Connection:
    conninfo = psycopg.conninfo.make_conninfo(url, dbname=connection.settings_dict["NAME"])
    try:
        return psycopg.connect(conninfo, autocommit=True)
    except psycopg.OperationalError as exc:
        if IN_CI:
            raise
        pytest.skip(f"needs a PostgreSQL connection: {exc}")
