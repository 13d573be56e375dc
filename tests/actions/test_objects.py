"""Objects built column by column, a block at a time, must be what the rules give row by row:
whatever the block's make-up, the same objects, data points and notes; never a null sent."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.actions.braze.mapping import RowMapper, ValueNotes
from looker_braze.braze.attributes import MAX_STRING, UNBILLED
from looker_braze.hub.cells import Projection
from looker_braze.hub.document import parse_fields
from tests.actions.test_mapping import ID, options

FIELDS = (
    ID,
    {"name": "u.name", "type": "string", "tags": ["braze[first_name]"]},
    {"name": "u.tier", "type": "string", "tags": ["braze[tier]"]},
    {"name": "u.email", "type": "string", "tags": ["braze[email]"]},
    {"name": "u.country", "type": "string", "tags": ["braze[country]"]},
    {"name": "u.ltv", "type": "number", "is_numeric": True, "tags": ["braze[ltv]"]},
    {"name": "u.vip", "type": "yesno", "tags": ["braze[vip]"]},
    {"name": "u.dob", "type": "date_date", "tags": ["braze[dob]"]},
    {"name": "u.seen", "type": "date_time", "tags": ["braze[seen_at]"]},
    {"name": "u.unsub", "type": "string", "tags": ["braze[email_subscribe]"]},
)

odd = st.one_of(st.none(), st.lists(st.integers(), max_size=2), st.booleans(), st.integers())
cells = {
    "u.name": st.one_of(st.text(max_size=5), st.just("x" * (MAX_STRING + 3)), odd),
    "u.tier": st.one_of(st.sampled_from(["gold", "silver", ""]), odd),
    "u.email": st.one_of(st.sampled_from(["a@b.co", "bad", "x@gmail.com", " c@d.io "]), odd),
    "u.country": st.one_of(st.sampled_from(["US", "fr", "Narnia"]), odd),
    "u.ltv": st.one_of(st.floats(allow_nan=True), st.sampled_from(["1,200", "x"]), odd),
    "u.vip": st.one_of(st.sampled_from(["Yes", "No", "maybe"]), odd),
    "u.dob": st.one_of(st.sampled_from(["1990-02-28", "3001-01-01", "2024-Q2", "x"]), odd),
    "u.seen": st.one_of(st.sampled_from(["2024-03-10 02:30:00", "2024-02-01", "soon"]), odd),
    "u.unsub": st.one_of(st.sampled_from(["opted_in", "nope"]), odd),
}
rows = st.lists(
    st.fixed_dictionaries(
        {}, optional={n: st.builds(lambda v: {"value": v}, s) for n, s in cells.items()}
    ),
    min_size=1,
    max_size=30,
)


def mapper() -> RowMapper:
    return RowMapper(parse_fields({"dimensions": list(FIELDS)}), options(time_zone="Europe/Paris"))


@settings(max_examples=200, deadline=None)
@given(rows)
def test_a_block_builds_what_its_rows_build_one_by_one(data):
    block_mapper = mapper()
    values = Projection(block_mapper.select).rows(data)
    ids = [f"u{i}" for i in range(len(data))]
    block_notes, single_notes = ValueNotes(), ValueNotes()
    block = block_mapper.build_many(values, ids, block_notes)
    single_mapper = mapper()
    single = [single_mapper.build(row, i, single_notes) for row, i in zip(values, ids, strict=True)]
    assert block == single
    assert block_notes == single_notes
    for obj, points in block:
        assert None not in obj.values()  # a null would erase the attribute in Braze
        attributes = set(obj) - {"external_id", "_update_existing_only", "looker_export"}
        assert points == 1 + len(attributes - UNBILLED)
        assert all(len(v) <= MAX_STRING for v in obj.values() if isinstance(v, str))
