"""Invariants under random input: array edits keep arrays unique and capped and segment counts
exact; no JSON body whatsoever makes the simulator fail."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from looker_braze.sim import population
from looker_braze.sim.braze import BrazeSimulator, SimConfig

USERS = 4
CAP = 3
VALUES = ["a", "b", "c", "d", "e"]

value_lists = st.lists(st.sampled_from(VALUES), max_size=4)
edits = st.fixed_dictionaries({}, optional={"add": value_lists, "remove": value_lists}).filter(bool)
steps = st.lists(
    st.tuples(st.integers(0, USERS - 1), st.one_of(edits, value_lists, st.none())),
    min_size=1,
    max_size=40,
)


def reference(values: list, edit) -> list:
    """Braze's array rules, written plainly: the model the simulator must agree with."""
    if edit is None:
        return []
    if isinstance(edit, list):
        edit = {"add": edit}
        values = []
    values = [value for value in values if value not in edit.get("remove", [])]
    for value in edit.get("add", []):
        if value in values:
            values.remove(value)
        values.append(value)
        values = values[-CAP:]
    return values


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_array_edits_keep_arrays_unique_capped_and_counted(sequence):
    sim = BrazeSimulator(SimConfig(users=USERS, array_cap=CAP))
    expected = {user: [] for user in range(USERS)}
    for user, edit in sequence:
        obj = {"external_id": population.external_id(user), "tags": edit}
        status, _ = sim.track({"attributes": [obj]})
        assert status == 201
        expected[user] = reference(expected[user], edit)
    arrays = {
        user: list(
            sim.profile("external_id", population.external_id(user))["custom_attributes"].get(
                "tags", ()
            )
        )
        for user in range(USERS)
    }
    assert arrays == expected
    for values in arrays.values():
        assert len(values) == len(set(values)) <= CAP
    for value in VALUES:
        holders = [user for user, values in arrays.items() if value in values]
        assert sim.segment_count("tags", value) == len(holders)
        members = sorted(sim.segment_members("tags", value))
        assert members == sorted(population.external_id(user) for user in holders)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
identifiers = st.sampled_from(
    ["external_id", "braze_id", "user_alias", "email", "phone", "_update_existing_only", "tags"]
)
objects = st.dictionaries(identifiers | st.text(max_size=8), json_values, max_size=5)
bodies = st.fixed_dictionaries(
    {},
    optional={
        "attributes": st.lists(objects | json_values, max_size=5) | json_values,
        "events": st.lists(objects, max_size=3),
        "purchases": st.lists(objects, max_size=3),
    },
)


@settings(max_examples=300, deadline=None)
@given(bodies)
def test_no_body_makes_the_simulator_fail(body):
    sim = BrazeSimulator(SimConfig(users=3, max_objects=8))
    status, answer = sim.track(body)
    assert status in (201, 400)
    assert isinstance(answer["message"], str)
    stats = sim.stats()
    assert stats["objects_processed"] + stats["objects_rejected"] <= stats["objects_received"]
    for error in answer.get("errors", []):
        assert error["input_array"] in ("attributes", "events", "purchases")
