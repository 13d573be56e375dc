"""Time zone names: the ones Braze's ``time_zone`` field takes, and IANA zones found by name.

Braze sets ``time_zone`` only to a valid IANA name or Rails name and silently keeps the old value
otherwise (user_attributes_object.md, see rails_time_zones.py). Both lookups here forgive case
and answer the canonical spelling, which is what must be sent: Braze, like tzinfo and Rails,
matches names as written.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, tzinfo
from functools import cache, lru_cache

from looker_braze.braze.rails_time_zones import RAILS_TIME_ZONES

# IANA names of UTC itself: answered as datetime.UTC, which callers can test for cheaply.
_UTC_NAMES = frozenset(
    {"UTC", "Etc/UTC", "UCT", "Etc/UCT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu",
     "GMT", "Etc/GMT", "GMT0", "Etc/GMT0", "GMT+0", "Etc/GMT+0", "GMT-0", "Etc/GMT-0",
     "Greenwich", "Etc/Greenwich"}
)  # fmt: skip


def canonical_time_zone(name: str) -> str | None:
    """``name`` as Braze's ``time_zone`` takes it (IANA or Rails, canonical case), or None."""
    key = name.strip().lower()
    return _iana_names().get(key) or _rails_names().get(key)


@lru_cache(maxsize=64)
def iana_zone(name: str) -> tzinfo | None:
    """The IANA zone called ``name`` (any case; datetime.UTC for UTC's names), or None when there
    is none by that name."""
    canonical = _iana_names().get(name.strip().lower())
    if canonical is None:
        return None
    return UTC if canonical in _UTC_NAMES else zoneinfo.ZoneInfo(canonical)


@cache
def _iana_names() -> dict[str, str]:
    return {zone.lower(): zone for zone in zoneinfo.available_timezones()}


@cache
def _rails_names() -> dict[str, str]:
    return {name.lower(): name for name in RAILS_TIME_ZONES}
