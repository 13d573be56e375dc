"""An audience during one send: who already carries the label, what Braze already has, and what
this send changes. Used by sync and remove modes and by change-only sends; a plain append only
records who joined (``record_only``), so that the membership history (state migration 6) knows
every audience a Look ever fed, whatever its mode.

An audience is (Braze workspace, array attribute, label); the workspace is the endpoint and a
hash of the key, never the key. Members are recorded only after Braze accepted the request that
flagged them, so a failed or partial run never records users Braze did not get: the next run
sends them again. Attribute values are remembered as 64-bit hashes per workspace and user.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
import xxhash

from looker_braze.actions.braze.modes import Mode
from looker_braze.actions.braze.options import RunOptions
from looker_braze.braze.attributes import UNBILLED as _FREE  # attributes Braze does not bill
from looker_braze.errors import FailRun
from looker_braze.state import AsyncStateStore, Known, Sent
from looker_braze.state.members import identity_of, member_key

log = logging.getLogger(__name__)

_FLUSH_AT = 5000


def value_hash(value: Any) -> int:
    """A stable signed 64-bit hash of a value as it is sent (type included: 1, 1.0 and "1"
    differ)."""
    unsigned = xxhash.xxh3_64_intdigest(orjson.dumps(value))
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


@dataclass(frozen=True)
class Plan:
    """One user's object after the audience's state was taken into account."""

    obj: dict[str, Any] | None  # None: nothing to send (already flagged, nothing changed)
    data_points: int
    saved: int  # data points a full resend would have cost on top
    record: Sent


class Audience:
    def __init__(
        self, store: AsyncStateStore, options: RunOptions, audience_id: int, run_id: int | None
    ) -> None:
        self.store = store
        self.options = options
        self.audience_id = audience_id
        self.run_id = run_id
        self._fixed = {"_update_existing_only", options.array_attribute, options.key_kind}
        self._accepted: list[Sent] = []
        self._removed: list[str] = []
        # A plain append neither reads nor locks the audience: it only records who joined.
        self.record_only = not options.tracks_state
        self.history_failure: str | None = None  # why a record-only audience stopped recording

    @classmethod
    async def open(
        cls, store: AsyncStateStore, options: RunOptions, run_id: int | None
    ) -> Audience:
        audience_id = await store.audience_id(
            options.workspace, options.array_attribute, options.label
        )
        return cls(store, options, audience_id, run_id)

    # ------------------------------------------------------------ adding and updating

    async def plan(self, users: list[tuple[str, dict[str, Any]]]) -> list[Plan]:
        """For each (identifier, full object): what to send of it."""
        members = [self.member(identifier) for identifier, _ in users]
        if self.run_id is not None and self.options.mode == Mode.SYNC:
            await self.store.add_run_members(self.run_id, members)
        known = (
            await self.store.lookup(self.audience_id, self.options.workspace, members)
            if self.options.changes_only  # only a change-only send reads what Braze has
            else {}
        )
        return [
            self._plan(member, obj, known.get(member))
            for member, (_, obj) in zip(members, users, strict=True)
        ]

    def joined(self, identifier: str) -> Sent:
        """What a record-only audience records once Braze accepts this user: the label, no
        values (a plain append never kept them; a later change-only send sends them again
        rather than trust values it did not see)."""
        return Sent(self.member(identifier), flagged=True)

    def member(self, identifier: str) -> str:
        return member_key(self.options.key_kind, identifier, self.options.alias_label)

    def _plan(self, member: str, obj: dict[str, Any], known: Known | None) -> Plan:
        attributes = {k: v for k, v in obj.items() if k not in self._fixed}
        hashes = {name: value_hash(value) for name, value in attributes.items()}
        stored = known.hashes if known is not None else {}
        changes_only = self.options.changes_only
        changed = [n for n in attributes if not changes_only or stored.get(n) != hashes[n]]
        add = not (changes_only and known is not None and known.member)
        full = 1 + _billable(attributes)
        record = Sent(member, {n: hashes[n] for n in changed}, flagged=add)
        if not add and not changed:
            return Plan(None, 0, full, record)
        reduced = {k: v for k, v in obj.items() if k in self._fixed or k in changed}
        if not add:
            del reduced[self.options.array_attribute]
        points = int(add) + _billable({n: None for n in changed})
        return Plan(reduced, points, full - points, record)

    # ------------------------------------------------------------ removing

    def removal(self, member: str) -> dict[str, Any]:
        """The object that takes this audience's label off a member (never creates a user)."""
        return {
            **identity_of(member),
            "_update_existing_only": True,
            self.options.array_attribute: {"remove": [self.options.label]},
        }

    async def gone(self) -> AsyncIterator[list[str]]:
        """Members of the last syncs who are not in this send (sync mode, after every row)."""
        assert self.run_id is not None
        async for members in self.store.gone_members(self.audience_id, self.run_id):
            yield members

    # ------------------------------------------------------------ what Braze accepted

    def accepted(self, record: Sent) -> None:
        self._accepted.append(record)

    def removed(self, member: str) -> None:
        self._removed.append(member)

    @property
    def unflushed(self) -> int:
        return len(self._accepted) + len(self._removed)

    async def flush(self, force: bool = False) -> None:
        if not force and self.unflushed < _FLUSH_AT:
            return
        accepted, self._accepted = self._accepted, []
        removed, self._removed = self._removed, []
        if not self.record_only:
            await self._write(accepted, removed)
            return
        if self.history_failure is not None:
            return
        try:
            await self._write(accepted, removed)
        except FailRun as exc:
            # Braze has these users: a plain append succeeds without the history, and says so.
            self.history_failure = str(exc)
            log.warning("membership history not recorded for this append: %s", exc)

    async def _write(self, accepted: list[Sent], removed: list[str]) -> None:
        if accepted:
            await self.store.record_sent(self.audience_id, self.options.workspace, accepted)
        if removed:
            await self.store.remove_members(self.audience_id, removed)


def _billable(attributes: dict[str, Any]) -> int:
    return sum(1 for name in attributes if name not in _FREE)
