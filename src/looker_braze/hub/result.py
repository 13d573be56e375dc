"""What an execute tells about the result Looker sent besides its rows: whether Looker may have
cut it short, and the time zone of its date-times. Looker's rules only, no vendor's.

Looker often sends less than the whole result (looker-action-api.md, "Real-world behaviours"):
"Results in Table" stops at the Look's row limit (500 by default), Looks with table calculations
cannot send "All Results", and the non-streaming json_detail format stops at 5,000 rows
(reference hub PR #267). The hub never sees the user's choice, only the rows; a read whose size
is exactly such a limit may be cut there. An action that deletes what is missing from the result
must not trust such a read.
"""

from __future__ import annotations

from dataclasses import dataclass

from looker_braze.hub.document import Document
from looker_braze.hub.protocol import ActionRequest

JSON_DETAIL_CAP = 5_000  # rows json_detail sends at most; json_detail_lite_stream has no cap


@dataclass(frozen=True)
class PossibleCut:
    reason: str  # why the rows may be only part of the result
    remedy: str  # how the user sends the whole result


def possible_cut(request: ActionRequest, document: Document, rows: int) -> PossibleCut | None:
    """Whether ``rows`` rows read may be less than the whole result, and why."""
    query = request.query
    limit = (query.row_limit if query else None) or document.sql_limit
    if limit is not None and rows == limit:
        return PossibleCut(
            f"Looker sent exactly {rows:,} rows, the Look's row limit, so the result was "
            "probably cut there",
            _row_limit_remedy(query is not None and query.table_calculations),
        )
    if rows == JSON_DETAIL_CAP:
        return PossibleCut(
            f"Looker sent exactly {rows:,} rows, the most its non-streaming JSON format "
            "(json_detail) sends",
            "Send it in the streaming format (json_detail_lite_stream, which has no row cap): "
            "this hub offers only that one to Looker 6.2 and later, so re-create the schedule or "
            "send again to pick it up.",
        )
    return None


def _row_limit_remedy(table_calculations: bool) -> str:
    if table_calculations:
        return (
            "This Look has table calculations, so Looker cannot send All Results: raise the "
            "Look's row limit above its number of users, or move the calculations into LookML "
            "and send All Results."
        )
    return (
        "Send it with All Results (Looker's Send or Schedule dialog, Advanced options), or "
        "raise the Look's row limit above its number of users."
    )


def time_zone(request: ActionRequest, document: Document) -> str | None:
    """The zone of the result's date-times, which carry no offset: the document's own
    ``timezone`` (the zone Looker ran the query in), else the query's ``query_timezone``."""
    query = request.query
    return document.time_zone or (query.time_zone if query else None)
