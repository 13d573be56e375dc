"""`looker-braze braze-sim`: run the Braze simulator as a real HTTP server.

Top-level imports stay light (typer only) so that `looker-braze --help` is instant.
"""

from __future__ import annotations

from typing import Annotated

import typer

HOUR = 3600.0
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
    contract: Annotated[
        str, typer.Option(help="default (75 objects), legacy (75 per array), mau (50; hourly).")
    ] = "default",
    max_objects: Annotated[
        int | None, typer.Option(help="Most objects per request (default: the contract's).")
    ] = None,
    hourly_limit: Annotated[
        str | None,
        typer.Option(
            metavar="REQUESTS[/SECONDS]",
            help="Hourly quota on top of --rate-limit (mau: 10000 unless given).",
        ),
    ] = None,
    max_bytes: Annotated[int, typer.Option(help="Largest request body (413 above).")] = 4_000_000,
    queued_rate: Annotated[
        float, typer.Option(help='Share answered 202 {"message": "queued"}, data applied.')
    ] = 0.0,
    unknown_key_status: Annotated[
        int, typer.Option(help="Status for an unknown key: 401, or 404 as users/track documents.")
    ] = 401,
    account_state: Annotated[
        str, typer.Option(help="active; rate_plan or inactive answer 403 with Braze's texts.")
    ] = "active",
    redirect_rate: Annotated[
        float, typer.Option(help="Share of requests answered with a redirect.")
    ] = 0.0,
    redirect_status: Annotated[int, typer.Option(help="The redirect's status.")] = 307,
    redirect_to: Annotated[
        str, typer.Option(metavar="URL", help="The redirect's Location.")
    ] = "http://127.0.0.1:9/users/track",
    success_message: Annotated[
        str, typer.Option(help="The message of 2xx answers (Braze's: success).")
    ] = "success",
    seed: Annotated[int, typer.Option(help="Seed of the fault dice.")] = 0,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """Run the Braze simulator: /users/track as Braze answers it, plus /sim/ inspection."""
    config = _config(locals())  # ConfigError lists every problem (cli/exits.py shows them)
    _serve(config, host, port, log_level, default_key=not api_key)


def _config(options: dict):
    from looker_braze.errors import ConfigError
    from looker_braze.sim.braze import DEFAULT_API_KEY, KeySpec
    from looker_braze.sim.braze.config import FULL_PERMISSIONS

    keys = {key: KeySpec(FULL_PERMISSIONS) for key in options["api_key"] or [DEFAULT_API_KEY]}
    keys |= {key: KeySpec(permissions=frozenset()) for key in options["key_without_track"] or []}
    keys |= {key: KeySpec(instance="another") for key in options["other_instance_key"] or []}
    problems: list[str] = []  # every problem at once: the option parsing's and SimConfig's
    requests, seconds = _rate_limit(options["rate_limit"], problems, "--rate-limit", 1.0, 3.0)
    hourly = _rate_limit(options["hourly_limit"], problems, "--hourly-limit", HOUR, HOUR)
    latency = _latency(options["latency_ms"], problems)
    try:
        config = _sim_config(options, keys, (requests, seconds), hourly, latency)
    except ConfigError as exc:
        problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return config


def _sim_config(options: dict, keys: dict, burst, hourly, latency):
    from looker_braze.sim.braze import SimConfig

    return SimConfig(
        users=options["users"],
        api_keys=keys,
        instance=options["instance"],
        rate_limit_requests=burst[0],
        rate_limit_seconds=burst[1],
        hourly_limit_requests=hourly[0],
        hourly_limit_seconds=hourly[1],
        contract=options["contract"],
        queued_rate=options["queued_rate"],
        unknown_key_status=options["unknown_key_status"],
        account_state=options["account_state"],
        redirect_rate=options["redirect_rate"],
        redirect_status=options["redirect_status"],
        redirect_to=options["redirect_to"],
        success_message=options["success_message"],
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


def _rate_limit(
    text: str | None, problems: list[str], option: str, bare: float, unset: float
) -> tuple[int | None, float]:
    """REQUESTS/SECONDS; REQUESTS alone is per ``bare`` seconds; no option: (None, ``unset``)."""
    if text is None:
        return None, unset
    requests, _, seconds = text.partition("/")
    try:
        return int(requests), float(seconds or bare)
    except ValueError:
        problems.append(f"{option} takes REQUESTS/SECONDS such as 3000/3, not {text!r}")
        return None, unset


def _latency(text: str, problems: list[str]) -> tuple[float, float]:
    low, _, high = text.partition(",")
    try:
        return float(low), float(high or low)
    except ValueError:
        problems.append(f"--latency-ms takes MIN,MAX milliseconds such as 5,50, not {text!r}")
        return 0.0, 0.0


def _serve(config, host: str, port: int, log_level: str, default_key: bool) -> None:
    from looker_braze.cli.exits import listen
    from looker_braze.serving import serve_forever, socket_url
    from looker_braze.sim.braze import DEFAULT_API_KEY, create_app

    sock = listen(host, port)
    app = create_app(config)
    if default_key:
        typer.echo(f"No --api-key given: use the test key '{DEFAULT_API_KEY}'.", err=True)
    serve_forever(
        app,
        sock,
        log_level=log_level,
        announcement=f"looker-braze braze-sim listening on {socket_url(sock)}",
    )
