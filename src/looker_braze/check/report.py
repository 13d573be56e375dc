"""Print findings: one line each (✓ passed, ✗ problem, ! warning) under a heading per part, or
as JSON for machines. Text is printed as rich Text, never as markup, so a tag like braze[country]
is shown as written; lines are not wrapped, so each finding stays one line for grep.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import orjson
from rich.console import Console
from rich.text import Text

from looker_braze.check.findings import Finding, Status

SYMBOLS = {
    Status.PASS: ("✓", "green"),
    Status.PROBLEM: ("✗", "bold red"),
    Status.WARNING: ("!", "yellow"),
}


def render(findings: list[Finding], console: Console, titles: Mapping[str, str]) -> None:
    """``titles`` maps the first part of a check name ("look", "key" ...) to its heading."""
    part = None
    for finding in findings:
        group = finding.check.split(".")[0]
        if group != part:
            part = group
            console.print(Text(titles.get(group, group), style="bold"), soft_wrap=True)
        symbol, style = SYMBOLS[finding.status]
        line = Text.assemble("  ", (symbol, style), " ", finding.message)
        console.print(line, soft_wrap=True)
    console.print(Text(summary(findings)), soft_wrap=True)


def summary(findings: list[Finding]) -> str:
    counts = Counter(f.status for f in findings)
    problems, warnings = counts[Status.PROBLEM], counts[Status.WARNING]
    if problems:
        return (
            f"{problems} problem{'s' * (problems != 1)}, {warnings} warning"
            f"{'s' * (warnings != 1)}: fix the lines marked ✗."
        )
    if warnings:
        return f"No problems; {warnings} warning{'s' * (warnings != 1)} marked !."
    passes = counts[Status.PASS]
    return f"No problems: {passes} check{'s' * (passes != 1)} passed."


def as_json(findings: list[Finding]) -> bytes:
    return orjson.dumps([f.as_json() for f in findings], option=orjson.OPT_INDENT_2)
