"""`looker-braze runs`: the hub's run history as a table in the terminal.

Reads the state store the hub writes (LOOKER_BRAZE_STATE_URL, or --state), or asks a running hub
(--hub URL --token T, GET /runs)."""

from __future__ import annotations

from typing import Annotated

import typer


def runs(
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many runs, newest first.")] = 20,
    before: Annotated[int | None, typer.Option(help="Only runs older than this run id.")] = None,
    state: Annotated[
        str | None, typer.Option(help="State store URL (default: LOOKER_BRAZE_STATE_URL).")
    ] = None,
    hub: Annotated[str | None, typer.Option(help="Ask this hub's GET /runs instead.")] = None,
    token: Annotated[
        str | None, typer.Option(envvar="LOOKER_BRAZE_HUB_TOKEN", help="Hub token for --hub.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the run history: every send, its counts, data points and message."""
    import orjson
    from rich.console import Console

    try:
        records = _from_hub(hub, token, limit, before) if hub else _from_store(state, limit, before)
    except Exception as exc:  # a CLI: say what failed, never a traceback
        typer.echo(f"looker-braze runs: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(orjson.dumps(records, option=orjson.OPT_INDENT_2).decode())
        return
    Console().print(_table(records))


def _from_store(url: str | None, limit: int, before: int | None) -> list[dict]:
    from looker_braze.settings import load_state_url
    from looker_braze.state import open_store

    with open_store(url or load_state_url(), abandon_stale=False) as store:
        return [run.as_json() for run in store.runs(limit, before)]


def _from_hub(url: str, token: str | None, limit: int, before: int | None) -> list[dict]:
    import asyncio

    import aiohttp

    from looker_braze.hub.auth import authorization_header

    async def get() -> list[dict]:
        params = {"limit": limit} | ({"before": before} if before else {})
        headers = {"Authorization": authorization_header(token)} if token else {}
        runs_url = f"{url.rstrip('/')}/runs"
        async with (
            aiohttp.ClientSession() as session,
            session.get(runs_url, params=params, headers=headers) as response,
        ):
            body = await response.json(content_type=None)
            if response.status != 200:
                raise RuntimeError(f"the hub answered HTTP {response.status}: {body.get('error')}")
            return body["runs"]

    return asyncio.run(get())


def _table(records: list[dict]):
    from rich.table import Table

    table = Table(title="Run history (newest first)", title_justify="left")
    for column in ("#", "started (UTC)", "mode", "label", "result", "rows", "sent", "data points",
                   "saved", "message"):  # fmt: skip
        table.add_column(column, overflow="fold", justify="right" if column in _NUMERIC else "left")
    for run in records:
        table.add_row(
            str(run["id"]),
            (run["started_at"] or "")[:19].replace("T", " "),
            f"{run['action']}/{run['mode']}" if run.get("mode") else run["action"],
            run.get("label") or "",
            _result(run),
            f"{run['counts'].get('read', 0):,}",
            f"{run['counts'].get('sent', 0):,}",
            f"{run['data_points_sent']:,}",
            f"{run['data_points_saved']:,}",
            (run.get("message") or "")[:160],
        )
    return table


_NUMERIC = {"rows", "sent", "data points", "saved"}


def _result(run: dict) -> str:
    if run["status"] == "running":
        return "[yellow]running[/]"
    return "[green]success[/]" if run.get("success") else f"[red]{run['status']}[/]"
