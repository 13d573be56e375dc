"""Braze's rate limits, by endpoint family: requests that share a limit share a limiter.

Braze limits requests per workspace and per family of endpoints (braze.com/docs/api/api_limits;
shared/spec/braze-activation.md §2.1, §3.1, §4.5 and braze-users-track.md). The numbers are the
documented defaults; an account can have others, so every limiter also obeys Braze's 429.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    name: str  # part of the limiter's key: the families of one workspace never share a budget
    requests: int  # at most this many requests ...
    seconds: float  # ... in any window this long
    hourly_requests: int | None = None


# /users/track: 3,000 requests per 3 seconds on data-point contracts [S2]; the hub's settings
# (LOOKER_BRAZE_RATE_LIMIT_*) replace these numbers, as MAU contracts have their own.
USERS_TRACK = Family("users_track", 3000, 3.0)
# /subscription/status/set, v1 and v2 together: 5,000 requests a minute [S6][S2].
SUBSCRIPTION_STATUS = Family("subscription_status", 5000, 60.0)
# The asynchronous catalog item endpoints (POST/PATCH/PUT/DELETE /catalogs/{name}/items) share
# 16,000 requests a minute [S14]-[S16].
CATALOG_ITEMS = Family("catalog_items", 16_000, 60.0)
# Catalog management (list, create, delete a catalog; create fields): 50 a minute [S17][S18].
CATALOG_MANAGEMENT = Family("catalog_management", 50, 60.0)
# Triggers with explicit recipients count toward 250,000 requests an hour shared with
# /messages/send and other messaging endpoints [S2] (broadcasts, which this product never
# makes, have tighter limits).
MESSAGING = Family("messaging", 250_000, 3600.0)
