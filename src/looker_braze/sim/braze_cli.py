"""`looker-braze braze-sim`: run the Braze simulator as a real HTTP server.

Top-level imports stay light (typer only) so that `looker-braze --help` is instant.
"""

from __future__ import annotations

from typing import Annotated

import typer

Keys = Annotated[list[str] | None, typer.Option(metavar="KEY")]


def braze_sim(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on; 0 = any free port.")] = 0,
    users: Annotated[int, typer.Option(help="Seed population users 0..N-1.")] = 0,
    api_key: Annotated[
        list[str] | None,
        typer.Option(metavar="KEY", help="A REST API key with users.track (repeatable)."),
    ] = None,
    key_without_track: Annotated[
        list[str] | None,
        typer.Option(metavar="KEY", help="A key lacking users.track: answers 403 (repeatable)."),
    ] = None,
    other_instance_key: Annotated[
        list[str] | None,
        typer.Option(metavar="KEY", help="A key of another Braze instance: answers 401."),
    ] = None,
    instance: Annotated[str, typer.Option(help="The simulated Braze instance.")] = "US-01",
    rate_limit: Annotated[
        str | None,
        typer.Option(metavar="REQUESTS/SECONDS", help="Quota, e.g. 3000/3 (Braze's default)."),
    ] = None,
    rate_limit_headers: Annotated[
        str, typer.Option(help="Header form: epoch, remaining or retry-after.")
    ] = "epoch",
    lowercase_headers: Annotated[bool, typer.Option(help="Lower-case header names.")] = False,
    error_rate: Annotated[float, typer.Option(help="Share of requests answered 5xx.")] = 0.0,
    latency_ms: Annotated[
        str, typer.Option(metavar="MIN,MAX", help="Added latency per request, uniform.")
    ] = "0,0",
    drop_rate: Annotated[
        float, typer.Option(help="Share of connections dropped unanswered.")
    ] = 0.0,
    array_cap: Annotated[int, typer.Option(help="Most values an array attribute holds.")] = 500,
    max_objects: Annotated[int, typer.Option(help="Most objects per request.")] = 75,
    max_bytes: Annotated[int, typer.Option(help="Largest request body (413 above).")] = 4_000_000,
    seed: Annotated[int, typer.Option(help="Seed of the fault dice.")] = 0,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """Run the Braze simulator: /users/track as Braze answers it, plus /sim/ inspection."""
    from looker_braze.errors import ConfigError

    try:
        config = _config(locals())
    except ConfigError as exc:
        typer.echo(f"looker-braze braze-sim cannot start.\n{exc}", err=True)
        raise typer.Exit(2) from None
    _serve(config, host, port, log_level, default_key=not api_key)


def _config(options: dict):
    from looker_braze.errors import ConfigError
    from looker_braze.sim.braze import DEFAULT_API_KEY, KeySpec

    keys = {key: KeySpec() for key in options["api_key"] or [DEFAULT_API_KEY]}
    keys |= {key: KeySpec(permissions=frozenset()) for key in options["key_without_track"] or []}
    keys |= {key: KeySpec(instance="another") for key in options["other_instance_key"] or []}
    problems: list[str] = []  # every problem at once: the option parsing's and SimConfig's
    requests, seconds = _rate_limit(options["rate_limit"], problems)
    latency = _latency(options["latency_ms"], problems)
    try:
        config = _sim_config(options, keys, requests, seconds, latency)
    except ConfigError as exc:
        problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return config


def _sim_config(options: dict, keys: dict, requests, seconds, latency):
    from looker_braze.sim.braze import SimConfig

    return SimConfig(
        users=options["users"],
        api_keys=keys,
        instance=options["instance"],
        rate_limit_requests=requests,
        rate_limit_seconds=seconds,
        rate_limit_headers=options["rate_limit_headers"],
        lowercase_headers=options["lowercase_headers"],
        array_cap=options["array_cap"],
        max_objects=options["max_objects"],
        max_bytes=options["max_bytes"],
        error_rate=options["error_rate"],
        latency_ms=latency,
        drop_rate=options["drop_rate"],
        seed=options["seed"],
    )


def _rate_limit(text: str | None, problems: list[str]) -> tuple[int | None, float]:
    if text is None:
        return None, 3.0
    requests, _, seconds = text.partition("/")
    try:
        return int(requests), float(seconds or 1)
    except ValueError:
        problems.append(f"--rate-limit takes REQUESTS/SECONDS such as 3000/3, not {text!r}")
        return None, 3.0


def _latency(text: str, problems: list[str]) -> tuple[float, float]:
    low, _, high = text.partition(",")
    try:
        return float(low), float(high or low)
    except ValueError:
        problems.append(f"--latency-ms takes MIN,MAX milliseconds such as 5,50, not {text!r}")
        return 0.0, 0.0


def _serve(config, host: str, port: int, log_level: str, default_key: bool) -> None:
    from looker_braze.serving import bind_socket, serve_forever, socket_url
    from looker_braze.sim.braze import DEFAULT_API_KEY, create_app

    app = create_app(config)
    sock = bind_socket(host, port)
    if default_key:
        typer.echo(f"No --api-key given: use the test key '{DEFAULT_API_KEY}'.", err=True)
    serve_forever(
        app,
        sock,
        log_level=log_level,
        announcement=f"looker-braze braze-sim listening on {socket_url(sock)}",
    )
