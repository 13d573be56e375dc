"""The catalog action's state (migration 5) on SQLite and PostgreSQL: the item ids each catalog
holds from this hub, and the ids a sync finds gone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.state import RunEnd, open_store
from looker_braze.state.migrations import latest_version

from .conftest import WORKSPACE, run_start


def test_catalogs_are_per_workspace_and_name(store):
    first = store.catalog_id(WORKSPACE, "products")
    assert store.catalog_id(WORKSPACE, "products") == first
    assert store.catalog_id(WORKSPACE, "stores") != first
    assert store.catalog_id("https://rest.fra-01.braze.eu#00", "products") != first
    assert latest_version() >= 5


def test_recorded_items_and_gone_items(store):
    catalog = store.catalog_id(WORKSPACE, "products")
    other = store.catalog_id(WORKSPACE, "stores")
    store.record_items(catalog, ["a", "b", "c", "d"])
    store.record_items(catalog, ["a"])  # again: harmless
    store.record_items(other, ["z"])
    run = store.start_run(run_start())
    store.add_run_members(run, ["b", "d", "new"])
    gone = [item for page in store.gone_items(catalog, run, batch_size=1) for item in page]
    assert gone == ["a", "c"]
    store.forget_items(catalog, gone)
    assert store.catalog_items(catalog) == ["b", "d"]
    assert store.catalog_items(other) == ["z"]
    store.finish_run(run, RunEnd(success=True, message="ok"))


def test_ids_that_cannot_be_stored_are_refused(store):
    catalog = store.catalog_id(WORKSPACE, "products")
    with pytest.raises(ValueError, match="NUL"):
        store.record_items(catalog, ["a\x00b"])


IDS = st.lists(st.text("abcdef-_", min_size=1, max_size=4), max_size=30)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(recorded=IDS, look=IDS)
def test_gone_is_exactly_the_recorded_ids_not_in_the_look(tmp_path_factory, recorded, look):
    folder = tmp_path_factory.mktemp("catalog")
    with open_store(f"sqlite:///{folder}/state.sqlite3") as store:
        catalog = store.catalog_id(WORKSPACE, "c")
        store.record_items(catalog, recorded)
        run = store.start_run(run_start())
        store.add_run_members(run, look)
        gone = [item for page in store.gone_items(catalog, run, batch_size=7) for item in page]
        assert sorted(gone) == sorted(set(recorded) - set(look))
