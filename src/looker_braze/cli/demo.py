"""`looker-braze demo`: the whole loop on this machine."""

from __future__ import annotations

import typer


def demo(
    chaos: bool = typer.Option(False, "--chaos", help="Braze rate limits hard and fails at times."),
    rows: int = typer.Option(200_000, min=1, help="Rows in the generated Look."),
    seed: int = typer.Option(2026, help="Seed of the generated Look."),
) -> None:
    """The whole loop on this machine: simulated Braze, the hub, Looker played locally."""
    from looker_braze.demo import DemoOptions, run_demo

    raise typer.Exit(run_demo(DemoOptions(rows=rows, chaos=chaos, seed=seed)))
