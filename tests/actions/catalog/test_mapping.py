"""The catalog action's tags, form and item rules, row by row."""

from __future__ import annotations

import pytest

from looker_braze.actions.braze.catalog.mapping import ItemMapper
from looker_braze.actions.braze.catalog.modes import CatalogMode
from looker_braze.actions.braze.catalog.options import CatalogOptions, catalog_options
from looker_braze.actions.braze.catalog.tags import field_name, is_malformed
from looker_braze.actions.braze.options import InvalidForm
from looker_braze.actions.braze.tags import is_malformed as flag_malformed
from looker_braze.braze.catalogs import Catalog, CatalogField
from looker_braze.braze.instances import parse_endpoint
from looker_braze.errors import FailRun, RejectRow
from looker_braze.hub.document import parse_fields
from looker_braze.hub.protocol import ActionRequest

ENDPOINT = "https://rest.iad-01.braze.com"
OPTIONS = CatalogOptions(parse_endpoint(ENDPOINT, ()), "k" * 36, "products")


def fields(*dimensions: dict):
    return parse_fields({"dimensions": list(dimensions), "measures": []})


ID = {"name": "p.sku", "type": "string", "tags": ["braze_catalog_id"]}
PRICE = {"name": "p.price", "type": "number", "is_numeric": True, "tags": ["braze_catalog[price]"]}
WHEN = {"name": "p.when", "type": "date_time", "tags": ["BRAZE_CATALOG[when]"]}
DAY = {"name": "p.day", "type": "date_date", "tags": ["braze_catalog[day]"]}
FLAG = {"name": "p.flag", "type": "yesno", "tags": ["braze_catalog[flag]", "braze_catalog(x)"]}


def test_tags():
    assert field_name("braze_catalog[price]") == "price"
    assert field_name("Braze_Catalog[Price]") == "Price"
    assert field_name("braze[price]") is None
    assert is_malformed("braze_catalog(x)") and not is_malformed("braze_catalog_id")
    assert not flag_malformed("braze_catalog_id") and not flag_malformed("braze_catalog[a]")
    assert flag_malformed("braze_id2")


def test_items_are_built_typed_and_checked():
    mapper = ItemMapper(fields(ID, PRICE, WHEN, DAY, FLAG), OPTIONS)
    assert mapper.select == ("p.price", "p.when", "p.day", "p.flag", "p.sku")
    assert mapper.ignored_tags == ("p.flag: braze_catalog(x)",)
    row = ("9.5", "2025-01-31 10:00:00", "2025-01-31", "Yes", " sku-1 ")
    item_id = mapper.item_id(row)
    assert mapper.item(row, item_id) == {
        "id": "sku-1", "price": 9.5, "when": "2025-01-31T10:00:00Z", "day": "2025-01-31",
        "flag": True,
    }  # fmt: skip
    assert mapper.item((None, None, None, None, "a"), "a") == {"id": "a"}  # nulls left out
    assert mapper.item_id((None, None, None, None, 42.0)) == "42"
    with pytest.raises(RejectRow, match="price"):
        mapper.item(("cheap", None, None, None, "a"), "a")
    assert [f.type for f in mapper.catalog_fields()] == [
        "string", "number", "time", "time", "boolean",
    ]  # fmt: skip
    assert mapper.catalog_fields()[0].name == "id"


@pytest.mark.parametrize(
    ("cell", "reason"),
    [("", "empty item id"), ("a" * 251, "item id longer than 250 characters"),
     ("a/b", "item id holds other than letters, digits, - and _"), (True, "item id is not text"),
     (None, "empty item id")],
)  # fmt: skip
def test_invalid_ids_are_rejected_with_the_reason(cell, reason):
    mapper = ItemMapper(fields(ID), OPTIONS)
    with pytest.raises(RejectRow) as caught:
        mapper.item_id((cell,))
    assert caught.value.reason == reason


def test_bad_looks_fail_the_run():
    with pytest.raises(FailRun, match="No field of this Look is tagged 'braze_catalog_id'"):
        ItemMapper(fields(PRICE), OPTIONS)
    with pytest.raises(FailRun, match="item id comes from"):
        ItemMapper(fields(ID, {"name": "x", "tags": ["braze_catalog[id]"]}), OPTIONS)
    with pytest.raises(FailRun, match="Two fields"):
        ItemMapper(fields(ID, PRICE, {**PRICE, "name": "p.other"}), OPTIONS)
    mapper = ItemMapper(fields(ID, PRICE), OPTIONS)
    with pytest.raises(FailRun, match="no field 'price'"):
        mapper.check_fields(Catalog("products", (CatalogField("id", "string"),)))


def test_delete_mode_reads_only_the_ids():
    delete = CatalogOptions(OPTIONS.endpoint, OPTIONS.api_key, "p", CatalogMode.DELETE)
    assert ItemMapper(fields(ID, PRICE), delete).select == ("p.sku",)


def request(**form: str) -> ActionRequest:
    params = {"braze_api_key": "k" * 36, "braze_api_endpoint": ENDPOINT}
    return ActionRequest(params=params, form_params=form)


def test_form_answers():
    options = catalog_options(
        request(braze_catalog_name="products", braze_catalog_mode="sync",
                braze_catalog_create="yes"), ()
    )  # fmt: skip
    assert (options.catalog, options.mode, options.create_missing) == ("products", "sync", True)
    with pytest.raises(InvalidForm) as caught:
        catalog_options(request(braze_catalog_name="bad name", braze_catalog_mode="merge"), ())
    assert set(caught.value.errors) == {"braze_catalog_name", "braze_catalog_mode"}
    with pytest.raises(InvalidForm, match="looks like a Braze API key"):
        catalog_options(request(braze_catalog_name="123e4567-e89b-12d3-a456-426614174000"), ())
