"""Real servers for end-to-end tests: the hub and the Braze simulator on 127.0.0.1, and Looker
played by the Looker sender."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from looker_braze.actions.registry import build_registry
from looker_braze.hub.auth import new_token
from looker_braze.hub.server import create_app
from looker_braze.serving import background_server, bind_socket, socket_url
from looker_braze.settings import HubSettings
from looker_braze.sim.braze import BrazeSimulator, SimConfig, running

SECRET = "e2e-hub-secret"
SIM_KEY = "sim-key"


@dataclass
class Hub:
    url: str
    token: str
    settings: HubSettings


@dataclass
class Braze:
    url: str
    sim: BrazeSimulator

    def params(self, key: str = SIM_KEY) -> dict[str, str]:
        return {"braze_api_key": key, "braze_api_endpoint": self.url}


@contextmanager
def running_hub(*extra_endpoints: str, **overrides) -> Iterator[Hub]:
    sock = bind_socket()
    with tempfile.TemporaryDirectory(prefix="looker-braze-e2e-") as folder:
        overrides.setdefault("state_url", f"sqlite:///{folder}/state.sqlite3")
        settings = HubSettings(
            base_url=socket_url(sock),
            label="looker-braze e2e",
            secret=SECRET,
            extra_endpoints=extra_endpoints,
            **overrides,
        )
        with background_server(create_app(settings, build_registry(settings)), sock=sock) as url:
            yield Hub(url, new_token(SECRET), settings)


@contextmanager
def running_braze(**config) -> Iterator[Braze]:
    with running(SimConfig(**config)) as (url, sim):
        yield Braze(url, sim)


@pytest.fixture
def braze() -> Iterator[Braze]:
    with running_braze(users=1000) as sim:
        yield sim


@pytest.fixture
def hub(braze) -> Iterator[Hub]:
    with running_hub(braze.url) as running:
        yield running
