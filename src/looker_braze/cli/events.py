"""`looker-braze events`: the events action's ledger (state/events.py) in the terminal.

events pending    how many events stopped runs sent without learning Braze's answer
events release    forget them, so the next send sends them again: check in Braze first
                  (a user's events: Braze's user export), as those that did arrive will be
                  duplicated; Braze has no idempotency key to prevent it
events prune      forget events sent more than N days ago, so the ledger stops growing; a Look
                  that still returns such an event would send it again, so N must exceed the
                  longest look-back window of the Looks sent with the action
"""

from __future__ import annotations

from datetime import timedelta
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


@app.command("prune")
def prune(
    older_than: Annotated[
        int,
        typer.Option(
            "--older-than",
            min=1,
            metavar="DAYS",
            help="Forget events Braze accepted more than DAYS days ago.",
        ),
    ],
    state: State = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Forget events sent long ago, so the ledger does not grow for ever. A Look that still
    returns one of them sends it again: DAYS must exceed every such Look's look-back window."""
    from looker_braze.state import events
    from looker_braze.state.models import utc_now

    before = utc_now() - timedelta(days=older_than)
    with _store(state) as store:
        count = events.sent_before(store, before)
        if count and not yes:
            typer.confirm(
                f"Forget {count:,} events sent before {before:%Y-%m-%d %H:%M} UTC? A Look that "
                "still returns one of them will send it to Braze again.",
                abort=True,
            )
        forgotten = events.prune_sent(store, before)
    typer.echo(
        f"{forgotten:,} events sent before {before:%Y-%m-%d %H:%M} UTC forgotten; events of "
        "unknown outcome are kept whatever their age."
    )
