"""`looker-braze currents ...`: the commands are registered by cli_load (generate, load) and
cli_analytics (run, lookml, report), imported at the bottom so each stays in its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Braze Currents: generate, load, run models, write LookML, render reports.",
    no_args_is_help=True,
)

from looker_braze.currents import cli_analytics, cli_load  # noqa: E402,F401  (registers commands)
