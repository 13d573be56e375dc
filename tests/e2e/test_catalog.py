"""The catalog action end to end: the hub as a real server, the Looker sender and the Braze
simulator over 127.0.0.1 (shared/spec/braze-activation.md §3)."""

from __future__ import annotations

import orjson
import pytest
from typer.testing import CliRunner

from looker_braze.actions.braze.options import workspace
from looker_braze.cli import app
from looker_braze.sim.looker import LookerSender
from looker_braze.state import open_store
from tests.sim.test_braze_catalogs import FIELDS

from .conftest import running_braze, running_hub

pytestmark = pytest.mark.timeout(300)

CATALOG = "products"


def look(rows: list[dict], extra_dimensions=()) -> bytes:
    """A Look of products: p.sku is the item id; name, price, in_stock, updated are fields."""
    dimensions = [
        {"name": "p.sku", "type": "string", "tags": ["braze_catalog_id"]},
        {"name": "p.name", "type": "string", "tags": ["braze_catalog[name]"]},
        {"name": "p.price", "type": "number", "is_numeric": True, "tags": ["braze_catalog[price]"]},
        {"name": "p.in_stock", "type": "yesno", "tags": ["braze_catalog[in_stock]"]},
        {"name": "p.updated", "type": "date_time", "tags": ["braze_catalog[updated]"]},
        *extra_dimensions,
    ]
    data = [{name: {"value": value} for name, value in row.items()} for row in rows]
    return orjson.dumps({"fields": {"dimensions": dimensions, "measures": []}, "data": data})


def product(i: int, **changes) -> dict:
    row = {"p.sku": f"sku-{i}", "p.name": f"Widget {i}", "p.price": i + 0.5,
           "p.in_stock": "Yes" if i % 2 else "No", "p.updated": "2025-01-31 10:00:00"}  # fmt: skip
    return row | changes


def item(i: int, **changes) -> dict:
    """What Braze should hold for product(i)."""
    value = {"id": f"sku-{i}", "name": f"Widget {i}", "price": i + 0.5,
             "in_stock": bool(i % 2), "updated": "2025-01-31T10:00:00Z"}  # fmt: skip
    return value | changes


def make_catalog(braze, fields=FIELDS, name=CATALOG) -> None:
    status, _ = braze.sim.catalogs.create(
        {"catalogs": [{"name": name, "description": "", "fields": fields}]}
    )
    assert status == 201


def held(braze, name=CATALOG) -> dict[str, dict]:
    items = braze.sim.catalogs.catalogs[name].items
    return {item_id: {"id": item_id, **values} for item_id, values in items.items()}


async def send(hub, braze, rows_or_look, mode="upsert", dry_run="no", create="no", **execute):
    form = {"braze_catalog_name": CATALOG, "braze_catalog_mode": mode,
            "braze_catalog_create": create, "braze_dry_run": dry_run}  # fmt: skip
    body = rows_or_look if isinstance(rows_or_look, bytes) else look(rows_or_look)
    async with LookerSender(hub.url, token=hub.token) as looker:
        result = await looker.execute(
            "braze_catalog", params=braze.params(), form_params=form, look=body, **execute
        )
    return result


@pytest.fixture
def services(tmp_path):
    with (
        running_braze() as braze,
        running_hub(braze.url, state_url=f"sqlite:///{tmp_path}/state.sqlite3") as hub,
    ):
        yield hub, braze


async def test_a_small_look_sends_exact_items(services):
    hub, braze = services
    make_catalog(braze)
    result = await send(hub, braze, [product(1), product(2)])
    assert result.success, result.looker["message"]
    (written,) = braze.sim.catalogs.written
    assert (written.method, written.catalog) == ("PUT", CATALOG)
    assert written.items == [item(1), item(2)]  # the exact request body's items
    assert held(braze) == {"sku-1": item(1), "sku-2": item(2)}
    assert "2 items sent to catalog 'products'" in result.looker["message"]


async def test_the_catalog_is_created_from_the_look_field_types(services):
    hub, braze = services
    result = await send(hub, braze, [product(1)], create="yes")
    assert result.success, result.looker["message"]
    created = braze.sim.catalogs.catalogs[CATALOG]
    assert list(created.fields.items()) == [(f["name"], f["type"]) for f in FIELDS]
    assert held(braze) == {"sku-1": item(1)}
    assert "Created the catalog 'products'" in result.looker["message"]


async def test_a_missing_catalog_or_an_unknown_field_fails_the_run_with_the_fix(services):
    hub, braze = services
    missing = await send(hub, braze, [product(1)])
    assert not missing.success and "Create the catalog if missing" in missing.looker["message"]
    make_catalog(braze, FIELDS[:3])
    unknown = await send(hub, braze, [product(1)])
    message = unknown.looker["message"]
    assert not unknown.success and "no field 'in_stock'" in message and "Add the field" in message
    assert braze.sim.catalogs.written == []


async def test_each_invalid_row_is_rejected_with_its_reason(services):
    hub, braze = services
    make_catalog(braze)
    rows = [
        product(1),
        product(2, **{"p.sku": "bad id!"}),
        product(3, **{"p.sku": "x" * 251}),
        product(4, **{"p.name": "n" * 5001}),
        product(5, **{"p.sku": ""}),
        product(1, **{"p.name": "again"}),  # a duplicate id: the first row is used
        product(6, **{"p.price": "cheap"}),
    ]
    result = await send(hub, braze, rows)
    message = result.looker["message"]
    assert not result.success
    assert held(braze) == {"sku-1": item(1)}
    assert "Rows read: 7: 1 sent; 1 duplicate ids skipped" in message
    assert "5 invalid" in message
    run = hub_runs(hub)[0]
    assert run.counts["invalid"] == 5 and run.counts["duplicates"] == 1
    reasons = set(run.rejections)
    assert "item id longer than 250 characters" in reasons
    assert "empty item id" in reasons
    assert "item id holds other than letters, digits, - and _" in reasons
    assert "name: a value longer than 5,000 characters" in reasons
    assert any(reason.startswith("price:") for reason in reasons)


def hub_runs(hub):
    with open_store(hub.settings.state_url) as store:
        return store.runs()


async def test_braze_rejections_are_mapped_to_their_rows(services):
    hub, braze = services
    # The catalog says price is a boolean: Braze cannot coerce the Look's numbers for sku-2 and
    # sku-3 (their price cells are numbers) and says which ids; sku-1 has no price, and goes.
    make_catalog(braze, [*FIELDS[:2], {"name": "price", "type": "boolean"}, *FIELDS[3:]])
    rows = [product(1, **{"p.price": None}), product(2), product(3)]
    result = await send(hub, braze, rows)
    assert not result.success
    assert held(braze) == {"sku-1": item(1, price=None)}
    assert "2 rejected by Braze" in result.looker["message"]
    assert "unable-to-coerce-value" in result.looker["message"]


async def test_dry_run_lists_the_requests_and_sends_nothing(services):
    hub, braze = services
    result = await send(hub, braze, [product(i) for i in range(120)], dry_run="yes", create="yes")
    message = result.looker["message"]
    assert "Dry run, nothing sent: 120 items would be sent to catalog 'products'" in message
    assert "PUT /catalogs/products/items 3 requests" in message
    assert "POST /catalogs 1 request" in message and "Would create the catalog" in message
    assert CATALOG not in braze.sim.catalogs.catalogs and braze.sim.catalogs.written == []


async def test_delete_mode_deletes_the_looks_items(services):
    hub, braze = services
    make_catalog(braze)
    await send(hub, braze, [product(i) for i in range(5)])
    result = await send(hub, braze, [{"p.sku": "sku-1"}, {"p.sku": "sku-3"}], mode="delete")
    assert result.success, result.looker["message"]
    assert set(held(braze)) == {"sku-0", "sku-2", "sku-4"}
    assert braze.sim.catalogs.written[-1].items == [{"id": "sku-1"}, {"id": "sku-3"}]


async def test_sync_deletes_the_items_that_left_and_no_others(services):
    hub, braze = services
    make_catalog(braze)
    braze.sim.catalogs.items("PUT", CATALOG, {"items": [{"id": "made-in-braze"}]})
    first = await send(hub, braze, [product(i) for i in range(10)], mode="sync")
    assert first.success, first.looker["message"]
    second = await send(hub, braze, [product(i) for i in range(4, 12)], mode="sync")
    assert second.success, second.looker["message"]
    assert set(held(braze)) == {f"sku-{i}" for i in range(4, 12)} | {"made-in-braze"}
    assert "4 items that left the Look deleted" in second.looker["message"]
    with open_store(hub.settings.state_url) as store:
        catalog = store.catalog_id(workspace(braze.url, "sim-key"), CATALOG)
        assert store.catalog_items(catalog) == sorted(f"sku-{i}" for i in range(4, 12))


async def test_the_catalog_sync_keeps_items_on_a_truncated_result(services):
    hub, braze = services
    make_catalog(braze)
    await send(hub, braze, [product(i) for i in range(800)], mode="sync")
    # The Look now holds 900 items, but Looker sends the first 500 only ("Results in Table").
    cut = await send(
        hub, braze, [product(i) for i in range(100, 1000)], mode="sync",
        results="table", row_limit=500,
    )  # fmt: skip
    message = cut.looker["message"]
    assert not cut.success
    assert "were not deleted" in message and "exactly 500 rows" in message, message
    assert set(held(braze)) == {f"sku-{i}" for i in range(800)}  # sku-0..99 kept
    empty = await send(hub, braze, [], mode="sync")
    assert not empty.success and "the Look has no items" in empty.looker["message"]
    assert len(held(braze)) == 800
    whole = await send(hub, braze, [product(i) for i in range(100, 1000)], mode="sync")
    assert whole.success, whole.looker["message"]
    assert set(held(braze)) == {f"sku-{i}" for i in range(100, 1000)}


async def test_a_large_look_arrives_exactly_once_under_faults(tmp_path):
    with (
        running_braze(error_rate=0.1, drop_rate=0.05, catalog_items_limit=20,
                      catalog_limit_seconds=1.0, seed=7) as braze,
        running_hub(braze.url, state_url=f"sqlite:///{tmp_path}/state.sqlite3",
                    retry_deadline_seconds=120, max_attempts=30) as hub,
    ):  # fmt: skip
        make_catalog(braze)
        rows = [product(i) for i in range(3000)]
        result = await send(hub, braze, rows, mode="sync")
        assert result.success, result.looker["message"]
        assert held(braze) == {f"sku-{i}": item(i) for i in range(3000)}
        stats = braze.sim.stats()
        assert stats["rate_limited_requests"] > 0 and stats["requests"].get("dropped", 0) > 0
        assert any(status.startswith("5") for status in stats["requests"])
        assert max(len(w.items) for w in braze.sim.catalogs.written) == 50
        # Again: the same items, nothing deleted, nothing lost.
        again = await send(hub, braze, rows, mode="sync")
        assert again.success and len(held(braze)) == 3000


def test_looker_braze_send_targets_the_catalog_action(tmp_path):
    path = tmp_path / "products.csv"
    path.write_text("sku,name,price\nsku-1,Widget,9.5\nsku-2,Gadget,3\n", encoding="utf-8")
    with running_braze() as braze, running_hub(braze.url) as hub:
        make_catalog(braze, FIELDS[:3])
        result = CliRunner().invoke(
            app,
            [
                "send", "--hub", hub.url, "--token", hub.token, "--action", "braze_catalog",
                "--csv", str(path), "--tag", "sku=braze_catalog_id",
                "--tag", "name=braze_catalog[name]", "--tag", "price=braze_catalog[price]",
                "--type", "price=number",
                *(f"--param={k}={v}" for k, v in braze.params().items()),
                "--form-param", f"braze_catalog_name={CATALOG}", "--json",
            ],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert orjson.loads(result.stdout)["looker"]["success"] is True
        assert held(braze) == {
            "sku-1": {"id": "sku-1", "name": "Widget", "price": 9.5},
            "sku-2": {"id": "sku-2", "name": "Gadget", "price": 3},
        }


async def test_a_sync_stopped_by_the_row_cap_deletes_nothing(tmp_path):
    with (
        running_braze() as braze,
        running_hub(braze.url, state_url=f"sqlite:///{tmp_path}/s.sqlite3", max_rows=30) as hub,
    ):
        make_catalog(braze)
        await send(hub, braze, [product(i) for i in range(20)], mode="sync")
        capped = await send(hub, braze, [product(i) for i in range(20, 60)], mode="sync")
        message = capped.looker["message"]
        assert not capped.success and "row cap of 30" in message and "not deleted" in message
        assert set(held(braze)) == {f"sku-{i}" for i in range(50)}
