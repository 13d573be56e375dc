"""The hub's JSON answers: orjson for the body, and the reference hub's error shape."""

from __future__ import annotations

import orjson
from starlette.responses import Response


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content) -> bytes:
        return orjson.dumps(content)


def error_response(message: str, status: int) -> JSONResponse:
    # The reference hub's error shape, so anything that parsed its errors keeps working.
    return JSONResponse({"success": False, "error": message}, status_code=status)
