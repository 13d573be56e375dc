"""The `looker-braze` command. Each area registers its commands from its own small module, whose
top-level imports stay light so that `looker-braze --help` is instant."""

from __future__ import annotations

import typer

from looker_braze.check_cli import check
from looker_braze.currents.cli import app as currents_app
from looker_braze.runs_cli import runs
from looker_braze.sim.braze_cli import braze_sim
from looker_braze.sim.looker_cli import send

app = typer.Typer(
    name="looker-braze",
    help="Looker Action Hub with a Braze action, Braze Currents analytics, local stand-ins.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals could hold API keys
)


@app.command()
def serve(
    host: str = typer.Option("0.0.0.0", help="Interface to listen on."),
    port: int = typer.Option(
        None, help="Port to listen on; default: $PORT, else 8080. 0 = any free port."
    ),
) -> None:
    """Run the Action Hub (reads ACTION_HUB_BASE_URL, ACTION_HUB_LABEL, ACTION_HUB_SECRET, PORT)."""
    from looker_braze.actions.registry import build_registry
    from looker_braze.errors import ConfigError
    from looker_braze.hub.server import create_app
    from looker_braze.logs import configure_logging
    from looker_braze.serving import bind_socket, serve_forever, socket_url
    from looker_braze.settings import load_hub_settings
    from looker_braze.state import open_store

    try:
        settings = load_hub_settings()
        open_store(settings.state_url, abandon_stale=False).close()  # reachable and migrated
    except ConfigError as exc:
        typer.echo(f"looker-braze serve cannot start.\n{exc}", err=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level, settings.log_format)
    sock = bind_socket(host, settings.port if port is None else port)
    app = create_app(settings, build_registry(settings))
    serve_forever(
        app,
        sock,
        log_level=settings.log_level,
        announcement=f"looker-braze hub listening on {socket_url(sock)}",
        stop=app.state.hub,  # SIGTERM: runs in progress get the grace period, then answer
    )


@app.command()
def token() -> None:
    """Print a new hub token for Looker's Action Hub settings (needs ACTION_HUB_SECRET)."""
    from looker_braze.errors import ConfigError
    from looker_braze.hub.auth import new_token
    from looker_braze.settings import load_secret

    try:
        secret = load_secret()
    except ConfigError as exc:
        typer.echo(f"looker-braze token needs the hub secret.\n{exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(new_token(secret))


@app.command()
def demo(
    chaos: bool = typer.Option(False, "--chaos", help="Braze rate limits hard and fails at times."),
    rows: int = typer.Option(200_000, min=1, help="Rows in the generated Look."),
    seed: int = typer.Option(2026, help="Seed of the generated Look."),
) -> None:
    """The whole loop on this machine: simulated Braze, the hub, Looker played locally."""
    from looker_braze.demo import DemoOptions, run_demo

    raise typer.Exit(run_demo(DemoOptions(rows=rows, chaos=chaos, seed=seed)))


app.command("runs")(runs)
app.command("braze-sim")(braze_sim)
app.command("send")(send)
app.command("check")(check)
app.add_typer(currents_app, name="currents")


def main() -> None:
    app()
