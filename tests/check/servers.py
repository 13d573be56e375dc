"""Small real HTTP servers for the check's tests: Braze simulators of two instances, and a
server that answers /users/track however a test needs (404, 500, redirect, echo, silence)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from looker_braze.serving import background_server, bind_socket, socket_url
from looker_braze.sim.braze import KeySpec, SimConfig, running

US_KEY = "us01-key-4b1c9f0e-2d3a-4e5f-8a7b"
EU_KEY = "eu01-key-9f8e7d6c-5b4a-4392-8170"
NO_TRACK_KEY = "us01-read-only-1a2b3c4d-5e6f-7a8b"
EU_NO_TRACK_KEY = "eu01-read-only-0f1e2d3c-4b5a-6978"
ALL_KEYS = (US_KEY, EU_KEY, NO_TRACK_KEY, EU_NO_TRACK_KEY)
US_HOST, EU_HOST = "rest.iad-01.braze.com", "rest.fra-01.braze.eu"


@dataclass
class TwoInstances:
    us_url: str
    eu_url: str
    us: object  # BrazeSimulator
    eu: object

    @property
    def hosts(self) -> dict[str, str]:
        """Braze host -> stand-in: only these are contacted when probing."""
        return {US_HOST: self.us_url, EU_HOST: self.eu_url}


@contextmanager
def two_instances(users: int = 0) -> Iterator[TwoInstances]:
    us_keys = {US_KEY: KeySpec(), NO_TRACK_KEY: KeySpec(permissions=frozenset())}
    eu_keys = {EU_KEY: KeySpec(), EU_NO_TRACK_KEY: KeySpec(permissions=frozenset())}
    with ExitStack() as stack:
        us_url, us = stack.enter_context(
            running(SimConfig(users=users, instance="US-01", api_keys=us_keys))
        )
        eu_url, eu = stack.enter_context(
            running(SimConfig(users=users, instance="EU-01", api_keys=eu_keys))
        )
        yield TwoInstances(us_url, eu_url, us, eu)


def closed_port_url() -> str:
    """A URL nothing listens on (bound, never listened to, then closed)."""
    sock = bind_socket()
    url = socket_url(sock)
    sock.close()
    return url


async def _track(request: Request) -> Response:
    mode = request.app.state.mode
    if mode == "slow":
        await asyncio.sleep(1)
    if mode == "redirect":
        return RedirectResponse("https://elsewhere.example/users/track", status_code=307)
    if mode == "echo":  # a host that repeats the Authorization header back
        return JSONResponse({"message": f"bad {request.headers['authorization']}"}, 401)
    if mode == "html500":
        return Response("<html>oops</html>", 500, media_type="text/html")
    return JSONResponse({"message": "Not Found"}, 404)


@contextmanager
def odd_server(mode: str) -> Iterator[str]:
    """Answers POST /users/track with: slow | redirect | echo | html500 | anything else: 404."""
    app = Starlette(routes=[Route("/users/track", _track, methods=["POST"])])
    app.state.mode = mode
    with background_server(app) as url:
        yield url
