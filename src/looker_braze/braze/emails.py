"""Email addresses as Braze accepts them; an internationalised domain is converted to punycode.

What Braze's email validation page says (braze-inc/braze-docs,
_docs/_user_guide/message_building_by_channel/email/email_setup/email_validation.md), and the
project spec adds (shared/spec/braze-users-track.md, "Real-world behaviours"):
- No whitespace, ASCII or Unicode, anywhere; through the API it answers 400.
- Local part (before the @): 1 to 64 characters; letters and numbers of any script, the ASCII
  symbols _ - ^ + $ ' & # / % * = ` ~ ! ?, and non-ASCII punctuation and symbols. A dot may not
  start or end it and stands "only between letters or other characters": never two in a row.
  No double quote; no { } (never listed as accepted) and no | (the spec: Braze refuses it; one
  copy of the page lists it as accepted, so the stricter reading is kept: a refused address is
  reported, never lost).
- Gmail addresses need at least two characters before the @.
- Microsoft domains ("msn", "hotmail", "outlook", "live"): the part before any "+" must be ASCII
  word characters and hyphens in dot-separated runs, starting with a word character. The page
  says the domain "includes" the word; read here as one of its labels other than the last, so
  that neither delivery.com nor shop.live is taken for a Microsoft domain.
- Domain (after the @): ASCII only, "Unicode is not accepted for the domain part, but it may be
  Punycode-encoded"; two or more dot-separated labels of 1 to 63 letters, digits and hyphens that
  neither start nor end with a hyphen; the last label not all digits (so no IP address).
- The page gives no limit for the whole address: RFC 5321's 254 characters is applied.

Hand-written rather than email-validator: Braze's rules are not RFC 5322's (no quoted local
parts, the Microsoft and Gmail rules, Unicode punctuation), and this runs once per row.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import idna

from looker_braze.errors import DropValue

MAX_EMAIL = 254
MAX_LOCAL = 64
_ASCII_ATOM = r"[A-Za-z0-9_\-^+$'&#/%*=`~!?]+"
_ASCII_LOCAL = re.compile(rf"{_ASCII_ATOM}(?:\.{_ASCII_ATOM})*")
_ASCII_SYMBOLS = frozenset("_-^+$'&#/%*=`~!?")
_MICROSOFT_LOCAL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*")
_GMAIL = frozenset({"gmail.com", "googlemail.com"})
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
_SPACE = re.compile(r"\s")
# The usual address, in one match (this runs once per row of an email-keyed Look): ASCII, a local
# part of dot-separated atoms, a domain whose last label is not all digits. Unless its domain has
# a rule of its own (Gmail, Microsoft), such an address is sent as it is; anything else takes the
# slow path, which also says what is wrong.
_USUAL = re.compile(rf"({_ASCII_ATOM}(?:\.{_ASCII_ATOM})*)@((?:{_LABEL}\.)+(?![0-9]+\Z){_LABEL})")
_MICROSOFT_LABELS = frozenset({"msn", "hotmail", "outlook", "live"})

NO_AT = "not an email address (one @ needed)"
WHITESPACE = "has whitespace"
BAD_LOCAL_CHARACTER = 'has a character Braze refuses before the @ (such as { } | " or ,)'
BAD_DOTS = "has a dot at the start or end of the part before the @, or two dots in a row"
LOCAL_LENGTH = f"needs 1 to {MAX_LOCAL} characters before the @"
GMAIL_SHORT = "is a Gmail address with fewer than 2 characters before the @"
MICROSOFT_LOCAL = (
    "is a Microsoft address (msn, hotmail, outlook, live) with characters other than letters, "
    "digits, _ - and single dots before the @ or +"
)
BAD_DOMAIN = "has a domain that is not a valid domain name"
TOO_LONG = f"is longer than {MAX_EMAIL} characters"


def normalise_email(value: Any) -> str:
    """The address as Braze takes it (the domain in punycode); DropValue says what is wrong."""
    text = (value if type(value) is str else str(value)).strip()  # CHAR columns pad with spaces
    usual = _USUAL.fullmatch(text)
    if usual and len(usual[1]) <= MAX_LOCAL and len(text) <= MAX_EMAIL:
        domain = usual[2].lower()
        if domain not in _GMAIL and not _is_microsoft(domain):
            return text
    local, at, domain = text.rpartition("@")
    if not at or not domain:
        raise DropValue(NO_AT)
    if _SPACE.search(text):
        raise DropValue(WHITESPACE)
    domain = _ascii_domain(domain)
    _check_local(local, domain.lower())
    address = f"{local}@{domain}"
    if len(address) > MAX_EMAIL:
        raise DropValue(TOO_LONG)
    return address


def _ascii_domain(domain: str) -> str:
    if not domain.isascii():
        try:  # UTS 46 maps case and full-width dots first, as browsers do
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            raise DropValue(BAD_DOMAIN) from None
    if not _DOMAIN.fullmatch(domain) or domain.rpartition(".")[2].isdigit():
        raise DropValue(BAD_DOMAIN)
    return domain


def _check_local(local: str, domain: str) -> None:
    if not 1 <= len(local) <= MAX_LOCAL:
        raise DropValue(LOCAL_LENGTH)
    if not (_ASCII_LOCAL.fullmatch(local) if local.isascii() else _unicode_local(local)):
        raise DropValue(BAD_DOTS if _bad_dots(local) else BAD_LOCAL_CHARACTER)
    if domain in _GMAIL and len(local) < 2:
        raise DropValue(GMAIL_SHORT)
    if _is_microsoft(domain) and not _MICROSOFT_LOCAL.fullmatch(local.partition("+")[0]):
        raise DropValue(MICROSOFT_LOCAL)


def _is_microsoft(domain: str) -> bool:
    """Whether a label of ``domain`` (lower case), the top-level one aside, is Microsoft's."""
    head = domain.rpartition(".")[0]
    if "." not in head:  # the usual two-label domain: no list to build
        return head in _MICROSOFT_LABELS
    return not _MICROSOFT_LABELS.isdisjoint(head.split("."))


def _unicode_local(local: str) -> bool:
    return not _bad_dots(local) and all(_local_character(ch) for ch in local if ch != ".")


def _local_character(ch: str) -> bool:
    if ch.isascii():
        return ch.isalnum() or ch in _ASCII_SYMBOLS
    # Letters, numbers, punctuation and symbols of any script (Braze: "[^\p{ASCII}\p{Space}]
    # && \p{Alnum}\p{Punct}\p{S}"); not separators, controls or combining marks.
    return unicodedata.category(ch)[0] in "LNPS"


def _bad_dots(local: str) -> bool:
    return local.startswith(".") or local.endswith(".") or ".." in local
