"""Braze's REST hosts and the one check every endpoint goes through before anything is sent.

Braze's REST hosts are ``rest.<instance>.braze.com`` and ``rest.<instance>.braze.eu``, and new
instances appear from time to time (US-10 after US-08; AU, ID, JP, KR): any host of that pattern
is accepted, as the reference hub accepted any Braze host, so a new instance needs no release.
The documented ones are named (US-01 ...). Only over https, as a bare base URL: no path, query,
fragment, user info or port, so a key can never be sent to a host that merely looks like Braze
(``https://x.example/?.braze.com``). Operators may admit more base URLs (a simulator, a proxy).

The field is typed by hand, and people paste the API key into it: a refusal quotes the value only
when it is plainly a host name, never something that may be a key (see ``looks_like_api_key``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

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

EXAMPLE = "https://rest.iad-01.braze.com"
KEY_IN_ENDPOINT = (
    "The Braze REST endpoint field does not hold a Braze REST URL; it looks like an API key: put "
    f"the key in the API key field, and the endpoint (e.g. {EXAMPLE}) in the endpoint field."
)
# Braze REST API keys are UUIDs (8-4-4-4-12 hex digits). Other secrets people paste by mistake
# (keys of other tools, tokens) are long runs of hex or base64 characters without a dot, which
# no host name is.
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9+/=_-]{20,}")
# Quoting a refused value back helps to spot a typo, but only a value that is plainly a host name
# (a dot, host characters, short) is quoted: anything else may be a secret.
_PLAIN_HOST = re.compile(r"[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,5}", re.I)
_MAX_QUOTED = 80


@dataclass(frozen=True)
class Endpoint:
    base_url: str  # e.g. https://rest.iad-01.braze.com, never with a trailing slash
    instance: str  # e.g. US-01, or "custom" for an operator-admitted URL

    @property
    def users_track_url(self) -> str:
        return self.url("/users/track")

    def url(self, path: str) -> str:
        """The address of a REST path (``/users/track``, ``/catalogs/x/items``) on this host."""
        return f"{self.base_url}{path}"


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
    if looks_like_api_key(text):
        raise InvalidEndpoint(KEY_IN_ENDPOINT)
    if not _url_characters(text):
        raise InvalidEndpoint(
            "The Braze REST endpoint holds characters no web address has (a space, a control "
            "character, or a full-width or other non-ASCII character such as a full-width "
            f"slash): type it again, e.g. {EXAMPLE}."
        )
    return _braze_endpoint(text)


def looks_like_api_key(text: str) -> bool:
    """Whether a value looks like an API key or a similar secret rather than an address: it
    holds a UUID (the form of Braze's REST API keys), or, after any ``scheme://``, it is a long
    run of hex or base64 characters without a dot."""
    if _UUID.search(text):
        return True
    rest = text.split("://", 1)[-1].strip("/")
    return "." not in rest and _TOKEN_LIKE.fullmatch(rest) is not None


def is_braze_key_shaped(text: str) -> bool:
    """Whether a value has the form of a Braze REST API key (a UUID, nothing else)."""
    return _UUID.fullmatch(text.strip()) is not None


def quoted(value: str) -> str | None:
    """``'value'`` when it is plainly a host name and safe to show, else None."""
    plain = len(value) <= _MAX_QUOTED and _PLAIN_HOST.fullmatch(value) is not None
    return f"'{value}'" if plain and not looks_like_api_key(value) else None


def _url_characters(text: str) -> bool:
    # A Braze REST URL is printable ASCII. Anything else is refused here, before urllib, which
    # raises on characters that NFKC turns into URL syntax (a full-width slash becomes '/').
    return text.isascii() and text.isprintable() and not any(c.isspace() for c in text)


def _braze_endpoint(text: str) -> Endpoint:
    if "://" not in text:
        shown = quoted(text)
        raise InvalidEndpoint(
            f"The Braze endpoint {shown + ' ' if shown else ''}has no protocol: "
            f"use https://{_suggest_host(text)}."
        )
    parts = _split(text)
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("https", "http"):
        raise InvalidEndpoint(f"The Braze endpoint must start with https://, e.g. {EXAMPLE}.")
    if (
        parts.username
        or parts.password
        or parts.query
        or parts.fragment
        or parts.path
        or _port(parts)
    ):
        raise InvalidEndpoint(
            f"The Braze endpoint must be a bare REST address such as {EXAMPLE} "
            "(no path, query, user name or port)."
        )
    instance = instance_of(host)
    if instance is None:
        raise InvalidEndpoint(_unknown_host_message(host))
    # http:// is upgraded, as the reference hub did: a key never travels in clear text.
    return Endpoint(f"https://{host}", instance)


def _split(text: str) -> SplitResult:
    try:
        return urlsplit(text)
    except ValueError:  # an unclosed '[' of an IPv6 address, mostly
        raise InvalidEndpoint(
            f"The Braze endpoint is not a valid web address: write it as {EXAMPLE}."
        ) from None


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
    what = quoted(host) or "The endpoint's host"
    return (
        f"{what} is not a Braze REST endpoint. Use the REST endpoint of your Braze instance, "
        f"e.g. {EXAMPLE} (US-01) or https://rest.fra-01.braze.eu (EU-01)."
    )


def _suggest_host(text: str) -> str:
    host = text.split("/")[0].lower()
    return host if host in INSTANCE_BY_HOST else "rest.iad-01.braze.com"


def _normalise(url: str) -> str:
    try:
        parts = urlsplit(url.strip().rstrip("/"))
    except ValueError:  # not a URL: it can only equal itself
        return url.strip().rstrip("/")
    netloc = parts.netloc.lower()
    return (
        f"{parts.scheme.lower()}://{netloc}{parts.path}"
        if parts.scheme
        else url.strip().rstrip("/")
    )
