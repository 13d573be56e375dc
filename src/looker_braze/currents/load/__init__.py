"""Loading Braze Currents Avro files into a warehouse, incrementally and exactly once per event.

    list source -> skip files in the manifest -> read each file whole (corrupt: report, skip)
    -> batch by table (bounded by ``batch_events``) -> one transaction per batch: widen table,
       insert new ids, record files in the manifest -> PostgreSQL: ANALYZE the tables that grew

A batch that fails in the warehouse is retried file by file, so one bad file is reported alone
and the others still load. Memory is bounded by the batch size plus one file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from looker_braze.currents.load.read import FileData, UnreadableFile, read_avro
from looker_braze.currents.load.report import FailedFile, LoadReport, TableCounts, render
from looker_braze.currents.load.sink import MANIFEST, Sink
from looker_braze.currents.load.sources import SourceFile, list_source
from looker_braze.currents.warehouse import Warehouse, connect
from looker_braze.errors import FailRun
from looker_braze.redact import redact_url as redact  # re-exported: callers print warehouse URLs

__all__ = ["MANIFEST", "FailedFile", "LoadReport", "TableCounts", "load", "redact", "render"]

DEFAULT_BATCH_EVENTS = 250_000
Batch = list[tuple[SourceFile, FileData]]


def load(
    source: str | Path,
    warehouse_url: str | Path,
    progress: bool = False,
    *,
    batch_events: int = DEFAULT_BATCH_EVENTS,
) -> LoadReport:
    """Load every Avro file under ``source`` not loaded before into ``warehouse_url``."""
    began = time.perf_counter()
    listing = list_source(source)
    report = LoadReport(str(source), files_seen=len(listing.files), files_ignored=listing.ignored)
    with _connect(warehouse_url) as warehouse:
        sink = Sink(warehouse, str(source))
        done = sink.loaded_sizes()
        new = [f for f in listing.files if done.get(f.key) != f.size]
        report.files_new, report.files_skipped = len(new), len(listing.files) - len(new)
        with _Progress(progress, sum(f.size for f in new)) as advance:
            _load_files(sink, new, report, batch_events, advance)
        grown = sorted(name for name, counts in report.tables.items() if counts.events_inserted)
        report.warnings += sink.update_statistics(grown)
    report.seconds = time.perf_counter() - began
    return report


def _connect(url: str | Path) -> Warehouse:
    try:
        return connect(url)
    except Exception as exc:  # drivers raise their own types: say what failed and where
        raise FailRun(f"Cannot open the warehouse {redact(str(url))}: {exc}") from None


def _load_files(
    sink: Sink,
    files: list[SourceFile],
    report: LoadReport,
    batch_events: int,
    advance: Callable[[int], None],
) -> None:
    pending: dict[str, Batch] = {}
    pending_events = 0
    for file in files:
        data = _read(file, report)
        advance(file.size)
        if data is None:
            continue
        pending.setdefault(data.table_name, []).append((file, data))
        pending_events += data.rows
        if pending_events >= batch_events:
            _flush(sink, pending, report)
            pending_events = 0
    _flush(sink, pending, report)


def _read(file: SourceFile, report: LoadReport) -> FileData | None:
    try:
        return read_avro(file.read(), file.event_type)
    except UnreadableFile as exc:
        report.failed.append(FailedFile(file.key, str(exc)))
    except OSError as exc:
        report.failed.append(FailedFile(file.key, f"cannot read the file: {exc}"))
    return None


def _flush(sink: Sink, pending: dict[str, Batch], report: LoadReport) -> None:
    for table, batch in pending.items():
        _write(sink, table, batch, report)
    pending.clear()


def _write(sink: Sink, table: str, batch: Batch, report: LoadReport) -> None:
    try:
        loaded = sink.write(table, batch)
    except Exception as exc:  # a warehouse error: find the file(s) it comes from
        sink.forget_schema_cache()
        if len(batch) == 1:
            report.failed.append(FailedFile(batch[0][0].key, f"warehouse refused it: {exc}"))
            return
        for item in batch:
            _write(sink, table, [item], report)
        return
    for item in loaded:
        report.files_loaded += 1
        report.count(table, item.data.rows, item.inserted)


class _Progress:
    """A rich progress bar over bytes read, or nothing."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.bar = None
        if enabled:
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self.bar = Progress(
                "Loading Currents",
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                transient=True,
            )
            self.task = self.bar.add_task("load", total=total)

    def __enter__(self) -> Callable[[int], None]:
        if self.bar is None:
            return lambda size: None
        self.bar.start()
        return lambda size: self.bar.update(self.task, advance=size)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
