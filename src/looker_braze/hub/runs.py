"""The run history over HTTP: GET /runs (JSON, paginated) and GET /runs/view (a page people
read). Both need a hub token: Looker's Token header, HTTP Basic with the token as password (a
browser asks for it), or ?token=."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request

from looker_braze.errors import RejectRequest
from looker_braze.state import AsyncStateStore, RunRecord

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def page_params(request: Request) -> tuple[int, int | None, datetime | None]:
    query = request.query_params
    try:
        limit = int(query.get("limit", DEFAULT_LIMIT))
        before = int(query["before"]) if query.get("before") else None
        since = datetime.fromisoformat(query["since"]) if query.get("since") else None
    except ValueError:  # Python also refuses ints of more than 4,300 digits with ValueError
        raise RejectRequest(
            "limit and before must be whole numbers, since an ISO 8601 time "
            "(e.g. /runs?limit=20&before=120&since=2026-01-31T00:00:00Z)."
        ) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise RejectRequest(f"limit must be between 1 and {MAX_LIMIT}.")
    if before is not None and before < 1:
        raise RejectRequest("before must be a run id (1 or more).")
    return limit, _within_ids(before), _in_utc(since)


# Run ids are 64-bit in every store (SQLite INTEGER, PostgreSQL bigint): a larger ``before``
# overflows the database driver, and means the same as "before the newest run".
MAX_RUN_ID = 2**63 - 1


def _within_ids(before: int | None) -> int | None:
    return None if before is None else min(before, MAX_RUN_ID)


def _in_utc(since: datetime | None) -> datetime | None:
    """``since`` as UTC (naive means UTC), refusing times that UTC cannot hold (year 1 at +05:00
    is still in year 0)."""
    if since is None or since.tzinfo is None:
        return since
    try:
        return since.astimezone(UTC)
    except OverflowError:
        raise RejectRequest(
            "since is out of range: use a time between the years 1 and 9999."
        ) from None


async def fetch(
    store: AsyncStateStore | None, request: Request
) -> tuple[list[RunRecord], int | None]:
    """A page of runs, newest first, and the id to ask ``before`` for the next page."""
    if store is None:
        raise RejectRequest("This hub keeps no run history (no state store).", status=503)
    limit, before, since = page_params(request)
    runs = await store.runs(limit, before, since)
    next_before = runs[-1].id if len(runs) == limit else None
    return runs, next_before


def as_json(runs: list[RunRecord], next_before: int | None, request: Request) -> dict:
    next_url = None
    if next_before is not None:
        limit = page_params(request)[0]  # as read and checked, never the raw text
        next_url = f"/runs?limit={limit}&before={next_before}"
    return {"runs": [run.as_json() for run in runs], "next": next_url}


def as_html(label: str, runs: list[RunRecord], next_before: int | None, token: str | None) -> str:
    """The page; ``token`` (a valid hub token given as ?token=, or None) goes on to the next
    page's link."""
    token_query = f"&token={quote(token)}" if token else ""
    return _template().render(
        label=label, runs=runs, next_before=next_before, token_query=token_query
    )


@cache
def _template():
    environment = Environment(
        loader=PackageLoader("looker_braze.hub", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    return environment.get_template("runs.html")
