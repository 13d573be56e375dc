"""Looker's answer and the run history count a run the same way, even one that stopped early:
both read the run's one set of counters."""

from __future__ import annotations

import logging
import re

import pytest

from looker_braze.sim.looker import LookerSender
from looker_braze.sim.looks import LookSpec, look_bytes
from looker_braze.state import open_store

from .conftest import running_braze, running_hub

pytestmark = pytest.mark.timeout(300)


async def test_a_stopped_runs_counts_are_the_same_in_the_answer_and_the_history(tmp_path):
    state_url = f"sqlite:///{tmp_path}/state.sqlite3"
    # Every request fails with a 5xx and one attempt is all the hub may make: the run stops.
    with (
        running_braze(users=3000, error_rate=1.0) as braze,
        running_hub(braze.url, state_url=state_url, max_attempts=1) as hub,
    ):
        async with LookerSender(hub.url, token=hub.token) as looker:
            result = await looker.execute(
                "braze",
                params=braze.params(),
                form_params={"braze_key": "external_id", "braze_segment": "STOPPED"},
                look=look_bytes(LookSpec(rows=2000, known_users=3000, duplicate_share=0.1)),
            )
    message = result.looker["message"]
    assert result.success is False
    not_sent = int(
        re.search(r"([\d,]+) not sent because the run stopped", message)[1].replace(",", "")
    )
    duplicates = int(re.search(r"([\d,]+) duplicate ids skipped", message)[1].replace(",", ""))
    store = open_store(state_url)
    try:
        (run,) = store.runs(limit=1)
    finally:
        store.close()
    assert run.counts["read"] == 2000
    assert run.counts["not_sent"] == not_sent > 0
    assert run.counts.get("duplicates", 0) == duplicates
    assert run.counts.get("sent", 0) + not_sent + duplicates == 2000
    assert run.message == message


async def test_a_failed_runs_requests_and_retries_are_counted_in_the_answer_history_and_log(
    tmp_path, caplog
):
    caplog.set_level(logging.INFO)
    state_url = f"sqlite:///{tmp_path}/state.sqlite3"
    # Braze answers every request 5xx; each batch gets three attempts, then the run fails.
    with (
        running_braze(users=3000, error_rate=1.0) as braze,
        running_hub(braze.url, state_url=state_url, max_attempts=3) as hub,
    ):
        async with LookerSender(hub.url, token=hub.token) as looker:
            result = await looker.execute(
                "braze",
                params=braze.params(),
                form_params={"braze_key": "external_id", "braze_segment": "FAILED"},
                look=look_bytes(LookSpec(rows=1000, known_users=3000)),
            )
        braze_saw = sum(braze.sim.stats()["requests"].values())
    message = result.looker["message"]
    assert result.success is False and "kept failing" in message
    effort = re.search(r"([\d,]+) requests?, ([\d,]+) retr(?:y|ies)", message)
    requests, retries = (int(effort[i].replace(",", "")) for i in (1, 2))
    # Every request that reached Braze is counted, and every batch made all three attempts.
    assert requests == braze_saw > 0
    assert retries == 2 * (requests - retries) > 0
    store = open_store(state_url)
    try:
        (run,) = store.runs(limit=1)
    finally:
        store.close()
    assert (run.counts["requests"], run.counts["retries"]) == (requests, retries)
    assert run.message == message
    (end,) = [r for r in caplog.records if getattr(r, "event", None) == "run_finished"]
    assert (end.counts["requests"], end.counts["retries"]) == (requests, retries)
    assert end.status == "failed" and end.reason == message
