"""Braze's contracts as the simulator plays them: how many objects one ``/users/track`` request may
hold, and the hourly request limit of MAU accounts.

From shared/spec/braze-users-track.md ("Contracts") and Braze's users/track page
(braze-inc/braze-docs _docs/_api/endpoints/user_data/post_user_track.md, "Monthly Active Users CY
24-25"): most accounts take 75 objects per request across attributes, events and purchases, with
3,000 requests per 3 s; "legacy" accounts take 75 in EACH array; MAU accounts take 50 combined (in
one copy of the page; the newest says 75, hence configurable) and have an hourly request limit on
top of the burst limit, set per account (no published figure: the default here is an example).
More objects than the contract takes answers 400 "Max Input Length Exceeded".
"""

from __future__ import annotations

from typing import Literal, NamedTuple

ContractName = Literal["default", "legacy", "mau"]
BURST_REQUESTS, BURST_SECONDS = 3000, 3.0  # Braze's default /users/track limit
MAU_HOURLY_REQUESTS = 10_000  # an example: Braze sets each account's own
HOUR = 3600.0


class Contract(NamedTuple):
    max_objects: int  # per request: combined, or per array when ``per_array``
    per_array: bool
    hourly_requests: int | None  # the contract's default hourly limit


CONTRACTS: dict[str, Contract] = {
    "default": Contract(75, per_array=False, hourly_requests=None),
    "legacy": Contract(75, per_array=True, hourly_requests=None),
    "mau": Contract(50, per_array=False, hourly_requests=MAU_HOURLY_REQUESTS),
}


class Terms(NamedTuple):
    """A contract with the simulator's overrides applied: what the endpoint enforces."""

    name: str
    max_objects: int
    per_array: bool
    hourly_requests: int | None
    hourly_seconds: float

    def too_many(self, counts: list[int]) -> bool:
        """Whether a request with ``counts`` objects in its arrays exceeds the contract."""
        if self.per_array:
            return any(count > self.max_objects for count in counts)
        return sum(counts) > self.max_objects


def terms(
    name: str,
    max_objects: int | None = None,
    hourly_requests: int | None = None,
    hourly_seconds: float = HOUR,
) -> Terms:
    contract = CONTRACTS[name]
    return Terms(
        name,
        max_objects or contract.max_objects,
        contract.per_array,
        hourly_requests or contract.hourly_requests,
        hourly_seconds,
    )
