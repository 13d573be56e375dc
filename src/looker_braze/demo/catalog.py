"""The catalog action in the demo: a Look of products synced into a catalog the hub creates,
then synced again without some of them; Braze's catalog is read back from the simulator."""

from __future__ import annotations

import aiohttp
import orjson

from looker_braze.demo.scenario import API_KEY
from looker_braze.sim.looker import LookerSender

CATALOG = "demo_products"
PRODUCTS = 480  # not 500: the Look's default row limit, where a sync suspects a cut
LEFT = 40  # products missing from the second sync: their items are deleted


def products_look(skus: range) -> bytes:
    dimensions = [
        {"name": "products.sku", "type": "string", "tags": ["braze_catalog_id"]},
        {"name": "products.name", "type": "string", "tags": ["braze_catalog[name]"]},
        {"name": "products.price", "type": "number", "is_numeric": True,
         "tags": ["braze_catalog[price]"]},
        {"name": "products.in_stock", "type": "yesno", "tags": ["braze_catalog[in_stock]"]},
    ]  # fmt: skip
    data = [
        {"products.sku": {"value": f"sku-{i}"}, "products.name": {"value": f"Product {i}"},
         "products.price": {"value": round(5 + i * 0.25, 2)},
         "products.in_stock": {"value": "Yes" if i % 3 else "No"}}
        for i in skus
    ]  # fmt: skip
    return orjson.dumps({"fields": {"dimensions": dimensions, "measures": []}, "data": data})


async def catalog_demo(braze_url: str, hub_url: str, token: str) -> list[str]:
    """Two syncs of the catalog; printable lines of what Braze holds after each."""
    params = {"braze_api_key": API_KEY, "braze_api_endpoint": braze_url}
    form = {"braze_catalog_name": CATALOG, "braze_catalog_mode": "sync",
            "braze_catalog_create": "yes"}  # fmt: skip
    lines = [f"Catalog action (braze_catalog), catalog '{CATALOG}':"]
    async with LookerSender(hub_url, token=token) as looker, aiohttp.ClientSession() as http:
        for skus in (range(PRODUCTS), range(LEFT, PRODUCTS)):
            result = await looker.execute(
                "braze_catalog", params=params, form_params=form, look=products_look(skus)
            )
            async with http.get(f"{braze_url}/sim/catalogs/{CATALOG}/items") as response:
                held = len(await response.json()) if response.status == 200 else 0
            answer = (result.looker or {}).get("message", result.body_text[:200])
            lines.append(f"  sync of {len(skus):,} products: Braze holds {held:,} items. {answer}")
    return lines
