"""`looker-braze check` knows the events action's tags: they are not malformed, and each is
named as the events action's."""

from __future__ import annotations

import asyncio
import io

from looker_braze.check import Status
from looker_braze.check.look import check_options, look_findings
from tests.e2e.events_looks import EVENT_FIELDS, document, event_row


def test_event_tags_are_known_to_check():
    bad = {"name": "e.x", "type": "string", "tags": ["braze_evnt_name"]}
    doc = document([*EVENT_FIELDS, bad], [event_row("u1")])
    findings = asyncio.run(look_findings(io.BytesIO(doc), check_options("external_id", "x")))
    problems = [f.message for f in findings if f.status is Status.PROBLEM]
    assert problems == [
        "Tag 'braze_evnt_name' on e.x is malformed, so the hub ignores it: write "
        "braze[<attribute>] (one attribute name in square brackets)."
    ]
    events = sorted(f.message for f in findings if f.check == "look.events")
    assert events == sorted(
        f"Tag '{tag}' on {f['name']}: read by the braze_events action (the flag action ignores it)."
        for f in EVENT_FIELDS[1:]
        for tag in f["tags"]
    )
