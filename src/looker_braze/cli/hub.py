"""`looker-braze serve` and `looker-braze token`: the Action Hub itself. Top-level imports stay
light (typer only) so that `looker-braze --help` is instant."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("0.0.0.0", help="Interface to listen on."),
    port: int = typer.Option(
        None, help="Port to listen on; default: $PORT, else 8080. 0 = any free port."
    ),
) -> None:
    """Run the Action Hub (reads ACTION_HUB_BASE_URL, ACTION_HUB_LABEL, ACTION_HUB_SECRET, PORT)."""
    from looker_braze.actions.registry import build_registry
    from looker_braze.cli.exits import listen
    from looker_braze.hub.server import create_app
    from looker_braze.logs import configure_logging
    from looker_braze.serving import serve_forever, socket_url
    from looker_braze.settings import load_hub_settings
    from looker_braze.state import open_store

    settings = load_hub_settings()
    open_store(settings.state_url, abandon_stale=False).close()  # reachable and migrated
    sock = listen(host, settings.port if port is None else port)  # before anything is built
    configure_logging(settings.log_level, settings.log_format)
    app = create_app(settings, build_registry(settings))
    serve_forever(
        app,
        sock,
        log_level=settings.log_level,
        announcement=f"looker-braze hub listening on {socket_url(sock)}",
        stop=app.state.hub,  # SIGTERM: runs in progress get the grace period, then answer
    )


def token() -> None:
    """Print a new hub token for Looker's Action Hub settings (needs ACTION_HUB_SECRET)."""
    from looker_braze.hub.auth import new_token
    from looker_braze.settings import load_secret

    typer.echo(new_token(load_secret()))
