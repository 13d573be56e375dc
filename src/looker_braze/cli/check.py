"""`looker-braze check`: Braze's troubleshooting checklist as a command.

Only typer is imported at the top, so `looker-braze --help` stays instant; the work is in
looker_braze.check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

BRAZE = "Braze settings"
LOOK = "Look"
FILE_OPTION = {"exists": True, "dir_okay": False, "readable": True}


def check(
    ctx: typer.Context,
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint",
            help="The Braze REST API endpoint, as in the action's settings.",
            rich_help_panel=BRAZE,
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="LOOKER_BRAZE_CHECK_API_KEY",
            help="A Braze REST API key to try at the endpoint (never printed).",
            show_default=False,
            rich_help_panel=BRAZE,
        ),
    ] = None,
    extra_endpoint: Annotated[
        list[str] | None,
        typer.Option(
            "--extra-endpoint",
            help="Admit this base URL too (as LOOKER_BRAZE_EXTRA_ENDPOINTS does; repeatable).",
            rich_help_panel=BRAZE,
        ),
    ] = None,
    probe_instances: Annotated[
        bool,
        typer.Option(
            "--probe-instances",
            help="When the key is refused, try it on Braze's other REST hosts to find its "
            "instance (sends the key to those Braze hosts).",
            rich_help_panel=BRAZE,
        ),
    ] = False,
    timeout: Annotated[
        float,
        typer.Option("--timeout", help="Seconds to wait for Braze.", rich_help_panel=BRAZE),
    ] = 15.0,
    look: Annotated[
        Path | None,
        typer.Option(
            "--look",
            help="A Look's json_detail (Looker API: GET /api/4.0/looks/<id>/run/json_detail).",
            rich_help_panel=LOOK,
            **FILE_OPTION,
        ),
    ] = None,
    lookml: Annotated[
        Path | None,
        typer.Option(
            "--lookml", help="A LookML view file (.view.lkml).", rich_help_panel=LOOK, **FILE_OPTION
        ),
    ] = None,
    key_kind: Annotated[
        str,
        typer.Option(
            "--key-kind",
            help="What the braze_id field holds (the form's Unique Key): external_id, braze_id, "
            "user_alias, email or phone.",
            rich_help_panel=LOOK,
        ),
    ] = "external_id",
    array_attribute: Annotated[
        str,
        typer.Option(
            "--array-attribute",
            help="The array attribute that receives the label (the form's Array Attribute).",
            rich_help_panel=LOOK,
        ),
    ] = "looker_export",
    action: Annotated[
        str,
        typer.Option(
            "--action",
            help="Check the Look for this action's tags and rules: braze (flags) or braze_catalog.",
            rich_help_panel=LOOK,
        ),
    ] = "braze",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the findings as JSON: [{check, status, message}].")
    ] = False,
) -> None:
    """Braze's troubleshooting checklist: Braze settings, a Look, a LookML view.

    --endpoint: is it a Braze REST host, and of which instance.

    --endpoint with --api-key: does the key work there, with users.track? (Changes nothing.)

    --look: a Look's json_detail: braze_id field, pivot, braze[...] tags and values, ids
    (with --action braze_catalog: the catalog action's tags, item ids and values).

    --lookml: a view file's braze_id and braze[...] tags.

    Exit code: 0 every check passed, 1 a problem was found, 2 usage error.
    """
    from looker_braze.cli.exits import CANNOT_RUN

    if api_key and endpoint is None and _from_command_line(ctx, "api_key"):
        raise typer.BadParameter(
            "give --endpoint too: the key is tried there", param_hint="--api-key"
        )
    if probe_instances and not api_key:
        raise typer.BadParameter("give --api-key too", param_hint="--probe-instances")
    if endpoint is None and look is None and lookml is None:
        typer.echo(ctx.get_help(), err=True)
        raise typer.Exit(CANNOT_RUN)  # a usage error, as click would answer it
    request = _request(
        endpoint, api_key, extra_endpoint, probe_instances, timeout, look, lookml, key_kind,
        array_attribute, action,
    )  # fmt: skip
    raise typer.Exit(_run(request, as_json))


def _from_command_line(ctx: typer.Context, name: str) -> bool:
    # By name: typer ships its own copy of click, whose enum is not click's.
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


def _request(
    endpoint, api_key, extra, probe, timeout, look, lookml, key_kind, array_attribute, action
):
    from looker_braze.actions.braze.definition import KEY_KINDS
    from looker_braze.braze.attributes import IDENTIFIER_NAMES
    from looker_braze.check.run import CheckRequest

    if key_kind not in KEY_KINDS:
        raise typer.BadParameter(f"choose one of {', '.join(KEY_KINDS)}", param_hint="--key-kind")
    name = array_attribute.strip()
    if not name or name in IDENTIFIER_NAMES or name.startswith("$"):
        raise typer.BadParameter(
            f"'{name}' cannot be the array attribute", param_hint="--array-attribute"
        )
    if timeout <= 0:
        raise typer.BadParameter("must be more than 0 seconds", param_hint="--timeout")
    if action not in ("braze", "braze_catalog"):
        raise typer.BadParameter("choose braze or braze_catalog", param_hint="--action")
    key = (api_key or "").strip() or None
    return CheckRequest(
        endpoint=endpoint,
        api_key=key if endpoint is not None else None,  # a key from the environment alone
        extra_endpoints=tuple(extra or ()),
        probe_instances=probe,
        look=look,
        lookml=lookml,
        key_kind=key_kind,
        array_attribute=name,
        action=action,
        timeout_seconds=timeout,
    )


def _run(request, as_json: bool) -> int:
    import asyncio
    import sys

    from rich.console import Console

    from looker_braze.check.findings import has_problems
    from looker_braze.check.report import as_json as findings_json
    from looker_braze.check.report import render
    from looker_braze.check.run import run_check
    from looker_braze.cli.exits import NOT_ALL_DONE, OK

    findings = asyncio.run(run_check(request))
    if as_json:
        sys.stdout.buffer.write(findings_json(findings) + b"\n")
        sys.stdout.flush()
    else:
        render(findings, Console(), _titles(request))
    return NOT_ALL_DONE if has_problems(findings) else OK


def _titles(request) -> dict[str, str]:
    return {
        "endpoint": "Braze endpoint",
        "key": "Braze API key",
        "look": f"Look {request.look}",
        "lookml": f"LookML view {request.lookml}",
    }
