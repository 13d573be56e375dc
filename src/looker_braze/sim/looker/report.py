"""How `looker-braze send` shows what Looker would show: the action list (admin page), the form
(user's send dialog), and an execute's answer. Every text goes through the Masker first."""

from __future__ import annotations

import sys

import orjson
from rich.console import Console
from rich.json import JSON
from rich.markup import escape
from rich.table import Table

from looker_braze.actions.braze.report import FIRST_OBJECT, FIRST_OBJECTS
from looker_braze.sim.looker.masking import Masker
from looker_braze.sim.looker.sender import ExecuteResult


class Report:
    def __init__(self, console: Console, masker: Masker, as_json: bool) -> None:
        self.console, self.masker, self.as_json = console, masker, as_json

    def note(self, text: str) -> None:
        self.console.print(f"[dim]{escape(self.masker.text(text))}[/dim]")

    def problem(self, text: str) -> None:
        self.console.print(f"[bold red]error:[/bold red] {escape(self.masker.text(text))}")

    def raw(self, value) -> None:
        """Machine-readable output for --json: plain JSON on stdout, nothing else."""
        sys.stdout.write(
            orjson.dumps(self.masker.value(value), option=orjson.OPT_INDENT_2).decode()
        )
        sys.stdout.write("\n")
        sys.stdout.flush()

    def actions(self, listing) -> None:
        if self.as_json:
            return self.raw(listing)
        listing = self.masker.value(listing)
        integrations = listing.get("integrations", []) if isinstance(listing, dict) else []
        title = listing.get("label", "Action Hub") if isinstance(listing, dict) else "Action Hub"
        self.console.print(f"[bold]{escape(str(title))}[/bold]")
        for action in integrations:
            self._action(action)
        if not integrations:
            self.note("The hub lists no actions.")

    def _action(self, action: dict) -> None:
        name, label = escape(str(action.get("name"))), escape(str(action.get("label", "")))
        self.console.print(f"  [bold cyan]{name}[/bold cyan]  {label}")
        for key, value in _action_lines(action):
            self.console.print(f"    [dim]{key}:[/dim] {escape(value)}")

    def form(self, form) -> None:
        if self.as_json:
            return self.raw(form)
        form = self.masker.value(form)
        fields = form.get("fields", []) if isinstance(form, dict) else form
        if isinstance(form, dict) and form.get("error"):
            self.problem(f"the form says: {form['error']}")
        table = Table(title="Form", show_lines=True)
        for column in ("Field", "Type", "Required", "Default", "Options"):
            table.add_column(column)
        for field in fields if isinstance(fields, list) else []:
            table.add_row(*_form_row(field))
        self.console.print(table)

    def result(self, result: ExecuteResult, shown_params: dict, form_params: dict) -> None:
        if self.as_json:
            return self.raw(_body(result))
        ok = "[bold green]✓ success[/bold green]"
        headline = ok if result.success else "[bold red]✗ not sent successfully[/bold red]"
        self.console.print(f"{headline}  HTTP {result.status}")
        if result.message is not None:
            message, sample = _split_sample(self.masker.text(result.message))
            self.console.print(f"[bold]message:[/bold] {escape(message)}")
            if sample is not None:
                what = "first objects" if isinstance(sample, list) else "first object"
                self.console.print(f"[bold]{what} (dry run, as it would be sent):[/bold]")
                self.console.print(JSON.from_data(sample, indent=2))
        elif result.looker is None:
            answer = escape(self.masker.text(result.body_text[:2000]))
            self.console.print(f"[bold]answer:[/bold] {answer}")
        for field, text in ((result.looker or {}).get("validation_errors") or {}).items():
            problem = escape(self.masker.text(str(text)))
            self.console.print(f"  [yellow]{escape(str(field))}[/yellow]: {problem}")
        self._details(result, shown_params, form_params)

    def _details(self, result: ExecuteResult, shown_params: dict, form_params: dict) -> None:
        sent = ", ".join(f"{k}={v}" for k, v in shown_params.items()) or "none"
        answers = ", ".join(f"{k}={v}" for k, v in form_params.items()) or "none"
        self.note(f"params: {sent}; form: {answers}")
        if result.request.get("attachment"):
            self.note("rows: sent inline in the attachment")
        else:
            state = "complete" if result.download_completed else "incomplete"
            self.note(
                f"rows: download URL fetched {result.download_requests} time(s), "
                f"{result.download_bytes:,} bytes served ({state})"
            )
        self.note(
            f"keep-alive newlines: {result.keepalive_newlines}; elapsed: {result.elapsed_s:.2f} s; "
            f"webhook id: {result.webhook_id}"
        )


def _split_sample(message: str) -> tuple[str, object | None]:
    """A dry run's answer ends with the first object (or objects) it would send, as JSON: apart,
    to print it as JSON of its own. Any other message comes back whole."""
    head, found, tail = message.rpartition(FIRST_OBJECTS)
    if not found:
        head, found, tail = message.rpartition(FIRST_OBJECT)
    if not found:
        return message, None
    try:
        return head.rstrip(), orjson.loads(tail)
    except orjson.JSONDecodeError:
        return message, None


def _body(result: ExecuteResult):
    try:
        return orjson.loads(result.body_text)
    except orjson.JSONDecodeError:
        return {"status": result.status, "body": result.body_text}


def _action_lines(action: dict) -> list[tuple[str, str]]:
    params = [
        p.get("name", "?") + _flags(p, "required", "sensitive")
        for p in action.get("params") or []
        if isinstance(p, dict)
    ]
    requirements = [_requirement(r) for r in action.get("required_fields") or []]
    return [
        ("formats", ", ".join(action.get("supported_formats") or [])),
        ("download", ", ".join(action.get("supported_download_settings") or [])),
        ("requires", "; ".join(requirements) or "nothing"),
        ("params", ", ".join(params) or "none"),
        ("form", "yes" if action.get("form_url") else "no"),
    ]


def _flags(item: dict, *names: str) -> str:
    flags = [name for name in names if item.get(name)]
    return f" ({', '.join(flags)})" if flags else ""


def _requirement(requirement) -> str:
    if not isinstance(requirement, dict):
        return str(requirement)
    for key in ("tag", "any_tag", "all_tags"):
        if key in requirement:
            value = requirement[key]
            return f"{key}: {', '.join(value) if isinstance(value, list) else value}"
    return str(requirement)


def _form_row(field) -> list[str]:
    if not isinstance(field, dict):
        return [escape(str(field)), "", "", "", ""]
    options = ", ".join(
        str(o.get("name")) for o in field.get("options") or [] if isinstance(o, dict)
    )
    label = f"[bold]{escape(str(field.get('name')))}[/bold]\n{escape(str(field.get('label', '')))}"
    interactive = " (interactive)" if field.get("interactive") else ""
    return [
        label,
        escape(f"{field.get('type', 'string')}{interactive}"),
        "yes" if field.get("required") else "",
        escape(str(field.get("default") or "")),
        escape(options),
    ]
