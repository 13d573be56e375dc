"""The catalog action's state: the item ids each catalog holds from this hub (migration 5).

A catalog is (workspace, catalog name); the workspace is the endpoint and a hash of the key,
never the key. Ids are recorded only once Braze accepted the request that put them there, and
forgotten once it accepted their deletion. A sync stages the ids of its Look as the run's members
(``add_run_members``, the flag action's staging) and ``gone_items`` snapshots the recorded ids
that are not among them into ``run_gone``, read back page by page as the flag action's
``gone_members`` does; both are dropped when the run finishes.

    catalog = store.catalog_id(workspace, "products")
    store.record_items(catalog, accepted_ids)
    store.add_run_members(run_id, ids_of_the_look)
    for gone in store.gone_items(catalog, run_id): ...   # then forget_items(catalog, deleted)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence

import orjson

from looker_braze.state.models import utc_now
from looker_braze.state.store import _check_texts


class CatalogItems:
    """The public calls, on either dialect (mixed into the SQLite and PostgreSQL stores)."""

    def catalog_id(self, workspace: str, catalog: str) -> int:
        """The catalog's id, created on first use."""
        _check_texts([workspace, catalog], "workspace or catalog name")
        with self._failures("find the catalog"):
            return self._catalog_id(self._workspace_id(workspace), catalog)

    def record_items(self, catalog_id: int, item_ids: Sequence[str]) -> None:
        """Items Braze ACCEPTED into the catalog."""
        if item_ids:
            _check_texts(item_ids, "item id")
            with self._failures("record the catalog items Braze accepted"):
                self._record_items(catalog_id, list(item_ids))

    def forget_items(self, catalog_id: int, item_ids: Sequence[str]) -> None:
        """Items whose deletion Braze accepted."""
        if item_ids:
            _check_texts(item_ids, "item id")
            with self._failures("record the deleted catalog items"):
                self._forget_items(catalog_id, list(item_ids))

    def catalog_items(self, catalog_id: int) -> list[str]:
        """Every item id recorded for the catalog, in order (for inspection and tests)."""
        with self._failures("read the catalog items"):
            return self._catalog_items(catalog_id)

    def gone_items(
        self, catalog_id: int, run_id: int, batch_size: int = 5000
    ) -> Iterator[list[str]]:
        """Recorded items of the catalog that are not among the run's staged ids, in pages."""
        return self._gone_pages(
            run_id, batch_size, lambda: self._snapshot_gone_items(catalog_id, run_id)
        )


def _json(ids: Sequence[str]) -> str:
    return orjson.dumps(list(ids)).decode()


class SqliteCatalogItems(CatalogItems):
    def _catalog_id(self, workspace_id: int, catalog: str) -> int:
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO catalogs (workspace_id, name, created_at) VALUES (?, ?, ?)",
                (workspace_id, catalog, utc_now().isoformat(timespec="microseconds")),
            )
            return conn.execute(
                "SELECT id FROM catalogs WHERE workspace_id = ? AND name = ?",
                (workspace_id, catalog),
            ).fetchone()[0]

    def _record_items(self, catalog_id: int, item_ids: list[str]) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO catalog_items (catalog_id, item_id)"
                " SELECT ?, value FROM json_each(?)",
                (catalog_id, _json(item_ids)),
            )

    def _forget_items(self, catalog_id: int, item_ids: list[str]) -> None:
        with self._transaction() as conn:
            conn.execute(
                "DELETE FROM catalog_items WHERE catalog_id = ?"
                " AND item_id IN (SELECT value FROM json_each(?))",
                (catalog_id, _json(item_ids)),
            )

    def _catalog_items(self, catalog_id: int) -> list[str]:
        sql = "SELECT item_id FROM catalog_items WHERE catalog_id = ? ORDER BY item_id"
        return [item for (item,) in self._conn.execute(sql, (catalog_id,))]

    def _snapshot_gone_items(self, catalog_id: int, run_id: int) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM run_gone WHERE run_id = ?", (run_id,))
            conn.execute(
                "INSERT INTO run_gone (run_id, member) SELECT ?1, item_id FROM catalog_items"
                " WHERE catalog_id = ?2"
                " AND item_id NOT IN (SELECT member FROM run_members WHERE run_id = ?1)",
                (run_id, catalog_id),
            )


class PostgresCatalogItems(CatalogItems):
    def _catalog_id(self, workspace_id: int, catalog: str) -> int:
        conn = self._connection()
        with conn.transaction():
            conn.execute(
                "INSERT INTO catalogs (workspace_id, name, created_at) VALUES (%s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (workspace_id, catalog, utc_now()),
            )
            return conn.execute(
                "SELECT id FROM catalogs WHERE workspace_id = %s AND name = %s",
                (workspace_id, catalog),
            ).fetchone()[0]

    def _record_items(self, catalog_id: int, item_ids: list[str]) -> None:
        self._connection().execute(
            "INSERT INTO catalog_items (catalog_id, item_id)"
            " SELECT %s, json_array_elements_text(%s::json) ON CONFLICT DO NOTHING",
            (catalog_id, _json(item_ids)),
        )

    def _forget_items(self, catalog_id: int, item_ids: list[str]) -> None:
        self._connection().execute(
            "DELETE FROM catalog_items WHERE catalog_id = %s"
            " AND item_id = ANY(ARRAY(SELECT json_array_elements_text(%s::json)))",
            (catalog_id, _json(item_ids)),
        )

    def _catalog_items(self, catalog_id: int) -> list[str]:
        sql = "SELECT item_id FROM catalog_items WHERE catalog_id = %s ORDER BY item_id"
        return [item for (item,) in self._connection().execute(sql, (catalog_id,))]

    def _snapshot_gone_items(self, catalog_id: int, run_id: int) -> None:
        conn = self._connection()
        with conn.transaction():
            conn.execute("ANALYZE run_members")  # COPY may just have added many rows
            conn.execute("DELETE FROM run_gone WHERE run_id = %s", (run_id,))
            conn.execute(
                "INSERT INTO run_gone (run_id, member) SELECT %(run)s, c.item_id"
                " FROM catalog_items AS c WHERE c.catalog_id = %(catalog)s AND NOT EXISTS"
                " (SELECT 1 FROM run_members AS r"
                "  WHERE r.run_id = %(run)s AND r.member = c.item_id)",
                {"run": run_id, "catalog": catalog_id},
            )


class AsyncCatalogItems:
    """The same calls on AsyncStateStore (each on the store's own thread)."""

    async def catalog_id(self, workspace: str, catalog: str) -> int:
        return await self._call(self.store.catalog_id, workspace, catalog)

    async def record_items(self, catalog_id: int, item_ids: Sequence[str]) -> None:
        await self._call(self.store.record_items, catalog_id, item_ids)

    async def forget_items(self, catalog_id: int, item_ids: Sequence[str]) -> None:
        await self._call(self.store.forget_items, catalog_id, item_ids)

    async def catalog_items(self, catalog_id: int) -> list[str]:
        return await self._call(self.store.catalog_items, catalog_id)

    async def gone_items(
        self, catalog_id: int, run_id: int, batch_size: int = 5000
    ) -> AsyncIterator[list[str]]:
        async for batch in self._pages(self.store.gone_items(catalog_id, run_id, batch_size)):
            yield batch
