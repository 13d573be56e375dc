"""Live progress of the demo's send, read from the hub's GET /status as an operator would."""

from __future__ import annotations

import asyncio
import time

import aiohttp
from rich.live import Live
from rich.table import Table

SHOWN = (
    ("read", "rows read"),
    ("sent", "users accepted by Braze"),
    ("duplicates", "duplicate ids skipped"),
    ("invalid", "rows without a valid id"),
    ("rejected", "rejected by Braze"),
    ("requests", "requests to Braze"),
    ("retries", "retries (429, 5xx, dropped)"),
)


async def watch(http: aiohttp.ClientSession, hub_url: str, task: asyncio.Task, console) -> None:
    """Redraw the counters until ``task`` (the execute) is done."""
    started, counts = time.monotonic(), {}
    # Transient: the summary gives the final figures once the hub has answered.
    with Live(_table(counts, 0.0), console=console, refresh_per_second=8, transient=True) as live:
        while not task.done():
            counts = await _counts(http, hub_url) or counts
            live.update(_table(counts, time.monotonic() - started))
            await asyncio.wait({task}, timeout=0.25)


async def _counts(http: aiohttp.ClientSession, hub_url: str) -> dict | None:
    try:
        async with http.get(f"{hub_url}/status") as response:
            runs = (await response.json()).get("runs_in_progress") or []
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None
    return runs[0]["counts"] if runs else None


def _table(counts: dict, seconds: float) -> Table:
    title = f"Sending ... {seconds:4.1f} s"
    table = Table(title=title, show_header=False, box=None, title_justify="left")
    for key, label in SHOWN:
        table.add_row(label, f"{counts.get(key, 0):>12,}")
    if counts.get("read") and seconds:
        table.add_row("throughput", f"{counts['read'] / seconds:>12,.0f} rows/s")
    return table
