"""The byte readers the json_detail parser reads through."""

from __future__ import annotations

import asyncio

from hypothesis import given
from hypothesis import strategies as st

from looker_braze.hub.readers import BytesReader, ReplayReader


async def _read_all(reader, sizes: list[int]) -> list[bytes]:
    chunks, turn = [], 0
    while chunk := await reader.read(sizes[turn % len(sizes)]):
        chunks.append(chunk)
        turn += 1
    return chunks


@given(
    recorded=st.lists(st.binary(max_size=50), max_size=5),
    live=st.binary(max_size=200),
    sizes=st.lists(st.integers(1, 64), min_size=1, max_size=5),
)
def test_a_replay_gives_the_recording_then_the_live_bytes_at_most_n_at_a_time(
    recorded, live, sizes
):
    chunks = asyncio.run(_read_all(ReplayReader(recorded, BytesReader(live)), sizes))
    assert b"".join(chunks) == b"".join(recorded) + live
    assert all(len(chunk) <= sizes[i % len(sizes)] for i, chunk in enumerate(chunks))


def test_reading_everything_at_once():
    reader = ReplayReader([b"ab", b"c"], BytesReader(b"de"))
    assert asyncio.run(reader.read()) == b"abc"
    assert asyncio.run(reader.read()) == b"de"
    assert asyncio.run(reader.read()) == b""
