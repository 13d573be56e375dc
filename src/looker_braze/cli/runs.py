"""`looker-braze runs`: the hub's run history in the terminal; `runs show ID`: one run in full.

Reads the state store the hub writes (LOOKER_BRAZE_STATE_URL, or --state), or asks a running hub
(--hub URL --token T, GET /runs). The list fits the terminal (80 columns and up): fixed columns,
times to the minute, and each run's label and message wrapped under its row."""

from __future__ import annotations

from typing import Annotated

import typer

from looker_braze.cli.exits import CommandGroup

app = typer.Typer(cls=CommandGroup, invoke_without_command=True, no_args_is_help=False)

State = Annotated[
    str | None, typer.Option(help="State store URL (default: LOOKER_BRAZE_STATE_URL).")
]
Hub = Annotated[str | None, typer.Option(help="Ask this hub's GET /runs instead.")]
Token = Annotated[
    str | None, typer.Option(envvar="LOOKER_BRAZE_HUB_TOKEN", help="Hub token for --hub.")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.callback()
def runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many runs, newest first.")] = 20,
    before: Annotated[int | None, typer.Option(help="Only runs older than this run id.")] = None,
    state: State = None,
    hub: Hub = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Show the run history: every send, its counts and message (`runs show ID`: one in full)."""
    if ctx.invoked_subcommand is not None:
        return
    records = _from_hub(hub, token, limit, before) if hub else _from_store(state, limit, before)
    if as_json:
        return _print_json(records)
    _print(_listing(records, _width()))


@app.command("show")
def show(
    run_id: Annotated[int, typer.Argument(metavar="ID", help="The run's id (the # column).")],
    state: State = None,
    hub: Hub = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Print one run in full: what it sent, every count, every rejection reason, the message."""
    from looker_braze.errors import FailRun

    found = _one_from_hub(hub, token, run_id) if hub else _one_from_store(state, run_id)
    if found is None:
        raise FailRun(f"there is no run {run_id} in the history")
    if as_json:
        return _print_json(found)
    _print(_details(found, _width()))


def _print_json(value) -> None:
    import orjson

    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


def _print(lines: list[str]) -> None:
    from rich.console import Console

    # Lines are already cut to the width; markup only colours the result.
    Console(soft_wrap=True, highlight=False).print("\n".join(lines))


def _width() -> int:
    import shutil

    return max(60, shutil.get_terminal_size((100, 24)).columns)


def _from_store(url: str | None, limit: int, before: int | None) -> list[dict]:
    from looker_braze.settings import load_state_url
    from looker_braze.state import open_store

    with open_store(url or load_state_url(), abandon_stale=False) as store:
        return [run.as_json() for run in store.runs(limit, before)]


def _one_from_store(url: str | None, run_id: int) -> dict | None:
    from looker_braze.settings import load_state_url
    from looker_braze.state import open_store

    with open_store(url or load_state_url(), abandon_stale=False) as store:
        found = store.run(run_id)
    return found.as_json() if found else None


def _one_from_hub(url: str, token: str | None, run_id: int) -> dict | None:
    # GET /runs pages by id: the one run just before run_id + 1 is run_id, if it exists.
    found = _from_hub(url, token, 1, run_id + 1)
    return found[0] if found and found[0]["id"] == run_id else None


def _from_hub(url: str, token: str | None, limit: int, before: int | None) -> list[dict]:
    import asyncio

    import aiohttp
    import orjson

    from looker_braze.errors import FailRun
    from looker_braze.hub.auth import authorization_header

    async def get() -> list[dict]:
        params = {"limit": limit} | ({"before": before} if before else {})
        headers = {"Authorization": authorization_header(token)} if token else {}
        runs_url = f"{url.rstrip('/')}/runs"
        async with (
            aiohttp.ClientSession() as session,
            session.get(runs_url, params=params, headers=headers) as response,
        ):
            text = await response.text(errors="replace")
            if response.status != 200:
                raise FailRun(f"the hub answered HTTP {response.status}: {_error_of(text)}")
            return orjson.loads(text)["runs"]

    try:
        return asyncio.run(get())
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise FailRun(f"cannot reach the hub at {url}: {exc or type(exc).__name__}") from None
    except (ValueError, KeyError, TypeError):  # an answer that is not the hub's run history
        raise FailRun(f"{url} did not answer GET /runs with a run history") from None


def _error_of(text: str) -> str:
    """The hub's {"error": ...}, else the start of whatever came back."""
    import orjson

    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        body = None
    return str(body["error"]) if isinstance(body, dict) and "error" in body else text[:200]


# ------------------------------------------------------------ the list

COLUMNS = ("#", "started (UTC)", "action", "result", "rows", "sent")
RIGHT = {"#", "rows", "sent"}
INDENT = 2
RESULT_STYLE = {"success": "green", "running": "yellow"}


def _listing(records: list[dict], width: int) -> list[str]:
    """A header, then per run one line of columns and its label and message wrapped below."""
    if not records:
        return ["No runs yet."]
    rows = [_cells(run) for run in records]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]
    lines = ["[bold]" + _line(COLUMNS, widths) + "[/]"]
    for run, cells in zip(records, rows, strict=True):
        lines.append(_styled(_line(cells, widths), cells[3]))
        lines += _wrapped(_about(run), width)
    return lines


def _cells(run: dict) -> list[str]:
    counts = run.get("counts") or {}
    return [
        str(run["id"]),
        _minute(run.get("started_at")),
        f"{run['action']}/{run['mode']}" if run.get("mode") else run["action"],
        _result(run),
        f"{counts.get('read', 0):,}",
        f"{counts.get('sent', 0):,}",
    ]


def _line(cells, widths) -> str:
    return "  ".join(
        cell.rjust(w) if name in RIGHT else cell.ljust(w)
        for name, cell, w in zip(COLUMNS, cells, widths, strict=True)
    ).rstrip()


def _styled(line: str, result: str) -> str:
    from rich.markup import escape

    style = RESULT_STYLE.get(result, "red")
    return escape(line).replace(result, f"[{style}]{result}[/]", 1)


def _about(run: dict) -> str:
    label = f"'{run['label']}' in {run['attribute']}" if run.get("label") else ""
    return " · ".join(part for part in (label, run.get("message") or "") if part)


def _wrapped(text: str, width: int, indent: int = INDENT, style: str = "dim") -> list[str]:
    """``text`` wrapped to ``width`` with ``indent`` spaces before each line, as markup."""
    import textwrap

    from rich.markup import escape

    pad = " " * indent
    lines = textwrap.wrap(text, width - indent, break_long_words=True, break_on_hyphens=False)
    return [f"[{style}]{pad}{escape(line)}[/]" if style else pad + escape(line) for line in lines]


def _minute(moment: str | None) -> str:
    return (moment or "")[:16].replace("T", " ")


def _result(run: dict) -> str:
    if run["status"] == "running":
        return "running"
    return "success" if run.get("success") else str(run["status"])


# ------------------------------------------------------------ one run in full

FIELDS = (
    ("id", "run"), ("status", "status"), ("action", "action"), ("mode", "mode"),
    ("label", "label"), ("attribute", "attribute"), ("workspace", "workspace"),
    ("webhook_id", "webhook id"), ("scheduled_plan_id", "scheduled plan"), ("title", "title"),
    ("started_at", "started (UTC)"), ("finished_at", "finished (UTC)"),
)  # fmt: skip


def _details(run: dict, width: int) -> list[str]:
    """`name  value` lines, values wrapped under themselves; the message last, in full."""
    from rich.markup import escape

    pairs = _detail_pairs(run)
    indent = max(len(name) for name, _ in pairs) + 2
    lines = []
    for name, value in pairs:
        first, *rest = _wrapped(value, width, indent, style="") or [""]
        lines.append(f"[bold]{escape(name)}[/]{first[len(name) :]}")
        lines += rest
    return [*lines, "[bold]message[/]", *_wrapped(run.get("message") or "(none yet)", width)]


def _detail_pairs(run: dict) -> list[tuple[str, str]]:
    pairs = [(name, str(run[key])) for key, name in FIELDS if run.get(key) not in (None, "")]
    pairs = [(n, v[:19].replace("T", " ") if n.endswith("(UTC)") else v) for n, v in pairs]
    pairs.append(("result", _result(run)))
    if run.get("started_at") and run.get("finished_at"):
        pairs.append(("duration", _duration(run["started_at"], run["finished_at"])))
    pairs += [(f"rows {outcome}", f"{n:,}") for outcome, n in (run.get("counts") or {}).items()]
    pairs.append(("data points sent", f"{run.get('data_points_sent', 0):,}"))
    pairs.append(("data points saved", f"{run.get('data_points_saved', 0):,}"))
    rejections = (run.get("rejections") or {}).items()
    return pairs + [(f"rejected: {reason}", f"{n:,}") for reason, n in rejections]


def _duration(started: str, finished: str) -> str:
    from datetime import datetime

    seconds = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    return f"{seconds:,.1f} s"
