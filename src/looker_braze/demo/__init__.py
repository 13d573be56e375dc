"""`looker-braze demo`: the whole loop on one machine. A seeded Braze simulator and the hub run as
real processes on free 127.0.0.1 ports; this process plays Looker (a generated Look served at a
one-time download URL), shows live progress, then checks the Braze segment: exit 1 if any user
was lost."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import aiohttp
import ijson
from rich.console import Console

from looker_braze.demo import subscriptions
from looker_braze.demo.catalog import catalog_demo
from looker_braze.demo.events import events_demo
from looker_braze.demo.loop import loop_scene
from looker_braze.demo.scenario import (
    API_KEY,
    LABEL,
    DemoOptions,
    form_values,
    hub_environment,
    look_spec,
    population,
    simulator_args,
)
from looker_braze.demo.summary import Outcome, show
from looker_braze.demo.trigger import trigger_scene
from looker_braze.demo.watch import watch
from looker_braze.hub.auth import new_token
from looker_braze.processes import spawn
from looker_braze.sim.looker import LookerSender
from looker_braze.sim.looks import write_look

__all__ = ["DemoOptions", "run_demo"]


def run_demo(options: DemoOptions, console: Console | None = None) -> int:
    console = console or Console()
    with tempfile.TemporaryDirectory(prefix="looker-braze-demo-") as folder:
        outcome = asyncio.run(_demo(options, Path(folder), console))
    show(console, outcome)
    return 0 if outcome.ok else 1


async def _demo(options: DemoOptions, folder: Path, console: Console) -> Outcome:
    spec = look_spec(options)
    look = folder / "look.json"
    with console.status(f"Generating a Look of {spec.rows:,} rows ..."):
        truth = write_look(spec, look)
    console.print(f"Look ready: {truth.rows:,} rows, {truth.bytes / 1e6:,.0f} MB of json_detail.")
    sim_args = simulator_args(population(spec), options.chaos)
    with spawn(sim_args) as braze:
        env, secret = hub_environment(braze.url, str(folder))
        with spawn(["serve", "--host", "127.0.0.1", "--port", "0"], env) as hub:
            console.print(
                f"Braze simulator on {braze.url}"
                + (" (chaos: 429s, 5xx, drops)" if options.chaos else "")
            )
            console.print(f"Action hub on {hub.url}; Looker played by this process.\n")
            token = new_token(secret)
            outcome = await _send(braze.url, hub.url, token, look, truth, console)
            console.print("\n[bold]Custom events (braze_events), sent twice:[/bold]")
            for line in await events_demo(braze.url, hub.url, token, API_KEY):
                console.print(line, markup=False)
            for line in await trigger_scene(braze.url, hub.url, token, API_KEY):
                console.print(line)
            console.print(*await catalog_demo(braze.url, hub.url, token), sep="\n")
            for line in await subscriptions.run(braze.url, hub.url, token, look):
                console.print(line)
            with console.status("Closing the loop: export, generate Currents, load, analyse ..."):
                scene = await loop_scene(braze.url, hub.url, token, folder)
            console.print(*scene, sep="\n", markup=False)
            return outcome


async def _send(braze_url, hub_url, token, look: Path, truth, console: Console) -> Outcome:
    samples = _sample_users(look)
    async with aiohttp.ClientSession() as http:
        before = {user: await _profile(http, braze_url, user) for user in samples}
        started = time.monotonic()
        async with LookerSender(hub_url, token=token) as looker:
            task = asyncio.create_task(
                looker.execute(
                    "braze",
                    params={"braze_api_key": API_KEY, "braze_api_endpoint": braze_url},
                    form_params=form_values(),
                    look=look,
                )
            )
            await watch(http, hub_url, task, console)
            result = task.result()
        seconds = time.monotonic() - started
        after = {user: await _profile(http, braze_url, user) for user in samples}
        segment = await _get(
            http, f"{braze_url}/sim/segment", attribute="looker_export", value=LABEL
        )
        stats = await _get(http, f"{braze_url}/sim/stats")
    answer = result.looker or {"success": False, "message": result.body_text[:500]}
    return Outcome(truth, answer, segment["count"], stats, before, after, seconds, LABEL)


def _sample_users(look: Path, count: int = 3) -> list[str]:
    """The first few identifiers of the Look (read lazily: the file may be large)."""
    users: list[str] = []
    with look.open("rb") as file:
        for row in ijson.items(file, "data.item"):
            cell = row.get("users.external_id") or {}
            if (
                isinstance(cell, dict)
                and isinstance(cell.get("value"), str)
                and cell["value"].strip()
            ):
                users.append(cell["value"])
            if len(users) == count:
                break
    return users


async def _profile(http: aiohttp.ClientSession, braze_url: str, user: str) -> dict | None:
    async with http.get(f"{braze_url}/sim/profile", params={"external_id": user}) as response:
        return await response.json() if response.status == 200 else None


async def _get(http: aiohttp.ClientSession, url: str, **params) -> dict:
    async with http.get(url, params=params) as response:
        return await response.json()
