"""The fast path must give exactly the rows a full JSON parse gives, for any document and any
chunking, and hand over to the general parser whenever it is unsure."""

from __future__ import annotations

import asyncio
import json
from unittest.mock import patch

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.errors import FailRun
from looker_braze.hub import jsondetail, splitter
from looker_braze.hub.jsondetail import open_stream

# Strings full of the splitter's own markers, escapes and non-ASCII text.
nasty_text = st.text(alphabet=st.sampled_from(list('},{]["\\ab é😀\n:/')), max_size=12)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**12), 10**12), nasty_text,
                    st.floats(allow_nan=False, allow_infinity=False, width=32))  # fmt: skip
cells = st.one_of(
    scalars,
    st.fixed_dictionaries({"value": scalars}),
    st.fixed_dictionaries(
        {
            "value": scalars,
            "links": st.lists(st.fixed_dictionaries({"url": nasty_text}), max_size=4),
        }
    ),
    st.dictionaries(nasty_text, st.fixed_dictionaries({"value": scalars}), max_size=3),  # pivoted
)
rows = st.lists(
    st.one_of(st.dictionaries(nasty_text, cells, max_size=5), scalars),  # a few rows are odd
    max_size=40,
)


class ChunkedReader:
    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self.data, self.sizes, self.pos = data, sizes or [7], 0

    async def read(self, n: int = -1) -> bytes:
        size = min(n, self.sizes[self.pos % len(self.sizes)]) if n > 0 else len(self.data)
        chunk = self.data[self.pos : self.pos + size]
        self.pos += len(chunk)
        return chunk


async def read_rows(document: bytes, sizes: list[int], select=("u.id", "u.n")):
    stream = await open_stream(ChunkedReader(document, sizes))
    return stream.fields, [row async for batch in stream.batches(select) for row in batch]


def projected(rows: list, select) -> list:
    """What an action should get: each row's values of the selected fields, by a plain reading
    of json_detail (a cell is an object holding "value", or the value itself)."""

    def value(cell):
        return cell.get("value") if isinstance(cell, dict) else cell

    return [
        tuple(value(row.get(name)) for name in select) if isinstance(row, dict) else None
        for row in rows
    ]


def document(data, *, extra_before=None, extra_after=None, pretty=False, escaped=False) -> bytes:
    doc = {**(extra_before or {}), "fields": {"dimensions": [{"name": "a"}]}, "data": data,
           **(extra_after or {})}  # fmt: skip
    if pretty:
        return json.dumps(doc, indent=1).encode()
    if escaped:  # compact, as Looker writes it, with non-ASCII text and "/" written as escapes
        return json.dumps(doc, separators=(",", ":")).replace("/", "\\/").encode()
    return orjson.dumps(doc)


@settings(max_examples=300, deadline=None)
@given(
    data=rows,
    sizes=st.lists(st.integers(1, 300), min_size=1, max_size=5),
    before=st.dictionaries(nasty_text, scalars, max_size=2),
    after=st.dictionaries(nasty_text, st.one_of(scalars, rows), max_size=2),
    pretty=st.booleans(),
    escaped=st.booleans(),
    select=st.lists(nasty_text, max_size=4),
    picks=st.lists(st.integers(0, 200), max_size=4),
)
def test_rows_are_exactly_what_a_full_parse_gives(
    data, sizes, before, after, pretty, escaped, select, picks
):
    before.pop("fields", None), before.pop("data", None)
    after.pop("fields", None), after.pop("data", None)
    names = sorted({key for row in data if isinstance(row, dict) for key in row})
    select += [names[pick % len(names)] for pick in picks if names]  # repeats included
    doc = document(data, extra_before=before, extra_after=after, pretty=pretty, escaped=escaped)
    fields, got = asyncio.run(read_rows(doc, sizes, select))
    assert got == projected(orjson.loads(doc)["data"], select)
    assert fields.fields[0].name == "a"


def test_looker_shaped_documents_take_the_fast_path(monkeypatch):
    calls = []
    real = splitter.RowSplitter.feed
    monkeypatch.setattr(
        splitter.RowSplitter, "feed", lambda self, chunk: calls.append(1) or real(self, chunk)
    )
    data = [{"u.id": {"value": f"id-{i}"}, "u.n": {"value": i}} for i in range(5000)]
    _, got = asyncio.run(read_rows(document(data), [65536]))
    assert got == projected(data, ("u.id", "u.n")) and calls


@pytest.mark.parametrize("cut", [10, 200, 5000])
def test_a_truncated_document_still_fails_clearly(cut):
    doc = document([{"u.id": {"value": i}} for i in range(1000)])
    with pytest.raises(FailRun, match=r"ended early|not valid JSON"):
        asyncio.run(read_rows(doc[: len(doc) - cut], [1000]))


def test_header_scan_finds_data_after_other_keys():
    doc = (
        b'{"ran_at": "x", "sql": "select \\"data\\":[ from t", "fields": {"d": [1]},'
        b' "data": [ {"a": 1}]}'
    )
    header = splitter.scan_header(doc)
    assert header.fields == {"d": [1]} and doc[header.data_offset :].startswith(b" {")
    with pytest.raises(splitter.Incomplete):
        splitter.scan_header(doc[:30])


@settings(max_examples=200, deadline=None)
@given(
    data=rows,
    sizes=st.lists(st.integers(1, 300), min_size=1, max_size=5),
    pretty=st.booleans(),
    select=st.lists(nasty_text, max_size=4),
    picks=st.lists(st.integers(0, 200), max_size=4),
    threshold=st.integers(2, 120),
)
def test_rows_followed_byte_by_byte_are_what_a_full_parse_gives(
    data, sizes, pretty, select, picks, threshold
):
    """With a tiny MAX_PENDING every row counts as large: the splitter follows rows to their end
    (ValueEnd), parses them in place, and goes back to guessing, or hands over to ijson."""
    names = sorted({key for row in data if isinstance(row, dict) for key in row})
    select += [names[pick % len(names)] for pick in picks if names]
    doc = document(data, pretty=pretty)
    with patch.object(splitter, "MAX_PENDING", threshold):
        _, got = asyncio.run(read_rows(doc, sizes, select))
    assert got == projected(orjson.loads(doc)["data"], select)


@settings(max_examples=300, deadline=None)
@given(
    before=st.dictionaries(nasty_text, st.one_of(scalars, rows), max_size=3),
    fields=st.one_of(rows, st.dictionaries(nasty_text, scalars, max_size=3)),
    pretty=st.booleans(),
    sizes=st.lists(st.integers(1, 50), min_size=1, max_size=5),
)
def test_the_header_scan_gives_the_same_header_however_the_bytes_arrive(
    before, fields, pretty, sizes
):
    before.pop("fields", None), before.pop("data", None)
    doc = {**before, "timezone": "UTC", "fields": fields, "data": [1, 2]}
    text = json.dumps(doc, indent=1 if pretty else None).encode()
    scanner, header, pos, turn = splitter.HeaderScanner(), None, 0, 0
    while header is None:
        size = sizes[turn % len(sizes)]
        header = scanner.feed(text[pos : pos + size])
        pos, turn = pos + size, turn + 1
    whole = splitter.scan_header(text)
    assert header == whole and header.fields == fields and header.notes == {"timezone": "UTC"}
    assert text[whole.data_offset :].lstrip().startswith(b"1")


def test_value_end_finds_the_end_of_any_json_value_fed_a_byte_at_a_time():
    for value in ['"a\\"b\\\\"', '{"a": ["}", {"b": "]\\""}]}', "[[],[[]]]", "12.5e3 ", "null,"]:
        text, finder, end = value.encode(), splitter.ValueEnd(0), None
        for size in range(1, len(text) + 1):
            end = finder.end(text[:size])
            if end is not None:
                break
        assert end == len(value.rstrip(" ,"))


@settings(max_examples=200, deadline=None)
@given(
    data=rows,
    sizes=st.lists(st.integers(1, 300), min_size=1, max_size=5),
    layout=st.sampled_from(["pretty", "data first", "compact"]),
    escaped=st.booleans(),
    select=st.lists(nasty_text, max_size=4),
    picks=st.lists(st.integers(0, 200), max_size=4),
    read_size=st.integers(1, 64),
)
def test_the_general_path_gives_the_same_rows_however_it_cuts_its_pushes(
    data, sizes, layout, escaped, select, picks, read_size
):
    """A tiny READ_SIZE makes every string a "long token" for the push loop (pushes that double,
    cuts at a possible closing quote, escapes across pushes): the rows must not change."""
    names = sorted({key for row in data if isinstance(row, dict) for key in row})
    select += [names[pick % len(names)] for pick in picks if names]
    if layout == "data first":
        doc = orjson.dumps({"data": data, "fields": {"dimensions": [{"name": "a"}]}})
    else:
        doc = document(data, pretty=layout == "pretty", escaped=escaped)
    with patch.object(jsondetail, "READ_SIZE", read_size):
        _, got = asyncio.run(read_rows(doc, sizes, select))
    assert got == projected(orjson.loads(doc)["data"], select)
