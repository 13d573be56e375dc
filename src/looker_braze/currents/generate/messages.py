"""Which message each generated send is: a campaign (campaign_id, campaign_name,
message_variation_id) or a canvas step (canvas_id, canvas_name, canvas_variation_id,
canvas_step_id), plus a send_id.

A user's n-th message from the same campaign or canvas is its n-th message variation or canvas
step. So no user receives the same variation or step twice, and the blocks' "unique opens"
(distinct address x variation/step pairs) count each opened delivery once: the unique open rate
recovers the configured open rate exactly in expectation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from looker_braze.currents.generate.columns import Coded, Column, constant, key_base, uuid_strings
from looker_braze.currents.generate.users import Users, app_group_id

_MAX_OCCURRENCE = 4096  # keys reserved per campaign/canvas for its n-th message


@dataclass(frozen=True)
class Catalog:
    channel: str  # "email", "push", ... (keeps ids of channels apart)
    seed: int
    campaigns: tuple[str, ...]
    canvases: tuple[str, ...] = ()
    canvas_share: float = 0.0

    def ids(self, family: str, count: int) -> list[str]:
        base = key_base(self.seed, self.channel, family)
        return uuid_strings(base + np.arange(count, dtype=np.uint64))

    def occurrence_ids(self, family: str, groups: int, per_group: int) -> list[str]:
        """Ids of the n-th message of each campaign/canvas, the same whatever ``per_group``."""
        group, n = np.divmod(np.arange(groups * per_group, dtype=np.uint64), np.uint64(per_group))
        return uuid_strings(
            key_base(self.seed, self.channel, family) + group * np.uint64(_MAX_OCCURRENCE) + n
        )


def occurrence(who: np.ndarray, group: np.ndarray, times: np.ndarray) -> np.ndarray:
    """For each event, how many earlier events share its (user, group): 0, 1, 2 ..."""
    order = np.lexsort((times, group, who))
    sorted_who, sorted_group = who[order], group[order]
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = (sorted_who[1:] != sorted_who[:-1]) | (sorted_group[1:] != sorted_group[:-1])
    position = np.arange(len(order))
    run_start = np.maximum.accumulate(np.where(starts, position, 0))
    result = np.empty(len(order), dtype=np.int64)
    result[order] = position - run_start
    return result


def _pick(catalog: Catalog, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(from a canvas?, index of the campaign or canvas) for n sends."""
    if not catalog.campaigns:
        is_canvas = np.ones(n, dtype=bool)
    elif not catalog.canvases:
        is_canvas = np.zeros(n, dtype=bool)
    else:
        is_canvas = rng.random(n) < catalog.canvas_share
    count = np.where(is_canvas, max(len(catalog.canvases), 1), max(len(catalog.campaigns), 1))
    return is_canvas, (rng.random(n) * count).astype(np.int64)


def message_columns(
    catalog: Catalog,
    users: Users,
    who: np.ndarray,
    times: np.ndarray,
    rng: np.random.Generator,
    timezone: str | None,
) -> dict[str, Column]:
    """The common message fields (M in the spec) for sends to users ``who`` at ``times``."""
    n, n_campaigns = len(who), len(catalog.campaigns)
    is_canvas, which = _pick(catalog, rng, n)
    group = which + is_canvas * n_campaigns
    nth = np.minimum(occurrence(who, group, times), _MAX_OCCURRENCE - 1)
    per_group = int(nth.max()) + 1 if n else 1
    groups = n_campaigns + len(catalog.canvases)
    message = group * per_group + nth
    campaign_rows, canvas_rows = np.where(is_canvas, -1, which), np.where(is_canvas, which, -1)
    variant = (users.number[who] % 2).astype(np.int64)
    send_ids = catalog.occurrence_ids("send", groups, per_group)
    return {
        "user_id": users.column("braze_id", who),
        "external_user_id": users.column("external_id", who),
        "time": times,
        "timezone": constant(timezone, n),
        "campaign_id": Coded.of(campaign_rows, catalog.ids("campaign", n_campaigns)),
        "campaign_name": Coded.of(campaign_rows, list(catalog.campaigns)),
        "message_variation_id": Coded.of(
            np.where(is_canvas, -1, message), catalog.occurrence_ids("variation", groups, per_group)
        ),
        "canvas_id": Coded.of(canvas_rows, catalog.ids("canvas", len(catalog.canvases))),
        "canvas_name": Coded.of(canvas_rows, list(catalog.canvases)),
        "canvas_variation_id": Coded.of(
            np.where(is_canvas, which * 2 + variant, -1),
            catalog.ids("canvas_variation", 2 * len(catalog.canvases)),
        ),
        "canvas_step_id": Coded.of(
            np.where(is_canvas, message, -1), catalog.occurrence_ids("step", groups, per_group)
        ),
        "send_id": Coded.of(message, send_ids),
        # One dispatch per send here (Braze dispatches a whole audience at once: same shape).
        "dispatch_id": Coded.of(message, send_ids),
        "app_group_id": constant(app_group_id(catalog.seed), n),
        "message_variation_name": Coded.of(
            np.where(is_canvas, -1, nth), [f"Variation {k + 1}" for k in range(per_group)]
        ),
        "canvas_variation_name": Coded.of(
            np.where(is_canvas, variant, -1), ["Variant A", "Variant B"]
        ),
        "canvas_step_name": Coded.of(
            np.where(is_canvas, nth, -1), [f"Step {k + 1}" for k in range(per_group)]
        ),
    }


def sends_per_user(rng: np.random.Generator, users: int, per_week: float, days: int) -> np.ndarray:
    """Which user each send goes to: a Poisson number of sends per user over the window."""
    counts = rng.poisson(per_week * days / 7.0, users)
    return np.repeat(np.arange(users), counts)
