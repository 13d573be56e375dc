"""What the demo runs: a realistic Look, a seeded Braze simulator, a hub, and (with chaos) a
Braze that rate limits hard and fails now and then."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from looker_braze.sim.looks import LookSpec

LABEL = "LOOKER_DEMO"
API_KEY = "demo-key"


@dataclass(frozen=True)
class DemoOptions:
    rows: int = 200_000
    chaos: bool = False
    seed: int = 2026


def look_spec(options: DemoOptions) -> LookSpec:
    """Some ids unknown to Braze, some duplicates, a few invalid values, nulls, typed attributes."""
    return LookSpec(
        rows=options.rows,
        seed=options.seed,
        unknown_share=0.05,
        duplicate_share=0.02,
        invalid_id_share=0.002,
        invalid_attribute_share=0.01,
        null_share=0.03,
        title="Demo: high-value customers",
    )


def population(spec: LookSpec) -> int:
    """Braze knows every user the Look names, except the planted unknown ones."""
    return spec.quotas.known


def simulator_args(users: int, chaos: bool) -> list[str]:
    args = ["braze-sim", "--host", "127.0.0.1", "--port", "0", "--users", str(users)]
    args += ["--api-key", API_KEY]
    if chaos:
        args += ["--rate-limit", "150/1", "--rate-limit-headers", "retry-after"]
        args += ["--error-rate", "0.1", "--drop-rate", "0.01", "--latency-ms", "0,5"]
    return args


def hub_environment(braze_url: str, folder: str) -> tuple[dict[str, str], str]:
    """The hub's environment (as a deployment would set it) and its secret."""
    secret = secrets.token_hex(16)
    env = {
        "LOOKER_BRAZE_STATE_URL": f"sqlite:///{folder}/state.sqlite3",
        "ACTION_HUB_BASE_URL": "http://127.0.0.1",
        "ACTION_HUB_LABEL": "looker-braze demo",
        "ACTION_HUB_SECRET": secret,
        "LOOKER_BRAZE_EXTRA_ENDPOINTS": braze_url,
        "LOOKER_BRAZE_LOG_LEVEL": "warning",
    }
    return env, secret


def form_values() -> dict[str, str]:
    return {"braze_key": "external_id", "braze_segment": LABEL}
