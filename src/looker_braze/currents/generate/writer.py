"""Writing generated frames as Braze writes Currents: Avro files with the writer schema embedded,
under ``event_type=<name>/date=<UTC hour queued>/<schema id>/<zone>/``, rolled every
``events_per_file`` events, some deflate-compressed, some events delivered a second time (same id)
in a later file, schema version 2 from ``schema_v2_from_day`` on."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import fastavro
import numpy as np

from looker_braze.currents import schemas
from looker_braze.currents.generate.columns import Frame, values
from looker_braze.currents.generate.config import GeneratorConfig
from looker_braze.currents.generate.timeline import DAY, HOUR, later, queue_times

ZONE = "0"  # the <zone> key segment: one writer zone in generated data


@cache
def _parsed_schema(event_type: str, version: int):
    return fastavro.parse_schema(schemas.writer_schema(event_type, version))


@dataclass
class WriteTally:
    files: int = 0
    events: Counter = field(default_factory=Counter)  # per event type, re-deliveries included
    duplicates: Counter = field(default_factory=Counter)
    late: Counter = field(default_factory=Counter)
    bytes: int = 0

    @classmethod
    def merge(cls, tallies: list[WriteTally]) -> WriteTally:
        total = cls()
        for tally in tallies:
            total.files += tally.files
            total.bytes += tally.bytes
            total.events.update(tally.events)
            total.duplicates.update(tally.duplicates)
            total.late.update(tally.late)
        return total


@dataclass
class Writer:
    root: Path  # .../currents/dataexport.<cluster>.S3.integration.<id>
    config: GeneratorConfig
    window_start: int
    tally: WriteTally = field(default_factory=WriteTally)
    # Folders made so far: makedirs would stat every level of every file's folder again.
    made: set[str] = field(default_factory=set)

    def write(self, frame: Frame, rng: np.random.Generator, chunk: int) -> np.ndarray:
        """Write the frame's events; the schema version of each event's first copy (the copy a
        load keeps: files load in key order, and a re-delivery is queued later)."""
        if not len(frame):
            return np.zeros(0, dtype=np.int64)
        rows, queued = self._deliveries(frame, rng)
        first_copy = self._version(queued[: len(frame)] // HOUR)
        order = np.argsort(queued, kind="stable")
        rows, queued = rows[order], queued[order]
        hours = queued // HOUR
        bounds = np.flatnonzero(np.diff(hours)) + 1
        for hour_rows, hour in zip(np.split(rows, bounds), hours[np.r_[0, bounds]], strict=True):
            self._write_hour(frame, hour_rows, int(hour), rng, chunk)
        return first_copy

    def _version(self, hours: np.ndarray) -> np.ndarray:
        """The schema version of files queued in each of ``hours`` (hours since the epoch)."""
        switch = self.window_start + self.config.schema_v2_from_day * DAY
        return np.where(np.asarray(hours) * HOUR >= switch, 2, 1)

    def _deliveries(self, frame: Frame, rng) -> tuple[np.ndarray, np.ndarray]:
        """Rows to write (re-delivered rows twice) and when Braze queued each."""
        n = len(frame)
        queued = queue_times(rng, frame.time, self.config.late_rate)
        again = np.flatnonzero(rng.random(n) < self.config.duplicate_rate)
        self.tally.duplicates[frame.event_type] += len(again)
        self.tally.late[frame.event_type] += int(np.sum(queued - frame.time >= HOUR))
        requeued = later(rng, queued[again], HOUR, 6 * HOUR)
        return np.r_[np.arange(n), again], np.r_[queued, requeued]

    def _write_hour(self, frame, rows, hour, rng, chunk) -> None:
        version = int(self._version(hour))
        folder = os.path.join(
            self.root,
            f"event_type={frame.event_type}",
            f"date={_date_key(hour)}",
            str(version),
            ZONE,
        )
        if folder not in self.made:
            os.makedirs(folder, exist_ok=True)
            self.made.add(folder)
        step = self.config.events_per_file
        for start in range(0, len(rows), step):
            name = f"{self.config.integration_id}_{chunk:05d}_{self.tally.files:07d}.avro"
            path = os.path.join(folder, name)
            codec = "deflate" if rng.random() < self.config.deflate_share else "null"
            self._write_file(path, frame, rows[start : start + step], version, codec)

    def _write_file(self, path: str, frame: Frame, rows, version: int, codec: str) -> None:
        names = [f.name for f in schemas.fields(frame.event_type, version)]
        columns = [
            values(frame.columns[name], rows) if name in frame.columns else [None] * len(rows)
            for name in names
        ]
        records = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
        with open(path, "wb") as out:
            fastavro.writer(out, _parsed_schema(frame.event_type, version), records, codec=codec)
            self.tally.bytes += out.tell()
        self.tally.files += 1
        self.tally.events[frame.event_type] += len(rows)


def _date_key(hour: int) -> str:
    return dt.datetime.fromtimestamp(hour * HOUR, dt.UTC).strftime("%Y-%m-%d-%H")
