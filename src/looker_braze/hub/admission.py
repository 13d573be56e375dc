"""Admission of executes: at most LOOKER_BRAZE_MAX_CONCURRENT_RUNS at once, from the first byte of
the body to the end of the run, so that memory and disk stay bounded whatever Looker sends. One
more is answered "busy"; a finished one gives back its place and its spooled body.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from looker_braze.hub.body import drain, release
from looker_braze.hub.protocol import ActionRequest, ActionResult
from looker_braze.hub.responses import JSONResponse

log = logging.getLogger(__name__)
BUSY_RETRY_SECONDS = 60


class Admission:
    def __init__(self, cap: int, max_request_bytes: int) -> None:
        self.cap = cap
        self.executes = 0  # executes admitted and not finished, body reading included
        self._max_request_bytes = max_request_bytes

    def admit(self) -> bool:
        """Take a place, if there is one."""
        if self.executes >= self.cap:
            return False
        self.executes += 1
        return True

    def leave(self, request: ActionRequest | None = None) -> None:
        """Give back a place, and the disk the execute's body took (if it was read)."""
        self.executes -= 1
        if request is not None:
            release(request)

    async def busy(self, request: Request) -> Response:
        # Looker shows a 200's message to the user; an HTTP error status only as a generic
        # failure (spec: "Execute answer"). So: a failed result saying why, and Retry-After for
        # other clients. The body is read (and dropped) so that the client gets to the answer.
        log.warning(
            "busy: refused an execute, %d running (LOOKER_BRAZE_MAX_CONCURRENT_RUNS)", self.cap
        )
        await drain(request.stream(), self._max_request_bytes)
        message = (
            f"This hub is busy: it is already running {self.cap} sends, its limit "
            "(LOOKER_BRAZE_MAX_CONCURRENT_RUNS). Nothing was sent: send again in a few minutes."
        )
        result = ActionResult(success=False, message=message)
        return JSONResponse(result.to_json(), headers={"Retry-After": str(BUSY_RETRY_SECONDS)})
