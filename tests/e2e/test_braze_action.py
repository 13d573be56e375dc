"""The Braze action end to end: Looker sender -> hub server -> Braze simulator, all real HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from looker_braze.braze.concurrency import INITIAL
from looker_braze.serving import background_server
from looker_braze.sim import population
from looker_braze.sim.looker import LookerSender
from looker_braze.sim.looks import LookSpec, compute_truth, look_bytes, look_rows

from .conftest import running_braze, running_hub

pytestmark = pytest.mark.timeout(300)

FORM = {"braze_key": "external_id", "braze_segment": "E2E"}


async def execute(hub, params, look, form=FORM, delivery="url", **options):
    async with LookerSender(hub.url, token=hub.token) as looker:
        return await looker.execute(
            "braze", params=params, form_params=form, look=look, delivery=delivery, **options
        )


def total_requests(braze) -> int:
    return sum(braze.sim.stats()["requests"].values())


# ---------------------------------------------------------------- the reference hub's own cases


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({}, "has no settings"),
        ({"braze_api_key": "sim-key"}, "endpoint is missing"),
        (
            {"braze_api_key": "sim-key", "braze_api_endpoint": "rest.iad-01.braze.com"},
            "no protocol",
        ),
        (
            {"braze_api_key": "k", "braze_api_endpoint": "https://rest.notbraze.com"},
            "not a Braze REST",
        ),
        (
            {"braze_api_key": "k", "braze_api_endpoint": "https://x.example/?.braze.com"},
            "bare REST",
        ),
        (
            {"braze_api_key": "", "braze_api_endpoint": "https://rest.iad-01.braze.com"},
            "API Key is missing",
        ),
    ],
)
async def test_reference_cases_fail_with_clear_messages_and_send_nothing(
    hub, braze, params, fragment
):
    result = await execute(hub, params, look_bytes(LookSpec(rows=5)))
    assert result.status == 200 and result.looker["success"] is False
    assert fragment in result.looker["message"]
    assert total_requests(braze) == 0


async def test_eu_endpoint_works(hub, braze):
    params = {"braze_api_key": "k", "braze_api_endpoint": "https://rest.fra-01.braze.eu"}
    async with LookerSender(hub.url, token=hub.token) as looker:
        form = await looker.form("braze", params=params)
    assert "error" not in form and form["fields"][0]["name"] == "braze_key"
    result = await execute(
        hub, params, look_bytes(LookSpec(rows=5)), {**FORM, "braze_dry_run": "yes"}
    )
    assert result.looker["success"] is True, result.looker["message"]


async def test_form_reports_bad_settings(hub, braze):
    async with LookerSender(hub.url, token=hub.token) as looker:
        form = await looker.form(
            "braze", params={"braze_api_key": "k", "braze_api_endpoint": "https://x.com"}
        )
        alias_form = await looker.form(
            "braze", params=braze.params(), form_params={"braze_key": "user_alias"}
        )
    assert "not a Braze REST endpoint" in form["error"]
    assert "braze_alias_label" in [f["name"] for f in alias_form["fields"]]


# ---------------------------------------------------------------- exact payloads


class RecordingBraze:
    """A stand-in Braze that records every body it is sent and accepts everything."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.app = Starlette(routes=[Route("/users/track", self.track, methods=["POST"])])

    async def track(self, request: Request):
        body = orjson.loads(await request.body())
        self.bodies.append(body)
        assert request.headers["authorization"] == "Bearer the-key"
        return JSONResponse(
            {"message": "success", "attributes_processed": len(body["attributes"])}, 201
        )


def small_look() -> bytes:
    def dim(name, kind, tags, numeric=False):
        return {
            "name": name,
            "type": kind,
            "tags": tags,
            "is_numeric": numeric,
            "label_short": name,
        }

    fields = {
        "dimensions": [
            dim("users.id", "string", ["braze_id"]),
            dim("users.first", "string", ["braze[first_name]"]),
            dim("users.country", "string", ["braze[country]"]),
            dim("users.vip", "yesno", ["braze[Is_VIP]"]),
            dim("users.ltv", "number", ["braze[lifetime_value]"], True),
            dim("users.signup_date", "date_date", ["braze[signup_date]"]),
            dim("users.last_order_time", "date_time", ["braze[last_order_at]"]),
            dim("users.note", "string", ["other", "braze(ignored)"]),
        ],
        "measures": [{"name": "orders.count", "type": "count", "is_numeric": True, "tags": []}],
        "pivots": [],
    }

    def row(i, first, country, vip, ltv, day, time):
        values = [i, first, country, vip, ltv, day, time, "n", 3]
        names = [f["name"] for f in fields["dimensions"]] + ["orders.count"]
        return {name: {"value": value} for name, value in zip(names, values, strict=True)}

    data = [
        row("u1", "Ann", "us", "Yes", 10, "2024-01-31", "2024-02-01 13:45:00"),
        row("u2", None, "Narnia", "No", 12.5, None, None),
        row("u1", "Dup", "FR", "No", 1, None, None),
        row(None, "NoId", None, None, None, None, None),
        row("u3", "x" * 300, "Germany", None, None, "2023-12-01", None),
    ]
    return orjson.dumps({"fields": fields, "data": data, "ran_at": "2024-02-02"})


async def test_exact_payloads_for_a_small_look():
    recorder = RecordingBraze()
    with background_server(recorder.app) as braze_url, running_hub(braze_url) as hub:
        params = {"braze_api_key": "the-key", "braze_api_endpoint": braze_url}
        result = await execute(hub, params, small_look())
    (body,) = recorder.bodies
    add = {"add": ["E2E"]}
    assert body["attributes"] == [
        {"external_id": "u1", "_update_existing_only": True, "looker_export": add,
         "first_name": "Ann",
         "country": "US", "Is_VIP": True, "lifetime_value": 10, "signup_date": "2024-01-31",
         "last_order_at": "2024-02-01T13:45:00Z"},
        {"external_id": "u2", "_update_existing_only": True, "looker_export": add, "Is_VIP": False,
         "lifetime_value": 12.5},
        {"external_id": "u3", "_update_existing_only": True, "looker_export": add,
         "first_name": "x" * 255,
         "country": "DE", "signup_date": "2023-12-01"},
    ]  # fmt: skip
    message = result.looker["message"]
    assert result.looker["success"] is True, message
    for fragment in ("Rows read: 5", "3 sent", "1 duplicate", "1 without a valid id",
                     "country not an ISO",
                     "cut to 255", "braze(ignored)"):  # fmt: skip
        assert fragment in message, message


# ---------------------------------------------------------------- identifiers


ZONES = {"external_id": "America/Los_Angeles", "braze_id": "Europe/Berlin",
         "user_alias": "Asia/Kolkata", "email": "Australia/Sydney", "phone": "UTC"}  # fmt: skip


@pytest.mark.parametrize("kind", population.IDENTIFIER_KINDS)
async def test_every_identifier_type_flags_the_users(kind):
    spec = LookSpec(rows=300, id_kind=kind, known_users=1000, seed=4, timezone=ZONES[kind])
    form = {
        "braze_key": kind,
        "braze_segment": f"BY_{kind}",
        "braze_alias_label": population.ALIAS_LABEL,
    }
    with running_braze(users=1000) as braze, running_hub(braze.url) as hub:
        result = await execute(hub, braze.params(), look_bytes(spec), form)
        assert result.looker["success"] is True, result.looker["message"]
        assert (
            braze.sim.segment_count("looker_export", f"BY_{kind}") == compute_truth(spec).known_ids
        )
        first = next(
            row for row in look_rows(spec)
            if row.kind == "fresh" and not row.unknown and row.attributes()["last_order_at"]
        )  # fmt: skip
        profile = braze.sim.profile("external_id", population.external_id(first.user))
    assert f"BY_{kind}" in profile["custom_attributes"]["looker_export"]
    # The Look's date-times are in its zone; Braze got the same instants in UTC.
    local = datetime.fromisoformat(first.attributes()["last_order_at"])
    instant = local.replace(tzinfo=ZoneInfo(spec.timezone)).astimezone(UTC)
    stored = profile["custom_attributes"]["last_order_at"]
    assert datetime.fromisoformat(stored) == instant, (stored, local, spec.timezone)


# ---------------------------------------------------------------- volume, faults


@pytest.mark.slow
async def test_250000_rows_through_download_url_are_delivered_exactly_once():
    spec = LookSpec(rows=250_000, known_users=250_000, duplicate_share=0.01, invalid_id_share=0.004,
                    seed=7)  # fmt: skip
    truth = compute_truth(spec)
    with running_braze(users=250_000) as braze, running_hub(braze.url) as hub:
        result = await execute(hub, braze.params(), look_bytes(spec))
        stats = braze.sim.stats()
        assert result.looker["success"] is True, result.looker["message"]
        assert result.download_requests == 1
        assert stats["objects_received"] == truth.distinct_ids  # each user once, no resends
        assert stats["max_objects_in_request"] <= 75
        assert braze.sim.segment_count("looker_export", "E2E") == truth.known_ids
        assert f"Rows read: {truth.rows:,}" in result.looker["message"]
        assert f"{truth.duplicate_rows:,} duplicate" in result.looker["message"]


async def test_a_429_storm_and_5xx_faults_still_deliver_every_row():
    spec = LookSpec(rows=6000, known_users=6000, seed=9)
    with running_braze(
        users=6000, rate_limit_requests=10, rate_limit_seconds=0.5,
        rate_limit_headers="retry-after",
        error_rate=0.15, drop_rate=0.03, seed=5,
    ) as braze, running_hub(braze.url, max_attempts=20) as hub:  # fmt: skip
        result = await execute(hub, braze.params(), look_bytes(spec))
        stats = braze.sim.stats()
        assert result.looker["success"] is True, result.looker["message"]
        assert braze.sim.segment_count("looker_export", "E2E") == 6000
        assert stats["rate_limited_requests"] > 0
        assert sum(n for status, n in stats["requests"].items() if str(status).startswith("5")) > 0
        assert "retries" in result.looker["message"]


async def test_401_fails_fast_with_a_clear_message():
    spec = LookSpec(rows=50_000, known_users=50_000)
    with running_braze(users=10) as braze, running_hub(braze.url) as hub:
        started = time.monotonic()
        result = await execute(
            hub, {**braze.params(), "braze_api_key": "wrong-key"}, look_bytes(spec)
        )
        elapsed = time.monotonic() - started
        requests = total_requests(braze)
    message = result.looker["message"]
    assert result.looker["success"] is False
    assert "401" in message and "REST API key" in message and "wrong-key" not in message
    assert requests <= INITIAL + 1  # stopped at once (before any answer: INITIAL in flight)
    assert elapsed < 20
    assert "not sent because the run stopped" in message


@pytest.mark.parametrize(
    "spec, fragment",
    [
        (LookSpec(rows=10, pivoted=True), "Remove the pivot"),
        (LookSpec(rows=10, id_tags=0), "tagged 'braze_id'"),
        (LookSpec(rows=10, id_tags=2), "Several fields are tagged"),
    ],
)
async def test_bad_looks_fail_with_clear_messages(hub, braze, spec, fragment):
    result = await execute(hub, braze.params(), look_bytes(spec))
    assert result.looker["success"] is False and fragment in result.looker["message"]
    assert total_requests(braze) == 0


async def test_dry_run_reads_everything_and_sends_nothing(hub, braze):
    spec = LookSpec(rows=500, known_users=1000, duplicate_share=0.1)
    result = await execute(hub, braze.params(), look_bytes(spec), {**FORM, "braze_dry_run": "yes"})
    message = result.looker["message"]
    assert result.looker["success"] is True
    assert total_requests(braze) == 0
    assert f"{compute_truth(spec).distinct_ids:,} users would be sent" in message
    assert "First object" in message


@pytest.mark.parametrize("delivery", ["inline", "inline-base64"])
async def test_inline_attachments_work_like_downloads(hub, braze, delivery):
    spec = LookSpec(rows=200, known_users=1000, fields_first=False)
    result = await execute(hub, braze.params(), look_bytes(spec), delivery=delivery)
    assert result.looker["success"] is True, result.looker["message"]
    assert braze.sim.segment_count("looker_export", "E2E") == compute_truth(spec).known_ids


async def test_operator_row_cap_is_reported(braze):
    with running_hub(braze.url, max_rows=100) as hub:
        result = await execute(
            hub, braze.params(), look_bytes(LookSpec(rows=300, known_users=1000))
        )
    assert result.looker["success"] is False
    assert "row cap of 100" in result.looker["message"]
    assert braze.sim.segment_count("looker_export", "E2E") == 100
