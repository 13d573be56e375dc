import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.braze.batch import MAX_OBJECTS, Batch, Batcher
from looker_braze.errors import RejectRow

objects = st.lists(st.binary(min_size=2, max_size=300), max_size=400)


@settings(max_examples=200, deadline=None)
@given(objects, st.integers(1, 100), st.integers(60, 5000))
def test_every_object_lands_in_exactly_one_batch_within_limits(payloads, max_objects, max_bytes):
    batcher = Batcher(max_objects=max_objects, max_bytes=max_bytes)
    batches: list[Batch] = []
    rejected = []
    for i, payload in enumerate(payloads):
        try:
            batches += batcher.add(payload, i)
        except RejectRow:
            rejected.append(i)
    last = batcher.flush()
    if last is not None:
        batches.append(last)
    tags = [tag for batch in batches for tag in batch.tags]
    assert sorted(tags + rejected) == list(range(len(payloads)))  # each exactly once, in order
    assert tags == sorted(tags)
    for batch in batches:
        assert 1 <= len(batch) <= max_objects
        assert len(batch.body()) == batch.size <= max_bytes


def test_default_batches_hold_75_and_bodies_are_valid_json():
    batcher = Batcher()
    ready = []
    for i in range(200):
        ready += batcher.add(orjson.dumps({"external_id": str(i)}), i)
    ready.append(batcher.flush())
    assert [len(b) for b in ready] == [MAX_OBJECTS, MAX_OBJECTS, 50]
    body = orjson.loads(ready[0].body())
    assert [o["external_id"] for o in body["attributes"]] == [str(i) for i in range(75)]


def test_halves_and_subsets_keep_tags_with_their_objects():
    batch = Batch()
    for i in range(5):
        batch.add(orjson.dumps({"i": i}), i)
    first, second = batch.halves()
    assert first.tags == [0, 1] and second.tags == [2, 3, 4]
    assert orjson.loads(second.body())["attributes"][0] == {"i": 2}
    assert batch.subset([4, 1]).tags == [4, 1]


def test_an_object_over_4mb_is_rejected_alone():
    batcher = Batcher()
    with pytest.raises(RejectRow):
        batcher.add(b"x" * 4_000_000, 0)
