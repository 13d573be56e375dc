"""`looker-braze send` (to be written)."""

from __future__ import annotations


def send() -> None:
    """Play Looker's side of the Action API against a hub."""
    raise SystemExit("send is not written yet")
