"""Braze's REST hosts and the one check every endpoint goes through before anything is sent.

Braze's REST hosts are ``rest.<instance>.braze.com`` and ``rest.<instance>.braze.eu``, and new
instances appear from time to time (US-10 after US-08; AU, ID, JP, KR): any host of that pattern
is accepted, as the reference hub accepted any Braze host, so a new instance needs no release.
The documented ones are named (US-01 ...). Only over https, as a bare base URL: no path, query,
fragment, user info or port, so a key can never be sent to a host that merely looks like Braze
(``https://x.example/?.braze.com``). Operators may admit more base URLs (a simulator, a proxy).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from looker_braze.errors import InvalidEndpoint


def _us(n: int) -> tuple[str, str]:
    return f"US-{n:02d}", f"rest.iad-{n:02d}.braze.com"


REST_HOSTS: dict[str, str] = dict(
    [_us(n) for n in range(1, 9)]
    + [
        ("US-10", "rest.us-10.braze.com"),  # there is no US-09
        ("EU-01", "rest.fra-01.braze.eu"),
        ("EU-02", "rest.fra-02.braze.eu"),
        ("AU-01", "rest.au-01.braze.com"),
        ("ID-01", "rest.id-01.braze.com"),
        ("JP-01", "rest.jp-01.braze.com"),
        ("KR-01", "rest.kr-01.braze.com"),
    ]
)
INSTANCE_BY_HOST = {host: instance for instance, host in REST_HOSTS.items()}
# One DNS label between "rest." and Braze's domain: the instance's cluster name.
_REST_HOST = re.compile(r"rest\.([a-z0-9]+(?:-[a-z0-9]+)*)\.braze\.(?:com|eu)")

# People paste the dashboard address they see in their browser; point them to the REST host.
DASHBOARD_HOSTS = {
    **{f"dashboard-{n:02d}.braze.com": f"US-{n:02d}" for n in range(1, 9)},
    "dashboard.braze.com": "US-01",
    "dashboard-10.braze.com": "US-10",
    "dashboard-01.braze.eu": "EU-01",
    "dashboard.braze.eu": "EU-01",
    "dashboard-02.braze.eu": "EU-02",
}


@dataclass(frozen=True)
class Endpoint:
    base_url: str  # e.g. https://rest.iad-01.braze.com, never with a trailing slash
    instance: str  # e.g. US-01, or "custom" for an operator-admitted URL

    @property
    def users_track_url(self) -> str:
        return f"{self.base_url}/users/track"


def parse_endpoint(raw: str | None, extra_allowed: Iterable[str] = ()) -> Endpoint:
    """Validate a Braze REST endpoint as typed by an admin; InvalidEndpoint says what to fix."""
    text = (raw or "").strip().rstrip("/")
    if not text:
        raise InvalidEndpoint(
            "The Braze REST API endpoint is missing: set it in the action's settings."
        )
    extras = {_normalise(url): url for url in extra_allowed}
    if _normalise(text) in extras:
        return Endpoint(_normalise(text), "custom")
    return _braze_endpoint(text)


def _braze_endpoint(text: str) -> Endpoint:
    if "://" not in text:
        raise InvalidEndpoint(
            f"The Braze endpoint '{text}' has no protocol: use https://{_suggest_host(text)}."
        )
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("https", "http"):
        raise InvalidEndpoint(
            f"The Braze endpoint must start with https:// (got '{parts.scheme}://')."
        )
    if (
        parts.username
        or parts.password
        or parts.query
        or parts.fragment
        or parts.path
        or _port(parts)
    ):
        raise InvalidEndpoint(
            "The Braze endpoint must be a bare REST address such as https://rest.iad-01.braze.com "
            "(no path, query, user name or port)."
        )
    instance = instance_of(host)
    if instance is None:
        raise InvalidEndpoint(_unknown_host_message(host))
    # http:// is upgraded, as the reference hub did: a key never travels in clear text.
    return Endpoint(f"https://{host}", instance)


def instance_of(host: str) -> str | None:
    """The Braze instance of a REST host (its cluster name for one not documented yet), or None
    for a host that is not a Braze REST host."""
    if host in INSTANCE_BY_HOST:
        return INSTANCE_BY_HOST[host]
    match = _REST_HOST.fullmatch(host)
    return match.group(1).upper() if match else None


def _port(parts) -> bool:
    try:
        return parts.port is not None and parts.port != 443
    except ValueError:
        return True


def _unknown_host_message(host: str) -> str:
    if host in DASHBOARD_HOSTS:
        instance = DASHBOARD_HOSTS[host]
        return (
            f"'{host}' is a Braze dashboard address; the REST endpoint of {instance} is "
            f"https://{REST_HOSTS[instance]}."
        )
    return (
        f"'{host}' is not a Braze REST endpoint. Use the REST endpoint of your Braze instance, "
        "e.g. https://rest.iad-01.braze.com (US-01) or https://rest.fra-01.braze.eu (EU-01)."
    )


def _suggest_host(text: str) -> str:
    host = text.split("/")[0].lower()
    return host if host in INSTANCE_BY_HOST else "rest.iad-01.braze.com"


def _normalise(url: str) -> str:
    parts = urlsplit(url.strip().rstrip("/"))
    netloc = parts.netloc.lower()
    return (
        f"{parts.scheme.lower()}://{netloc}{parts.path}"
        if parts.scheme
        else url.strip().rstrip("/")
    )
