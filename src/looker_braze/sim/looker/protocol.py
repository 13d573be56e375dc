"""What Looker puts on the wire when it talks to an Action Hub: headers and request bodies.

The only module of the Looker sender that knows Looker's header names and payload keys.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping

import orjson

USER_AGENT = "LookerOutgoingWebhook/{version}"
# Inline attachment (mimetype, extension) per Looker format.
FORMAT_FILES = {
    "json_detail": ("application/json", "json"),
    "json_detail_lite_stream": ("application/json", "json"),
    "json": ("application/json", "json"),
    "csv": ("text/csv", "csv"),
    "txt": ("text/plain", "txt"),
}
DELIVERIES = ("url", "inline", "inline-base64")
# What the user picks in Looker's Send dialog: the rows shown ("Results in Table", cut at the
# Look's row limit) or every row ("All Results").
RESULTS = ("table", "all")
DEFAULT_ROW_LIMIT = 500  # a new Look's row limit in Looker


def new_webhook_id() -> str:
    return secrets.token_hex(16)


def headers(token: str | None, looker_version: str, instance_id: str) -> dict[str, str]:
    """The headers of every request Looker sends to a hub."""
    sent = {
        "User-Agent": USER_AGENT.format(version=looker_version),
        "X-Looker-Instance": instance_id,
        "Content-Type": "application/json",
    }
    if token:
        sent["Authorization"] = f'Token token="{token}"'
    return sent


def form_request(params: Mapping[str, str], form_params: Mapping[str, str]) -> bytes:
    """The body of a form request: the params and the user's answers so far."""
    return orjson.dumps({"type": "query", "data": dict(params), "form_params": dict(form_params)})


def scheduled_plan(
    download_url: str | None, overrides: Mapping | None = None, query: Mapping | None = None
) -> dict:
    """A Look's scheduled plan as Looker describes it; ``query`` replaces keys of its query
    (limit, query_timezone, has_table_calculations ...), ``overrides`` any key of the plan."""
    plan_id = secrets.randbelow(90_000) + 10_000
    query_id = secrets.randbelow(900_000) + 100_000
    plan = {
        "scheduled_plan_id": plan_id,
        "title": "Braze audience",
        "type": "Look",
        "url": f"https://looker.example.com/looks/{plan_id % 1000}",
        "query_id": query_id,
        "query": {
            "id": query_id,
            "model": "shop",
            "view": "users",
            "fields": ["users.external_id"],
            "pivots": None,
            "filters": {},
            "sorts": [],
            "limit": str(DEFAULT_ROW_LIMIT),  # Looker types the limit as a string
            "query_timezone": None,
            "has_table_calculations": False,
        }
        | dict(query or {}),
        "filters_differ_from_look": False,
        "download_url": download_url,
        "async_callback_url": None,
    }
    return plan | dict(overrides or {})


def attachment(document: bytes, format: str, encode_base64: bool) -> dict:
    """An inline attachment carrying the whole document."""
    mimetype, extension = FORMAT_FILES.get(format, ("application/octet-stream", format))
    if encode_base64:
        data = base64.b64encode(document).decode("ascii")
        return {"mimetype": f"{mimetype};base64", "extension": extension, "data": data}
    return {"mimetype": mimetype, "extension": extension, "data": document.decode("utf-8")}


def execute_request(
    params: Mapping[str, str],
    form_params: Mapping[str, str],
    plan: dict | None,
    inline: dict | None,
) -> bytes:
    return orjson.dumps(
        {
            "type": "query",
            "scheduled_plan": plan,
            "attachment": inline,
            "data": dict(params),
            "form_params": dict(form_params),
        }
    )
