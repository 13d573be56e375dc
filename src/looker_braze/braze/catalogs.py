"""Braze's catalog endpoints (shared/spec/braze-activation.md §3): list and create catalogs, and
the asynchronous bulk item endpoints, on the request policy every endpoint shares (requester.py).

Items, one batch (at most 50, catalog_rules.py) at a time, by Braze's answer:
    2xx "success"   (202: accepted for asynchronous processing) every item accepted
    2xx, other      not confirmed: every item rejected with Braze's message (a later send retries)
    400 + errors    items whose ids Braze names (``parameter_values``) are rejected with that
                    error's message; the others are sent again once (a replace or a delete is
                    idempotent: catalog PUT "replaces an item and creates it if missing" [S16]);
                    when Braze names no id, every item is rejected with Braze's message
    catalog-not-found (400 or 404: which one is UNCONFIRMED) fails the run: the catalog is gone
    413             the batch is split in two
    3xx, 401, 403, 404   the run fails (answers.failure)
Rate limits, 429 pauses and retries of 5xx and dropped connections: requester.py. The item
endpoints share one limit (families.CATALOG_ITEMS), catalog management another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import orjson

from looker_braze.braze.answers import SUCCESS, Answer, failure
from looker_braze.braze.batch import ITEMS, Batch, Batcher, BatchSize
from looker_braze.braze.catalog_rules import ID_FIELD, MAX_BYTES, MAX_ITEMS, PERMISSIONS
from looker_braze.braze.client import BatchOutcome
from looker_braze.braze.requester import Requester
from looker_braze.errors import FailRun, LookerBrazeError

CATALOGS = "/catalogs"
NOT_FOUND = "catalog-not-found"
ALREADY_EXISTS = "catalog-name-already-exists"


def items_path(catalog: str) -> str:
    return f"{CATALOGS}/{catalog}/items"


@dataclass(frozen=True)
class CatalogField:
    name: str
    type: str


@dataclass(frozen=True)
class Catalog:
    name: str
    fields: tuple[CatalogField, ...]

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)


class ItemTag(Protocol):
    """What travels with each item of a batch: its id, to match Braze's per-id errors."""

    item_id: str


def braze_errors(payload: Mapping) -> list[Mapping]:
    return [error for error in payload.get("errors") or () if isinstance(error, Mapping)]


def error_text(error: Mapping) -> str:
    """One of Braze's errors as a reason: its message and id."""
    message = str(error.get("message") or "").strip() or "rejected"
    return f"{message} ({error.get('id')})" if error.get("id") else message


def _not_found(answer: Answer, catalog: str) -> FailRun | None:
    if any(error.get("id") == NOT_FOUND for error in braze_errors(answer.payload)):
        return FailRun(
            f"Braze has no catalog '{catalog}' in this workspace (catalog-not-found): check the "
            "catalog name in the form, create the catalog in Braze (Data Settings > Catalogs), "
            "or answer yes to 'Create the catalog if missing'."
        )
    return None


class CatalogManager:
    """List and create catalogs (the catalog-management family, 50 requests a minute)."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    async def catalogs(self) -> dict[str, Catalog]:
        answer = await self._requester.send("GET", CATALOGS, None)
        if answer.status != 200:
            raise failure(answer, self._requester.endpoint, PERMISSIONS["GET", "catalogs"])
        return dict(_catalogs(answer.payload))

    async def create(self, name: str, fields: tuple[CatalogField, ...], description: str) -> bool:
        """POST /catalogs; True once created. Sent again after a failure whose outcome is
        unknown, a create may find the catalog it made itself: ``catalog-name-already-exists``
        returns False (the caller reads the catalog's fields again)."""
        body = {
            "catalogs": [
                {
                    "name": name,
                    "description": description,
                    "fields": [{"name": f.name, "type": f.type} for f in fields],
                }
            ]
        }
        answer = await self._requester.send("POST", CATALOGS, orjson.dumps(body))
        if 200 <= answer.status < 300:
            return True
        errors = braze_errors(answer.payload)
        if answer.status == 400 and errors:
            if any(error.get("id") == ALREADY_EXISTS for error in errors):
                return False
            said = "; ".join(error_text(error) for error in errors)
            raise FailRun(f"Braze refused to create the catalog '{name}': {said}.")
        raise failure(answer, self._requester.endpoint, PERMISSIONS["POST", "catalogs"])


def _catalogs(payload: Mapping):
    for raw in payload.get("catalogs") or ():
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
            continue
        fields = tuple(
            CatalogField(str(f.get("name")), str(f.get("type")))
            for f in raw.get("fields") or ()
            if isinstance(f, Mapping) and f.get("name") is not None
        )
        yield raw["name"], Catalog(raw["name"], fields)


class CatalogItemsClient:
    """One bulk item method (PUT: replace or create; DELETE: delete) of one catalog, batch by
    batch; the Dispatcher (client.py) keeps batches in flight."""

    def __init__(self, requester: Requester, catalog: str, method: str) -> None:
        self._requester = requester
        self._catalog = catalog
        self._method = method
        self._path = items_path(catalog)
        self.batch_size = BatchSize(MAX_ITEMS)

    def batcher(self) -> Batcher:
        return Batcher(self.batch_size, MAX_BYTES, array=ITEMS)

    async def send(self, batch: Batch, again: bool = True) -> BatchOutcome:
        """Braze's verdict on each item of ``batch``; ``again``: whether items Braze did not
        name in a 400 may be sent once more."""
        outcome = BatchOutcome()
        answer = await self._requester.send(self._method, self._path, batch.body())
        if 200 <= answer.status < 300:
            message = str(answer.payload.get("message") or "")
            if message.strip().lower() == SUCCESS:
                outcome.accepted += batch.tags
            else:
                reason = f'not confirmed by Braze (HTTP {answer.status} "{message[:80]}")'
                outcome.messages.append(message[:80] or "no message")
                outcome.rejected += [(tag, reason) for tag in batch.tags]
        elif answer.status == 413 and len(batch) > 1:
            for half in batch.halves():
                outcome.merge(await self.send(half, again))
        elif answer.status == 413:
            outcome.rejected.append((batch.tags[0], "item too large for Braze (413)"))
        elif answer.status == 400 and not _not_found(answer, self._catalog):
            await self._refused(batch, answer.payload, outcome, again)
        else:
            raise self._fatal(answer)
        return outcome

    async def _refused(
        self, batch: Batch, payload: Mapping, outcome: BatchOutcome, again: bool
    ) -> None:
        named = _named_ids(payload)
        listed = [i for i, tag in enumerate(batch.tags) if tag.item_id in named]
        for i in listed:
            outcome.rejected.append((batch.tags[i], named[batch.tags[i].item_id]))
        others = [i for i in range(len(batch)) if i not in set(listed)]
        if not others:
            return
        if listed and again:
            outcome.merge(await self.send(batch.subset(others), again=False))
            return
        said = "; ".join(error_text(e) for e in braze_errors(payload)) or str(
            payload.get("message") or "HTTP 400"
        )
        outcome.rejected += [(batch.tags[i], said) for i in others]

    def _fatal(self, answer: Answer) -> LookerBrazeError:
        missing = _not_found(answer, self._catalog)
        if missing is not None:
            return missing
        permission = PERMISSIONS[self._method, "items"]
        return failure(answer, self._requester.endpoint, permission)


def _named_ids(payload: Mapping) -> dict[str, str]:
    """item id -> the first reason Braze gives for it (ids are in ``parameter_values``)."""
    named: dict[str, str] = {}
    for error in braze_errors(payload):
        values = error.get("parameter_values") or ()
        parameters = error.get("parameters") or ()
        if parameters and ID_FIELD not in parameters:
            continue  # values that are not item ids (field names ...)
        for value in values if isinstance(values, list) else ():
            named.setdefault(str(value), error_text(error))
    return named
