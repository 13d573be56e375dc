"""`looker-braze audiences`: the audiences this hub fed to Braze, and their membership history.

    audiences list              each audience with its members now, joins and leaves so far
    audiences export --db W     the history into the warehouse (LOOKER_BRAZE_AUDIENCE_MEMBERSHIP),
                                incrementally: each export writes only what is new

Both read the state store the hub writes (LOOKER_BRAZE_STATE_URL, or --state).
"""

from __future__ import annotations

from typing import Annotated

import typer

from looker_braze.cli.exits import CommandGroup

app = typer.Typer(cls=CommandGroup, no_args_is_help=True)

State = Annotated[
    str | None, typer.Option(help="State store URL (default: LOOKER_BRAZE_STATE_URL).")
]


@app.command("list")
def list_command(
    state: State = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every audience: where (Braze endpoint), which attribute and label, members now."""
    from looker_braze.settings import load_state_url
    from looker_braze.state import open_store

    with open_store(state or load_state_url(), abandon_stale=False) as store:
        summaries = store.audience_summaries()
    if as_json:
        return _print_json([_json(summary) for summary in summaries])
    _print_table(summaries)


@app.command("export")
def export_command(
    db: Annotated[
        str,
        typer.Option(
            help="Warehouse: DuckDB file path, or postgresql://user@host/db[?schema=name]."
        ),
    ] = "currents.duckdb",
    state: State = None,
) -> None:
    """Write the membership history to the warehouse; only what the last export did not."""
    from looker_braze.extras import require

    require("currents")
    from looker_braze.audiences.export import export_membership
    from looker_braze.currents.membership import MEMBERSHIP
    from looker_braze.currents.warehouse import connect
    from looker_braze.redact import redact_url
    from looker_braze.settings import load_state_url
    from looker_braze.state import open_store

    with (
        open_store(state or load_state_url(), abandon_stale=False) as store,
        connect(db) as warehouse,
    ):
        report = export_membership(store, warehouse)
    where = f"{MEMBERSHIP} in {redact_url(db)}"
    if not report.changes:
        typer.echo(f"Nothing new since the last export: {where} is up to date.")
        return
    typer.echo(
        f"Exported {report.changes:,} membership changes to {where}: "
        f"{report.spells_opened:,} joins, {report.spells_closed:,} leaves."
    )


def _endpoint(workspace: str) -> str:
    return workspace.split("#", 1)[0]  # the key's hash adds nothing for a person reading


def _json(summary) -> dict:
    data = {name: getattr(summary, name) for name in summary.__dataclass_fields__}
    for name in ("created_at", "last_change"):
        if data[name] is not None:
            data[name] = data[name].isoformat()
    return data


def _print_json(value) -> None:
    import orjson

    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


def _print_table(summaries) -> None:
    from rich.console import Console
    from rich.table import Table

    if not summaries:
        typer.echo("No audiences yet: a send of the braze action creates one.")
        return
    table = Table(
        "Braze endpoint", "Attribute", "Label", "Members", "Joins", "Leaves", "Last change"
    )
    for s in summaries:
        last = s.last_change.strftime("%Y-%m-%d %H:%M") if s.last_change else "-"
        table.add_row(_endpoint(s.workspace), s.attribute, s.label, f"{s.members:,}",
                      f"{s.joins:,}", f"{s.leaves:,}", last)  # fmt: skip
    Console(highlight=False).print(table)
