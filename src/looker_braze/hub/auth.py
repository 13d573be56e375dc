"""Hub tokens, compatible with Looker's reference hub so existing Looker settings keep working.

A token is ``<nonce>/<hex HMAC-SHA512(ACTION_HUB_SECRET, nonce)>``; any number of tokens stay valid
until the secret changes. Looker sends it as ``Authorization: Token token="<token>"``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

# The reference hub matches `[T|t]oken token="(.*)"`; accept the same spellings.
_HEADER = re.compile(r'[Tt]oken token="(.*)"')


def new_token(secret: str) -> str:
    nonce = secrets.token_hex(32)
    return f"{nonce}/{_digest(secret, nonce)}"


def is_valid_token(token: str, secret: str) -> bool:
    nonce, _, provided = token.partition("/")
    if not nonce or not provided:
        return False
    return hmac.compare_digest(provided.encode(), _digest(secret, nonce).encode())


def is_authorized(authorization_header: str | None, secret: str) -> bool:
    match = _HEADER.search(authorization_header or "")
    return bool(match) and is_valid_token(match.group(1), secret)


def is_authorized_any(
    authorization_header: str | None, query_token: str | None, secret: str
) -> bool:
    """For pages people open: Looker's Token header, HTTP Basic (password = a hub token, so a
    browser can ask for it), or ``?token=``."""
    if is_authorized(authorization_header, secret):
        return True
    header = authorization_header or ""
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        return is_valid_token(decoded.partition(":")[2], secret)
    return bool(query_token) and is_valid_token(query_token, secret)


def authorization_header(token: str) -> str:
    return f'Token token="{token}"'


def _digest(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), nonce.encode(), hashlib.sha512).hexdigest()
