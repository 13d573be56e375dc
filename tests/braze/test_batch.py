import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.braze.batch import MAX_OBJECTS, Batch, Batcher, BatchSize
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


def test_a_batch_size_shrinks_to_50_then_halves_and_never_grows():
    size = BatchSize(75)
    steps = []
    while size.shrink(size.current):
        steps.append(size.current)
    assert steps == [50, 25, 12, 6, 3, 1]
    assert size.change == (75, 1)


def test_a_refusal_of_a_request_larger_than_the_size_changes_nothing():
    size = BatchSize(75)
    assert size.shrink(75) and size.current == 50
    assert size.shrink(75) and size.current == 50  # sent before the shrink: resend at 50
    assert size.shrink(30) and size.current == 15  # a short batch refused: below what failed


def test_an_unshrunk_size_has_no_change():
    assert BatchSize(40).change is None
    with pytest.raises(ValueError):
        BatchSize(0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.just("shrink"), st.binary(min_size=2, max_size=50)), max_size=500))
def test_batches_formed_after_a_shrink_follow_it(steps):
    size = BatchSize(75)
    batcher = Batcher(size)
    formed, sent, tags = [], [], 0
    for step in steps:
        if step == "shrink":
            size.shrink(size.current)
            continue
        for batch in batcher.add(step, tags):
            formed.append((len(batch), size.current))
            sent += batch.tags
        tags += 1
    last = batcher.flush()
    assert sent + (last.tags if last else []) == list(range(tags))  # each once, in order
    assert all(length <= limit for length, limit in formed)
