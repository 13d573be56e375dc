"""`looker-braze braze-sim` (to be written)."""

from __future__ import annotations


def braze_sim() -> None:
    """Run the Braze simulator."""
    raise SystemExit("braze-sim is not written yet")
