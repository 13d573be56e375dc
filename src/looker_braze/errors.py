"""The one error hierarchy of looker-braze, named for what the caller should do.

    LookerBrazeError
    ├── RejectRequest      the incoming HTTP request is malformed: answer 4xx, keep serving
    │   └── Unauthorized       missing or invalid hub token: answer 403
    ├── FailRun            stop this run and tell the user what to fix (bad settings, bad Look,
    │   │                  a Braze key without permission, a download that failed ...)
    │   ├── InvalidEndpoint    the Braze endpoint is not an allowed Braze REST host (or redirects)
    │   ├── BrazeAuthFailed    Braze answered 401/403: retrying cannot help
    │   └── OutcomeUnknown     a request that must not happen twice (a message trigger) may
    │                          or may not have been acted on: never resend it blindly
    ├── Retry              transient trouble: try the same thing again later
    │   └── RateLimited        Braze answered 429; ``retry_after`` says how long to wait
    ├── RejectRow          this one row cannot be sent; count it with ``reason`` and go on
    ├── DropValue          this one value cannot be sent; send the rest of the row, report it
    └── ConfigError        the process cannot start: every problem listed at once

Messages are shown to users as they are, so they say what to fix and never carry a secret.
"""

from __future__ import annotations


class LookerBrazeError(Exception):
    """Base of every error this package raises on purpose."""


class RejectRequest(LookerBrazeError):
    """The request itself is wrong; the server answers with ``status`` and keeps serving."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class Unauthorized(RejectRequest):
    status = 403


class FailRun(LookerBrazeError):
    """Stop the run; the message reaches the Looker user as the reason."""


class InvalidEndpoint(FailRun):
    pass


class BrazeAuthFailed(FailRun):
    pass


class OutcomeUnknown(FailRun):
    pass


class Retry(LookerBrazeError):
    """Transient failure: the same request may succeed if sent again."""


class RateLimited(Retry):
    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RejectRow(LookerBrazeError):
    """One row cannot be used; ``reason`` is a short, countable label."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DropValue(LookerBrazeError):
    """One attribute value is invalid; it is left out (never sent as null) and reported."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ConfigError(LookerBrazeError):
    """Start-up configuration is invalid; ``problems`` lists every one of them."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("Configuration problems:\n" + "\n".join(f"- {p}" for p in problems))
        self.problems = problems
