"""Shared fixtures: real PostgreSQL and Redis on 127.0.0.1.

Tests find the services through LOOKER_BRAZE_TEST_POSTGRES_URL / LOOKER_BRAZE_TEST_REDIS_URL
(defaulting to the local ones) and skip with a visible reason only when they are unreachable;
LOOKER_BRAZE_REQUIRE_SERVICES=1 (set by .ci/run) turns such a skip into a failure.
"""

from __future__ import annotations

import os
import socket
import uuid
from urllib.parse import urlsplit

import pytest

POSTGRES_URL = os.environ.get(
    "LOOKER_BRAZE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("LOOKER_BRAZE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_SERVICES = os.environ.get("LOOKER_BRAZE_REQUIRE_SERVICES") == "1"


def _unavailable(what: str, reason: str):
    message = f"{what} unreachable ({reason})"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message}; LOOKER_BRAZE_REQUIRE_SERVICES=1 forbids skipping", pytrace=False)
    pytest.skip(message)


def _reachable(url: str, default_port: int) -> str | None:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or default_port), timeout=2):
            return None
    except OSError as exc:
        return str(exc)


@pytest.fixture(scope="session", autouse=True)
def _private_data_home(tmp_path_factory):
    """Settings without LOOKER_BRAZE_STATE_URL put the state under $XDG_DATA_HOME: a folder of
    the test session's, never the real home (subprocesses inherit it)."""
    before = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg-data"))
    yield
    if before is None:
        os.environ.pop("XDG_DATA_HOME", None)
    else:
        os.environ["XDG_DATA_HOME"] = before


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL URL that answers; each test should use its own schema (see pg_schema)."""
    problem = _reachable(POSTGRES_URL, 5432)
    if problem:
        _unavailable(f"PostgreSQL at {POSTGRES_URL}", problem)
    return POSTGRES_URL


@pytest.fixture
def pg_schema(postgres_url):
    """A fresh PostgreSQL schema for one test, dropped afterwards: (url, schema name)."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield postgres_url, schema
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="session")
def redis_url() -> str:
    problem = _reachable(REDIS_URL, 6379)
    if problem:
        _unavailable(f"Redis at {REDIS_URL}", problem)
    return REDIS_URL
