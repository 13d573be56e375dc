"""The membership history end to end: a Look synced three times with changing membership, over
real HTTP to the Braze simulator, leaves each member's joined and left times in the state store;
`audiences export` writes them to the warehouse incrementally; `audiences list` shows them."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from looker_braze.audiences.export import export_membership
from looker_braze.cli import app
from looker_braze.currents.membership import MEMBERSHIP
from looker_braze.currents.warehouse import connect
from looker_braze.sim import population
from looker_braze.state import open_store

from .conftest import running_braze, running_hub
from .test_sync import LABEL, send

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(params=["sqlite", "postgres"])
def state_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/state.sqlite3"
    url, schema = request.getfixturevalue("pg_schema")
    return f"{url}?schema={schema}"


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse_url(request, tmp_path):
    if request.param == "duckdb":
        return str(tmp_path / "warehouse.duckdb")
    url, schema = request.getfixturevalue("pg_schema")
    return f"{url}?schema={schema}_wh"


def _now() -> datetime:
    return datetime.now(UTC)


async def _three_syncs(state_url: str) -> tuple[list[list[int]], list[tuple[datetime, datetime]]]:
    rng = random.Random(12)
    looks = [sorted(rng.sample(range(400), 150)) for _ in range(3)]
    windows = []
    with running_braze(users=400) as braze, running_hub(braze.url, state_url=state_url) as hub:
        for users in looks:
            started = _now()
            answer = await send(hub, braze, users)
            windows.append((started, _now()))
            assert answer["success"] is True, answer["message"]
            time.sleep(0.01)  # runs apart in time, so each change falls in one window
    return looks, windows


def _spells(warehouse) -> dict[str, list[tuple]]:
    _, rows = warehouse.query(
        f'SELECT "IDENTIFIER_KIND", "IDENTIFIER", "JOINED_AT", "LEFT_AT" FROM "{MEMBERSHIP}"'
        ' ORDER BY "JOIN_SEQ"'
    )
    found: dict[str, list[tuple]] = {}
    for kind, identifier, joined, left in rows:
        assert kind == "external_id"
        found.setdefault(identifier, []).append((joined, left))
    return found


def _run_of(moment: datetime | None, windows) -> int | None:
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    [run] = [i for i, (start, end) in enumerate(windows) if start <= moment <= end]
    return run


def _expected_spells(looks: list[list[int]]) -> dict[str, list[tuple[int, int | None]]]:
    """(run joined, run left) of each member's spells, from the three Looks."""
    expected: dict[str, list[list]] = {}
    for run, users in enumerate(looks):
        members = {population.external_id(i) for i in users}
        for member in members:
            spells = expected.setdefault(member, [])
            if not spells or spells[-1][1] is not None:
                spells.append([run, None])
        for member, spells in expected.items():
            if member not in members and spells[-1][1] is None:
                spells[-1][1] = run
    return {member: [tuple(s) for s in spells] for member, spells in expected.items()}


async def test_three_syncs_give_each_member_joined_and_left_times(state_url, warehouse_url):
    looks, windows = await _three_syncs(state_url)
    with open_store(state_url) as store, connect(warehouse_url) as warehouse:
        report = export_membership(store, warehouse)
        spells = _spells(warehouse)
    found = {
        member: [(_run_of(j, windows), _run_of(left, windows)) for j, left in member_spells]
        for member, member_spells in spells.items()
    }
    assert found == _expected_spells(looks)
    assert report.spells_opened == sum(len(s) for s in found.values())
    assert any(len(s) == 2 for s in found.values())  # someone left and came back


async def test_an_export_writes_only_what_is_new(tmp_path, warehouse_url):
    state_url = f"sqlite:///{tmp_path}/state.sqlite3"
    with running_braze(users=100) as braze, running_hub(braze.url, state_url=state_url) as hub:
        assert (await send(hub, braze, list(range(0, 60))))["success"]
        with open_store(state_url) as store, connect(warehouse_url) as warehouse:
            first = export_membership(store, warehouse)
            again = export_membership(store, warehouse)
        assert (first.changes, first.spells_opened, again.changes) == (60, 60, 0)
        assert (await send(hub, braze, list(range(40, 80))))["success"]  # 20 join, 40 leave
        with open_store(state_url) as store, connect(warehouse_url) as warehouse:
            second = export_membership(store, warehouse)
            spells = _spells(warehouse)
    assert (second.changes, second.spells_opened, second.spells_closed) == (60, 20, 40)
    assert sum(len(s) for s in spells.values()) == 80  # no spell written twice
    closed = {m for m, s in spells.items() if s[-1][1] is not None}
    assert closed == {population.external_id(i) for i in range(0, 40)}


async def test_append_and_remove_runs_are_in_the_history_too(tmp_path):
    state_url = f"sqlite:///{tmp_path}/state.sqlite3"
    with running_braze(users=50) as braze, running_hub(braze.url, state_url=state_url) as hub:
        answer = await send(hub, braze, list(range(10)), mode="append")
        assert answer["success"] is True and "newly flagged" not in answer["message"]
        assert (await send(hub, braze, list(range(5, 15)), mode="append"))["success"]
        assert (await send(hub, braze, [0, 1], mode="remove"))["success"]
    with open_store(state_url) as store:
        changes = store.membership_changes()
        [summary] = store.audience_summaries()
    joined = [c.member for c in changes if c.joined]
    left = [c.member for c in changes if not c.joined]
    assert sorted(joined) == sorted(f"external_id:{population.external_id(i)}" for i in range(15))
    assert sorted(left) == sorted(f"external_id:{population.external_id(i)}" for i in (0, 1))
    assert (summary.label, summary.members, summary.joins, summary.leaves) == (LABEL, 13, 15, 2)


async def test_the_commands_list_and_export(tmp_path):
    state_url = f"sqlite:///{tmp_path}/state.sqlite3"
    db = str(tmp_path / "w.duckdb")
    with running_braze(users=30) as braze, running_hub(braze.url, state_url=state_url) as hub:
        assert (await send(hub, braze, list(range(12))))["success"]
    runner = CliRunner()
    listed = runner.invoke(app, ["audiences", "list", "--state", state_url])
    assert listed.exit_code == 0, listed.output
    assert LABEL in listed.output and "12" in listed.output
    exported = runner.invoke(app, ["audiences", "export", "--db", db, "--state", state_url])
    assert exported.exit_code == 0, exported.output
    assert "12 membership changes" in exported.output and "12 joins" in exported.output
    again = runner.invoke(app, ["audiences", "export", "--db", db, "--state", state_url])
    assert "Nothing new since the last export" in again.output
