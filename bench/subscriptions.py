"""How fast a braze_subscriptions send goes, and how it packs its requests: a Look of every user
in four subscription groups (a random state each), sent through the hub (in this process, on
127.0.0.1) to the Braze simulator without faults. Printed: rows, seconds, rows a second, the
requests Braze received and the most entries one held.

    python bench/subscriptions.py              # 50,000 users: 200,000 rows
    python bench/subscriptions.py --users 5000

Braze's limit (5,000 requests a minute, v1 and v2 together) allows 6.25 million rows a minute at
1,250 identifiers a request, so the hub's CPU, not the limit, sets the pace here.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

# The end-to-end tests' servers and Look are what is measured: `make bench` runs this file from
# bench/, so the checkout's root goes on the path for them.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.conftest import running_braze, running_hub
from tests.e2e.test_subscriptions import GROUPS, execute, large_look, look


async def main(users: int) -> None:
    rows, _ = large_look(users=users, seed=1)
    body = look(rows)
    with (
        running_braze(users=users, subscription_groups=GROUPS) as braze,
        running_hub(braze.url) as hub,
    ):
        started = time.perf_counter()
        result = await execute(hub, braze.params(), body, {})
        seconds = time.perf_counter() - started
        stats = braze.sim.subscriptions.stats
    assert result.looker["success"], result.looker["message"]
    print(
        f"{len(rows):,} rows ({len(body) / 1e6:.0f} MB) in {seconds:.1f} s: "
        f"{len(rows) / seconds:,.0f} rows/s; {stats.requests} requests, "
        f"at most {stats.max_entries_in_request} entries in one"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50_000)
    asyncio.run(main(parser.parse_args().users))
