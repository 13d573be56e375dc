"""`looker-braze send`: what the command does once typer has read its options.

Exit codes (cli/exits.py): 0 the hub answered success; 1 the hub answered, but not success
(success false, an HTTP error, a body that is not an answer); 2 the command could not do its job
(bad options, files or form fields, hub unreachable): raised, and shown by cli/exits.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from rich.console import Console

from looker_braze.cli.exits import NOT_ALL_DONE, OK
from looker_braze.cli.send_progress import watch_execute
from looker_braze.errors import ConfigError
from looker_braze.redact import Masker
from looker_braze.sim.looker.download import LookSource
from looker_braze.sim.looker.masking import sensitive_params, shown_params
from looker_braze.sim.looker.protocol import RESULTS, new_webhook_id
from looker_braze.sim.looker.report import Report
from looker_braze.sim.looker.sender import HubRefused, LookerSender

ANSWERED_NOT_OK = NOT_ALL_DONE


@dataclass
class SendOptions:
    hub: str
    token: str | None = None
    action: str = "braze"
    params: dict[str, str] = field(default_factory=dict)
    form_params: dict[str, str] = field(default_factory=dict)
    look: Path | None = None
    csv: Path | None = None
    tags: dict[str, list[str]] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    inline: bool = False
    base64: bool = False
    format: str | None = None  # None: the action's own, as Looker picks it
    results: str = "all"
    row_limit: int = 500
    query_timezone: str | None = None
    download_host: str = "127.0.0.1"
    download_port: int = 0
    looker_version: str = "23.4.0"
    instance: str = "looker-braze-send"
    timeout_s: float = 900.0
    as_json: bool = False
    list_actions: bool = False
    show_form: bool = False
    delimiter: str = ","
    progress: bool = True


def pairs(values: Iterable[str], option: str) -> dict[str, str]:
    """`k=v` option values as a dict (a later key wins); ConfigError lists every bad one."""
    parsed, problems = {}, []
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            problems.append(f"{option} {value!r}: write it as name=value")
        else:
            parsed[key.strip()] = rest
    if problems:
        raise ConfigError(problems)
    return parsed


def multi_pairs(values: Iterable[str], option: str) -> dict[str, list[str]]:
    """`column=tag` values where a column may repeat: column -> every value given."""
    grouped: dict[str, list[str]] = {}
    for value in values:
        key, tag = next(iter(pairs([value], option).items()))
        grouped.setdefault(key, []).append(tag.strip())
    return grouped


def run(options: SendOptions, console: Console) -> int:
    """Talk to the hub; ConfigError or FailRun when the command cannot do its job."""
    report = Report(console, Masker([options.token]), options.as_json)
    _check_hub(options.hub)
    look = None if options.list_actions or options.show_form else _look(options, report)
    return asyncio.run(_talk(options, report, look))


def _check_hub(hub: str) -> None:
    parts = urlsplit(hub)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError([f"--hub {hub!r} is not a URL like https://hub.example.com"])


def _look(options: SendOptions, report: Report) -> LookSource:
    if options.results not in RESULTS:
        raise ConfigError([f"--results {options.results!r}: choose {' or '.join(RESULTS)}"])
    if bool(options.look) == bool(options.csv):
        raise ConfigError(["give the rows with exactly one of --look FILE.json or --csv FILE.csv"])
    if options.look:
        if not options.look.is_file():
            raise ConfigError([f"--look {options.look}: no such file"])
        if options.tags or options.types:
            raise ConfigError(["--tag and --type describe CSV columns: use them with --csv"])
        return options.look
    from looker_braze.sim.looks.csv_look import CsvLook

    look = CsvLook(
        options.csv,
        options.tags,
        options.types,
        timezone=options.query_timezone or "UTC",
        delimiter=options.delimiter,
    )
    rows = look.check()
    described = ", ".join(_column_note(c, look) for c in look.columns)
    report.note(f"{options.csv.name}: {rows:,} rows; columns: {described}")
    return look


def _column_note(column: str, look) -> str:
    extras = look.tags.get(column, []) + ([look.types[column]] if column in look.types else [])
    return f"{column} ({', '.join(extras)})" if extras else column


async def _talk(options: SendOptions, report: Report, look: LookSource | None) -> int:
    sender = LookerSender(
        options.hub,
        options.token,
        options.looker_version,
        options.instance,
        download_host=options.download_host,
        download_port=options.download_port,
        read_timeout_s=options.timeout_s,
    )
    try:
        async with sender as looker:
            return await _conversation(looker, options, report, look)
    except HubRefused as exc:
        report.problem(str(exc))
        return ANSWERED_NOT_OK
    except OSError as exc:  # the download server could not listen (port taken, bad address)
        raise ConfigError([f"cannot serve the download URL: {exc.strerror or exc}"]) from None


async def _conversation(looker: LookerSender, options: SendOptions, report, look) -> int:
    if options.list_actions:
        report.actions(await looker.list_actions())
        return OK
    definition = await _definition(looker, options.action)
    sensitive = sensitive_params(definition, options.params)
    report.masker = Masker([options.token, *(options.params[name] for name in sensitive)])
    if options.show_form:
        report.form(await looker.form(options.action, options.params, options.form_params))
        return OK
    await _check_form_fields(looker, options, definition)
    delivery = ("inline-base64" if options.base64 else "inline") if options.inline else "url"
    webhook_id = new_webhook_id()
    execute = looker.execute(
        options.action,
        params=options.params,
        form_params=options.form_params,
        look=look,
        delivery=delivery,
        format=options.format,
        results=options.results,
        row_limit=options.row_limit,
        query_timezone=options.query_timezone,
        webhook_id=webhook_id,
    )
    result = await watch_execute(execute, looker, webhook_id, enabled=options.progress)
    report.result(result, shown_params(options.params, sensitive), options.form_params)
    return OK if result.success else ANSWERED_NOT_OK


async def _definition(looker: LookerSender, action: str) -> dict | None:
    """The action's definition, to learn which params are sensitive; None if the hub won't say
    (then every param is masked)."""
    try:
        definition = await looker.action(action)
    except HubRefused:
        return None
    return definition if isinstance(definition, dict) else None


async def _check_form_fields(
    looker: LookerSender, options: SendOptions, definition: dict | None
) -> None:
    """Refuse form answers the action's form does not ask for (a typo would otherwise be
    ignored by the hub and the send go ahead with the default). The form is fetched with the
    answers given, as Looker does, since an interactive form's fields follow them."""
    if not options.form_params:
        return
    if definition is not None and not definition.get("form_url"):
        given = ", ".join(options.form_params)
        raise ConfigError([f"--form-param {given}: the action {options.action!r} has no form"])
    form = await looker.form(options.action, options.params, options.form_params)
    fields = form.get("fields") if isinstance(form, dict) else form
    names = [f["name"] for f in fields or [] if isinstance(f, dict) and f.get("name")]
    if not names:  # no form at all, or one that failed (its error comes with the execute)
        return
    unknown = [name for name in options.form_params if name not in names]
    if unknown:
        raise ConfigError([_unknown_field(name, names) for name in unknown])


def _unknown_field(name: str, names: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, names, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"--form-param {name}: the form has no such field{hint}; its fields: {', '.join(names)}"
