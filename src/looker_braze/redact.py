"""The one secret redactor: what every message, log line, page and report shows instead of a
secret. Used by the state store, Currents, `send` and the CLI, so it imports nothing of theirs.

    redact_url(url)          a URL without its password: ``user:***@host``, ``password=***``
    Masker(secrets).text(s)  known secret values (a hub token, an API key) replaced by MASK
    Masker(...).value(v)     the same inside any JSON-like value (keys too)
    mask_key(key)            enough of an API key to tell two apart (****abcd), never to use it

Never raises: a text it cannot parse is still cleaned as far as a pattern can tell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

URL_MASK = "***"
MASK = "••••••"
# Shorter values would match ordinary text; a real secret is never this short.
MIN_SECRET = 4
# user:password@ in something urlsplit refuses (e.g. "postgresql://u:p@[::1"): the pattern decides.
_USERINFO = re.compile(r"(//[^/@:]*):[^/@]*@")
_PASSWORD_PARAM = re.compile(r"([?&]password=)[^&#]*")


def redact_url(url: str) -> str:
    """``url`` without its password (in the user part or a ``password=`` parameter), fit to print.
    A path or a URL without a password comes back as it was."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _PASSWORD_PARAM.sub(rf"\1{URL_MASK}", _USERINFO.sub(rf"\1:{URL_MASK}@", url))
    if "password" in parts.query:
        params = parse_qsl(parts.query, keep_blank_values=True)
        hidden = [(name, URL_MASK if name == "password" else value) for name, value in params]
        parts = parts._replace(query=urlencode(hidden, safe="*"))
    userinfo, at, host = parts.netloc.rpartition("@")
    if at and ":" in userinfo:
        user = userinfo.split(":", 1)[0]
        parts = parts._replace(netloc=f"{user}:{URL_MASK}@{host}")
    return urlunsplit(parts)


class Masker:
    """Replaces each of ``secrets`` wherever it appears (longest first: no partial leftovers)."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        found = {s for s in secrets if s and len(s) >= MIN_SECRET}
        self.secrets = sorted(found, key=len, reverse=True)

    def text(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def value(self, value):
        """Mask inside any JSON-like value (strings, lists, dicts; keys too)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        return value


def mask_key(api_key: str) -> str:
    """Enough of a key to tell two keys apart, never enough to use it."""
    visible = api_key[-4:] if len(api_key) >= 16 else ""
    return f"****{visible}"
