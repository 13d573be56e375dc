"""The `looker-braze` command: one typer app, one module per command group, one way to fail.

    hub.py          serve, token             runs.py     runs, runs show
    audiences.py    audiences list, audiences export
    demo.py         demo                     check.py    check
    braze_sim.py    braze-sim                send.py     send (its work: send_run.py)
    events.py       events pending, events release
    currents.py     currents ... (currents_load.py: generate, load;
                                  currents_analytics.py: run, lookml, report)
    exits.py        errors -> one line on stderr and an exit code (the codes are listed there)

Every module's top-level imports stay light (typer only), so `looker-braze --help` is instant.
"""

from __future__ import annotations

import typer

from looker_braze.cli import audiences, braze_sim, check, currents, demo, events, hub, runs, send
from looker_braze.cli.exits import CommandGroup

CONTEXT = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="looker-braze",
    help="Looker Action Hub with a Braze action, Braze Currents analytics, local stand-ins.",
    cls=CommandGroup,
    context_settings=CONTEXT,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals could hold API keys
)


def _version(value: bool) -> None:
    if value:
        from looker_braze import __version__

        typer.echo(f"looker-braze {__version__}")
        raise typer.Exit()


@app.callback()
def _start(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    _warn_unknown_variables(ctx)


def _warn_unknown_variables(ctx: typer.Context) -> None:
    """One line per LOOKER_BRAZE_* variable nothing reads, naming the closest known one."""
    from looker_braze.settings import unknown_variables

    for name, closest in unknown_variables(also_known=_option_variables(ctx.command)):
        hint = f"; did you mean {closest}?" if closest else ""
        typer.echo(f"looker-braze: warning: {name} is not a looker-braze setting{hint}", err=True)


def _option_variables(command) -> set[str]:
    """The environment variables the commands' options read (e.g. LOOKER_BRAZE_HUB_TOKEN)."""
    found = set()
    for param in getattr(command, "params", []):
        envvar = param.envvar
        found.update([envvar] if isinstance(envvar, str) else envvar or [])
    for sub in getattr(command, "commands", {}).values():
        found |= _option_variables(sub)
    return found


app.command("serve")(hub.serve)
app.command("token")(hub.token)
app.command("demo")(demo.demo)
app.add_typer(runs.app, name="runs")
app.add_typer(events.app, name="events", help="The events action's held events.")
app.command("braze-sim")(braze_sim.braze_sim)
app.command("send")(send.send)
app.command("check")(check.check)
app.add_typer(currents.app, name="currents")
app.add_typer(audiences.app, name="audiences")


def main() -> None:
    app(prog_name="looker-braze")  # also under `python -m looker_braze`
