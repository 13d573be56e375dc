"""Registers `currents generate` and `currents load` on the currents app. Heavy modules are
imported inside the commands so `looker-braze --help` stays instant."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from looker_braze.cli.currents import app


@app.command("generate")
def generate_command(
    out: Annotated[Path, typer.Argument(help="Folder for the Avro files and currents-config.json")],
    users: Annotated[int | None, typer.Option(help="Number of users (default 5000).")] = None,
    days: Annotated[int | None, typer.Option(help="Days in the window (default 28).")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed: same seed, same files.")] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            help="JSON file of generator settings (as currents-config.json of a generated folder)"
        ),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes writing in parallel.")] = 1,
    plant_audience: Annotated[
        str | None,
        typer.Option(
            help="Label of an exported Looker audience whose members engage more after joining "
            "(read from --plant-from's LOOKER_BRAZE_AUDIENCE_MEMBERSHIP)."
        ),
    ] = None,
    plant_from: Annotated[
        str | None, typer.Option(help="Warehouse the audience was exported to (--db forms).")
    ] = None,
    plant_lift: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Added to members' email open rate.")
    ] = 0.2,
    plant_conversion_lift: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="P(a member makes a planted Canvas conversion) per week."
        ),
    ] = 0.0,
    plant_unsubscribe_lift: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="P(a member unsubscribes from email) per week."),
    ] = 0.0,
) -> None:
    """Write synthetic Braze Currents with known rates, laid out as Braze writes them."""
    from pydantic import ValidationError

    from looker_braze.currents.generate import generate
    from looker_braze.errors import ConfigError

    settings = _settings(config)
    settings.update(
        {k: v for k, v in {"users": users, "days": days, "seed": seed}.items() if v is not None}
    )
    if plant_audience:
        lifts = (plant_lift, plant_conversion_lift, plant_unsubscribe_lift)
        settings["audience"] = _plant(plant_audience, plant_from, *lifts)
    try:
        summary = generate(out, settings, workers=workers)
    except ValidationError as exc:
        raise ConfigError([f"invalid generator settings: {exc}"]) from None
    typer.echo(
        f"Wrote {summary.events:,} events ({summary.duplicates:,} re-delivered, "
        f"{summary.late:,} late) in {summary.files:,} files, {summary.bytes / 1e6:,.1f} MB, "
        f"in {summary.seconds:.1f} s under {out}"
    )


def _plant(label: str, warehouse_url: str | None, *lifts: float) -> dict:
    from looker_braze.currents.generate.audience import plant_from_warehouse
    from looker_braze.currents.warehouse import connect
    from looker_braze.errors import ConfigError

    if not warehouse_url:
        raise ConfigError(["--plant-audience needs --plant-from: the warehouse it was exported to"])
    with connect(warehouse_url) as warehouse:
        return plant_from_warehouse(warehouse, label, *lifts).model_dump()


def _settings(path: Path | None) -> dict:
    from looker_braze.errors import ConfigError

    if path is None:
        return {}
    try:
        settings = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError([f"cannot read generator settings from {path}: {exc}"]) from None
    if not isinstance(settings, dict):
        raise ConfigError([f"{path} must hold a JSON object of generator settings"])
    return settings


@app.command("load")
def load_command(
    source: Annotated[str, typer.Argument(help="Folder (or s3://, gs:// URL) of Currents files.")],
    db: Annotated[
        str,
        typer.Option(
            help="Warehouse: DuckDB file path, or postgresql://user@host/db[?schema=name]."
        ),
    ] = "currents.duckdb",
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Load new Currents files into the warehouse (files loaded before are skipped)."""
    from rich.console import Console

    from looker_braze.cli.exits import NOT_ALL_DONE
    from looker_braze.currents.load import load, render
    from looker_braze.redact import redact_url

    console = Console()
    report = load(source, db, progress=progress)
    console.print(f"Loaded [bold]{source}[/] into [bold]{redact_url(db)}[/]")
    render(report, console)
    if not report.succeeded:
        raise typer.Exit(NOT_ALL_DONE)
