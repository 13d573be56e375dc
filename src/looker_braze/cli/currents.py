"""`looker-braze currents ...`: the commands are registered by currents_load (generate, load) and
currents_analytics (run, lookml, report) and currents_dbt (dbt), imported at the bottom so each
stays in its own module."""

from __future__ import annotations

import typer

from looker_braze.cli.exits import CommandGroup

app = typer.Typer(
    help="Braze Currents: generate, load, run models, write LookML, render reports.",
    cls=CommandGroup,  # errors -> one line and an exit code (cli/exits.py)
    no_args_is_help=True,
)


@app.callback()
def _needs_the_extra() -> None:
    # Every Currents command needs the analytics stack: without it, one line naming the extra.
    from looker_braze.extras import require

    require("currents")


from looker_braze.cli import currents_analytics, currents_dbt, currents_load  # noqa: E402,F401
