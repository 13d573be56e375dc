"""What a load did: files seen, new, skipped as already loaded, failed (with the reason), and per
table the events read, inserted and skipped as duplicates."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TableCounts:
    events_read: int = 0
    events_inserted: int = 0

    @property
    def duplicates(self) -> int:
        return self.events_read - self.events_inserted


@dataclass(frozen=True)
class FailedFile:
    key: str
    reason: str


@dataclass
class LoadReport:
    source: str
    files_seen: int = 0  # Avro files under the source
    files_new: int = 0  # not loaded before (or changed size since)
    files_skipped: int = 0  # already in the manifest
    files_loaded: int = 0
    files_ignored: int = 0  # not .avro
    failed: list[FailedFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # nothing lost, but worth saying
    tables: dict[str, TableCounts] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def events_read(self) -> int:
        return sum(t.events_read for t in self.tables.values())

    @property
    def events_inserted(self) -> int:
        return sum(t.events_inserted for t in self.tables.values())

    @property
    def duplicates(self) -> int:
        return self.events_read - self.events_inserted

    @property
    def succeeded(self) -> bool:
        """False only when files failed and none could be loaded (the CLI's exit code)."""
        return not (self.failed and self.files_loaded == 0)

    def count(self, table: str, read: int, inserted: int) -> None:
        counts = self.tables.setdefault(table, TableCounts())
        counts.events_read += read
        counts.events_inserted += inserted


def render(report: LoadReport, console) -> None:
    """Print the report with rich: a summary line, a table per event table, failed files."""
    from rich.markup import escape
    from rich.table import Table

    rate = report.events_read / report.seconds if report.seconds else 0.0
    console.print(
        f"[bold]{report.files_loaded}[/] of {report.files_new} new files loaded "
        f"({report.files_skipped} already loaded, {len(report.failed)} failed, "
        f"{report.files_ignored} not Avro) in {report.seconds:.1f} s, {rate:,.0f} events/s"
    )
    if report.tables:
        table = Table("table", "events read", "inserted", "duplicates skipped")
        for name, counts in sorted(report.tables.items()):
            table.add_row(
                name,
                f"{counts.events_read:,}",
                f"{counts.events_inserted:,}",
                f"{counts.duplicates:,}",
            )
        console.print(table)
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    if report.failed:
        # One line per file, never wrapped, so keys can be copied whole.
        console.print(f"[bold red]{len(report.failed)} file(s) not loaded:[/]")
        for item in report.failed:
            console.print(f"  {item.key}: {item.reason}", soft_wrap=True, markup=False)
