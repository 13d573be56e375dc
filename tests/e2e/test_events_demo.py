"""The demo's events part against a real hub and simulator: the second send of the same Look
sends nothing, and Braze holds each event once."""

from __future__ import annotations

from looker_braze.demo.events import EVENT_ROWS, events_demo

from .conftest import SIM_KEY, running_braze, running_hub


async def test_the_events_demo_sends_each_event_once():
    with running_braze(users=100) as braze, running_hub(braze.url) as hub:
        lines = await events_demo(braze.url, hub.url, hub.token, SIM_KEY)
        total = braze.sim.workspace.occurrences.total("events")
    assert lines[0].startswith(f"First send: Done: {EVENT_ROWS} events sent to Braze.")
    assert f"{EVENT_ROWS} sent by an earlier run, not sent again" in lines[1]
    assert "Braze has 1 event(s)" in lines[2] and "looker_demo_visit" in lines[2]
    assert total == EVENT_ROWS
