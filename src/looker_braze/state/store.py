"""StateStore: what the Braze action remembers between runs, whatever the database.

The public methods here check their arguments and turn driver failures into FailRun (a message
that says what to check, with no password in it); the SQL lives in sqlite.py and postgres.py.
Every write is its own transaction, so a crash loses at most the call in progress, and what is
recorded is only ever what Braze accepted.

A store is synchronous and must be used from one thread at a time (AsyncStateStore gives it a
thread of its own).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from looker_braze.errors import FailRun
from looker_braze.state.location import StoreLocation
from looker_braze.state.models import (
    AudienceSummary,
    Beat,
    Known,
    MembershipChange,
    RunEnd,
    RunRecord,
    RunStart,
    Sent,
    utc,
    utc_now,
)

log = logging.getLogger(__name__)

# A run silent this long died with its process: its staged members are dropped then, not when it
# is first marked interrupted (a run wrongly taken for dead may still need them for its diff).
STALE_RUN_AGE = timedelta(hours=24)
# Tells this process's runs from those a previous process with the same pid left (a container
# restarted keeps its hostname and pid 1).
PROCESS_TOKEN = uuid.uuid4().hex


def run_owner() -> tuple[str, int, str]:
    """(host, pid, process token) recorded with each run this process starts."""
    return socket.gethostname(), os.getpid(), PROCESS_TOKEN


def _process_gone(pid: int | None, token: str | None) -> bool:
    """Whether the process that started a run on this host has stopped."""
    if pid is None:
        return False
    if pid == os.getpid():
        return token != PROCESS_TOKEN
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


MAX_PAGE = 1000
HASH_RANGE = range(-(2**63), 2**63)


def member_problem(member: str) -> str | None:
    """Why ``member`` (or a workspace, attribute or label) cannot be stored, or None.

    Both databases refuse NUL characters and text that is not valid Unicode; the action should
    reject such a row with this reason before it reaches the store."""
    if "\x00" in member:
        return "contains a NUL character"
    try:
        member.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode text"
    return None


def _check_texts(texts: Sequence[str], what: str) -> None:
    # One join and one encode per batch: cheap enough to run on every call.
    joined = "\n".join(texts)
    problem = member_problem(joined)
    if problem is not None:
        bad = next(text for text in texts if member_problem(text))
        raise ValueError(f"a {what} {problem} and cannot be stored: {bad!r}")


def clean_text(text: str) -> str:
    """Free text of the run history (titles, messages, reasons) made storable: a NUL or broken
    Unicode in a Braze error must not cost the run its history row."""
    if member_problem(text) is None:
        return text
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _clean_counts(counts: dict[str, int]) -> dict[str, int]:
    return {clean_text(str(name)): int(value) for name, value in counts.items()}


def _check_hashes(sent: Sequence[Sent]) -> None:
    for entry in sent:
        for name, value in entry.hashes.items():
            if not isinstance(value, int) or value not in HASH_RANGE:
                raise ValueError(f"the hash of {name!r} must be a signed 64-bit int, not {value!r}")
    _check_texts([name for entry in sent for name in entry.hashes], "attribute name")


def merge_sent(sent: Sequence[Sent]) -> list[Sent]:
    """One entry per member: later hashes win, flagged if any entry flagged it (one statement
    may not touch a row twice)."""
    merged: dict[str, Sent] = {}
    for entry in sent:
        before = merged.get(entry.member)
        if before is not None:
            entry = Sent(
                entry.member, {**before.hashes, **entry.hashes}, before.flagged or entry.flagged
            )
        merged[entry.member] = entry
    return list(merged.values())


class StateStore(ABC):
    """Audiences, their members, per-member attribute hashes and the run history."""

    dialect: str
    driver_errors: tuple[type[Exception], ...] = ()

    def __init__(self, location: StoreLocation) -> None:
        self.location = location
        self._workspace_ids: dict[str, int] = {}

    # -- audiences and members ----------------------------------------------------------------

    def audience_id(self, workspace: str, attribute: str, label: str) -> int:
        """The audience's id, created on first use."""
        _check_texts([workspace, attribute, label], "workspace, attribute or label")
        with self._failures("find the audience"):
            return self._audience_id(self._workspace_id(workspace), attribute, label)

    def lookup(self, audience_id: int, workspace: str, members: Sequence[str]) -> dict[str, Known]:
        """What is known of each of ``members`` (about 1,000 per call); unknown ones are absent."""
        if not members:
            return {}
        _check_texts(members, "member")
        with self._failures("look members up"):
            return self._lookup(audience_id, self._workspace_id(workspace), members)

    def record_sent(self, audience_id: int, workspace: str, sent: Sequence[Sent]) -> None:
        """Remember what Braze ACCEPTED: merge the hashes, and flagged members join the audience."""
        if not sent:
            return
        _check_texts([entry.member for entry in sent], "member")
        _check_hashes(sent)
        with self._failures("record what Braze accepted"):
            self._record_sent(audience_id, self._workspace_id(workspace), merge_sent(sent))

    def remove_members(self, audience_id: int, members: Sequence[str]) -> None:
        """Members whose label Braze accepted to remove leave the audience."""
        if not members:
            return
        _check_texts(members, "member")
        with self._failures("record removed members"):
            self._remove_members(audience_id, members)

    def audience_size(self, audience_id: int) -> int:
        with self._failures("count the audience"):
            return self._audience_size(audience_id)

    # -- membership history (migration 6: written by triggers on audience_members) -------------

    def membership_changes(self, after_seq: int = 0, limit: int = 10_000) -> list[MembershipChange]:
        """The history's entries after ``after_seq``, oldest first, at most ``limit``."""
        with self._failures("read the membership history"):
            return self._membership_changes(after_seq, limit)

    def audience_summaries(self) -> list[AudienceSummary]:
        """Every audience with its members now and its joins and leaves so far."""
        with self._failures("list the audiences"):
            return self._audience_summaries()

    @abstractmethod
    def _membership_changes(self, after_seq: int, limit: int) -> list[MembershipChange]: ...

    @abstractmethod
    def _audience_summaries(self) -> list[AudienceSummary]: ...

    # -- runs -----------------------------------------------------------------------------------

    def start_run(self, meta: RunStart) -> int:
        """A new history row in status "running"; its id."""
        fields = ("action", "mode", "label", "attribute", "workspace")
        fields += ("webhook_id", "scheduled_plan_id", "title")
        texts = {name: getattr(meta, name) for name in fields}
        meta = replace(meta, **{k: clean_text(v) for k, v in texts.items() if v is not None})
        with self._failures("record the start of the run"):
            return self._start_run(meta)

    def add_run_members(self, run_id: int, members: Sequence[str]) -> None:
        """Stage users of this send (bulk; duplicates are harmless)."""
        if not members:
            return
        _check_texts(members, "member")
        with self._failures("stage the run's members"):
            self._add_run_members(run_id, members)

    def gone_members(
        self, audience_id: int, run_id: int, batch_size: int = 5000
    ) -> Iterator[list[str]]:
        """Members of the audience that are not in this run, in batches.

        One set operation in the database snapshots them when iteration starts; the batches are
        then read by key, so removing members between batches is safe and memory stays flat."""
        return self._gone_pages(
            run_id, batch_size, lambda: self._snapshot_gone(audience_id, run_id)
        )

    def _gone_pages(
        self, run_id: int, batch_size: int, snapshot: Callable[[], None]
    ) -> Iterator[list[str]]:
        """``snapshot`` fills run_gone for ``run_id`` when iteration starts; then its pages."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be 1 or more, not {batch_size}")
        return self._gone_page_iterator(run_id, batch_size, snapshot)

    def _gone_page_iterator(
        self, run_id: int, batch_size: int, snapshot: Callable[[], None]
    ) -> Iterator[list[str]]:
        with self._failures("find the members who left"):
            snapshot()
        after: str | None = None
        while True:
            with self._failures("read the members who left"):
                batch = self._gone_page(run_id, after, batch_size)
            if not batch:
                return
            yield batch
            if len(batch) < batch_size:
                return
            after = batch[-1]

    def finish_run(self, run_id: int, record: RunEnd) -> None:
        """Complete the history row and drop the run's staged members."""
        record = replace(
            record,
            message=clean_text(record.message or ""),
            counts=_clean_counts(record.counts),
            rejections=_clean_counts(record.rejections),
        )
        with self._failures("record the end of the run"):
            if not self._finish_run(run_id, record):
                raise ValueError(f"there is no run {run_id} to finish")

    def runs(
        self, limit: int = 50, before_id: int | None = None, since: datetime | None = None
    ) -> list[RunRecord]:
        """Newest first; ``before_id`` pages back, ``since`` keeps runs started at or after it."""
        if limit < 1:
            raise ValueError(f"limit must be 1 or more, not {limit}")
        with self._failures("read the run history"):
            return self._runs(min(limit, MAX_PAGE), before_id, since and utc(since))

    def run(self, run_id: int) -> RunRecord | None:
        with self._failures("read the run"):
            return self._run(run_id)

    def heartbeat(self, beats: Sequence[Beat]) -> list[int]:
        """Refresh running runs' heartbeat and counts so far; the ids of those whose row is no
        longer running (another hub took them for dead: their end is still recorded)."""
        if not beats:
            return []
        beats = [replace(beat, counts=_clean_counts(beat.counts)) for beat in beats]
        with self._failures("record the heartbeat of runs in progress"):
            return self._heartbeat(beats, utc_now())

    def interrupt_runs(self, silent_for: timedelta, alive: Collection[int] = ()) -> list[int]:
        """Mark interrupted the running runs that gave no sign of life for ``silent_for``, and
        those started on this host by a process that is gone; never the ids in ``alive`` (this
        process's runs). Their ids."""
        if silent_for < timedelta(0):
            raise ValueError(f"silent_for must not be negative, not {silent_for}")
        host = socket.gethostname()
        with self._failures("mark interrupted runs"):
            gone = [
                run_id
                for run_id, pid, token in self._running_on(host)
                if run_id not in alive and _process_gone(pid, token)
            ]
            ids = self._interrupt(utc_now() - silent_for, gone, list(alive))
            self._drop_staged_runs(gone)  # their process is gone: nothing will read them
        return ids

    def abandon_stale_runs(self, older_than: timedelta = STALE_RUN_AGE) -> int:
        """Runs silent for ``older_than`` died with their process: mark them interrupted, and
        drop the staged members of every run silent that long. How many were marked."""
        ids = self.interrupt_runs(older_than)
        with self._failures("tidy up interrupted runs"):
            self._drop_staged_runs(self._silent_runs(utc_now() - older_than))
        return len(ids)

    # -- for modules that keep tables of their own (state/events.py, state/triggers.py) -------

    def workspace_key(self, workspace: str) -> int:
        """The workspace's id in this store, created on first use."""
        with self._failures("find the workspace"):
            return self._workspace_id(workspace)

    @contextmanager
    def transaction(self, doing: str) -> Iterator[Any]:
        """One transaction on the store's connection (``execute`` as the dialect's driver takes
        it), for the modules that keep tables of their own (state/events.py, state/triggers.py);
        a driver failure becomes FailRun saying it failed to ``doing``."""
        with self._failures(doing), self._transaction() as conn:
            yield conn

    # -- plumbing -------------------------------------------------------------------------------

    def close(self) -> None:
        with self._failures("close"):
            self._close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _workspace_id(self, workspace: str) -> int:
        known = self._workspace_ids.get(workspace)
        if known is None:
            _check_texts([workspace], "workspace")
            known = self._workspace_ids[workspace] = self._get_workspace_id(workspace)
        return known

    @contextmanager
    def _failures(self, doing: str) -> Iterator[None]:
        try:
            yield
        except self.driver_errors as exc:
            self._after_failure()
            log.warning("state store failed to %s: %s", doing, type(exc).__name__)
            raise FailRun(
                f"The state store ({self.location}) failed to {doing}: "
                f"{str(exc).strip() or type(exc).__name__}. Check that the database is reachable "
                "and writable; nothing Braze did not accept was recorded, so the next run repairs "
                "the audience."
            ) from exc

    def _after_failure(self) -> None:
        """Hook: forget a broken connection so the next call opens a new one."""
        return None

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Any]: ...

    @abstractmethod
    def _get_workspace_id(self, workspace: str) -> int: ...

    @abstractmethod
    def _audience_id(self, workspace_id: int, attribute: str, label: str) -> int: ...

    @abstractmethod
    def _lookup(
        self, audience_id: int, workspace_id: int, members: Sequence[str]
    ) -> dict[str, Known]: ...

    @abstractmethod
    def _record_sent(self, audience_id: int, workspace_id: int, sent: list[Sent]) -> None: ...

    @abstractmethod
    def _remove_members(self, audience_id: int, members: Sequence[str]) -> None: ...

    @abstractmethod
    def _audience_size(self, audience_id: int) -> int: ...

    @abstractmethod
    def _start_run(self, meta: RunStart) -> int: ...

    @abstractmethod
    def _add_run_members(self, run_id: int, members: Sequence[str]) -> None: ...

    @abstractmethod
    def _snapshot_gone(self, audience_id: int, run_id: int) -> None: ...

    @abstractmethod
    def _gone_page(self, run_id: int, after: str | None, limit: int) -> list[str]: ...

    @abstractmethod
    def _finish_run(self, run_id: int, record: RunEnd) -> bool: ...

    @abstractmethod
    def _runs(
        self, limit: int, before_id: int | None, since: datetime | None
    ) -> list[RunRecord]: ...

    @abstractmethod
    def _run(self, run_id: int) -> RunRecord | None: ...

    @abstractmethod
    def _heartbeat(self, beats: Sequence[Beat], now: datetime) -> list[int]: ...

    @abstractmethod
    def _running_on(self, host: str) -> list[tuple[int, int | None, str | None]]:
        """(id, pid, process token) of the running runs started on ``host``."""

    @abstractmethod
    def _interrupt(self, silent_before: datetime, ids: list[int], alive: list[int]) -> list[int]:
        """Mark interrupted the running runs silent since before ``silent_before`` or listed in
        ``ids``, except those in ``alive``; their ids."""

    @abstractmethod
    def _silent_runs(self, before: datetime) -> list[int]:
        """Interrupted or abandoned runs whose last sign of life is older than ``before``."""

    @abstractmethod
    def _drop_staged_runs(self, run_ids: list[int]) -> None: ...

    @abstractmethod
    def _close(self) -> None: ...


RUN_COLUMNS = (
    "id, status, action, mode, label, attribute, workspace, webhook_id, scheduled_plan_id, title,"
    " started_at, finished_at, success, message, counts, data_points_sent, data_points_saved,"
    " rejections, heartbeat_at, host"
)


def run_record(row: Sequence, when, mapping) -> RunRecord:
    """A RunRecord from a row in RUN_COLUMNS order; ``when`` and ``mapping`` decode the
    dialect's timestamps and JSON columns."""
    (id_, status, action, mode, label, attribute, workspace, webhook_id, plan_id, title) = row[:10]
    started, finished, success, message, counts, sent, saved, rejections, beat, host = row[10:]
    return RunRecord(
        id=id_,
        status=status,
        action=action,
        mode=mode,
        label=label,
        attribute=attribute,
        workspace=workspace,
        webhook_id=webhook_id,
        scheduled_plan_id=plan_id,
        title=title,
        started_at=when(started),
        finished_at=None if finished is None else when(finished),
        success=None if success is None else bool(success),
        message=message,
        counts=mapping(counts),
        data_points_sent=sent,
        data_points_saved=saved,
        rejections=mapping(rejections),
        heartbeat_at=None if beat is None else when(beat),
        host=host,
    )


INTERRUPTED_MESSAGE = (
    "Interrupted: the hub running this send stopped (a crash, a restart or a lost database) "
    "before it finished. What Braze confirmed is recorded; send again to complete it."
)


def finished_status(record: RunEnd) -> str:
    if record.interrupted:
        return "interrupted"
    return "succeeded" if record.success else "failed"
