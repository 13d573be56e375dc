"""`looker-braze send`: play Looker against any Action Hub, local or deployed.

Only typer is imported at the top so that `looker-braze --help` stays instant; the work is in
looker_braze.cli.send_run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ROWS = "Rows"
HUB = "Hub"
DOWNLOAD = "Download URL"


def send(
    hub: Annotated[
        str, typer.Option("--hub", help="The Action Hub's base URL.", rich_help_panel=HUB)
    ],
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="LOOKER_BRAZE_HUB_TOKEN",
            help="The hub token Looker's admin pasted (never printed).",
            show_default=False,
            rich_help_panel=HUB,
        ),
    ] = None,
    action: Annotated[
        str, typer.Option("--action", help="The action's name.", rich_help_panel=HUB)
    ] = "braze",
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param", help="An admin param, name=value (repeatable).", rich_help_panel=HUB
        ),
    ] = None,
    form_param: Annotated[
        list[str] | None,
        typer.Option(
            "--form-param",
            "--form-value",
            help="A form answer, name=value (repeatable).",
            rich_help_panel=HUB,
        ),
    ] = None,
    look: Annotated[
        Path | None,
        typer.Option("--look", help="A json_detail file with the rows.", rich_help_panel=ROWS),
    ] = None,
    csv: Annotated[
        Path | None,
        typer.Option("--csv", help="A CSV file, header line first.", rich_help_panel=ROWS),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            help="Tag a CSV column (repeatable): id=braze_id, name=braze\\[first_name].",
            rich_help_panel=ROWS,
        ),
    ] = None,
    delimiter: Annotated[
        str,
        typer.Option(
            "--delimiter",
            help="The CSV's field separator: one character, or tab (e.g. ';' from Excel).",
            rich_help_panel=ROWS,
        ),
    ] = ",",
    type_: Annotated[
        list[str] | None,
        typer.Option(
            "--type",
            help="Looker type of a CSV column: column=number|yesno|date_date|date_time|string.",
            rich_help_panel=ROWS,
        ),
    ] = None,
    format_: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="The Looker format (default: the action's own). json_detail stops at 5,000 rows.",
            rich_help_panel=ROWS,
        ),
    ] = None,
    results: Annotated[
        str,
        typer.Option(
            "--results",
            help="all (All Results) or table (Results in Table: at most --row-limit rows).",
            rich_help_panel=ROWS,
        ),
    ] = "all",
    row_limit: Annotated[
        int,
        typer.Option("--row-limit", min=1, help="The Look's row limit.", rich_help_panel=ROWS),
    ] = 500,
    query_timezone: Annotated[
        str | None,
        typer.Option(
            "--query-timezone",
            help="The query's time zone (its date-times are in it), e.g. America/New_York.",
            rich_help_panel=ROWS,
        ),
    ] = None,
    inline: Annotated[
        bool,
        typer.Option(
            "--inline",
            help="Put the rows in the request (for hubs that cannot reach back to this machine).",
            rich_help_panel=ROWS,
        ),
    ] = False,
    base64: Annotated[
        bool,
        typer.Option("--base64", help="With --inline: a base64 attachment.", rich_help_panel=ROWS),
    ] = False,
    download_host: Annotated[
        str,
        typer.Option(
            "--download-host",
            help="The address the hub uses to reach the download server on this machine.",
            rich_help_panel=DOWNLOAD,
        ),
    ] = "127.0.0.1",
    download_port: Annotated[
        int,
        typer.Option(
            "--download-port", help="Its port (0: any free port).", rich_help_panel=DOWNLOAD
        ),
    ] = 0,
    looker_version: Annotated[
        str, typer.Option("--looker-version", help="Sent in the User-Agent.", rich_help_panel=HUB)
    ] = "23.4.0",
    instance: Annotated[
        str, typer.Option("--instance", help="Sent as X-Looker-Instance.", rich_help_panel=HUB)
    ] = "looker-braze-send",
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", help="Seconds to wait for the hub's next byte.", rich_help_panel=HUB
        ),
    ] = 900.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw JSON answer.")] = False,
    list_actions: Annotated[
        bool, typer.Option("--list", help="Show the hub's actions, as Looker's admin page does.")
    ] = False,
    show_form: Annotated[
        bool, typer.Option("--form", help="Show the action's form, as Looker shows the user.")
    ] = False,
    progress: Annotated[
        bool, typer.Option(help="Show live counts on stderr while the hub works.")
    ] = True,
) -> None:
    """Play Looker: send a Look's rows to an Action Hub exactly as Looker does, print the answer.

    Exit status: 0 success, 1 the action answered but did not succeed, 2 bad usage (options,
    files, form fields) or no hub.
    """
    from rich.console import Console

    from looker_braze.cli.send_run import SendOptions, multi_pairs, pairs, run

    console = Console(stderr=as_json, highlight=False, soft_wrap=True)
    options = SendOptions(  # ConfigError: every bad option at once (cli/exits.py shows them)
        hub=hub,
        token=token,
        action=action,
        params=pairs(param or [], "--param"),
        form_params=pairs(form_param or [], "--form-param"),
        look=look,
        csv=csv,
        tags=multi_pairs(tag or [], "--tag"),
        types=pairs(type_ or [], "--type"),
        inline=inline,
        base64=base64,
        format=format_,
        results=results,
        row_limit=row_limit,
        query_timezone=query_timezone,
        download_host=download_host,
        download_port=download_port,
        looker_version=looker_version,
        instance=instance,
        timeout_s=timeout,
        as_json=as_json,
        list_actions=list_actions,
        show_form=show_form,
        delimiter=delimiter,
        progress=progress,
    )
    raise typer.Exit(run(options, console))
