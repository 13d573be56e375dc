"""Large request bodies: spooled to disk, the inline attachment's data read back from there a piece
at a time, and the result the same as parsing the body whole in memory."""

from __future__ import annotations

import base64
import json

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from looker_braze.errors import FailRun, RejectRequest
from looker_braze.hub import body as body_module
from looker_braze.hub import jsonspan
from looker_braze.hub.body import read_request, release
from looker_braze.hub.protocol import parse_action_request
from looker_braze.hub.rows import _attachment_bytes

from .spools import deleted_files

LIMIT = 10 * 1024 * 1024
FIXTURES_OK = [HealthCheck.function_scoped_fixture]  # the windows fixture holds for every example


async def chunked(body: bytes, size: int = 1000):
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def spooled(body: bytes, chunk: int = 1000, limit: int = LIMIT):
    """The request as the hub reads a large body (everything spooled: threshold 0)."""
    return await read_request(chunked(body, chunk), {}, limit, spool_above=0)


async def read_all(reader) -> bytes:
    out = []
    while chunk := await reader.read(7):
        assert len(chunk) <= 7  # ijson asks for at most n bytes
        out.append(chunk)
    return b"".join(out)


async def spooled_data(request) -> bytes:
    reader = request.spooled_data.reader(is_base64=request.attachment.is_base64)
    return await read_all(reader)


@pytest.fixture(autouse=True)
def tiny_windows(monkeypatch):
    # Windows and pieces of a few bytes put every escape and every token across their edges.
    monkeypatch.setattr(jsonspan, "WINDOW", 5)
    monkeypatch.setattr(jsonspan, "PIECE", 3)


def payload(data, mimetype="application/json", **extra) -> dict:
    return {
        "type": "query",
        "scheduled_plan": {"title": "VIPs", "query": {"limit": "500"}},
        "attachment": {"mimetype": mimetype, "extension": "json", "data": data},
        "data": {"braze_api_key": "k"},
        "form_params": {"braze_key": "email"},
        **extra,
    }


async def assert_same_as_in_memory(body: bytes):
    whole = parse_action_request(body, {})
    request = await spooled(body)
    try:
        assert request.attachment.data is None and request.spooled_data is not None
        assert (request.type, request.params, request.form_params) == (
            whole.type, whole.params, whole.form_params
        )  # fmt: skip
        assert request.scheduled_plan == whole.scheduled_plan
        assert request.attachment.mimetype == whole.attachment.mimetype
        assert await spooled_data(request) == _attachment_bytes(whole)
    finally:
        release(request)


# Documents whose text has every kind of escape: quotes, backslashes, controls, non-ASCII,
# characters outside the BMP (surrogate pairs once escaped).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
DOCUMENTS = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURES_OK)
@given(document=DOCUMENTS, ascii_only=st.booleans(), slashes=st.booleans())
async def test_string_data_reads_back_as_parsing_it_whole_would(document, ascii_only, slashes):
    text = orjson.dumps({"fields": {}, "data": document}).decode()
    body = json.dumps(payload(text), ensure_ascii=ascii_only)
    if slashes:  # some encoders escape "/" (Java's, for one)
        body = body.replace("/", "\\/")
    await assert_same_as_in_memory(body.encode())


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURES_OK)
@given(raw=st.binary(max_size=200), wrap=st.sampled_from([0, 4, 76]), slashes=st.booleans())
async def test_base64_data_is_decoded_on_the_fly(raw, wrap, slashes):
    encoded = base64.b64encode(raw).decode()
    if wrap:  # MIME encoders break lines
        encoded = "\r\n".join(encoded[i : i + wrap] for i in range(0, len(encoded), wrap))
    body = json.dumps(payload(encoded, "application/json;base64"))
    if slashes:
        body = body.replace("/", "\\/")
    request = await spooled(body.encode())
    try:
        assert await spooled_data(request) == raw
    finally:
        release(request)


@pytest.mark.parametrize("mimetype", ["application/json", "application/json;base64"])
@pytest.mark.parametrize("indent", [0, orjson.OPT_INDENT_2])
async def test_data_as_a_json_object_is_read_as_its_text(mimetype, indent):
    document = {"fields": {"dimensions": [{"name": "a.b"}]}, "data": [{"a.b": {"value": 'x"}'}}]}
    body = orjson.dumps(payload(document, mimetype), option=indent)
    request = await spooled(body)
    try:
        assert orjson.loads(await spooled_data(request)) == document
    finally:
        release(request)


@pytest.mark.parametrize(
    "body, status, fragment",
    [
        (b'{"type": "query", "attachment": {"data": "abc', 400, "not valid JSON"),
        (b'{"type": "query", "attachment": {"data": "abc\\', 400, "not valid JSON"),
        (b'{"type": "query", "attachment": {"data": {"a": [1, 2}', 400, "not valid JSON"),
        (b'{"type": "query", "attachment": {"data": "abc"}} trailing', 400, "not valid JSON"),
        (b'{"type": "query" "attachment": {"data": "abc"}}', 400, "not valid JSON"),
        (b'[{"attachment": {"data": "abc"}}]', 400, "JSON object"),
        (b'{"attachment": {"data": 5}}', 400, "attachment.data"),
        (b'{"data": {"k": 1}, "attachment": {"data": "abc"}}', 400, "data.k"),
    ],
)
async def test_bad_spooled_bodies_are_rejected_like_small_ones(body, status, fragment):
    with pytest.raises(RejectRequest) as error:
        await spooled(body)
    assert error.value.status == status and fragment in str(error.value)


async def test_a_body_without_attachment_data_is_parsed_whole():
    for body in (orjson.dumps(payload(None)), orjson.dumps({"type": "query", "data": {}})):
        request = await spooled(body)
        assert request.spooled_data is None and not request.has_inline_data


async def test_the_parts_besides_the_data_have_a_size_limit(monkeypatch):
    monkeypatch.setattr(body_module, "MAX_ENVELOPE", 1000)
    await assert_same_as_in_memory(orjson.dumps(payload("x" * 5000)))
    with pytest.raises(RejectRequest) as error:
        await spooled(orjson.dumps(payload("x", something_new="y" * 5000)))
    assert error.value.status == 413 and "Besides the attachment" in str(error.value)


async def test_the_body_limit_holds_for_chunked_bodies():
    with pytest.raises(RejectRequest) as error:
        await spooled(orjson.dumps(payload("x" * 5000)), limit=4000)
    assert error.value.status == 413 and "LOOKER_BRAZE_MAX_REQUEST_BYTES" in str(error.value)


@pytest.mark.parametrize("data", ["!!!not base64", "abcde", "YWJj\\u00e9"])
async def test_invalid_base64_fails_the_run_clearly(data):
    body = orjson.dumps(payload(data, "application/json;base64")).replace(b"\\\\", b"\\")
    request = await spooled(body)
    try:
        with pytest.raises(FailRun, match="marked base64 but is not valid base64"):
            await spooled_data(request)
    finally:
        release(request)


async def test_a_lone_surrogate_fails_the_run_clearly():
    request = await spooled(b'{"attachment": {"mimetype": "application/json", "data": "a\\ud83d"}}')
    with pytest.raises(FailRun, match="not a valid JSON string"):
        await spooled_data(request)
    release(request)


async def test_the_spool_is_deleted_when_released():
    before = deleted_files()
    request = await spooled(orjson.dumps(payload("abc")))
    assert deleted_files() == before + 1
    release(request)
    assert deleted_files() == before


async def test_small_bodies_stay_in_memory_as_before():
    body = orjson.dumps(payload("abc"))
    request = await read_request(chunked(body), {}, LIMIT, spool_above=len(body))
    assert request.spooled_data is None and request.attachment.data == "abc"


VALID = orjson.dumps(payload('{"fields": {}, "data": [{"a": {"value": "x\\"y"}}]}'))


@st.composite
def mutated_bodies(draw) -> bytes:
    """A valid execute body with a few bytes deleted, replaced or inserted."""
    body = bytearray(VALID)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(body) - 1))
        byte = draw(st.sampled_from(b'{}[]",:\\ a0'))
        match draw(st.sampled_from(["delete", "replace", "insert"])):
            case "delete":
                del body[at]
            case "replace":
                body[at] = byte
            case "insert":
                body.insert(at, byte)
    return bytes(body)


@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURES_OK)
@given(body=mutated_bodies() | st.binary(max_size=60))
@example(body=b" \r\n")  # blank: an empty request
async def test_any_body_is_taken_or_refused_as_parsing_it_whole_would(body):
    try:
        whole = parse_action_request(body, {})
    except RejectRequest:
        whole = None
    try:
        request = await spooled(body)  # nothing but RejectRequest may escape
    except RejectRequest:
        assert whole is None  # refused only what the whole parse refuses too
        return
    try:
        if whole is not None and whole.has_inline_data:
            assert await spooled_data(request) == _attachment_bytes(whole)
    finally:
        release(request)
