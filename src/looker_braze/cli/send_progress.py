"""Live progress of `looker-braze send` on stderr while the hub works.

The counts come from the hub's GET /status (its runs_in_progress entry with this execute's webhook
id; asked with the hub token, which /status may need for details); a hub that does not list the run
still shows how many bytes of the Look it has downloaded, from the sender's own download server.
On a terminal a status line redraws in place and vanishes at the end; otherwise (a log, a pipe) a
plain line is written when the figures change, at most every few seconds.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable
from typing import TypeVar

POLL_SECONDS = 0.5
PLAIN_EVERY_SECONDS = 2.0
SHOWN = ("read", "sent", "would_send", "duplicates", "invalid", "rejected", "retries")
T = TypeVar("T")


async def watch_execute(execute: Awaitable[T], looker, webhook_id: str, *, enabled: bool) -> T:
    """Await ``execute``, showing its progress on stderr meanwhile."""
    task = asyncio.ensure_future(execute)
    if not enabled:
        return await task
    from rich.console import Console

    console = Console(stderr=True, highlight=False)
    line = _TerminalLine(console) if console.is_terminal else _PlainLines(console)
    started, known = time.monotonic(), set(looker.downloads.downloads)
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=POLL_SECONDS)
            if task.done():
                break
            counts = await _counts(looker, webhook_id)
            line.show(_text(counts, _downloaded(looker, known), time.monotonic() - started))
    finally:
        line.close()
    return await task


async def _counts(looker, webhook_id: str) -> dict | None:
    body = await looker.status() or {}
    for run in body.get("runs_in_progress") or []:
        if isinstance(run, dict) and run.get("webhook_id") == webhook_id:
            return run.get("counts") or {}
    return None


def _downloaded(looker, known: set[str]) -> int | None:
    fresh = [d for token, d in looker.downloads.downloads.items() if token not in known]
    return fresh[-1].bytes_sent if fresh else None


def _text(counts: dict | None, downloaded: int | None, seconds: float) -> str:
    parts = [f"sending… {seconds:.0f} s"]
    if counts:
        parts += [f"{key.replace('_', ' ')} {counts[key]:,}" for key in SHOWN if counts.get(key)]
        if counts.get("read") and seconds:
            parts.append(f"{counts['read'] / seconds:,.0f} rows/s")
    elif downloaded is not None:
        parts.append(f"the hub downloaded {downloaded / 1e6:,.1f} MB of the Look")
    else:
        parts.append("waiting for the hub")
    return " · ".join(parts)


class _TerminalLine:
    def __init__(self, console) -> None:
        self.status = console.status("sending…")
        self.status.start()

    def show(self, text: str) -> None:
        self.status.update(text)

    def close(self) -> None:
        self.status.stop()


class _PlainLines:
    def __init__(self, console) -> None:
        self.last_text, self.last_at = "", 0.0

    def show(self, text: str) -> None:
        now = time.monotonic()
        figures = text.split(" · ", 1)[-1]  # the elapsed seconds alone are no news
        if figures != self.last_text and now - self.last_at >= PLAIN_EVERY_SECONDS:
            print(text, file=sys.stderr, flush=True)
            self.last_text, self.last_at = figures, now

    def close(self) -> None:
        pass
