"""Fetching ``scheduled_plan.download_url``: the one place the hub fetches a URL an execute names.

Whoever can send an execute chooses that URL, so the fetch is guarded:

- http(s) only; when the operator lists download hosts, no other host;
- no link-local or cloud metadata address unless allowed. The check runs on the addresses the
  connection is made to: ``GuardedResolver`` sits under aiohttp's connector, so every lookup,
  the one before each redirect included, is checked (a name that resolves to a harmless address
  once and to 169.254.169.254 the next time, DNS rebinding, is caught the second time). IP
  literals skip resolvers, so they are checked before the request. Loopback and private ranges
  stay allowed: self-hosted Looker lives there;
- redirects are followed by hand, a few at most, and only to the same scheme, host and port;
- a whole-download deadline beside the stall timeout, so a body that trickles ends too.

Messages never carry a byte of what was fetched, and every way a URL can fail before its answer
is known to be Looker's data reads the same (``UNUSABLE``). A refused connection, an HTTP
error, a TLS failure and a page that is not json_detail are all "could not get the data": telling
them apart would let a caller map which internal hosts and ports answer, and none of them is
something a Looker user fixes differently (send again; the operator checks the network). The
operator gets the detail in the hub's log. What stays distinct is what the hub decided before
fetching or from the URL's own parts (not http, host not allowed, link-local, redirect elsewhere)
and the deadline. The time a failure takes still differs (a refused port fails at once, a silent
one after the stall timeout); the allow-list is what closes that, hence the README's advice.

Sources: the reference hub fetches with the ``request`` library's defaults (redirects to any host
followed, up to 10: request/request README, ``followRedirect``/``maxRedirects``;
looker-open-source/actions src/hub/action_request.ts). Metadata addresses: AWS EC2 User Guide
"Retrieve instance metadata" (169.254.169.254, fd00:ec2::254, both link-local to the instance);
cloud-init's AliYun datasource docs (100.100.100.200); Google Compute Engine's metadata server
docs (metadata.google.internal).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from looker_braze.errors import FailRun

if TYPE_CHECKING:
    from looker_braze.settings import HubSettings

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
CONNECT_SECONDS = 30.0
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

UNUSABLE = (
    "Could not get the data from Looker's download URL: it did not answer, answered with an "
    "error, or did not send Looker's data. Download URLs work once and expire an hour after the "
    "send started: send again from Looker. If it keeps failing, the hub's log says why."
)

# Link-local ranges hold the cloud metadata services; the rest are metadata addresses outside
# them. IPv4 addresses embedded in IPv6 (mapped, 6to4, NAT64) are checked as IPv4.
_LINK_LOCAL = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))
_METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("100.100.100.200"), ipaddress.ip_address("fd00:ec2::254")}
)
_METADATA_NAMES = frozenset({"metadata.google.internal"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class DownloadPolicy:
    hosts: tuple[str, ...] = ()  # exact hosts or "*.example.com"; empty: any host
    allow_link_local: bool = False
    stall_seconds: float = 120.0
    deadline_seconds: float = 3600.0

    @classmethod
    def of(cls, settings: HubSettings) -> DownloadPolicy:
        return cls(
            hosts=settings.download_hosts,
            allow_link_local=settings.download_allow_link_local,
            stall_seconds=settings.download_stall_seconds,
            deadline_seconds=settings.download_deadline_seconds,
        )


# ---------------------------------------------------------------- what may be fetched


def is_refused_address(address: str, allow_link_local: bool = False) -> bool:
    """True for link-local and cloud metadata addresses (unless allowed)."""
    if allow_link_local:
        return False
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # no IPv6 zone index
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            ip = embedded
    return ip in _METADATA_ADDRESSES or any(ip in net for net in _LINK_LOCAL)


def is_allowed_host(host: str, patterns: tuple[str, ...]) -> bool:
    """Whether ``host`` is one of ``patterns`` (exact, or a subdomain of ``*.suffix``)."""
    if not patterns:
        return True
    host = _canonical(host)
    for pattern in patterns:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]):
                return True
        elif host == pattern:
            return True
    return False


def _canonical(host: str) -> str:
    host = host.lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(host))  # one spelling per IPv6 address
    except ValueError:
        return host


class RefusedAddress(OSError):
    """A name resolved to an address the policy refuses (raised inside aiohttp's connector)."""


class GuardedResolver(AbstractResolver):
    """Resolves with ``inner`` and refuses the lookup when any address is refused."""

    def __init__(self, inner: AbstractResolver, allow_link_local: bool = False) -> None:
        self._inner = inner
        self._allow_link_local = allow_link_local

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if not self._allow_link_local and host.lower().rstrip(".") in _METADATA_NAMES:
            raise RefusedAddress(f"{host} is a metadata service")
        found = await self._inner.resolve(host, port, family)
        for result in found:
            if is_refused_address(result["host"], self._allow_link_local):
                raise RefusedAddress(f"{host} resolves to a link-local or metadata address")
        return found

    async def close(self) -> None:
        await self._inner.close()


def _checked_url(raw: str, policy: DownloadPolicy) -> URL:
    try:
        url = URL(raw.strip())
        host = url.raw_host
    except (ValueError, TypeError):
        host = url = None
    if url is None or url.scheme not in ("http", "https") or not host:
        raise FailRun("Looker's download URL is not an http(s) URL: send again from Looker.")
    if not is_allowed_host(host, policy.hosts):
        raise FailRun(
            f"Looker's download URL names the host {host}, which is not among the hub's "
            "download hosts (LOOKER_BRAZE_DOWNLOAD_HOSTS): the hub did not fetch it."
        )
    if _is_refused_literal(host, policy) or (
        not policy.allow_link_local and host.lower().rstrip(".") in _METADATA_NAMES
    ):
        raise _link_local_refused()
    return url


def _is_refused_literal(host: str, policy: DownloadPolicy) -> bool:
    try:
        return is_refused_address(host, policy.allow_link_local)
    except ValueError:  # a name, not an address: the resolver checks what it resolves to
        return False


def _link_local_refused() -> FailRun:
    return FailRun(
        "Looker's download URL points at a link-local or cloud metadata address, which the hub "
        "does not fetch (LOOKER_BRAZE_DOWNLOAD_ALLOW_LINK_LOCAL allows it)."
    )


def _same_origin(a: URL, b: URL) -> bool:
    return _origin(a) == _origin(b)


def _origin(url: URL) -> tuple[str, str, int | None]:
    return url.scheme, _canonical(url.raw_host or ""), url.port  # port: the scheme's by default


# ---------------------------------------------------------------- fetching


class Downloader:
    """Fetches download URLs under one policy; owns its HTTP session (made on first use)."""

    def __init__(self, policy: DownloadPolicy, resolver: AbstractResolver | None = None) -> None:
        self.policy = policy
        self._resolver = resolver
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            inner = self._resolver or aiohttp.DefaultResolver()
            resolver = GuardedResolver(inner, self.policy.allow_link_local)
            connector = aiohttp.TCPConnector(resolver=resolver)
            # trust_env stays off: through a proxy, the resolver would see the proxy's name only.
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=True)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    @asynccontextmanager
    async def open(self, raw_url: str) -> AsyncIterator[_DeadlineReader]:
        """The body of ``raw_url``'s 200 answer, as a reader; FailRun when there is none."""
        url = _checked_url(raw_url, self.policy)
        deadline = asyncio.get_running_loop().time() + self.policy.deadline_seconds
        response = await self._answer(url, deadline)
        try:
            yield _DeadlineReader(response.content, deadline, self.policy.deadline_seconds)
        finally:
            # close, not release: a run that stops early must not read the rest of the body.
            response.close()

    async def _answer(self, url: URL, deadline: float) -> aiohttp.ClientResponse:
        first = url
        for _ in range(MAX_REDIRECTS + 1):
            response = await self._get(url, deadline)
            if response.status == 200:
                return response
            target = _redirect_target(response, url)
            response.close()
            if target is None:
                _log_unusable(first, f"HTTP {response.status}")
                raise FailRun(UNUSABLE)
            if not _same_origin(target, first):
                raise FailRun(
                    "Looker's download URL redirected to another host, which the hub does not "
                    "follow. Send again from Looker; if it keeps happening, check what answers "
                    "for Looker at that address (a proxy or a sign-in page)."
                )
            url = target
        _log_unusable(first, f"more than {MAX_REDIRECTS} redirects")
        raise FailRun(UNUSABLE)

    async def _get(self, url: URL, deadline: float) -> aiohttp.ClientResponse:
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=CONNECT_SECONDS, sock_read=self.policy.stall_seconds
        )
        try:
            async with asyncio.timeout_at(deadline) as limit:
                return await self._client().get(url, allow_redirects=False, timeout=timeout)
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, RefusedAddress):
                raise _link_local_refused() from None
            _log_unusable(url, type(exc).__name__)
        except TimeoutError:
            if limit.expired():
                raise _past_deadline(self.policy.deadline_seconds) from None
            _log_unusable(url, "no answer in time")
        except (aiohttp.ClientError, ValueError) as exc:
            _log_unusable(url, type(exc).__name__)
        raise FailRun(UNUSABLE)


def _redirect_target(response: aiohttp.ClientResponse, current: URL) -> URL | None:
    location = response.headers.get("Location")
    if response.status not in _REDIRECTS or not location:
        return None
    try:
        return current.join(URL(location))
    except ValueError:
        return None


def _log_unusable(url: URL, why: str) -> None:
    # The host only: the path and query carry Looker's one-time token. Never the body.
    log.warning("download from %s unusable: %s", url.host, why)


def _past_deadline(seconds: float) -> FailRun:
    return FailRun(
        f"The download from Looker took longer than {seconds:g} seconds "
        "(LOOKER_BRAZE_DOWNLOAD_DEADLINE_SECONDS), so the hub stopped it: rows after that point "
        "were not read. Send again from Looker."
    )


class _DeadlineReader:
    """The response body, each read bounded by the whole download's deadline."""

    def __init__(self, content: aiohttp.StreamReader, deadline: float, seconds: float) -> None:
        self._content = content
        self._deadline = deadline
        self._seconds = seconds

    async def read(self, n: int = -1) -> bytes:
        try:
            async with asyncio.timeout_at(self._deadline) as limit:
                return await self._content.read(n)
        except TimeoutError:
            if limit.expired():
                raise _past_deadline(self._seconds) from None
            raise  # the stall timeout: the parser's caller says so


@contextmanager
def recognised_or_unusable() -> Iterator[None]:
    """Around reading the head of a download: until the body is known to be Looker's
    json_detail, any failure reads as UNUSABLE (see the module docstring); the log keeps it."""
    try:
        yield
    except FailRun as exc:
        # Our own message (jsondetail.py puts no fetched byte in one), so the log may keep it.
        log.warning("download unusable: %s", exc)
        raise FailRun(UNUSABLE) from None
