"""`looker-braze events`: the events action's ledger (state/events.py) in the terminal.

events pending    how many events stopped runs sent without learning Braze's answer
events release    forget them, so the next send sends them again: check in Braze first
                  (a user's events: Braze's user export), as those that did arrive will be
                  duplicated; Braze has no idempotency key to prevent it
"""

from __future__ import annotations

from typing import Annotated

import typer

from looker_braze.cli.exits import CommandGroup

app = typer.Typer(cls=CommandGroup, no_args_is_help=True)

State = Annotated[
    str | None, typer.Option(help="State store URL (default: LOOKER_BRAZE_STATE_URL).")
]


def _store(url: str | None):
    from looker_braze.settings import load_state_url
    from looker_braze.state import open_store

    return open_store(url or load_state_url(), abandon_stale=False)


@app.command("pending")
def pending(state: State = None) -> None:
    """How many events and purchases are held: sent by runs that stopped before Braze answered."""
    from looker_braze.state import events

    with _store(state) as store:
        count = events.unknown_count(store)
    typer.echo(f"{count:,} events or purchases held (outcome unknown)")


@app.command("release")
def release(
    state: State = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Forget the held events so the next send sends them again (duplicates those that did
    arrive in Braze: check there first)."""
    from looker_braze.state import events

    with _store(state) as store:
        count = events.unknown_count(store)
        if count and not yes:
            typer.confirm(
                f"Release {count:,} held events? Any that did reach Braze will be sent twice.",
                abort=True,
            )
        released = events.release_unknown(store)
    typer.echo(f"{released:,} held events released: the next send of their Looks sends them.")
