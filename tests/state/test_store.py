"""The state store against real SQLite files and real PostgreSQL schemas (see conftest)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from looker_braze.errors import ConfigError, FailRun
from looker_braze.state import Known, RunEnd, Sent, member_problem, open_store
from looker_braze.state.migrations import MIGRATIONS

from .conftest import WORKSPACE, run_start

pytestmark = pytest.mark.services

ODD_MEMBERS = [
    "external_id:plain",
    "user_alias:looker\x1fa-1",
    "email:tab\there",
    "external_id:new\nline",
    "external_id:back\\slash",
    "phone:+4915112345678",
    "external_id:ünïcødé ✓ 🚀",
    "external_id:",
]


def versions(store) -> list[int]:
    if store.dialect == "sqlite":
        return [v for (v,) in store._conn.execute("SELECT version FROM schema_version")]
    rows = store._connection().execute("SELECT version FROM schema_version ORDER BY 1")
    return [v for (v,) in rows]


def test_opening_twice_migrates_once_and_keeps_the_data(store_url):
    with open_store(store_url) as first:
        audience = first.audience_id(WORKSPACE, "looker_export", "L")
        first.record_sent(audience, WORKSPACE, [Sent("external_id:u1", {"a": 1}, True)])
    with open_store(store_url) as second:
        assert versions(second) == [step.version for step in MIGRATIONS]
        assert second.audience_id(WORKSPACE, "looker_export", "L") == audience
        assert second.lookup(audience, WORKSPACE, ["external_id:u1"]) == {
            "external_id:u1": Known(True, {"a": 1})
        }


def test_a_schema_newer_than_this_code_is_refused(store):
    insert = "INSERT INTO schema_version VALUES (999, 'from the future', 'x')"
    if store.dialect == "sqlite":
        store._conn.execute(insert)
    else:
        store._connection().execute(insert)
    with pytest.raises(ConfigError, match="upgrade looker-braze"):
        open_store(store_url_of(store))


def store_url_of(store) -> str:
    location = store.location
    if location.dialect == "sqlite":
        return location.target
    return f"{location.target}?schema={location.schema}"


def test_replicas_opening_a_new_postgres_schema_at_once_do_not_race(postgres_url, pg_schema):
    schema = f"{pg_schema[1]}_fresh"  # does not exist yet: creating it is part of the race
    errors, stores = [], []
    barrier = threading.Barrier(4)

    def replica():
        barrier.wait()
        try:
            stores.append(open_store(f"{postgres_url}?schema={schema}"))
        except Exception as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert versions(stores[0]) == [step.version for step in MIGRATIONS]
    finally:
        for store in stores:
            store.close()
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_unreachable_postgres_is_a_config_error_without_the_password():
    with pytest.raises(ConfigError) as caught:
        open_store("postgresql://app:s3cret@127.0.0.1:1/db?connect_timeout=2")
    assert "s3cret" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)


def test_a_missing_sqlite_folder_is_created(tmp_path):
    open_store(f"sqlite:///{tmp_path}/missing/state.sqlite3").close()  # a URL: created
    assert (tmp_path / "missing" / "state.sqlite3").is_file()


def test_a_sqlite_folder_that_cannot_be_made_says_so(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(ConfigError, match="cannot create"):
        open_store(f"sqlite:///{tmp_path}/file/state.sqlite3")


def test_audience_ids_are_stable_and_distinct(store):
    first = store.audience_id(WORKSPACE, "looker_export", "L")
    assert store.audience_id(WORKSPACE, "looker_export", "L") == first
    others = {
        store.audience_id(WORKSPACE, "looker_export", "M"),
        store.audience_id(WORKSPACE, "segments", "L"),
        store.audience_id("https://rest.fra-01.braze.eu#ffff", "looker_export", "L"),
    }
    assert first not in others and len(others) == 3


def test_lookup_answers_only_for_known_members(store):
    audience = store.audience_id(WORKSPACE, "looker_export", "L")
    store.record_sent(
        audience,
        WORKSPACE,
        [
            Sent("external_id:in", {"tier": 7}, flagged=True),
            Sent("external_id:seen", {"tier": 8}),
            Sent("external_id:flag-only", {}, flagged=True),
        ],
    )
    asked = ["external_id:in", "external_id:seen", "external_id:flag-only", "x:none"]
    assert store.lookup(audience, WORKSPACE, asked) == {
        "external_id:in": Known(True, {"tier": 7}),
        "external_id:seen": Known(False, {"tier": 8}),
        "external_id:flag-only": Known(True, {}),
    }
    assert store.lookup(audience, WORKSPACE, []) == {}


def test_record_sent_merges_hashes_per_workspace(store):
    audience = store.audience_id(WORKSPACE, "looker_export", "L")
    lowest, highest = -(2**63), 2**63 - 1
    store.record_sent(audience, WORKSPACE, [Sent("m", {"a": 1, "b": lowest})])
    store.record_sent(audience, WORKSPACE, [Sent("m", {"b": highest, "c": 3})])
    store.record_sent(audience, WORKSPACE, [Sent("m", {}, flagged=True)])
    assert store.lookup(audience, WORKSPACE, ["m"]) == {
        "m": Known(True, {"a": 1, "b": highest, "c": 3})
    }
    other = "https://rest.iad-02.braze.com#other"
    other_audience = store.audience_id(other, "looker_export", "L")
    assert store.lookup(other_audience, other, ["m"]) == {}


def test_one_call_may_name_a_member_twice(store):
    audience = store.audience_id(WORKSPACE, "looker_export", "L")
    store.record_sent(
        audience, WORKSPACE, [Sent("m", {"a": 1}, True), Sent("m", {"a": 2, "b": 1}, False)]
    )
    assert store.lookup(audience, WORKSPACE, ["m", "m"]) == {"m": Known(True, {"a": 2, "b": 1})}


def test_odd_member_strings_survive_every_path(store):
    audience = store.audience_id(WORKSPACE, "looker_export", "L")
    store.record_sent(
        audience, WORKSPACE, [Sent(m, {"h": i}, True) for i, m in enumerate(ODD_MEMBERS)]
    )
    assert set(store.lookup(audience, WORKSPACE, ODD_MEMBERS)) == set(ODD_MEMBERS)
    run_id = store.start_run(run_start())
    store.add_run_members(run_id, ODD_MEMBERS[:3])
    gone = [m for batch in store.gone_members(audience, run_id, batch_size=2) for m in batch]
    assert sorted(gone) == sorted(ODD_MEMBERS[3:])
    store.remove_members(audience, gone)
    assert store.audience_size(audience) == 3


def test_bad_text_is_refused_with_the_reason(store):
    audience = store.audience_id(WORKSPACE, "looker_export", "L")
    assert member_problem("external_id:nul\x00") == "contains a NUL character"
    assert member_problem("external_id:\ud800") == "is not valid Unicode text"
    assert member_problem("external_id:fine") is None
    with pytest.raises(ValueError, match="NUL"):
        store.record_sent(audience, WORKSPACE, [Sent("bad\x00", {}, True)])
    with pytest.raises(ValueError, match="Unicode"):
        store.lookup(audience, WORKSPACE, ["ok", "bad\ud800"])
    with pytest.raises(ValueError, match="64-bit"):
        store.record_sent(audience, WORKSPACE, [Sent("m", {"a": 2**63})])
    assert store.audience_size(audience) == 0


def test_only_what_braze_accepted_becomes_a_member(store):
    audience = store.audience_id(WORKSPACE, "looker_export", "L")
    everyone = [f"external_id:u{i}" for i in range(10)]
    run_id = store.start_run(run_start())
    store.add_run_members(run_id, everyone)
    accepted = everyone[:6]  # Braze rejected the other four
    store.record_sent(audience, WORKSPACE, [Sent(m, {"a": 1}, True) for m in accepted])
    store.finish_run(run_id, RunEnd(success=False, message="4 rejected"))
    known = store.lookup(audience, WORKSPACE, everyone)
    assert {m for m, k in known.items() if k.member} == set(accepted)

    # The next run sees the four as new and repairs the audience.
    run_id = store.start_run(run_start())
    store.add_run_members(run_id, everyone)
    known = store.lookup(audience, WORKSPACE, everyone)
    missing = [m for m in everyone if m not in known or not known[m].member]
    assert missing == everyone[6:]
    store.record_sent(audience, WORKSPACE, [Sent(m, {"a": 1}, True) for m in missing])
    assert list(store.gone_members(audience, run_id)) == []
    assert store.audience_size(audience) == 10


def test_gone_members_come_in_batches_and_survive_removals_between_them(store):
    audience = store.audience_id(WORKSPACE, "looker_export", "L")
    members = [f"external_id:u{i:02d}" for i in range(25)]
    store.record_sent(audience, WORKSPACE, [Sent(m, {}, True) for m in members])
    run_id = store.start_run(run_start())
    store.add_run_members(run_id, members[:5] + members[:5] + ["external_id:new"])
    sizes, gone = [], []
    for batch in store.gone_members(audience, run_id, batch_size=7):
        sizes.append(len(batch))
        gone += batch
        store.remove_members(audience, batch)  # as the action does once Braze accepted
    assert sizes == [7, 7, 6]
    assert sorted(gone) == members[5:]
    assert store.audience_size(audience) == 5
    with pytest.raises(ValueError, match="batch_size"):
        next(store.gone_members(audience, run_id, batch_size=0))


def test_finishing_a_run_completes_its_history_and_drops_its_members(store):
    audience = store.audience_id(WORKSPACE, "looker_export", "L")
    store.record_sent(audience, WORKSPACE, [Sent("a", {}, True), Sent("b", {}, True)])
    started = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    run_id = store.start_run(
        run_start(webhook_id="wh-1", scheduled_plan_id="42", title="Daily", started_at=started)
    )
    assert store.run(run_id).status == "running"
    store.add_run_members(run_id, ["a"])
    end = RunEnd(
        success=True, message="ok", counts={"rows": 1, "sent": 1}, data_points_sent=3,
        data_points_saved=97, rejections={"no identifier": 2},
        finished_at=datetime(2025, 3, 1, 8, 5, tzinfo=UTC),
    )  # fmt: skip
    store.finish_run(run_id, end)
    record = store.run(run_id)
    assert record.status == "succeeded" and record.success is True
    assert (record.webhook_id, record.scheduled_plan_id, record.title) == ("wh-1", "42", "Daily")
    assert (record.started_at, record.finished_at) == (started, end.finished_at)
    assert record.counts == {"rows": 1, "sent": 1}
    assert (record.data_points_sent, record.data_points_saved) == (3, 97)
    assert record.rejections == {"no identifier": 2}
    assert record.as_json()["started_at"] == "2025-03-01T08:00:00+00:00"
    # Its staged members are gone, so nothing of it can be diffed any more.
    assert list(store.gone_members(audience, run_id)) == [["a", "b"]]
    with pytest.raises(ValueError, match="no run"):
        store.finish_run(run_id + 1000, end)


def test_run_history_pages_newest_first(store):
    base = datetime(2025, 1, 1, tzinfo=UTC)
    ids = [
        store.start_run(run_start(label=f"L{i}", started_at=base + timedelta(hours=i)))
        for i in range(7)
    ]
    store.finish_run(ids[2], RunEnd(success=False, message="Braze said no"))
    first = store.runs(limit=3)
    assert [r.id for r in first] == ids[:-4:-1]
    second = store.runs(limit=3, before_id=first[-1].id)
    assert [r.id for r in second] == ids[3:0:-1]
    last = store.runs(limit=3, before_id=second[-1].id)
    assert [r.id for r in last] == ids[:1]
    since = store.runs(since=base + timedelta(hours=5))
    assert [r.label for r in since] == ["L6", "L5"]
    naive = store.runs(since=datetime(2025, 1, 1, 5))  # naive = UTC
    assert [r.label for r in naive] == ["L6", "L5"]
    failed = store.run(ids[2])
    assert (failed.status, failed.success, failed.message) == ("failed", False, "Braze said no")
    assert store.run(ids[-1] + 1000) is None
    with pytest.raises(ValueError, match="limit"):
        store.runs(limit=0)


def test_runs_silent_for_a_day_are_interrupted_on_open(store_url):
    with open_store(store_url) as store:
        audience = store.audience_id(WORKSPACE, "looker_export", "L")
        store.record_sent(audience, WORKSPACE, [Sent("a", {}, True)])
        old = store.start_run(run_start(started_at=datetime.now(UTC) - timedelta(days=2)))
        store.add_run_members(old, ["a"])
        fresh = store.start_run(run_start())
    with open_store(store_url) as store:
        assert store.run(old).status == "interrupted"
        assert store.run(old).success is False
        assert "stopped" in store.run(old).message
        assert store.run(fresh).status == "running"
        assert list(store.gone_members(audience, old)) == [["a"]]  # staged members dropped
    with open_store(store_url, abandon_stale=False) as store:
        assert store.abandon_stale_runs(timedelta(0)) == 1  # the fresh one


def test_a_lost_postgres_connection_fails_one_call_then_recovers(postgres_url, pg_schema):
    url, schema = pg_schema
    with open_store(f"{url}?schema={schema}") as store:
        audience = store.audience_id(WORKSPACE, "looker_export", "L")
        pid = store._connection().info.backend_pid
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(FailRun, match="state store") as caught:
            store.record_sent(audience, WORKSPACE, [Sent("a", {}, True)])
        assert "next run repairs" in str(caught.value)
        store.record_sent(audience, WORKSPACE, [Sent("a", {}, True)])
        assert store.audience_size(audience) == 1


def test_history_text_with_nul_or_broken_unicode_is_kept_readable(store):
    run_id = store.start_run(run_start(title="Daily\x00 export"))
    store.finish_run(
        run_id,
        RunEnd(success=False, message="Braze said \x00 no \ud800", rejections={"bad\x00": 1}),
    )
    record = store.run(run_id)
    assert record.title == "Daily\ufffd export"
    assert record.message == "Braze said \ufffd no ?"
    assert record.rejections == {"bad\ufffd": 1}
