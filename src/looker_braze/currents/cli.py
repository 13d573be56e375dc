"""`looker-braze currents ...`: the commands are registered by cli_load (generate, load) and
cli_analytics (run, lookml, report), imported at the bottom so each stays in its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Braze Currents: generate, load, run models, write LookML, render reports.",
    no_args_is_help=True,
)


@app.callback()
def _needs_the_extra() -> None:
    # Every Currents command needs the analytics stack: without it, one line naming the extra.
    from looker_braze.errors import ConfigError
    from looker_braze.extras import require

    try:
        require("currents")
    except ConfigError as exc:
        typer.echo(f"looker-braze currents {exc.problems[0]}", err=True)
        raise typer.Exit(2) from None


from looker_braze.currents import cli_analytics, cli_load  # noqa: E402,F401  (registers commands)
