"""Run an ASGI app as a real HTTP server on 127.0.0.1, in a thread or in this process.

Used by the CLI (`serve`, `braze-sim`), the demo, the tests and the benchmarks, so that every one of
them talks real HTTP. The socket is bound before uvicorn starts, so port 0 gives a free port with
no race between choosing it and listening on it.

Stopping (SIGTERM, SIGINT, or ``should_exit`` in a thread): uvicorn catches the signal, stops
accepting connections, then waits for the responses in progress. An app that lends a
``GracefulStop`` is told the moment that starts, so it can bring its long responses (an execute
runs for minutes) to an end in time; uvicorn cancels what is left after ``grace_seconds``.
"""

from __future__ import annotations

import gc
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from looker_braze.logs import configured


class GracefulStop(Protocol):
    """What an app lends the server for a bounded stop."""

    @property
    def grace_seconds(self) -> float:
        """How long the server may wait for responses in progress once it stops accepting."""

    def stopping(self) -> None:
        """Called in the event loop when the server stops accepting connections."""


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def socket_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}"


def _config(app, log_level: str, stop: GracefulStop | None = None) -> uvicorn.Config:
    # h11 rather than httptools would be slower; "auto" picks httptools and uvloop when installed.
    return uvicorn.Config(
        app,
        log_level=log_level,
        # When the command set logging up (configure_logging), uvicorn's lines go through it,
        # in the same format (JSON included).
        log_config=None if configured() else LOGGING_CONFIG,
        access_log=False,
        lifespan="auto",
        timeout_keep_alive=75,
        server_header=False,
        timeout_graceful_shutdown=None if stop is None else stop.grace_seconds,  # type: ignore[arg-type]
    )


class _Server(uvicorn.Server):
    """Prints one line once the app has started and accepts connections, so that a program
    that starts it (the demo, tests, scripts) knows when it may send; tells the app's
    GracefulStop when it stops accepting."""

    def __init__(
        self,
        config: uvicorn.Config,
        announcement: str | None = None,
        stop: GracefulStop | None = None,
    ) -> None:
        super().__init__(config)
        self._announcement = announcement
        self._stop = stop

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self._announcement:
            print(self._announcement, flush=True)

    async def shutdown(self, sockets=None) -> None:
        if self._stop is not None:
            self._stop.stopping()
        await super().shutdown(sockets=sockets)


def serve_forever(
    app,
    sock: socket.socket,
    log_level: str = "info",
    announcement: str | None = None,
    stop: GracefulStop | None = None,
) -> None:
    """Serve ``app`` on an already bound socket until interrupted (blocks); print
    ``announcement`` on stdout once ready. With ``stop``, a SIGTERM ends the process within its
    grace period."""
    # What start-up built (modules, tables, the app) lives as long as the process: frozen, it is
    # left out of every later pass of the cycle collector, whose full passes then walk only
    # what sends create. Collected first, so that no garbage is frozen with it.
    gc.collect()
    gc.freeze()
    _Server(_config(app, log_level, stop), announcement, stop).run(sockets=[sock])


@contextmanager
def background_server(
    app,
    host: str = "127.0.0.1",
    port: int = 0,
    log_level: str = "warning",
    sock: socket.socket | None = None,
    stop: GracefulStop | None = None,
) -> Iterator[str]:
    """Serve ``app`` in a daemon thread; yields its base URL and stops it on exit.

    Pass ``sock`` (from bind_socket) when the app must know its own URL before it starts.
    """
    sock = sock or bind_socket(host, port)
    server = _Server(_config(app, log_level, stop), stop=stop)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_started(server, thread)
        yield socket_url(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _wait_started(server: uvicorn.Server, thread: threading.Thread, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the server thread stopped before it started serving")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start within {timeout:.0f} s")
        time.sleep(0.01)
