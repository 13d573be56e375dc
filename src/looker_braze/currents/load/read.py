"""Reading one Currents Avro file whole into a polars frame, or refusing it as unreadable.

The file is decoded completely before anything is written, so a truncated or corrupt file is
never half-loaded. polars' native reader does the bulk work (about ten times fastavro's speed) for
every codec: files in a codec polars lacks (bzip2, xz, zstandard) are first rewritten uncompressed
(``container.uncompressed``). Files polars cannot decode (complex field types it lacks) go through
fastavro, and a file both refuse is corrupt. A codec whose library is missing is said to be that,
not corruption. Columns come out upper-cased, ``int`` widened to 64 bits; fields of complex Avro
types (arrays, maps, records) are kept as JSON text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import fastavro
import numpy as np
import orjson
import polars as pl
import pyarrow as pa

from looker_braze.currents.load.container import (
    BadContainer,
    Header,
    MissingCodecLibrary,
    read_header,
    uncompressed,
)
from looker_braze.currents.schemas import event_type_from_record_name, table_name
from looker_braze.errors import RejectRow

FILE_INDEX = "LOOKER_BRAZE_FILE_INDEX"  # staging column: which file of a batch a row came from
ARROW_BATCH_ROWS = 61_440  # half a DuckDB row group
PRIMITIVES = {"string", "int", "long", "float", "double", "boolean"}
POLARS_CODECS = {"null", "deflate", "snappy"}  # what pl.read_avro decompresses itself
_ARROW_TYPES = {
    "string": pa.string(),
    "int": pa.int64(),
    "long": pa.int64(),
    "float": pa.float64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
}


class UnreadableFile(RejectRow):
    """This file cannot be loaded: report ``reason`` (shown to users as it is) and go on."""


@dataclass(frozen=True)
class FileData:
    event_type: str
    # Upper-case column names, types as decoded (conformed per batch); None once combined into a
    # batch, so a batch's events are not held twice (``reread`` brings them back).
    frame: pl.DataFrame | None
    avro_types: dict[str, str]  # upper-case column -> Avro primitive ("json" for JSON text)
    rows: int

    @property
    def table_name(self) -> str:
        return table_name(self.event_type)

    def without_frame(self) -> FileData:
        return replace(self, frame=None)


@dataclass(frozen=True)
class Combined:
    """The files of one batch as one Arrow table, one row per id (the first file's copy wins),
    with a ``FILE_INDEX`` column naming the file each row came from."""

    table: pa.Table
    types: dict[str, str]  # merged column types (union of the files' columns)
    kept: list[int]  # rows each file still has after the in-batch dedupe


def combine(files: list[FileData]) -> Combined:
    types: dict[str, str] = {}
    for file in files:
        types.update(file.avro_types)
    origin = np.repeat(np.arange(len(files), dtype=np.int64), [file.rows for file in files])
    frame = pl.concat([file.frame for file in files], how="diagonal_relaxed")
    casts = [
        pl.col(c).cast(_POLARS_TYPES.get(types[c], pl.String))
        for c in frame.columns
        if frame.schema[c] != _POLARS_TYPES.get(types[c], pl.String)
    ]
    frame = frame.with_columns(pl.Series(FILE_INDEX, origin), *casts)
    frame = frame.filter(pl.col("ID").is_first_distinct())  # the first file's copy wins
    kept = np.bincount(frame.get_column(FILE_INDEX).to_numpy(), minlength=len(files))
    # Arrow string views: no copy out of polars, and DuckDB scans them directly. Several record
    # batches (zero-copy slices), because DuckDB's Arrow scan gives each thread whole batches.
    arrow = frame.rechunk().to_arrow(compat_level=pl.CompatLevel.newest())
    table = pa.Table.from_batches(arrow.to_batches(max_chunksize=ARROW_BATCH_ROWS), arrow.schema)
    return Combined(table, types, kept.tolist())


# polars raises ComputeError and friends on bad data, and a Rust panic (a BaseException subclass
# from pyo3) on a case it does not implement; neither must stop the load.
_POLARS_FAILURES = (Exception, pl.exceptions.PanicException)

_POLARS_TYPES = {
    "string": pl.String,
    "int": pl.Int64,
    "long": pl.Int64,
    "float": pl.Float64,
    "double": pl.Float64,
    "boolean": pl.Boolean,
}


def arrow_type(avro_type: str) -> pa.DataType:
    return _ARROW_TYPES.get(avro_type, pa.string())


def read_avro(data: bytes, event_type: str | None) -> FileData:
    """Decode a whole Avro file; ``event_type`` from the key, else from the record name."""
    header = _header(data)
    schema = _Schema.of(header.metadata.get("avro.schema", b""))
    event_type = event_type or event_type_from_record_name(schema.full_name)
    if not event_type:
        raise UnreadableFile(
            f"cannot tell the event type: no event_type= folder and record name "
            f"{schema.full_name!r} has no '.inner.<event name>'"
        )
    if not table_name(event_type).replace("_", "").isalnum():
        raise UnreadableFile(f"event type {event_type!r} does not make a valid table name")
    types = schema.types
    if "ID" not in types:
        raise UnreadableFile("the writer schema has no 'id' field: events cannot be deduplicated")
    frame = _decode(data, header, types, schema.polars_reads)
    missing_ids = frame.get_column("ID").null_count()
    if missing_ids:
        raise UnreadableFile(f"{missing_ids} events have no id")
    return FileData(event_type, frame, types, frame.height)


def _header(data: bytes) -> Header:
    if not data:
        raise UnreadableFile("the file is empty")
    try:
        return read_header(data)
    except BadContainer as exc:
        raise UnreadableFile(f"not an Avro file ({exc})") from None


@dataclass(frozen=True)
class _Schema:
    """What the loader needs of a writer schema, worked out once per distinct schema (files of
    one event type and version share it; thousands of files, a few dozen schemas)."""

    full_name: str
    types: dict[str, str]  # shared by every file with this schema: never mutate
    polars_reads: bool

    @staticmethod
    @lru_cache(maxsize=1024)
    def of(raw: bytes) -> _Schema:
        schema = _writer_schema(raw)
        return _Schema(_full_name(schema), _field_types(schema), _polars_reads(schema))


def _writer_schema(raw: bytes) -> dict[str, Any]:
    try:
        schema = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise UnreadableFile("not an Avro file (no readable avro.schema in the header)") from None
    if not isinstance(schema, dict) or schema.get("type") != "record":
        raise UnreadableFile("the Avro schema is not a record")
    return schema


def _full_name(schema: dict[str, Any]) -> str:
    name = str(schema.get("name", ""))
    namespace = schema.get("namespace")
    return name if "." in name or not namespace else f"{namespace}.{name}"


def _field_types(schema: dict[str, Any]) -> dict[str, str]:
    """Upper-case column -> Avro primitive; unions with null unwrap, anything else is JSON text."""
    types: dict[str, str] = {}
    for field in schema.get("fields", []):
        column = field["name"].upper()
        if column in types:
            raise UnreadableFile(f"two fields map to column {column} (names differ only in case)")
        types[column] = _primitive(field["type"])
    return types


def _primitive(avro_type: Any) -> str:
    if isinstance(avro_type, list):
        branches = [branch for branch in avro_type if branch != "null"]
        return _primitive(branches[0]) if len(branches) == 1 else "json"
    if isinstance(avro_type, dict):
        return avro_type["type"] if avro_type.get("type") in PRIMITIVES else "json"
    return avro_type if avro_type in PRIMITIVES else "json"


def _decode(data: bytes, header: Header, types: dict[str, str], polars: bool) -> pl.DataFrame:
    try:
        plain = data if header.codec in POLARS_CODECS else uncompressed(data, header)
        if polars:
            return _as_json_text(_decode_polars(plain), types)
    except MissingCodecLibrary as exc:
        raise UnreadableFile(str(exc)) from None
    except BadContainer as exc:
        raise UnreadableFile(f"corrupt or truncated Avro data ({exc})") from None
    except _POLARS_FAILURES:  # a corrupt block, or a type polars lacks: fastavro has the last word
        pass
    try:
        return pl.from_arrow(_decode_fastavro(uncompressed(data, header), types))
    except MissingCodecLibrary as exc:
        raise UnreadableFile(str(exc)) from None
    except Exception as exc:  # fastavro raises many types on bad blocks (EOF, ValueError ...)
        raise UnreadableFile(f"corrupt or truncated Avro data ({_short(exc)})") from None


def _polars_reads(schema: Any) -> bool:
    """Whether polars' Avro reader handles every field type: it panics on maps (a Rust panic,
    which Python sees as a BaseException), and multi-type unions and binary types have no JSON
    text the fastavro path would agree with. Primitives, arrays, records and nullable unions."""
    if isinstance(schema, str):
        return schema in PRIMITIVES or schema == "null"
    if isinstance(schema, list):
        return len([t for t in schema if t != "null"]) == 1 and all(map(_polars_reads, schema))
    kind = schema.get("type")
    if kind == "array":
        return _polars_reads(schema.get("items"))
    if kind == "record":
        return all(_polars_reads(field.get("type")) for field in schema.get("fields", []))
    return kind in PRIMITIVES


def _decode_polars(data: bytes) -> pl.DataFrame:
    frame = pl.read_avro(io.BytesIO(data))
    frame.columns = [name.upper() for name in frame.columns]
    return frame


def _as_json_text(frame: pl.DataFrame, types: dict[str, str]) -> pl.DataFrame:
    """Complex columns (polars lists and structs) as JSON text, the same text fastavro's path
    gives: polars encodes a one-field struct {"C": value}, and the value is cut out of it."""
    encoded = []
    for column in (c for c, kind in types.items() if kind == "json"):
        value, prefix = pl.col(column), "{" + orjson.dumps(column).decode() + ":"
        text = pl.struct(value).struct.json_encode().str.strip_prefix(prefix).str.strip_suffix("}")
        encoded.append(pl.when(value.is_not_null()).then(text).alias(column))
    return frame.with_columns(encoded) if encoded else frame


def _decode_fastavro(data: bytes, types: dict[str, str]) -> pa.Table:
    reader = fastavro.reader(io.BytesIO(data))
    names = {field["name"].upper(): field["name"] for field in reader.writer_schema["fields"]}
    records = list(reader)
    columns = {}
    for column, kind in types.items():
        values = [record.get(names[column]) for record in records]
        if kind == "json":
            values = [None if v is None else orjson.dumps(v, default=str).decode() for v in values]
        columns[column] = pa.array(values, arrow_type(kind))
    return pa.table(columns)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
