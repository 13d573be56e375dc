"""The state store tests run twice: on a SQLite file and on a fresh PostgreSQL schema."""

from __future__ import annotations

import pytest

from looker_braze.state import RunStart, open_store

WORKSPACE = "https://rest.iad-01.braze.com#0123456789abcdef"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/state.sqlite3"
    url, schema = request.getfixturevalue("pg_schema")
    return f"{url}?schema={schema}"


@pytest.fixture
def store(store_url):
    with open_store(store_url) as opened:
        yield opened


def run_start(label: str = "L", mode: str = "sync", **fields) -> RunStart:
    return RunStart(
        action="braze", mode=mode, label=label, attribute="looker_export", workspace=WORKSPACE,
        **fields,
    )  # fmt: skip
