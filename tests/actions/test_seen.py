from hypothesis import given, settings
from hypothesis import strategies as st

import looker_braze.actions.seen as seen_module
from looker_braze.actions.seen import SeenIds


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.text(max_size=6), max_size=50), max_size=30))
def test_first_sight_is_new_and_repeats_are_not(batches):
    seen, reference = SeenIds(), set()
    for keys in batches:
        expected = []
        for key in keys:
            expected.append(key not in reference)
            reference.add(key)
        assert seen.add_many(keys) == expected
    assert len(seen) == len(reference)


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
