"""Fetching the download URL an execute names, over real HTTP: where the hub refuses to go, what
it follows, how long it waits, and that nothing it fetched reaches a message.

Stand-ins: a small Looker-like server on 127.0.0.1 (a second one for "another port"), and a
resolver that maps test names to fixed addresses (a real aiohttp resolver object, so the
connector's own lookup path is the one exercised).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from contextlib import asynccontextmanager

import aiohttp
import orjson
import pytest
from aiohttp.abc import AbstractResolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from looker_braze.errors import FailRun
from looker_braze.hub.action import Action, Registry
from looker_braze.hub.auth import authorization_header, new_token
from looker_braze.hub.download import (
    UNUSABLE,
    Downloader,
    DownloadPolicy,
    is_allowed_host,
    is_refused_address,
)
from looker_braze.hub.protocol import ActionDefinition, ActionRequest, ActionResult, ScheduledPlan
from looker_braze.hub.rows import RowSource
from looker_braze.hub.server import create_app
from looker_braze.serving import background_server
from looker_braze.settings import HubSettings, load_hub_settings

FIELDS = {"dimensions": [{"name": "u.id", "type": "string"}], "measures": []}
HEAD = b'{"fields":' + orjson.dumps(FIELDS) + b',"data":['


def look(rows: int) -> bytes:
    data = [{"u.id": {"value": f"id-{i}"}} for i in range(rows)]
    return orjson.dumps({"fields": FIELDS, "data": data})


# ---------------------------------------------------------------- the stand-in Looker

BODIES: dict[str, tuple[int, dict[str, str], bytes]] = {}  # /body/{key}: what to answer


async def trickle(request):
    async def stream():
        yield HEAD
        i = 0
        while True:  # a row every 50 ms, never the end
            yield orjson.dumps({"u.id": {"value": f"id-{i}"}}) + b","
            i += 1
            await asyncio.sleep(0.05)

    return StreamingResponse(stream(), media_type="application/json")


async def stall_after_head(request):
    async def stream():
        yield look(2000)[:20000]  # the head and some rows, then nothing
        await asyncio.sleep(5)

    return StreamingResponse(stream(), media_type="application/json")


async def stall_before_head(request):
    async def stream():
        yield b'{"ran_at'
        await asyncio.sleep(5)

    return StreamingResponse(stream(), media_type="application/json")


def redirect(to):
    return lambda request: RedirectResponse(to(request), status_code=302)


def body(request):
    status, headers, content = BODIES[request.path_params["key"]]
    return Response(content, status_code=status, headers=headers)


def same_port(host: str):
    return lambda r: f"http://{host}:{r.url.port}/look"


app = Starlette(
    routes=[
        Route("/look", lambda r: Response(look(300), media_type="application/json")),
        Route("/to-look", redirect(lambda r: "/look")),
        Route("/to-look-absolute", redirect(same_port("127.0.0.1"))),
        Route("/to-localhost", redirect(same_port("localhost"))),
        Route("/to-other-port", redirect(lambda r: f"{r.app.state.other}/look")),
        Route("/to-https", redirect(lambda r: f"https://127.0.0.1:{r.url.port}/look")),
        Route("/to-metadata", redirect(lambda r: "http://169.254.169.254/latest/meta-data/")),
        Route("/loop", redirect(lambda r: "/loop")),
        Route("/trickle", trickle),
        Route("/stall-after-head", stall_after_head),
        Route("/stall-before-head", stall_before_head),
        Route("/gone", lambda r: Response("gone", status_code=410)),
        Route("/html", lambda r: Response("<html>internal admin</html>")),
        Route("/body/{key}", body),
    ]
)


@pytest.fixture(scope="module")
def looker():
    with background_server(app) as other, background_server(app) as url:
        app.state.other = other
        yield url


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


class StaticResolver(AbstractResolver):
    """Test names to fixed addresses; any other name does not resolve."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self.names = names
        self.asked: list[str] = []

    async def resolve(self, host, port=0, family=socket.AF_INET):
        self.asked.append(host)
        if host not in self.names:
            raise OSError(f"{host} does not resolve here")
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address in self.names[host]
        ]

    async def close(self):
        pass


NAMES = {
    "looker.test": ["127.0.0.1"],
    "eu.looker.test": ["127.0.0.1"],
    "evillooker.test": ["127.0.0.1"],
    "metadata.test": ["169.254.169.254"],
    "v6-metadata.test": ["fd00:ec2::254"],
    "half-metadata.test": ["127.0.0.1", "169.254.10.1"],
}


@asynccontextmanager
async def downloader(resolver: AbstractResolver | None = None, **policy):
    downloads = Downloader(DownloadPolicy(**policy), resolver=resolver)
    try:
        yield downloads
    finally:
        await downloads.close()


async def rows_of(downloads: Downloader, url: str) -> list:
    request = ActionRequest(scheduled_plan=ScheduledPlan(download_url=url))
    async with RowSource(request, downloads).open() as stream:
        return [row async for batch in stream.batches(("u.id",)) for row in batch]


async def failure(downloads: Downloader, url: str) -> str:
    with pytest.raises(FailRun) as error:
        await rows_of(downloads, url)
    return str(error.value)


# ---------------------------------------------------------------- redirects


async def test_same_host_redirects_are_followed(looker):
    async with downloader() as downloads:
        assert len(await rows_of(downloads, f"{looker}/to-look")) == 300
        assert len(await rows_of(downloads, f"{looker}/to-look-absolute")) == 300


@pytest.mark.parametrize("path", ["/to-localhost", "/to-other-port", "/to-https"])
async def test_a_redirect_elsewhere_is_refused(looker, path):
    async with downloader() as downloads:
        message = await failure(downloads, f"{looker}{path}")
    assert "redirected to another host" in message
    assert "localhost" not in message and "https" not in message  # the Location is not echoed


async def test_a_redirect_to_metadata_is_refused_without_a_connection(looker):
    async with downloader() as downloads:
        assert "redirected to another host" in await failure(downloads, f"{looker}/to-metadata")


async def test_endless_redirects_end(looker):
    async with downloader() as downloads:
        assert await failure(downloads, f"{looker}/loop") == UNUSABLE


# ---------------------------------------------------------------- addresses and hosts


@pytest.mark.parametrize(
    "host",
    ["metadata.test", "v6-metadata.test", "half-metadata.test", "metadata.google.internal"],
)
async def test_names_resolving_to_link_local_or_metadata_are_refused(looker, host):
    resolver = StaticResolver(NAMES)
    async with downloader(resolver) as downloads:
        message = await failure(downloads, f"http://{host}:{port_of(looker)}/look")
    assert "link-local or cloud metadata" in message
    assert "LOOKER_BRAZE_DOWNLOAD_ALLOW_LINK_LOCAL" in message
    if host == "metadata.google.internal":
        assert resolver.asked == []  # refused by name, before any lookup


async def test_a_test_name_resolving_to_loopback_is_fetched(looker):
    """The resolver is really the one the connections use: a name only it knows works."""
    resolver = StaticResolver(NAMES)
    async with downloader(resolver) as downloads:
        assert len(await rows_of(downloads, f"http://looker.test:{port_of(looker)}/look")) == 300
    assert resolver.asked == ["looker.test"]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fe80::1]:8080/",
    ],
)
async def test_link_local_and_metadata_literals_are_refused_before_connecting(url):
    resolver = StaticResolver({})
    async with downloader(resolver) as downloads:
        started = time.monotonic()
        assert "link-local or cloud metadata" in await failure(downloads, url)
    assert time.monotonic() - started < 3 and resolver.asked == []  # no connection attempt


@pytest.mark.parametrize(
    "host", ["2852039166", "0xa9fea9fe", "169.254.43518", "0251.0376.0251.0376"]
)
async def test_other_spellings_of_the_metadata_address_are_not_fetched(host):
    """Legacy IPv4 forms: the system resolver turns them into 169.254.169.254, which is then
    refused (or aiohttp refuses the form itself); no connection either way."""
    async with downloader() as downloads:  # the default resolver: these need no network
        started = time.monotonic()
        message = await failure(downloads, f"http://{host}/latest/meta-data/")
    assert "link-local or cloud metadata" in message or message == UNUSABLE
    assert time.monotonic() - started < 5


def test_the_address_rule():
    refused = ["169.254.0.1", "169.254.169.254", "fe80::abcd", "100.100.100.200"]
    refused += [
        "fd00:ec2::254",
        "::ffff:169.254.169.254",
        "2002:a9fe:a9fe::1",
        "64:ff9b::a9fe:a9fe",
    ]
    allowed = ["127.0.0.1", "::1", "10.1.2.3", "192.168.0.10", "172.16.5.5", "8.8.8.8", "fd00::1"]
    assert all(is_refused_address(a) for a in refused)
    assert not any(is_refused_address(a) for a in allowed)
    assert not any(is_refused_address(a, allow_link_local=True) for a in refused)


def test_the_host_rule():
    patterns = ("looker.test", "*.looker.app", "::1")
    assert is_allowed_host("LOOKER.test.", patterns) and is_allowed_host("a.b.looker.app", patterns)
    assert is_allowed_host("0:0::1", patterns)
    assert not is_allowed_host("looker.app", patterns)  # *.x is the subdomains of x
    assert not is_allowed_host("evillooker.app", patterns)
    assert not is_allowed_host("looker.test.evil", patterns)
    assert is_allowed_host("anything", ())


async def test_the_allow_list_is_honoured(looker):
    port = port_of(looker)
    async with downloader(StaticResolver(NAMES), hosts=("looker.test", "*.looker.test")) as d:
        assert len(await rows_of(d, f"http://looker.test:{port}/look")) == 300
        assert len(await rows_of(d, f"http://eu.looker.test:{port}/look")) == 300
        for url in (f"http://evillooker.test:{port}/look", f"{looker}/look"):
            message = await failure(d, url)
            assert "LOOKER_BRAZE_DOWNLOAD_HOSTS" in message and "did not fetch" in message


@pytest.mark.parametrize("url", ["ftp://looker.test/x", "file:///etc/passwd", "https://[::1", "x"])
async def test_what_is_not_an_http_url_is_refused(url):
    async with downloader(StaticResolver({})) as downloads:
        assert "not an http(s) URL" in await failure(downloads, url)


def test_download_settings_are_read_and_checked(monkeypatch):
    monkeypatch.setenv("LOOKER_BRAZE_DOWNLOAD_HOSTS", " Looker.Example.com, *.looker.app ,[::1]")
    monkeypatch.setenv("LOOKER_BRAZE_DOWNLOAD_ALLOW_LINK_LOCAL", "true")
    monkeypatch.setenv("LOOKER_BRAZE_DOWNLOAD_DEADLINE_SECONDS", "90")
    loaded = load_hub_settings(base_url="https://hub.example.com", label="Hub", secret="s")
    policy = DownloadPolicy.of(loaded)
    assert policy.hosts == ("looker.example.com", "*.looker.app", "::1")
    assert policy.allow_link_local and policy.deadline_seconds == 90
    monkeypatch.setenv("LOOKER_BRAZE_DOWNLOAD_HOSTS", "https://looker.example.com/")
    with pytest.raises(Exception, match="LOOKER_BRAZE_DOWNLOAD_HOSTS has 'https://"):
        load_hub_settings(base_url="https://hub.example.com", label="Hub", secret="s")


# ---------------------------------------------------------------- time


async def test_a_trickling_download_hits_the_deadline(looker):
    async with downloader(deadline_seconds=1.0, stall_seconds=30) as downloads:
        started = time.monotonic()
        message = await failure(downloads, f"{looker}/trickle")
    assert "took longer than 1 seconds" in message
    assert "LOOKER_BRAZE_DOWNLOAD_DEADLINE_SECONDS" in message
    assert time.monotonic() - started < 10  # the deadline, not the stall timeout (30 s)


async def test_a_stall_after_the_head_says_so(looker):
    async with downloader(stall_seconds=0.5) as downloads:
        assert "stalled" in await failure(downloads, f"{looker}/stall-after-head")


async def test_failures_before_lookers_data_read_the_same(looker, caplog):
    """A closed port, an HTTP error, a page that is not json_detail, silence: one message, so
    an execute cannot tell which internal hosts and ports answer. The log keeps the reason."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    urls = [
        f"http://127.0.0.1:{closed.getsockname()[1]}/",
        f"{looker}/gone",
        f"{looker}/html",
        f"{looker}/stall-before-head",
    ]
    caplog.set_level(logging.WARNING, logger="looker_braze.hub.download")
    async with downloader(stall_seconds=0.5) as downloads:
        messages = {await failure(downloads, url) for url in urls}
    closed.close()
    assert messages == {UNUSABLE}
    logged = caplog.text
    assert "HTTP 410" in logged and "ClientConnectorError" in logged and "stalled" in logged
    assert "internal admin" not in logged and "<html>" not in logged


# ---------------------------------------------------------------- nothing fetched is echoed


class CountRows(Action):
    name = "count"

    def definition(self, looker):
        return ActionDefinition(name=self.name, label="Count", description="counts rows")

    async def execute(self, request, rows, progress):
        count = 0
        async with rows.open() as stream:
            async for batch in stream.batches(("u.id",)):
                count += len(batch)
        return ActionResult(success=True, message=f"{count} rows")


SECRET = "download-test-secret"


@pytest.fixture(scope="module")
def hub(tmp_path_factory, looker):
    settings = HubSettings(
        base_url="https://hub.example.com",
        label="Download Hub",
        secret=SECRET,
        download_stall_seconds=0.5,
        download_hosts=("127.0.0.1",),
        state_url=f"sqlite:///{tmp_path_factory.mktemp('state')}/state.sqlite3",
    )
    with background_server(create_app(settings, Registry([CountRows()]))) as url:
        yield url


def execute(hub: str, download_url: str) -> str:
    """The hub's whole answer to an execute that names ``download_url``."""

    async def post() -> str:
        payload = {"type": "query", "scheduled_plan": {"download_url": download_url}}
        headers = {"Authorization": authorization_header(new_token(SECRET))}
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{hub}/actions/count/execute", data=orjson.dumps(payload), headers=headers
            ) as response,
        ):
            assert response.status == 200
            return (await response.read()).decode()

    return asyncio.run(post())


def test_the_hub_uses_its_download_settings(hub, looker):
    assert '"300 rows"' in execute(hub, f"{looker}/look")
    answer = execute(hub, f"http://localhost:{port_of(looker)}/look")
    assert "LOOKER_BRAZE_DOWNLOAD_HOSTS" in answer and '"success":false' in answer


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


MARKER = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=10, max_size=10)
PREFIXES = [b"", b"<html><title>", HEAD, b'{"fields":', b'{"data":[', b"[", b'{"sql":"', b"\xff"]
PREFIXES += [b'{"fields":{"dimensions":[{"name":"', HEAD + b'{"u.id":{"value":"']


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    marker=MARKER.map(lambda m: f"MARK{m}"),
    prefix=st.sampled_from(PREFIXES),
    before=st.binary(max_size=120),
    after=st.binary(max_size=120),
    status=st.sampled_from([200, 200, 200, 401, 404, 410, 500, 302, 307]),
)
def test_no_fetched_byte_reaches_the_answer_or_the_log(
    hub, looker, marker, prefix, before, after, status
):
    headers = {"Content-Type": "application/json"}
    if status in (302, 307):  # a redirect elsewhere whose Location carries the marker
        headers["Location"] = f"http://elsewhere.test/{marker}"
    key = f"b{len(BODIES)}-{time.monotonic_ns()}"  # the URL must not carry the marker itself
    BODIES[key] = (status, headers, prefix + before + marker.encode() + after)
    collect = Collect()
    logging.getLogger().addHandler(collect)
    try:
        answer = execute(hub, f"{looker}/body/{key}")
    finally:
        logging.getLogger().removeHandler(collect)
        del BODIES[key]
    assert marker not in answer
    assert not any(marker in line for line in collect.lines)
