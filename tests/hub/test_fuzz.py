"""Every route of the hub, fed hostile input over real HTTP: never a 5xx, the hub still answers
/status afterwards, and neither the hub secret nor a Braze API key ever comes back in an answer,
the run history or the log.

The hub runs with the real Braze action, its state store and a Braze simulator on 127.0.0.1 (the
only endpoint an execute can send to); download URLs point at a closed port of 127.0.0.1, the
simulator or the hub itself, so nothing leaves the machine. Requests are written on a raw socket,
so that headers and Content-Length can lie. Hypothesis runs derandomized: CI gets the same examples
every run (a failure is reproducible, and the suite never goes red on an example first met in
someone else's pull request); run with --hypothesis-seed and derandomize off to explore further.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import logging
import secrets
import socket
import string
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response
from starlette.routing import Route

from looker_braze.actions.registry import build_registry
from looker_braze.hub.auth import authorization_header, new_token
from looker_braze.hub.server import create_app
from looker_braze.serving import background_server, bind_socket, socket_url
from looker_braze.settings import HubSettings
from looker_braze.sim.braze import KeySpec, SimConfig, running

pytestmark = pytest.mark.timeout(600)

SECRET = "fuzz-hub-secret-7d41c9e2"
SIM_KEY = "5c3f1e2a-9b7d-4e61-a0c8-f2d4b6e8a1c3"  # the simulator accepts it
OTHER_KEYS = ("0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a", "E2B7C1D0-3F4A-4B5C-9D6E-7F8091A2B3C4")
KEYS = (SIM_KEY, *OTHER_KEYS)
EXAMPLES = {"execute": 400, "form": 200}  # per route; other routes: DEFAULT_EXAMPLES
DEFAULT_EXAMPLES = 100
READ_TIMEOUT = 30.0
GIVE_UP_WAITING = 0.3  # for a body the request promised and never sent


# ---------------------------------------------------------------- servers


@dataclass
class Target:
    port: int
    sim_url: str
    closed_port: int
    downloads: Downloads
    token: str = field(default_factory=lambda: new_token(SECRET))

    @property
    def hub_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass(frozen=True)
class Served:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class Downloads:
    """Looker's download URLs, played by a small server answering what each example chose."""

    def __init__(self) -> None:
        self.url = ""
        self._answers: dict[str, Served] = {}
        self.app = Starlette(routes=[Route("/files/{name}", self._serve)])

    def add(self, served: Served) -> str:
        name = secrets.token_hex(8)
        self._answers[name] = served
        return f"{self.url}/files/{name}"

    async def _serve(self, request: StarletteRequest) -> Response:
        served = self._answers.get(request.path_params["name"])
        if served is None:
            return Response(b"gone", status_code=410)
        return Response(served.body, served.status, headers=dict(served.headers))


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.format(record)  # fills exc_text: a traceback is checked too
        self.records.append(record)

    def text(self) -> str:
        return "\n".join(f"{r.getMessage()}\n{r.exc_text or ''}" for r in self.records)


def closed_port() -> int:
    """A port of 127.0.0.1 where nothing listens (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    sim = SimConfig(users=50, api_keys={SIM_KEY: KeySpec()})
    downloads = Downloads()
    with (
        running(sim) as (sim_url, _),
        background_server(downloads.app) as downloads.url,
        tempfile.TemporaryDirectory() as folder,
    ):
        sock = bind_socket()
        settings = HubSettings(
            base_url=socket_url(sock),
            label="fuzz",
            secret=SECRET,
            extra_endpoints=(sim_url,),
            state_url=f"sqlite:///{folder}/state.sqlite3",
            keepalive_seconds=0.5,
            max_request_bytes=64 * 1024,
            download_stall_seconds=5,
        )
        app = create_app(settings, build_registry(settings))
        with background_server(app, sock=sock) as url:
            yield Target(urlsplit(url).port, sim_url, closed_port(), downloads)


@pytest.fixture(scope="module")
def logs(target) -> Iterator[Records]:
    # uvicorn's loggers do not propagate to the root: listen to them too.
    handler = Records()
    names = ("", "uvicorn", "uvicorn.error", "looker_braze")
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).addHandler(handler)
    logging.getLogger("looker_braze").setLevel(logging.DEBUG)
    yield handler
    for name in names:
        logging.getLogger(name).removeHandler(handler)
        logging.getLogger(name).setLevel(levels[name])


# ---------------------------------------------------------------- a raw HTTP client


@dataclass
class Request:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    length: str  # honest, short, long, absent, garbage

    def wire(self, port: int) -> bytes:
        lines = [f"{self.method} {self.target} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
        lines.append("Connection: close")
        lines += [f"{name}: {value}" for name, value in self.headers]
        body = self.body
        declared = {
            "honest": str(len(body)),
            "short": str(max(len(body) - 3, 0)),
            "long": str(len(body) + 10),
            "garbage": "12abc",
            "negative": "-5",
            "twice": f"{len(body)}\r\nContent-Length: {len(body) + 1}",
        }.get(self.length)
        if declared is not None:
            lines.append(f"Content-Length: {declared}")
        if self.length.startswith("chunked"):
            lines.append("Transfer-Encoding: chunked")
            body = chunked(body, broken=self.length == "chunked-broken")
        head = "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n"
        return head + body


def chunked(body: bytes, broken: bool) -> bytes:
    pieces = [body[i : i + 100] for i in range(0, len(body), 100)]
    out = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)
    # A broken one claims more than it holds and never ends.
    return out + (b"ffff\r\nshort" if broken else b"0\r\n\r\n")


# Ways of framing a body that break HTTP itself: the hub may close without an answer.
BROKEN_FRAMING = ("long", "garbage", "negative", "twice", "chunked-broken")
# Ways that leave the hub waiting for bytes that never come: the client gives up.
NEVER_ENDING = ("long", "chunked-broken")


@dataclass
class Answer:
    status: int | None
    head: bytes
    body: bytes


def exchange(port: int, request: Request) -> Answer:
    # A request that promises more body than it sends gets no answer until it gives up.
    timeout = GIVE_UP_WAITING if request.length in NEVER_ENDING else READ_TIMEOUT
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        # The hub may answer (413) and close before reading everything.
        with contextlib.suppress(OSError):
            conn.sendall(request.wire(port))
        received = bytearray()
        try:
            while chunk := conn.recv(65536):
                received += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return parse_answer(bytes(received))


def parse_answer(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    status = int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else None
    if b"transfer-encoding: chunked" in head.lower():
        body = dechunk(body)
    return Answer(status, head, body)


def dechunk(body: bytes) -> bytes:
    out = bytearray()
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return bytes(out)


def get(target: Target, path: str, authorized: bool = True) -> Answer:
    headers = [("Authorization", authorization_header(target.token))] if authorized else []
    return exchange(target.port, Request("GET", path, headers, b"", "absent"))


# ---------------------------------------------------------------- strategies: values


def mostly(usual, odd: st.SearchStrategy, times: int = 3) -> st.SearchStrategy:
    """``usual`` ``times`` in ``times + 1``, else ``odd``: a request must get past the token
    check and the routing often enough for the body to matter."""
    chosen = st.sampled_from([True] * times + [False])
    return chosen.flatmap(lambda pick: st.just(usual) if pick else odd)


LATIN_1 = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
header_text = st.text(LATIN_1, max_size=40)
odd_text = st.text(max_size=30) | st.sampled_from(
    ["", " ", "\x00", "\u202e", "\uff0f", "\ufeff", "é" * 5, "😀", "a" * 5000, "null", "{}"]
)
huge_digits = st.sampled_from(["9" * 5000, "-" + "9" * 5000, "1" + "0" * 19, "9" * 4301])
odd_numbers = st.one_of(
    st.integers().map(str),
    st.integers(2**63 - 3, 2**64 + 3).map(str),
    huge_digits,
    st.sampled_from(["", "0", "-1", "1e3", "0x10", "１２", "٣", "NaN", "inf", " 5 ", "5_0"]),
)
odd_times = st.one_of(
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.sampled_from(
        [
            "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
            "9999-12-31T23:59:59-05:00",  # after year 9999 in UTC
            "2026-01-31T00:00:00Z",
            "2026-02-30",
            "2026-01-31T25:00",
            "9" * 5000,
        ]
    ),
    odd_text,
)


def tokens(target: Target) -> st.SearchStrategy[str]:
    valid = target.token
    nonce, _, digest = valid.partition("/")
    return st.sampled_from(
        [valid, SECRET, f"{nonce}/", f"/{digest}", f"{nonce}/{digest[:-1]}0", valid + "x"]
    ) | st.text(LATIN_1, max_size=40)


def authorizations(target: Target) -> st.SearchStrategy[str | None]:
    valid = target.token

    def basic(raw: bytes) -> str:
        return "Basic " + base64.b64encode(raw).decode()

    return mostly(
        authorization_header(valid),
        st.none()
        | tokens(target).map(authorization_header)
        | st.sampled_from(
            [
                f'Token token="{SECRET}"',
                f"Bearer {SECRET}",
                basic(f"looker:{valid}".encode()),
                basic(f"looker:{SECRET}".encode()),
                basic(b"\xff\xfe:\x00"),
                "Basic !!!not-base64",
                "Basic ",
                'token token="',
                "Token token=" + '"' * 200,
            ]
        )
        | header_text,
    )


versions = st.lists(st.integers(0, 10**12).map(str) | huge_digits, min_size=1, max_size=4).map(
    ".".join
)
user_agents = st.one_of(
    st.none(),
    versions.map("LookerOutgoingWebhook/{}".format),
    st.sampled_from(
        ["LookerOutgoingWebhook/", "LookerOutgoingWebhook/1..2", "lookeroutgoingwebhook/7"]
    ),
    header_text,
)
content_types = st.sampled_from(
    [None, "application/json", "text/plain", "multipart/form-data; boundary=x", "\xe9/\xe9", ""]
)
lengths = mostly("honest", st.sampled_from(["short", "absent", "chunked", *BROKEN_FRAMING]), 5)


def headers(target: Target) -> st.SearchStrategy[list[tuple[str, str]]]:
    optional = {
        "Authorization": authorizations(target),
        "User-Agent": user_agents,
        "X-Looker-Instance": st.none() | header_text,
        "X-Looker-Webhook-Id": st.none() | header_text | st.just("w" * 8000),
        "Content-Type": content_types,
        "Cookie": mostly(None, st.just("c=" + "x" * 100_000), times=10),
        st.text(string.ascii_letters, min_size=1, max_size=20): header_text,
    }

    @st.composite
    def build(draw) -> list[tuple[str, str]]:
        out = []
        for name, values in optional.items():
            name = draw(name) if isinstance(name, st.SearchStrategy) else name
            value = draw(values)
            if value is not None:
                out.append((name, value))
        return out

    return build()


# ---------------------------------------------------------------- strategies: bodies

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | odd_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(odd_text, children, max_size=4)
    ),
    max_leaves=12,
)


def endpoints(target: Target) -> st.SearchStrategy[str]:
    # Never a real Braze host: an execute that got through would send to the Internet.
    return st.sampled_from(
        [
            target.sim_url,
            target.sim_url + "/",
            "https://[::1",
            "https:\uff0f\uff0frest.iad-01.braze.com",
            "https://rest.iad-01.braze.com\uff0fx",
            "rest.iad-01.braze.com",
            "https://rest.notbraze.com",
            "https://dashboard-03.braze.com",
            f"http://127.0.0.1:{target.closed_port}",
            "ftp://x",
            "",
            *KEYS,
            *(f"https://{key}" for key in KEYS),
        ]
    ) | odd_text.filter(lambda text: "braze" not in text.lower())


def served_downloads(target: Target) -> st.SearchStrategy[str]:
    """The URL of a download answering a random Look, status, encoding and type. Redirects go
    only to 127.0.0.1: nothing the hub fetches may leave the machine."""
    closed = f"http://127.0.0.1:{target.closed_port}/x"
    bodies = look_documents().map(str.encode) | st.binary(max_size=300)
    encodings = st.sampled_from(["identity", "gzip", "gzip-but-not", "deflate-but-not", "br"])
    statuses = mostly(200, st.sampled_from([204, 301, 302, 404, 410, 500, 503]))
    types = st.sampled_from(["application/json", "text/html", "", "application/json; charset=x"])
    places = st.sampled_from([closed, f"{target.hub_url}/status", f"{target.downloads.url}/x"])

    @st.composite
    def build(draw) -> str:
        body, encoding = draw(bodies), draw(encodings)
        headers = [("content-type", draw(types))]
        if encoding != "identity":
            headers.append(("content-encoding", encoding.removesuffix("-but-not")))
        if encoding == "gzip":
            body = gzip.compress(body)
        status = draw(statuses)
        if status in (301, 302):
            headers.append(("location", draw(places)))
        return target.downloads.add(Served(status, tuple(headers), body))

    return build()


def download_urls(target: Target) -> st.SearchStrategy[str | None]:
    closed = f"http://127.0.0.1:{target.closed_port}"
    return st.one_of(
        st.none(),
        served_downloads(target),
        served_downloads(target),
        st.sampled_from(
            [
                closed,
                f"{closed}/look.json",
                f"http://user:pw@127.0.0.1:{target.closed_port}/",
                "http://127.0.0.1:0/",
                "http://127.0.0.1:99999/",
                "http://[::1",
                "ftp://127.0.0.1/",
                "",
                "not a url",
                f"{target.hub_url}/status",
                f"{target.hub_url}/actions/braze/execute",
                f"{target.sim_url}/users/track",
            ]
        ),
        odd_text.map(lambda text: f"{closed}/{quote(text)}"),
    )


def cells(values: st.SearchStrategy) -> st.SearchStrategy:
    """A json_detail cell: {"value": ...}, sometimes with more, sometimes not a cell at all."""
    cell = st.fixed_dictionaries({"value": values}, optional={"rendered": odd_text})
    return mostly(None, json_values, times=4).flatmap(
        lambda odd: cell if odd is None else st.just(odd)
    )


def look_documents() -> st.SearchStrategy[str]:
    """json_detail documents with random cells (as text): mostly a Look the action can read."""
    plausible_fields = st.fixed_dictionaries(
        {
            "dimensions": st.just(
                [
                    {"name": "users.id", "tags": ["braze_id"]},
                    {"name": "users.x", "tags": ["braze[x]"]},
                ]
            ),
            "measures": st.just([]),
        }
    )
    odd_fields = st.fixed_dictionaries(
        {},
        optional={
            "dimensions": st.lists(
                st.fixed_dictionaries({"name": odd_text, "tags": st.lists(odd_text)}), max_size=3
            )
            | json_values,
            "pivots": json_values,
        },
    )
    ids = st.text(string.ascii_letters + string.digits, min_size=1, max_size=8) | json_values
    row = st.fixed_dictionaries({"users.id": cells(ids)}, optional={"users.x": cells(json_values)})
    rows = st.lists(mostly(None, st.dictionaries(odd_text, json_values, max_size=3)), max_size=6)
    documents = st.fixed_dictionaries(
        {
            "fields": mostly(None, odd_fields).flatmap(
                lambda odd: plausible_fields if odd is None else st.just(odd)
            ),
            "data": st.lists(row, min_size=1, max_size=6)
            | rows.filter(lambda found: None not in found),
        }
    )
    return mostly(None, odd_text, times=5).flatmap(
        lambda odd: documents.map(json.dumps) if odd is None else st.just(odd)
    )


def attachments() -> st.SearchStrategy[dict | None]:
    mimetypes = mostly(
        "application/json",
        st.sampled_from(
            ["application/json;base64", "text/csv", "", "x;base64", "application/json; base64"]
        )
        | st.none()
        | odd_text,
    )
    data = st.one_of(
        look_documents(),
        look_documents(),
        look_documents().map(lambda text: base64.b64encode(text.encode()).decode()),
        st.sampled_from(["!!!", "=", "a" * 3]),
        json_values,
    )
    return (
        st.fixed_dictionaries(
            {"mimetype": mimetypes, "data": data}, optional={"extension": odd_text}
        )
        | st.none()
    )


FORM_CHOICES = {
    "braze_key": ["external_id", "braze_id", "user_alias", "email", "phone", "EXTERNAL_ID"],
    "braze_segment": ["VIP", "LOOKER_EXPORT", ""],
    "braze_alias_label": ["looker"],
    "braze_mode": ["append", "sync", "remove", "SYNC"],
    "braze_send": ["changes", "everything"],
    "braze_attribute": ["looker_export", "external_id", "$x"],
    "braze_update_existing_only": ["yes", "no"],
    "braze_dry_run": ["yes", "no", "1"],
}


def settings_of(target: Target) -> st.SearchStrategy[tuple[str, dict]]:
    """(the API key, the action's settings): mostly the simulator and its key."""
    usual = (SIM_KEY, {"braze_api_key": SIM_KEY, "braze_api_endpoint": target.sim_url})
    keys = st.sampled_from([*KEYS, "", "k"]) | odd_text

    def odd_settings(key: str) -> st.SearchStrategy[tuple[str, dict]]:
        optional = {
            "braze_api_key": st.just(key),
            "braze_api_endpoint": endpoints(target),
            "braze_description": odd_text,
        }
        return st.fixed_dictionaries({}, optional=optional).map(lambda found: (key, found))

    return mostly(None, keys).flatmap(
        lambda key: st.just(usual) if key is None else odd_settings(key)
    )


@st.composite
def looker_bodies(draw, target: Target) -> dict:
    """A body shaped like Looker's, each field plausible or odd. A Braze key appears only as a
    whole value of a field (a paste), where the hub must recognise it."""
    key, data = draw(settings_of(target))
    choices = {
        name: mostly(None, odd_text | st.just(key) | st.sampled_from(KEYS), times=2).flatmap(
            lambda odd, values=values: st.sampled_from(values) if odd is None else st.just(odd)
        )
        for name, values in FORM_CHOICES.items()
    }
    form = draw(st.fixed_dictionaries({}, optional=choices))
    plan = st.fixed_dictionaries(
        {"download_url": download_urls(target)},
        optional={
            "scheduled_plan_id": st.integers() | odd_text,
            "title": odd_text,
            "query": st.fixed_dictionaries(
                {},
                optional={
                    "limit": odd_numbers,
                    "query_timezone": odd_text | st.just("America/New_York"),
                    "has_table_calculations": json_values,
                },
            )
            | json_values,
        },
    )
    body = {
        "type": draw(mostly("query", st.sampled_from(["cell", "dashboard", None]) | odd_text)),
        "data": data,
        "form_params": form,
        "scheduled_plan": draw(st.none() | plan),
        "attachment": draw(attachments()),
    }
    # Now and then a key missing, or holding a value of the wrong type.
    for name in draw(mostly([], st.lists(st.sampled_from(sorted(body)), max_size=2, unique=True))):
        if draw(st.booleans()):
            del body[name]
        else:
            body[name] = draw(json_values)
    return body


def dump(value) -> bytes:
    # The standard library's JSON: it writes integers of any size, as a hostile caller may.
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def bodies(target: Target) -> st.SearchStrategy[bytes]:
    others = st.sampled_from([b"", b"{" * 3000, b'{"data": ' + b"[" * 100_000 + b"}"])
    others |= st.binary(max_size=512) | json_values.map(dump)
    looker = looker_bodies(target).map(dump)
    return mostly(None, others).flatmap(lambda odd: looker if odd is None else st.just(odd))


# ---------------------------------------------------------------- strategies: requests

ROUTES = {
    "list": ("POST", "/"),
    "definition": ("POST", "/actions/{name}"),
    "form": ("POST", "/actions/{name}/form"),
    "execute": ("POST", "/actions/{name}/execute"),
    "status": ("GET", "/status"),
    "runs": ("GET", "/runs"),
    "runs_view": ("GET", "/runs/view"),
    "metrics": ("GET", "/metrics"),
    "unknown": ("GET", "/{name}"),
}
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
action_names = mostly(
    "braze",
    st.sampled_from(
        ["BRAZE", "braze%20", "..", "%2e%2e", "%00", "braze%2Fexecute", "%ff", "b" * 300]
    )
    | st.text(max_size=20).map(lambda name: quote(name, safe="")),
)


def queries(target: Target) -> st.SearchStrategy[str]:
    params = st.dictionaries(
        st.sampled_from(["limit", "before", "since", "token"]) | odd_text,
        odd_numbers | odd_times | tokens(target),
        max_size=4,
    ).map(lambda found: urlencode(found, quote_via=quote))
    raw = st.text(string.printable.strip(), max_size=30).map(lambda text: quote(text, safe="=&%"))
    return st.one_of(st.just(""), params, raw)


@st.composite
def requests(draw, route: str, target: Target) -> Request:
    method, template = ROUTES[route]
    method = draw(mostly(method, st.sampled_from(METHODS)))
    path = template.format(name=draw(action_names))
    # Now and then a request target of another form: absolute, asterisk, doubled or cut short.
    odd_forms = [f"http://127.0.0.1{path}", "*", f"/{path}", f"{path}/", f"{path}%", f"{path}%2"]
    path = draw(mostly(path, st.sampled_from(odd_forms), times=8))
    query = draw(queries(target))
    return Request(
        method=method,
        target=f"{path}?{query}" if query else path,
        headers=draw(headers(target)),
        body=draw(bodies(target)) if method != "GET" or draw(st.booleans()) else b"",
        length=draw(lengths),
    )


# ---------------------------------------------------------------- the checks

SECRETS = (SECRET, *KEYS, *(key.upper() for key in KEYS), *(key.lower() for key in KEYS))


def assert_no_secret(text: bytes | str, where: str) -> None:
    data = text.encode("utf-8", "replace") if isinstance(text, str) else text
    for secret in SECRETS:
        pieces = {secret[i : i + 12].encode() for i in range(len(secret) - 11)}
        leaked = [piece for piece in pieces if piece in data]
        at = data.find(leaked[0]) if leaked else 0
        assert not leaked, f"{where} echoes part of a secret: {data[max(at - 300, 0) : at + 60]!r}"


def check(target: Target, request: Request) -> None:
    answer = exchange(target.port, request)
    if answer.status is None:
        # No answer is fair only to a request that broke HTTP framing itself.
        assert request.length in BROKEN_FRAMING, (request.length, answer)
    else:
        assert answer.status < 500, (answer.status, answer.body[:500])
    # The body only: a redirect to the same path without its trailing slash rightly carries
    # the query the caller sent back in its Location header.
    assert_no_secret(answer.body, f"{request.method} {request.target[:80]}")
    status = get(target, "/status", authorized=False)
    assert status.status == 200 and orjson.loads(status.body)["app"] == "looker-braze"


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_route_answers_hostile_input_below_500_and_echoes_no_secret(target, logs, route):
    @settings(
        max_examples=EXAMPLES.get(route, DEFAULT_EXAMPLES),
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(request=requests(route, target))
    def fuzz(request: Request) -> None:
        check(target, request)

    fuzz()
    assert_history_and_log_clean(target, logs)


def test_the_known_500s_are_clear_answers_now(target):
    def execute_with(endpoint: str) -> Answer:
        body = orjson.dumps(
            {"type": "query", "data": {"braze_api_key": SIM_KEY, "braze_api_endpoint": endpoint}}
        )
        headers = [("Authorization", authorization_header(target.token))]
        request = Request("POST", "/actions/braze/execute", headers, body, "honest")
        return exchange(target.port, request)

    for endpoint in ("https://[::1", "https://rest.iad-01.braze.com\uff0fx"):
        answer = execute_with(endpoint)
        looker = orjson.loads(answer.body)["looker"]
        assert answer.status == 200 and looker["success"] is False
        assert "Braze endpoint" in looker["message"] or "Braze REST endpoint" in looker["message"]
    for before in ("1" + "0" * 19, str(2**63), str(2**64)):  # beyond 64 bits: the newest runs
        assert get(target, f"/runs?before={before}").status == 200
    for before in ("9" * 5000, "-1", "0", "-" + "9" * 30):
        answer = get(target, f"/runs?before={before}")
        assert answer.status == 400 and "before" in orjson.loads(answer.body)["error"]
    for since in ("0001-01-01T00:00:00%2B05:00", "9999-12-31T23:59:59-05:00"):
        answer = get(target, f"/runs?since={since}")
        assert answer.status == 400 and "since" in orjson.loads(answer.body)["error"]
    huge = [("User-Agent", "LookerOutgoingWebhook/" + "9" * 5000)]
    for path in ("/", "/actions/braze"):
        answer = exchange(
            target.port,
            Request("POST", path, [*huge, ("Authorization", authorization_header(target.token))],
                    b"", "honest"),
        )  # fmt: skip
        assert answer.status == 200


def assert_history_and_log_clean(target: Target, logs: Records) -> None:
    runs = get(target, "/runs?limit=500")
    page = get(target, "/runs/view?limit=500")
    assert runs.status == 200 and page.status == 200
    assert_no_secret(runs.body, "/runs")
    assert_no_secret(page.body, "/runs/view")
    assert_no_secret(logs.text(), "the log")
    crashes = [
        f"{record.getMessage()}\n{record.exc_text}"
        for record in logs.records
        if (record.levelno >= logging.ERROR or record.exc_info)
    ]
    assert not crashes, crashes[:3]


def test_a_client_that_hangs_up_mid_body_is_no_unexpected_error(target, logs):
    headers = [("Authorization", authorization_header(target.token))]
    before = len(logs.records)
    exchange(target.port, Request("POST", "/actions/braze/execute", headers, b"{}", "long"))
    get(target, "/status")  # the hub has noticed the hang-up by the time it answers this
    assert not [r for r in logs.records[before:] if r.levelno >= logging.ERROR]


def test_the_hub_secret_given_as_token_is_not_echoed_by_the_runs_page(target):
    for _ in range(3):  # enough runs for the page to link to older ones
        body = b'{"type": "query"}'
        headers = [("Authorization", authorization_header(target.token))]
        exchange(target.port, Request("POST", "/actions/braze/execute", headers, body, "honest"))
    page = get(target, f"/runs/view?limit=1&token={SECRET}")
    assert page.status == 200 and b"Older runs" in page.body
    assert_no_secret(page.body, "/runs/view")
