"""The Braze simulator: a real HTTP server faithful to Braze's ``/users/track`` (as restated in
shared/spec/braze-users-track.md), for tests, demos and users' own CI.

    from looker_braze.sim.braze import SimConfig, create_app, running
    with running(SimConfig(users=1000)) as (url, sim):
        ...  # POST f"{url}/users/track" with "Authorization: Bearer sim-key"
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from looker_braze.sim.braze.app import SimApp, create_app
from looker_braze.sim.braze.config import DEFAULT_API_KEY, KeySpec, SimConfig
from looker_braze.sim.braze.simulator import BrazeSimulator


@contextmanager
def running(config: SimConfig | None = None) -> Iterator[tuple[str, BrazeSimulator]]:
    """A simulator served on 127.0.0.1 in a background thread: (base URL, its BrazeSimulator)."""
    from looker_braze.serving import background_server

    app = create_app(config)
    with background_server(app) as url:
        yield url, app.state.sim


__all__ = [
    "DEFAULT_API_KEY",
    "BrazeSimulator",
    "KeySpec",
    "SimApp",
    "SimConfig",
    "create_app",
    "running",
]
