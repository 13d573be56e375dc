"""The demo's closing summary, and the verdict: was anything lost?"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from looker_braze.sim.looks import LookTruth


@dataclass
class Outcome:
    truth: LookTruth
    answer: dict  # the action's {"success", "message", ...}
    segment_count: int
    stats: dict  # the simulator's /sim/stats
    before: dict[str, dict | None]
    after: dict[str, dict | None]
    seconds: float
    label: str

    @property
    def lost(self) -> int:
        """Users Braze knows who should carry the label and do not."""
        return max(self.truth.known_ids - self.segment_count, 0)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and bool(self.answer.get("success"))


def show(console: Console, outcome: Outcome) -> None:
    answer = outcome.answer
    style = "green" if answer.get("success") else "red"
    console.print(Panel(escape(answer.get("message", "")), title="The action's answer to Looker",
                        border_style=style))  # fmt: skip
    console.print(_segment_table(outcome))
    console.print(_profiles_table(outcome))
    verdict = (
        "[bold green]Nothing lost:[/] every user Braze knows in the Look carries the label."
        if outcome.ok
        else f"[bold red]{outcome.lost:,} users are missing from the segment.[/]"
    )
    console.print(verdict)


def _segment_table(outcome: Outcome) -> Table:
    truth, stats = outcome.truth, outcome.stats
    table = Table(title=f'Braze segment: looker_export includes value "{outcome.label}"',
                  show_header=False, title_justify="left")  # fmt: skip
    rows = [
        ("rows in the Look", truth.rows),
        ("distinct valid ids", truth.distinct_ids),
        ("  of which Braze knows", truth.known_ids),
        ("  unknown to Braze (skipped by Braze: update existing only)", truth.unknown_ids),
        ("duplicate rows", truth.duplicate_rows),
        ("rows without a valid id", truth.invalid_id_rows),
        ("invalid attribute values planted", truth.invalid_attribute_values),
        ("users in the segment now", outcome.segment_count),
        ("data points Braze counted", stats.get("data_points", 0)),
        ("requests Braze answered", sum(stats.get("requests", {}).values())),
        ("  of which 429 (rate limited)", stats.get("rate_limited_requests", 0)),
        ("  of which 5xx (injected faults)", _server_errors(stats)),
    ]
    for name, value in rows:
        table.add_row(name, f"{value:,}")
    table.add_row("throughput", f"{truth.rows / max(outcome.seconds, 1e-9):,.0f} rows/s "
                                f"({outcome.seconds:.1f} s)")  # fmt: skip
    return table


def _server_errors(stats: dict) -> int:
    return sum(n for status, n in stats.get("requests", {}).items() if str(status).startswith("5"))


def _profiles_table(outcome: Outcome) -> Table:
    table = Table(title="Sample profiles in Braze, before and after", title_justify="left")
    table.add_column("user")
    table.add_column("before")
    table.add_column("after")
    for user in outcome.before:
        table.add_row(user, _profile(outcome.before[user]), _profile(outcome.after.get(user)))
    return table


def _profile(profile: dict | None) -> str:
    if profile is None:
        return "(not in Braze)"
    custom = profile.get("custom_attributes", {})
    shown = {k: profile[k] for k in ("first_name", "country", "gender") if k in profile}
    shown |= {k: v for k, v in custom.items() if k != "looker_export"}
    flags = custom.get("looker_export", [])
    lines = [f"looker_export: {flags}"] + [f"{k}: {v}" for k, v in list(shown.items())[:6]]
    return escape("\n".join(lines))
