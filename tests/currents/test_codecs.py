"""Every Avro codec loads, and loads the same tables as the uncompressed files.

The files are written with fastavro's writer (which compresses with cramjam and backports.zstd,
both in the ``[currents]`` extra): the generator's data set re-encoded, plus records made from
every event type's writer schema, so each type's fields (arrays among them) pass through each
codec whether or not a small generated data set happens to hold that type.
"""

from __future__ import annotations

import io
import random
import sys
import uuid
from pathlib import Path

import fastavro
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.currents.generate import generate
from looker_braze.currents.load import MANIFEST, load
from looker_braze.currents.load.container import CODECS, read_header, uncompressed
from looker_braze.currents.schemas import EVENT_TYPES, table_name, writer_schema
from looker_braze.currents.warehouse import connect

PREFIX = "dataexport.sdk-us-01.S3.integration.abc"
COMPRESSED = [codec for codec in CODECS if codec != "null"]
# An array field as Braze sends on email clicks (suspected_bot_click_reason), whatever the
# catalogue's schema for the type holds today.
CLICK = "users.messages.email.Click"
ARRAY_FIELD = {
    "name": "suspected_bot_click_reason",
    "type": ["null", {"type": "array", "items": "string"}],
    "default": None,
}


def sample(avro_type, rng: random.Random):
    """A value of ``avro_type`` (a writer-schema type), null now and then where allowed."""
    if isinstance(avro_type, list):
        branches = [t for t in avro_type if t != "null"]
        return (
            None
            if len(branches) < len(avro_type) and rng.random() < 0.3
            else (sample(rng.choice(branches), rng))
        )
    kind = avro_type["type"] if isinstance(avro_type, dict) else avro_type
    if kind == "array":
        return [sample(avro_type["items"], rng) for _ in range(rng.randint(0, 3))]
    if kind == "map":
        return {f"k{i}": sample(avro_type["values"], rng) for i in range(rng.randint(0, 2))}
    if kind == "record":
        return {f["name"]: sample(f["type"], rng) for f in avro_type["fields"]}
    if kind == "enum":
        return rng.choice(avro_type["symbols"])
    if kind == "fixed":
        return rng.randbytes(avro_type["size"])
    return {
        "string": lambda: rng.choice(["ios", "web", "é ü", 'quote " and \\']) + str(rng.random()),
        "int": lambda: rng.randint(-(2**31), 2**31 - 1),
        "long": lambda: rng.randint(-(2**63), 2**63 - 1),
        "float": lambda: float(rng.randint(-1000, 1000)) / 4,  # exact in 32 bits
        "double": lambda: rng.uniform(-180, 180),
        "boolean": lambda: rng.random() < 0.5,
        "bytes": lambda: rng.randbytes(4),
        "null": lambda: None,
    }[kind]()


def records_for(schema: dict, count: int, rng: random.Random) -> list[dict]:
    records = [{f["name"]: sample(f["type"], rng) for f in schema["fields"]} for _ in range(count)]
    for record in records:
        record["id"] = str(uuid.UUID(int=rng.getrandbits(128)))
    return records + records[:3]  # redelivered: the loader must dedupe them in every codec


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[tuple[str, dict, list[dict]]]:
    """(relative path, writer schema, records) of every file, decoded once."""
    rng = random.Random(10)
    found = []
    for event_type in EVENT_TYPES:
        schema = writer_schema(event_type)
        if event_type == CLICK and ARRAY_FIELD["name"] not in {f["name"] for f in schema["fields"]}:
            schema = {**schema, "fields": [*schema["fields"], ARRAY_FIELD]}
        folder = f"{PREFIX}/event_type={event_type}/date=2024-01-02-03/1/0"
        found.append((f"{folder}/synthetic.avro", schema, records_for(schema, 40, rng)))
    generated = tmp_path_factory.mktemp("generated")
    generate(generated, {"seed": 3, "users": 30, "days": 1, "events_per_file": 200})
    for path in sorted(generated.rglob("*.avro")):
        with path.open("rb") as source:
            reader = fastavro.reader(source)
            found.append((str(path.relative_to(generated)), reader.writer_schema, list(reader)))
    return found


def write_all(root: Path, files, codec: str) -> Path:
    for relative, schema, records in files:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            # Small blocks: every file has several, so block boundaries are exercised too.
            fastavro.writer(out, fastavro.parse_schema(schema), records, codec, sync_interval=2000)
    return root


@pytest.fixture(scope="module")
def uncompressed_load(files, tmp_path_factory):
    root = tmp_path_factory.mktemp("null")
    db = root / "w.duckdb"
    report = load(write_all(root / "src", files, "null"), db)
    assert not report.failed and report.duplicates > 0
    return report, tables(db), db


def tables(db) -> dict[str, list[tuple]]:
    """Every table's rows, columns in name order, rows by id: comparable across loads."""
    with connect(db) as warehouse:
        found = {}
        for table in sorted(warehouse.tables() - {MANIFEST}):
            columns = sorted(warehouse.query(f'SELECT * FROM "{table}" LIMIT 0')[0])
            names = ", ".join(f'"{c}"' for c in columns)
            found[table] = warehouse.query(f'SELECT {names} FROM "{table}" ORDER BY "ID"')[1]
        return found


@pytest.mark.parametrize("codec", COMPRESSED)
def test_every_codec_loads_the_same_tables_as_uncompressed_files(
    codec, files, uncompressed_load, tmp_path
):
    expected_report, expected, _ = uncompressed_load
    db = tmp_path / "w.duckdb"
    report = load(write_all(tmp_path / "src", files, codec), db)
    assert not report.failed, report.failed[:3]
    assert report.tables == expected_report.tables
    assert tables(db) == expected
    assert {table_name(t) for t in EVENT_TYPES} <= set(expected)


def test_array_fields_load_as_json_text(uncompressed_load):
    *_, db = uncompressed_load
    column = ARRAY_FIELD["name"].upper()
    with connect(db) as warehouse:
        values = [v for (v,) in warehouse.query(f'SELECT "{column}" FROM "{table_name(CLICK)}"')[1]]
    present = [v for v in values if v is not None]
    assert present and None in values
    assert all(isinstance(orjson.loads(v), list) for v in present)


def test_a_missing_codec_library_is_named_and_the_file_loads_once_it_is_there(
    files, tmp_path, monkeypatch
):
    """Uninstalling cramjam inside a test is not possible: hiding it from imports is."""
    root = tmp_path / "src"
    write_all(root, files[:2], "zstandard")
    db = tmp_path / "w.duckdb"
    monkeypatch.setitem(sys.modules, "cramjam", None)  # import cramjam -> ImportError
    report = load(root, db)
    assert len(report.failed) == 2 and not report.files_loaded
    for failed in report.failed:
        assert "zstandard codec" in failed.reason and "cramjam" in failed.reason
        assert "pip install" in failed.reason and "corrupt" not in failed.reason
    monkeypatch.delitem(sys.modules, "cramjam")
    again = load(root, db)
    assert again.files_loaded == 2 and not again.failed


@pytest.mark.parametrize("codec", ["snappy", "zstandard"])
def test_postgres_loads_compressed_files(codec, files, uncompressed_load, pg_schema, tmp_path):
    url, schema = pg_schema
    db = f"{url}?schema={schema}"
    report = load(write_all(tmp_path / "src", files, codec), db)
    assert not report.failed and report.tables == uncompressed_load[0].tables
    expected = uncompressed_load[1]
    found = tables(db)
    for table in (table_name(CLICK), "USERS_BEHAVIORS_LOCATION"):
        assert found[table] == expected[table]


def test_a_corrupt_compressed_block_is_corrupt_not_a_crash(files, tmp_path):
    root = tmp_path / "src"
    write_all(root, files[:1], "zstandard")
    [path] = root.rglob("*.avro")
    data = bytearray(path.read_bytes())
    data[-40:-20] = bytes(20)  # zeros inside the last block's compressed bytes
    path.write_bytes(bytes(data))
    [failed] = load(root, tmp_path / "w.duckdb").failed
    assert "corrupt or truncated" in failed.reason


@settings(max_examples=40, deadline=None)
@given(
    codec=st.sampled_from(CODECS),
    values=st.lists(st.one_of(st.none(), st.lists(st.text(max_size=5), max_size=3)), max_size=60),
    interval=st.integers(16, 4000),
)
def test_uncompressed_rewrite_keeps_every_record(codec, values, interval):
    schema = {"type": "record", "name": "R", "fields": [
        {"name": "id", "type": "long"}, ARRAY_FIELD]}  # fmt: skip
    records = [{"id": i, ARRAY_FIELD["name"]: v} for i, v in enumerate(values)]
    out = io.BytesIO()
    fastavro.writer(out, fastavro.parse_schema(schema), records, codec, sync_interval=interval)
    data = out.getvalue()
    plain = uncompressed(data, read_header(data))
    assert read_header(plain).codec == "null"
    assert list(fastavro.reader(io.BytesIO(plain))) == records
