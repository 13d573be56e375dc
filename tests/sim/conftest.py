"""The HTTP client of the simulator tests: each module starts its own simulator (a module-scoped
``server`` fixture: (url, simulator)); every test gets it reset."""

from __future__ import annotations

import aiohttp
import pytest


@pytest.fixture
async def client(server):
    url, sim = server
    sim.reset()
    async with aiohttp.ClientSession(base_url=url) as session:
        yield session, sim
