"""Reading one Currents Avro file whole into an Arrow table, or refusing it as unreadable.

The file is decoded completely before anything is written, so a truncated or corrupt file is
never half-loaded. polars' native reader does the bulk work (about ten times fastavro's speed);
files it cannot decode (complex field types, or a codec it lacks) go through fastavro, and a file
both refuse is corrupt. Columns come out upper-cased, ``int`` widened to 64 bits; fields of
complex Avro types are kept as JSON text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import fastavro
import numpy as np
import orjson
import polars as pl
import pyarrow as pa

from looker_braze.currents.schemas import event_type_from_record_name, table_name
from looker_braze.errors import RejectRow

FILE_INDEX = "LOOKER_BRAZE_FILE_INDEX"  # staging column: which file of a batch a row came from
PRIMITIVES = {"string", "int", "long", "float", "double", "boolean"}
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
    frame: pl.DataFrame  # upper-case column names, types as decoded (conformed per batch)
    avro_types: dict[str, str]  # upper-case column -> Avro primitive ("json" for JSON text)

    @property
    def table_name(self) -> str:
        return table_name(self.event_type)

    @property
    def rows(self) -> int:
        return self.frame.height


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
    # Arrow string views: no copy out of polars, and DuckDB scans them directly.
    table = frame.to_arrow(compat_level=pl.CompatLevel.newest())
    return Combined(table, types, kept.tolist())


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
    schema = _writer_schema(data)
    event_type = event_type or event_type_from_record_name(_full_name(schema))
    if not event_type:
        raise UnreadableFile(
            f"cannot tell the event type: no event_type= folder and record name "
            f"{_full_name(schema)!r} has no '.inner.<event name>'"
        )
    if not table_name(event_type).replace("_", "").isalnum():
        raise UnreadableFile(f"event type {event_type!r} does not make a valid table name")
    types = _field_types(schema)
    if "ID" not in types:
        raise UnreadableFile("the writer schema has no 'id' field: events cannot be deduplicated")
    frame = _decode(data, types)
    missing_ids = frame.get_column("ID").null_count()
    if missing_ids:
        raise UnreadableFile(f"{missing_ids} events have no id")
    return FileData(event_type, frame, types)


def _writer_schema(data: bytes) -> dict[str, Any]:
    if not data:
        raise UnreadableFile("the file is empty")
    try:
        schema = fastavro.reader(io.BytesIO(data)).writer_schema
    except Exception as exc:  # fastavro raises several types for a bad header
        raise UnreadableFile(f"not an Avro file ({_short(exc)})") from None
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


def _decode(data: bytes, types: dict[str, str]) -> pl.DataFrame:
    if all(kind in PRIMITIVES for kind in types.values()):
        try:
            frame = pl.read_avro(io.BytesIO(data))
            frame.columns = [name.upper() for name in frame.columns]
            return frame
        except Exception:  # polars lacks some codecs and types: fastavro has the last word
            pass
    try:
        return pl.from_arrow(_decode_fastavro(data, types))
    except Exception as exc:  # fastavro raises many types on bad blocks (EOF, ValueError ...)
        raise UnreadableFile(f"corrupt or truncated Avro data ({_short(exc)})") from None


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
