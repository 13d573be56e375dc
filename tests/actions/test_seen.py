import os
import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st

import looker_braze.actions.seen as seen_module
from looker_braze.actions.seen import SeenIds

batches_of_keys = st.lists(st.lists(st.text(max_size=6), max_size=50), max_size=30)


def check_against_a_set(seen: SeenIds, batches) -> None:
    reference: set[str] = set()
    for keys in batches:
        expected = []
        for key in keys:
            expected.append(key not in reference)
            reference.add(key)
        assert seen.add_many(keys) == expected
    assert len(seen) == len(reference)


@settings(max_examples=100, deadline=None)
@given(batches_of_keys)
def test_first_sight_is_new_and_repeats_are_not(batches):
    with SeenIds() as seen:
        check_against_a_set(seen, batches)


@settings(max_examples=60, deadline=None)
@given(batches_of_keys, st.integers(1, 40))
def test_the_same_once_spilled_to_disk(batches, memory_ids):
    original = seen_module._FLUSH_AT
    seen_module._FLUSH_AT = 4  # small levels, so that the memory budget is reached early
    try:
        with SeenIds(memory_ids=memory_ids) as seen:
            check_against_a_set(seen, batches)
    finally:
        seen_module._FLUSH_AT = original


def test_levels_merge_and_stay_exact(monkeypatch):
    monkeypatch.setattr(seen_module, "_FLUSH_AT", 8)  # force many flushes and merges
    seen = SeenIds()
    keys = [f"user-{i % 300}" for i in range(2000)]
    flags = []
    for start in range(0, len(keys), 37):
        flags += seen.add_many(keys[start : start + 37])
    assert flags == [i < 300 for i in range(2000)]
    assert len(seen) == 300
    assert len(seen._levels) <= 10


def test_a_spilled_set_leaves_no_file_behind(monkeypatch):
    monkeypatch.setattr(seen_module, "_FLUSH_AT", 8)
    before = set(os.listdir(tempfile.gettempdir()))
    with SeenIds(memory_ids=16) as seen:
        seen.add_many([f"u{i}" for i in range(100)])
        assert seen._disk is not None and len(seen) == 100
        assert seen.add_many(["u5", "new"]) == [False, True]
    assert set(os.listdir(tempfile.gettempdir())) == before
