"""Property: whatever the sequence of runs and whatever Braze accepts, the store's audience is
exactly what a model of "recorded adds minus recorded removals" says, the gone members are
exactly the recorded audience minus the run, and a fully accepted sync leaves the audience
equal to the latest run's set."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from looker_braze.state import RunEnd, Sent

from .conftest import WORKSPACE, run_start

pytestmark = pytest.mark.services

UNIVERSE = [f"external_id:u{i}" for i in range(12)] + ["user_alias:a\x1fb", "email:x\ty", "é\\n"]
labels = itertools.count()

run_sets = st.sets(st.sampled_from(UNIVERSE))
runs = st.lists(st.tuples(run_sets, st.booleans()), min_size=1, max_size=5)


def accepted_part(data, members: list[str], everything: bool) -> list[str]:
    if everything or not members:
        return members
    return data.draw(st.lists(st.sampled_from(members), unique=True), label="accepted")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(runs=runs, data=st.data())
def test_the_audience_follows_what_braze_accepted(store, runs, data):
    audience = store.audience_id(WORKSPACE, "looker_export", f"P{next(labels)}")  # fresh
    model: set[str] = set()
    for members, everything_accepted in runs:
        run_id = store.start_run(run_start())
        order = data.draw(st.permutations(sorted(members)), label="order")
        for start in range(0, len(order), 4):  # in batches, one member possibly twice
            store.add_run_members(run_id, order[start : start + 4] + order[start : start + 1])
        known = store.lookup(audience, WORKSPACE, order)
        to_add = [m for m in order if not (m in known and known[m].member)]
        assert set(to_add) == members - model
        added = accepted_part(data, to_add, everything_accepted)
        hashes = data.draw(st.sampled_from([{}, {"h": 1}]), label="hashes")  # flag-only too
        store.record_sent(audience, WORKSPACE, [Sent(m, hashes, True) for m in added])

        gone = [m for batch in store.gone_members(audience, run_id, batch_size=3) for m in batch]
        assert len(gone) == len(set(gone))
        assert set(gone) == model - members
        removed = accepted_part(data, gone, everything_accepted)
        store.remove_members(audience, removed)
        store.finish_run(run_id, RunEnd(success=everything_accepted))

        model = (model | set(added)) - set(removed)
        assert store.audience_size(audience) == len(model)
        flagged = {m for m, k in store.lookup(audience, WORKSPACE, UNIVERSE).items() if k.member}
        assert flagged == model
        if everything_accepted:
            assert model == members
