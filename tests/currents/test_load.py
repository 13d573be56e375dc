"""Loading Currents into DuckDB and PostgreSQL: incremental, deduplicated, never half-loaded."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import fastavro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from looker_braze.cli import app as cli
from looker_braze.currents.generate import generate
from looker_braze.currents.load import MANIFEST, load, redact
from looker_braze.currents.load.sink import Sink
from looker_braze.currents.schemas import TABLES, fields, writer_schema
from looker_braze.currents.warehouse import connect
from looker_braze.errors import FailRun

SEND = "users.messages.email.Send"
SEND_TABLE = "USERS_MESSAGES_EMAIL_SEND"
PREFIX = "dataexport.sdk-us-01.S3.integration.abc"
FIXTURE_SCOPE = HealthCheck.function_scoped_fixture
CONFIG = {"seed": 5, "users": 250, "days": 5, "events_per_file": 50}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("load")
    return out, generate(out, CONFIG)


@pytest.fixture
def source(dataset, tmp_path):
    """A private copy of the generated folder, free to damage."""
    copy = tmp_path / "source"
    shutil.copytree(dataset[0], copy)
    return copy


def send_record(event_id: str, **extra) -> dict:
    record = {f.name: None for f in fields(SEND, 1)}
    record.update(id=event_id, user_id="a" * 24, time=1_700_000_000, email_address="x@example.com")
    record.update(extra)
    return record


def write_avro(path: Path, records: list[dict], schema: dict | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        fastavro.writer(out, fastavro.parse_schema(schema or writer_schema(SEND, 1)), records)
    return path


def send_file(root: Path, name: str, records: list[dict], schema: dict | None = None) -> Path:
    folder = root / PREFIX / f"event_type={SEND}" / "date=2023-11-14-22" / "1" / "0"
    return write_avro(folder / name, records, schema)


def counts(db) -> dict[str, tuple[int, int]]:
    """table -> (rows, distinct ids) for every event table."""
    with connect(db) as warehouse:
        return {
            table: warehouse.query(f'SELECT COUNT(*), COUNT(DISTINCT "ID") FROM "{table}"')[1][0]
            for table in sorted(warehouse.tables() & set(TABLES))
        }


def test_load_inserts_each_event_once_and_reports_duplicates(dataset, tmp_path):
    out, summary = dataset
    db = tmp_path / "w.duckdb"
    report = load(out, db)
    assert not report.failed and report.succeeded
    assert report.files_seen == report.files_new == report.files_loaded == summary.files
    assert report.files_ignored == 2  # currents-config.json, currents-overview-truth.json
    assert report.events_read == summary.events
    assert report.events_inserted == summary.unique_events
    assert report.duplicates == summary.duplicates > 0
    tables = counts(db)
    assert all(rows == distinct for rows, distinct in tables.values())
    assert sum(rows for rows, _ in tables.values()) == summary.unique_events


def test_loading_twice_loads_nothing_new(dataset, tmp_path):
    db = tmp_path / "w.duckdb"
    first = load(dataset[0], db)
    again = load(dataset[0], db)
    assert again.files_new == again.files_loaded == again.events_read == 0
    assert again.files_skipped == first.files_loaded
    with connect(db) as warehouse:
        manifest = warehouse.query(
            f'SELECT COUNT(*), SUM("EVENTS_READ"), SUM("EVENTS_INSERTED") FROM "{MANIFEST}"'
        )[1][0]
    assert manifest == (first.files_loaded, first.events_read, first.events_inserted)


def test_new_files_are_loaded_incrementally_and_redelivered_events_skipped(source, tmp_path):
    db = tmp_path / "w.duckdb"
    load(source, db)
    before = counts(db)[SEND_TABLE][0]
    existing = next(source.rglob(f"event_type={SEND}/*/*/*/*.avro"))
    shutil.copy(existing, existing.with_name("redelivered.avro"))  # same events, new file
    send_file(source / "currents", "new.avro", [send_record(str(uuid.uuid4())) for _ in range(3)])
    report = load(source, db)
    assert report.files_new == report.files_loaded == 2
    assert report.tables[SEND_TABLE].events_inserted == 3
    assert report.tables[SEND_TABLE].duplicates == report.tables[SEND_TABLE].events_read - 3 > 0
    assert counts(db)[SEND_TABLE] == (before + 3, before + 3)


def test_corrupt_files_are_reported_skipped_and_never_half_loaded(source, tmp_path):
    good = [send_record(str(uuid.uuid4())) for _ in range(2000)]
    path = send_file(source / "currents", "truncated.avro", good)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    send_file(source / "currents", "garbage.avro", []).write_bytes(b"this is not avro at all")
    send_file(source / "currents", "empty.avro", []).write_bytes(b"")
    db = tmp_path / "w.duckdb"
    report = load(source, db)
    reasons = {Path(f.key).name: f.reason for f in report.failed}
    assert set(reasons) == {"truncated.avro", "garbage.avro", "empty.avro"}
    assert "corrupt or truncated" in reasons["truncated.avro"]
    assert "not an Avro file" in reasons["garbage.avro"] and "empty" in reasons["empty.avro"]
    assert report.succeeded and report.files_loaded == report.files_new - 3
    with connect(db) as warehouse:
        ids = [r["id"] for r in good]
        marks = ", ".join("?" * len(ids))
        found = warehouse.query(f'SELECT COUNT(*) FROM "{SEND_TABLE}" WHERE "ID" IN ({marks})', ids)
        in_manifest = warehouse.query(
            f'SELECT COUNT(*) FROM "{MANIFEST}" WHERE "KEY" LIKE \'%truncated%\''
        )
    assert found[1][0][0] == 0 and in_manifest[1][0][0] == 0
    path.write_bytes(data)  # repaired: the next run loads it
    retry = load(source, db)
    assert retry.files_loaded == 1 and retry.tables[SEND_TABLE].events_inserted == 2000
    assert {Path(f.key).name for f in retry.failed} == {"garbage.avro", "empty.avro"}


def test_a_file_the_warehouse_refuses_fails_alone(tmp_path):
    root = tmp_path / "src"
    send_file(root, "a.avro", [send_record("a-1")])
    string_time = {**writer_schema(SEND, 1)}
    string_time["fields"] = [
        {**f, "type": "string"} if f["name"] == "time" else f for f in string_time["fields"]
    ]
    send_file(root, "b.avro", [send_record("b-1", time="yesterday")], string_time)
    send_file(root, "c.avro", [send_record("c-1")])
    db = tmp_path / "w.duckdb"
    report = load(root, db)
    assert [Path(f.key).name for f in report.failed] == ["b.avro"]
    assert "warehouse refused it" in report.failed[0].reason
    assert report.files_loaded == 2 and counts(db)[SEND_TABLE] == (2, 2)


def test_a_refused_batch_is_retried_file_by_file_reading_the_files_again(tmp_path):
    """A combined batch no longer holds its files' frames (memory): the retry reads them again."""
    root = tmp_path / "src"
    send_file(root, "a.avro", [send_record("a-1")])
    db = tmp_path / "w.duckdb"
    load(root, db)  # the table now has an integer TIME
    string_time = {**writer_schema(SEND, 1)}
    string_time["fields"] = [
        {**f, "type": "string"} if f["name"] == "time" else f for f in string_time["fields"]
    ]
    send_file(root, "b.avro", [send_record("b-1", time="yesterday")], string_time)
    send_file(root, "c.avro", [send_record("c-1", time="1700000000")], string_time)
    report = load(root, db)
    assert [Path(f.key).name for f in report.failed] == ["b.avro"]
    assert "warehouse refused it" in report.failed[0].reason
    assert report.files_loaded == 1 and counts(db)[SEND_TABLE] == (2, 2)


def test_schema_evolution_adds_nullable_columns(tmp_path):
    root = tmp_path / "src"
    send_file(root, "old.avro", [send_record("old-1")])
    newer = {**writer_schema(SEND, 1)}
    newer["fields"] = [*newer["fields"], {"name": "is_amp", "type": ["null", "boolean"],
                                          "default": None}]  # fmt: skip
    send_file(root, "zz-new.avro", [send_record("new-1", is_amp=True)], newer)
    db = tmp_path / "w.duckdb"
    load(root, db, batch_events=1)  # one batch per file: the table exists when the new field comes
    with connect(db) as warehouse:
        rows = warehouse.query(f'SELECT "ID", "IS_AMP" FROM "{SEND_TABLE}" ORDER BY "ID"')[1]
        kind = warehouse.query(
            "SELECT data_type FROM information_schema.columns WHERE column_name = 'IS_AMP'"
        )[1]
    assert rows == [("new-1", True), ("old-1", None)] and kind == [("BOOLEAN",)]


def test_event_type_comes_from_the_record_name_without_an_event_type_folder(tmp_path):
    write_avro(tmp_path / "src" / "flat" / "file.avro", [send_record("flat-1")])
    db = tmp_path / "w.duckdb"
    report = load(tmp_path / "src", db)
    assert report.files_loaded == 1 and counts(db) == {SEND_TABLE: (1, 1)}


def test_files_without_ids_or_event_type_are_refused(tmp_path):
    no_id = {"type": "record", "name": "Send", "namespace": "x.inner.users.messages.email",
             "fields": [{"name": "user_id", "type": "string"}]}  # fmt: skip
    write_avro(tmp_path / "src" / "event_type=a.B" / "no-id.avro", [{"user_id": "u"}], no_id)
    anonymous = {"type": "record", "name": "Thing", "fields": [{"name": "id", "type": "string"}]}
    write_avro(tmp_path / "src" / "anonymous.avro", [{"id": "1"}], anonymous)
    report = load(tmp_path / "src", tmp_path / "w.duckdb")
    reasons = sorted(f.reason for f in report.failed)
    assert "cannot tell the event type" in reasons[0] and "no 'id' field" in reasons[1]
    assert not report.succeeded


def test_a_file_that_changed_size_is_loaded_again_without_double_counting(tmp_path):
    root = tmp_path / "src"
    send_file(root, "grows.avro", [send_record("g-1")])
    db = tmp_path / "w.duckdb"
    load(root, db)
    send_file(root, "grows.avro", [send_record("g-1"), send_record("g-2")])
    report = load(root, db)
    assert report.files_loaded == 1 and report.tables[SEND_TABLE].events_inserted == 1
    assert counts(db)[SEND_TABLE] == (2, 2)
    with connect(db) as warehouse:
        assert warehouse.query(f'SELECT COUNT(*) FROM "{MANIFEST}"')[1] == [(1,)]


def test_deflate_files_load_and_complex_fields_become_json(tmp_path):
    schema = {**writer_schema(SEND, 1)}
    schema["fields"] = [*schema["fields"],
                        {"name": "extras", "type": ["null", {"type": "map", "values": "long"}],
                         "default": None}]  # fmt: skip
    path = send_file(tmp_path / "src", "deflated.avro", [], schema)
    with path.open("wb") as out:
        records = [send_record("d-1", extras={"a": 1}), send_record("d-2")]
        fastavro.writer(out, fastavro.parse_schema(schema), records, codec="deflate")
    db = tmp_path / "w.duckdb"
    assert not load(tmp_path / "src", db).failed
    with connect(db) as warehouse:
        rows = warehouse.query(f'SELECT "ID", "EXTRAS" FROM "{SEND_TABLE}" ORDER BY 1')[1]
    assert rows == [("d-1", '{"a":1}'), ("d-2", None)]


def test_postgres_and_duckdb_hold_identical_data(dataset, pg_schema, tmp_path):
    url, schema = pg_schema
    pg = f"{url}?schema={schema}"
    duck = tmp_path / "w.duckdb"
    pg_report, duck_report = load(dataset[0], pg), load(dataset[0], duck)
    assert not pg_report.failed and pg_report.tables == duck_report.tables
    assert load(dataset[0], pg).files_new == 0
    for table in ("USERS_MESSAGES_EMAIL_OPEN", "USERS_BEHAVIORS_APP_SESSIONEND"):
        assert _fingerprint(pg, table) == _fingerprint(duck, table)
    assert counts(pg) == counts(duck)


def test_postgres_tables_have_statistics_after_a_load(dataset, pg_schema):
    """Tables a load inserted into are analyzed: pg_class.reltuples (-1 until a table is first
    analyzed) holds the loaded row count, exactly, since these tables fit in ANALYZE's sample."""
    url, schema = pg_schema
    db = f"{url}?schema={schema}"
    report = load(dataset[0], db)
    assert not report.failed and not report.warnings
    with connect(db) as warehouse:
        _, rows = warehouse.query(
            "SELECT c.relname, c.reltuples FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        )
    tuples = {name: int(count) for name, count in rows}
    inserted = {name: c.events_inserted for name, c in report.tables.items()}
    assert inserted and all(inserted.values())
    assert {name: tuples[name] for name in inserted} == inserted


def test_statistics_that_cannot_be_updated_are_a_warning_not_a_failure(pg_schema):
    url, schema = pg_schema
    with connect(f"{url}?schema={schema}") as warehouse:
        sink = Sink(warehouse, "test")
        [problem] = sink.update_statistics(["NO_SUCH_TABLE"])
        assert "NO_SUCH_TABLE" in problem and "does not exist" in problem
        assert sink.loaded_sizes() == {}  # the connection is still usable


def _fingerprint(db, table: str) -> list[tuple]:
    with connect(db) as warehouse:
        columns = [c for c in warehouse.query(f'SELECT * FROM "{table}" LIMIT 0')[0]]
        order = ", ".join(f'"{c}"' for c in columns)
        return warehouse.query(f'SELECT {order} FROM "{table}" ORDER BY "ID"')[1]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    files=st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=30), min_size=1, max_size=8),
    batch_events=st.integers(1, 60),
)
def test_any_overlap_of_ids_across_files_and_batches_inserts_each_id_once(
    tmp_path_factory, files, batch_events
):
    root = tmp_path_factory.mktemp("prop")
    for number, ids in enumerate(files):
        send_file(root, f"f{number:02d}.avro", [send_record(f"id-{i}") for i in ids])
    report = load(root, root / "w.duckdb", batch_events=batch_events)
    distinct = {i for ids in files for i in ids}
    assert report.events_read == sum(len(ids) for ids in files)
    assert report.events_inserted == len(distinct)
    assert counts(root / "w.duckdb")[SEND_TABLE] == (len(distinct), len(distinct))


def test_missing_source_and_bucket_urls_without_extras_fail_clearly(tmp_path):
    with pytest.raises(FailRun, match="neither a folder nor a file"):
        load(tmp_path / "nope", tmp_path / "w.duckdb")
    try:
        import fsspec  # noqa: F401
    except ImportError:
        with pytest.raises(FailRun, match=r"looker-braze\[buckets\]"):
            load("s3://bucket/prefix", tmp_path / "w.duckdb")


def test_unreachable_warehouse_fails_without_showing_the_password(dataset):
    url = "postgresql://braze:s3cret@127.0.0.1:1/db"
    with pytest.raises(FailRun) as caught:
        load(dataset[0], url)
    assert "s3cret" not in str(caught.value) and "***" in str(caught.value)
    assert redact("postgresql://u@h/db") == "postgresql://u@h/db"


def test_cli_generate_then_load_prints_the_report(tmp_path):
    runner = CliRunner()
    out, db = tmp_path / "gen", tmp_path / "w.duckdb"
    made = runner.invoke(cli, ["currents", "generate", str(out), "--users", "40", "--days", "2"])
    assert made.exit_code == 0, made.output
    assert "events" in made.output
    loaded = runner.invoke(cli, ["currents", "load", str(out), "--db", str(db), "--no-progress"])
    assert loaded.exit_code == 0, loaded.output
    assert "USERS_MESSAGES_EMAIL_SEND" in loaded.output and "new files loaded" in loaded.output


def test_cli_load_exits_non_zero_only_when_nothing_could_be_loaded(tmp_path):
    runner = CliRunner()
    bad = tmp_path / "bad"
    send_file(bad, "garbage.avro", []).write_bytes(b"junk")
    result = runner.invoke(cli, ["currents", "load", str(bad), "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 1 and "garbage.avro" in result.output
    missing = runner.invoke(cli, ["currents", "load", str(tmp_path / "none")])
    assert missing.exit_code == 2 and "neither a folder nor a file" in missing.output


def test_progress_bar_does_not_change_the_result(dataset, tmp_path):
    report = load(dataset[0], tmp_path / "w.duckdb", progress=True)
    assert report.events_inserted == dataset[1].unique_events


def _load_in_child(source: str, db: str, queue) -> None:
    import resource

    began = resource.getrusage(resource.RUSAGE_SELF)
    report = load(source, db)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - began.ru_utime - began.ru_stime
    queue.put((report.events_read, len(report.failed), cpu, usage.ru_maxrss / 1024))


def test_load_speed_per_cpu_second_and_memory(generated_currents, tmp_path):
    """bench/currents_load.py measures 10 million events (about 200,000 per CPU-second, peak RSS
    under 1 GB); this checks the same figures on the shared data set, in a fresh process so the
    peak RSS is the load's own. Its files are small (400 events: per-file costs weigh more; about
    38,000 events per CPU-second measured; 9,500 on a throttled machine where plain Python ran 3x
    slower), so the floor only catches a gross regression such as a Python loop per row."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    source, db = str(generated_currents[0]), str(tmp_path / "w.duckdb")
    child = context.Process(target=_load_in_child, args=(source, db, queue))
    child.start()
    events, failed, cpu, peak_mb = queue.get(timeout=300)
    child.join()
    assert events > 50_000 and not failed
    assert events / cpu > 5_000, f"{events / cpu:,.0f} events per CPU-second"
    assert peak_mb < 1024, f"peak RSS {peak_mb:,.0f} MB"


def test_a_batch_ends_at_its_value_budget_so_wide_tables_take_fewer_events(dataset, monkeypatch):
    """Memory follows values (events x columns), not events: a batch stops once it holds
    ``BATCH_VALUES`` values, so no flush exceeds the budget by more than its last file."""
    import looker_braze.currents.load as loader
    from looker_braze.currents.load.report import LoadReport
    from looker_braze.currents.load.sources import list_source

    budget = 2_000
    monkeypatch.setattr(loader, "BATCH_VALUES", budget)
    files = list_source(dataset[0]).files
    flushes = list(loader._flushes(files, LoadReport("x"), 10**9, lambda size: None))
    assert len(flushes) > 1
    seen = 0
    for flush in flushes:
        sizes = [d.rows * len(d.avro_types) for batch in flush for _, d in batch.files]
        seen += sum(len(batch.files) for batch in flush)
        assert sum(sizes) - max(sizes) < budget
    assert seen == len(files)  # every file in exactly one flush
