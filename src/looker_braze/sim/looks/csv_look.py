"""Turn a CSV file into the json_detail document Looker would send for the same rows.

Each column becomes a dimension named after its header, with the tags and Looker type the user
gives (default: untagged string). Values are converted as Looker writes unformatted values: numbers
as JSON numbers, yesno as "Yes"/"No", dates "2024-01-31", times "2024-01-31 13:45:00"; an empty cell
is null. Times are in the query's time zone (``timezone``, written in the document as Looker
does); a time written with an offset is converted to it. Streams in constant memory; ``check()``
reads the file once up front so that a bad value is reported with its line before anything is
sent.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from os import PathLike
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from looker_braze.errors import FailRun

LOOKER_TYPES = ("string", "number", "yesno", "date_date", "date_time")
TYPE_ALIASES = {"date": "date_date", "datetime": "date_time", "time": "date_time", "bool": "yesno"}
BATCH_ROWS = 1024
CHUNK_BYTES = 1 << 20
_YES = {"yes", "y", "true", "t", "1"}
_NO = {"no", "n", "false", "f", "0"}
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class CsvLookError(FailRun):
    """The CSV or its tags/types cannot make a Look; the message says where and what to fix."""


def looker_type(name: str) -> str:
    """A Looker type name for a --type value, aliases allowed."""
    resolved = TYPE_ALIASES.get(name.strip().lower(), name.strip().lower())
    if resolved not in LOOKER_TYPES:
        raise CsvLookError(f"unknown type {name!r}; use one of {', '.join(LOOKER_TYPES)}")
    return resolved


class CsvLook:
    """A CSV file seen as a Look. Iterate for the json_detail bytes."""

    def __init__(
        self,
        path: str | PathLike,
        tags: Mapping[str, Sequence[str]] | None = None,
        types: Mapping[str, str] | None = None,
        chunk_bytes: int = CHUNK_BYTES,
        timezone: str = "UTC",
        delimiter: str = ",",
    ) -> None:
        self.path, self.chunk_bytes = Path(path), chunk_bytes
        self.timezone = timezone
        self.delimiter = _delimiter(delimiter)
        zone = _zone(timezone)
        self.columns = _read_header(self.path, self.delimiter)
        self.tags = {c: list(t) for c, t in (tags or {}).items()}
        self.types = {c: looker_type(t) for c, t in (types or {}).items()}
        _require_known(self.columns, "--tag", self.tags)
        _require_known(self.columns, "--type", self.types)
        converters = _CONVERTERS | {"date_time": functools.partial(_time, zone=zone)}
        self._converters = [converters[self.types.get(c, "string")] for c in self.columns]

    def fields_json(self) -> dict:
        return {
            "dimensions": [self._field(c) for c in self.columns],
            "measures": [],
            "table_calculations": [],
            "pivots": [],
        }

    def check(self) -> int:
        """Read every row once; returns the row count or raises CsvLookError naming the line."""
        return sum(len(batch) for batch in self._batches())

    def __iter__(self) -> Iterator[bytes]:
        head = b'{"fields":' + orjson.dumps(self.fields_json())
        head += b',"timezone":' + orjson.dumps(self.timezone) + b',"data":['
        buffered, size = [head], 0
        separator = b""
        for batch in self._batches():
            buffered.append(separator + orjson.dumps(batch)[1:-1])
            separator = b","
            size += len(buffered[-1])
            if size >= self.chunk_bytes:
                yield b"".join(buffered)
                buffered, size = [], 0
        ran_at = datetime.now(UTC).isoformat(timespec="seconds")
        buffered.append(b'],"ran_at":' + orjson.dumps(ran_at) + b"}")
        yield b"".join(buffered)

    def _field(self, column: str) -> dict:
        kind = self.types.get(column, "string")
        return {
            "name": column,
            "label": column,
            "label_short": column.rsplit(".", 1)[-1],
            "type": kind,
            "is_numeric": kind == "number",
            "hidden": False,
            "tags": self.tags.get(column, []),
        }

    def _batches(self) -> Iterator[list[dict]]:
        with self.path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            next(reader, None)  # the header, read in __init__
            batch = []
            for cells in _utf8(reader, self.path):
                if cells:  # blank lines are not rows
                    batch.append(self._row(cells, reader.line_num))
                if len(batch) >= BATCH_ROWS:
                    yield batch
                    batch = []
            if batch:
                yield batch

    def _row(self, cells: list[str], line: int) -> dict:
        if len(cells) != len(self.columns):
            raise CsvLookError(
                f"{self.path.name} line {line}: {len(cells)} cells, the header has "
                f"{len(self.columns)}"
            )
        row = {}
        for column, convert, text in zip(self.columns, self._converters, cells, strict=True):
            try:
                row[column] = _cell(convert(text), text)
            except ValueError as exc:
                raise CsvLookError(
                    f"{self.path.name} line {line}, column {column!r}: {exc} "
                    f"(fix the value or change --type {column}=...)"
                ) from None
        return row


def _cell(value, text: str) -> dict:
    return {"value": None} if value is None else {"value": value, "rendered": text}


def _delimiter(text: str) -> str:
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    delimiter = named.get(text.lower(), text)
    if len(delimiter) != 1 or delimiter in '\r\n"':
        raise CsvLookError(
            f"--delimiter {text!r}: give one character such as ; or | (or tab), not a quote"
        )
    return delimiter


def _utf8(reader, path: Path) -> Iterator[list[str]]:
    """The reader's rows; a byte that is not UTF-8 stops with what to do about it."""
    try:
        yield from reader
    except UnicodeDecodeError:
        raise CsvLookError(_not_utf8(path, reader.line_num + 1)) from None


def _not_utf8(path: Path, line: int) -> str:
    return (
        f"{path.name} is not UTF-8 text (near line {line}): re-save it as UTF-8 "
        "(Excel: Save As > CSV UTF-8; LibreOffice: Character set Unicode (UTF-8))"
    )


def _read_header(path: Path, delimiter: str = ",") -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle, delimiter=delimiter), None)
    except OSError as exc:
        raise CsvLookError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CsvLookError(_not_utf8(path, 1)) from None
    if not header:
        raise CsvLookError(f"{path.name} is empty: the first line must name the columns")
    columns = [c.strip() for c in header]
    problems = [f"column {i + 1} has no name" for i, c in enumerate(columns) if not c]
    problems += [f"column {c!r} appears twice" for c in sorted(_repeated(columns))]
    if problems:
        raise CsvLookError(f"{path.name} header: " + "; ".join(problems))
    return columns


def _repeated(columns: list[str]) -> set[str]:
    return {c for c in columns if c and columns.count(c) > 1}


def _require_known(columns: list[str], option: str, given: Mapping) -> None:
    unknown = [c for c in given if c not in columns]
    if unknown:
        raise CsvLookError(
            f"{option} names columns the CSV does not have: {', '.join(map(repr, unknown))}; "
            f"its columns are {', '.join(columns)}"
        )


def _string(text: str) -> str | None:
    return text if text != "" else None


def _number(text: str) -> int | float | None:
    # A strict pattern: int() and float() also take "1_000", "nan", "inf" and non-ASCII digits.
    text = text.strip()
    if not text:
        return None
    if _INTEGER.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return float(text)
    raise ValueError(f"{text!r} is not a number")


def _yesno(text: str) -> str | None:
    lowered = text.strip().lower()
    if not lowered:
        return None
    if lowered in _YES:
        return "Yes"
    if lowered in _NO:
        return "No"
    raise ValueError(f"{text!r} is not yes/no (use Yes, No, true, false, 1 or 0)")


def _date(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"{text!r} is not a date like 2024-01-31") from None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CsvLookError(f"unknown time zone {name!r}: use an IANA name such as UTC") from None


def _time(text: str, zone: ZoneInfo) -> str | None:
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a time like 2024-01-31 13:45:00") from None
    if moment.tzinfo is not None:  # Looker writes times in the query's zone, without an offset
        moment = moment.astimezone(zone).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


_CONVERTERS = {
    "string": _string,
    "number": _number,
    "yesno": _yesno,
    "date_date": _date,
}
