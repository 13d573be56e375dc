"""A finding: one line of the checklist, named for the check that made it.

``pass`` lines say what was verified, ``problem`` lines say what to fix (the command exits 1),
``warning`` lines point at something that works but is probably not what the user wants.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from looker_braze.redact import mask_key as mask_key  # the one redactor (re-exported)


class Status(StrEnum):
    PASS = "pass"
    PROBLEM = "problem"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    check: str  # e.g. "endpoint", "key", "look.ids", "lookml.tags"
    status: Status
    message: str

    def as_json(self) -> dict[str, str]:
        return {**asdict(self), "status": self.status.value}


def passed(check: str, message: str) -> Finding:
    return Finding(check, Status.PASS, message)


def problem(check: str, message: str) -> Finding:
    return Finding(check, Status.PROBLEM, message)


def warning(check: str, message: str) -> Finding:
    return Finding(check, Status.WARNING, message)


def has_problems(findings: list[Finding]) -> bool:
    return any(f.status is Status.PROBLEM for f in findings)


def shown(value: Any, limit: int = 60) -> str:
    """A cell value as it can be quoted in a message: repr-like, short, on one line."""
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split()) if text.strip() else text
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'" if isinstance(value, str) else text
