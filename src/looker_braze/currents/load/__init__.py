"""Loading Braze Currents Avro files into a warehouse, incrementally and exactly once per event.

    list source -> skip files in the manifest -> read each file whole (corrupt: report, skip)
    -> batch by table (bounded by ``batch_events``), deduplicated within the batch
    -> writer thread, one transaction per table batch: widen table, insert new ids, record files
       in the manifest -> PostgreSQL: ANALYZE the tables that grew

Two stages run at once, one batch apart: this thread decodes and combines the next batch (polars,
which releases the GIL) while a writer thread inserts the previous one (DuckDB or PostgreSQL,
which release it too), so a load uses two cores. Only the writer touches the warehouse, one batch
at a time, in file order, so the first copy of an id still wins. A batch that fails in the
warehouse is retried file by file, so one bad file is reported alone and the others still load.
Memory is bounded by two batches plus one file, a batch by events, values and files.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from looker_braze.currents.load.read import Combined, FileData, UnreadableFile, combine, read_avro
from looker_braze.currents.load.report import FailedFile, LoadReport, TableCounts, render
from looker_braze.currents.load.sink import MANIFEST, Loaded, Sink
from looker_braze.currents.load.sources import SourceFile, list_source
from looker_braze.currents.warehouse import Warehouse, connect
from looker_braze.errors import FailRun
from looker_braze.redact import redact_url as redact  # re-exported: callers print warehouse URLs

__all__ = ["MANIFEST", "FailedFile", "LoadReport", "TableCounts", "load", "redact", "render"]

DEFAULT_BATCH_EVENTS = 200_000  # two batches are in memory at once (decoding, inserting)
# A batch also ends at this many files: each decoded file costs memory of its own besides its
# events, and Braze writes rare event types as files of a few events (measured: 26,596 files of
# 166,252 events in one batch peaked at 930 MB; most files of a busy type hold thousands).
BATCH_FILES = 2_000
# And at this many values (events x columns): a decoded value costs ~35 bytes whatever the event
# (Arrow string views, 16 bytes each plus text past 12 bytes), so a batch of a 34-column table
# costs twice the memory of a 17-column one at the same event count. Measured on the 10M-event
# bench: batches of 200,000 events alone peaked at 1,171 MB (banner impressions: 6.8M values).
BATCH_VALUES = 3_000_000
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


@dataclass(frozen=True)
class _TableBatch:
    table: str
    files: Batch
    combined: Combined | None  # made by the decoding thread, so the writer only writes


@dataclass
class _Written:
    """What the writer did with one flush: the main thread folds it into the report."""

    loaded: list[tuple[str, Loaded]] = field(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)


def _load_files(
    sink: Sink,
    files: list[SourceFile],
    report: LoadReport,
    batch_events: int,
    advance: Callable[[int], None],
) -> None:
    with ThreadPoolExecutor(1, thread_name_prefix="currents-writer") as writer:
        in_flight: Future[_Written] | None = None
        for flush in _flushes(files, report, batch_events, advance):
            if in_flight is not None:
                _apply(in_flight.result(), report)
            in_flight = writer.submit(_write_flush, sink, flush)
        if in_flight is not None:
            _apply(in_flight.result(), report)


def _flushes(
    files: list[SourceFile],
    report: LoadReport,
    batch_events: int,
    advance: Callable[[int], None],
) -> Iterator[list[_TableBatch]]:
    """Decoded files grouped by table, each group combined, yielded every ``batch_events``
    events, ``BATCH_VALUES`` values or ``BATCH_FILES`` files, whichever comes first."""
    pending: dict[str, Batch] = {}
    pending_events = pending_values = pending_files = 0
    for file in files:
        data = _read(file, report)
        advance(file.size)
        if data is None:
            continue
        pending.setdefault(data.table_name, []).append((file, data))
        pending_events += data.rows
        pending_values += data.rows * len(data.avro_types)
        pending_files += 1
        if (
            pending_events >= batch_events
            or pending_values >= BATCH_VALUES
            or pending_files >= BATCH_FILES
        ):
            yield _combine(pending)
            pending_events = pending_values = pending_files = 0
    if pending:
        yield _combine(pending)


def _combine(pending: dict[str, Batch]) -> list[_TableBatch]:
    """Each table's files combined, taken out of ``pending`` as they are: the decoded frames of a
    table are freed once combined, and none is still held while the writer inserts the previous
    flush (holding them cost a third batch of memory: 1,171 MB peak, 10M events)."""
    flush = []
    while pending:
        table = next(iter(pending))
        flush.append(_combined(table, pending.pop(table)))
    return flush


def _combined(table: str, batch: Batch) -> _TableBatch:
    """The batch combined, its files' own frames dropped (memory holds the events once). When
    the files' types do not combine, the writer finds the file(s) at fault."""
    try:
        combined = combine([data for _, data in batch])
    except Exception:  # polars' cast errors
        return _TableBatch(table, batch, None)
    return _TableBatch(table, [(file, data.without_frame()) for file, data in batch], combined)


def _read(file: SourceFile, report: LoadReport) -> FileData | None:
    try:
        return read_avro(file.read(), file.event_type)
    except UnreadableFile as exc:
        report.failed.append(FailedFile(file.key, str(exc)))
    except OSError as exc:
        report.failed.append(FailedFile(file.key, f"cannot read the file: {exc}"))
    return None


def _write_flush(sink: Sink, flush: list[_TableBatch]) -> _Written:
    """The writer thread's job: every table batch of one flush, in order."""
    written = _Written()
    for item in flush:
        _write(sink, item.table, item.files, written, item.combined)
    return written


def _write(
    sink: Sink, table: str, batch: Batch, written: _Written, combined: Combined | None = None
) -> None:
    try:
        loaded = sink.write(table, batch, combined)
    except Exception as exc:  # a warehouse error: find the file(s) it comes from
        sink.forget_schema_cache()
        if len(batch) == 1:
            written.failed.append(FailedFile(batch[0][0].key, f"warehouse refused it: {exc}"))
            return
        for file, data in batch:
            if data.frame is None:  # dropped once combined: read the file again
                data = _read_again(file, written)
            if data is not None:
                _write(sink, table, [(file, data)], written)
        return
    written.loaded += [(table, item) for item in loaded]


def _read_again(file: SourceFile, written: _Written) -> FileData | None:
    try:
        return read_avro(file.read(), file.event_type)
    except (UnreadableFile, OSError) as exc:  # changed or gone since the first read
        written.failed.append(FailedFile(file.key, f"cannot read the file again: {exc}"))
    return None


def _apply(written: _Written, report: LoadReport) -> None:
    report.failed += written.failed
    for table, item in written.loaded:
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
