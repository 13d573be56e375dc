"""AsyncStateStore: the synchronous StateStore for the asyncio hub.

Every call runs on the store's own single-thread executor: the event loop never waits on the
database, and the connection only ever sees one thread, in call order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from looker_braze.state.catalog_items import AsyncCatalogItems
from looker_braze.state.models import Beat, Known, RunEnd, RunRecord, RunStart, Sent
from looker_braze.state.store import STALE_RUN_AGE, StateStore

T = TypeVar("T")


class AsyncStateStore(AsyncCatalogItems):
    def __init__(self, store: StateStore, executor: ThreadPoolExecutor | None = None) -> None:
        self.store = store
        self._executor = executor or _own_thread()

    @classmethod
    async def open(cls, url: str, *, abandon_stale: bool = True) -> AsyncStateStore:
        """Open (and migrate) the store on its own thread, off the event loop."""
        from looker_braze.state import open_store

        executor = _own_thread()
        opening = partial(open_store, url, abandon_stale=abandon_stale)
        try:
            store = await asyncio.get_running_loop().run_in_executor(executor, opening)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(store, executor)

    async def _call(self, function: Callable[..., T], *args, **kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(function, *args, **kwargs))

    async def call(self, function: Callable[..., T], *args, **kwargs) -> T:
        """Any function of the store (or of a module keeping tables in it: state/events.py,
        state/triggers.py, whose functions take the synchronous store) on the store's thread."""
        return await self._call(function, *args, **kwargs)

    async def audience_id(self, workspace: str, attribute: str, label: str) -> int:
        return await self._call(self.store.audience_id, workspace, attribute, label)

    async def start_run(self, meta: RunStart) -> int:
        return await self._call(self.store.start_run, meta)

    async def add_run_members(self, run_id: int, members: Sequence[str]) -> None:
        await self._call(self.store.add_run_members, run_id, members)

    async def lookup(
        self, audience_id: int, workspace: str, members: Sequence[str]
    ) -> dict[str, Known]:
        return await self._call(self.store.lookup, audience_id, workspace, members)

    async def record_sent(self, audience_id: int, workspace: str, sent: Sequence[Sent]) -> None:
        await self._call(self.store.record_sent, audience_id, workspace, sent)

    async def gone_members(
        self, audience_id: int, run_id: int, batch_size: int = 5000
    ) -> AsyncIterator[list[str]]:
        """``async for batch in store.gone_members(...)``: each batch is read on the store's
        thread, so other calls (remove_members) may run between batches."""
        async for batch in self._pages(self.store.gone_members(audience_id, run_id, batch_size)):
            yield batch

    async def _pages(self, batches: Iterator[list[str]]) -> AsyncIterator[list[str]]:
        """A store iterator's batches, each read on the store's thread."""
        try:
            while (batch := await self._call(next, batches, None)) is not None:
                yield batch
        finally:
            await self._call(batches.close)

    async def remove_members(self, audience_id: int, members: Sequence[str]) -> None:
        await self._call(self.store.remove_members, audience_id, members)

    async def finish_run(self, run_id: int, record: RunEnd) -> None:
        await self._call(self.store.finish_run, run_id, record)

    async def runs(
        self, limit: int = 50, before_id: int | None = None, since: datetime | None = None
    ) -> list[RunRecord]:
        return await self._call(self.store.runs, limit, before_id, since)

    async def run(self, run_id: int) -> RunRecord | None:
        return await self._call(self.store.run, run_id)

    async def audience_size(self, audience_id: int) -> int:
        return await self._call(self.store.audience_size, audience_id)

    async def heartbeat(self, beats: Sequence[Beat]) -> list[int]:
        return await self._call(self.store.heartbeat, beats)

    async def interrupt_runs(self, silent_for: timedelta, alive: Collection[int] = ()) -> list[int]:
        return await self._call(self.store.interrupt_runs, silent_for, alive)

    async def abandon_stale_runs(self, older_than: timedelta = STALE_RUN_AGE) -> int:
        return await self._call(self.store.abandon_stale_runs, older_than)

    async def close(self) -> None:
        try:
            await self._call(self.store.close)
        finally:
            self._executor.shutdown(wait=False)

    async def __aenter__(self) -> AsyncStateStore:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()


def _own_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="looker-braze-state")
