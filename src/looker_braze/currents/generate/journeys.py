"""Canvas journeys with a known truth: a share of users enters one canvas (some held in its
control group), then walks its steps. At each step a user exits for one of Braze's exit reasons
at that reason's rate, or else moves on to the next step at ``progression_rate`` (or stays).
Users reaching the experiment step (the second step) are split across its paths by
``split_shares`` and convert at their path's rate; a content optimizer (co-)step sends to them.
Every entered user converts on the Canvas (users.canvas.Conversion) at ``canvas_conversion_rate``,
or at ``control_conversion_rate`` when held in the control group.

``progression_type`` and ``exit_reason`` hold this project's own values: Braze's sample files
carry placeholders for them.
"""

from __future__ import annotations

import numpy as np

from looker_braze.currents.generate.columns import (
    Coded,
    Column,
    Ids,
    choice,
    constant,
    key_base,
    take,
)
from looker_braze.currents.generate.config import GeneratorConfig
from looker_braze.currents.generate.events import EventMaker, bernoulli
from looker_braze.currents.generate.messages import Catalog
from looker_braze.currents.generate.timeline import HOUR, Window, after_delay, later
from looker_braze.currents.generate.users import Users, app_group_id

CANVAS = "users.canvas."
STEP_GAP = 6 * HOUR  # mean time between two steps of a journey
CONVERSION = '{"type":"Makes Purchase","window":259200}'


def journey_events(
    maker: EventMaker, config: GeneratorConfig, users: Users, window: Window, rng
) -> None:
    rates = config.canvas_journeys
    entered = np.flatnonzero(bernoulli(rng, rates.entry_rate, len(users)))
    k = len(entered)
    canvas = rng.integers(0, len(rates.canvases), k)
    control = bernoulli(rng, rates.control_share, k)
    base = _journey_columns(config, users, entered, canvas, maker.chunk)
    entry = window.uniform_times(rng, k)
    step_column = _steps(config, len(rates.canvases))
    base.update(step_column(canvas, np.zeros(k, dtype=np.int64)))
    maker.emit(CANVAS + "Entry", base, np.arange(k), entry, in_control_group=control)
    _walk(maker, rng, config, base, np.flatnonzero(~control), canvas, entry, step_column)
    _canvas_conversions(maker, rates, base, control, entry)


def _canvas_conversions(maker, rates, base, control, entry) -> None:
    """Entered users convert once at the Canvas's rate, control users at theirs (Braze counts
    a Canvas's control group conversions too: the baseline of its lift). Drawn from the side
    generator so the journeys' other events stay the same for a seed."""
    side = maker.side
    p = np.where(control, rates.control_conversion_rate, rates.canvas_conversion_rate)
    rows = np.flatnonzero(side.random(len(control)) < p)
    maker.emit(
        CANVAS + "Conversion",
        base,
        rows,
        after_delay(side, entry[rows], 24 * HOUR),
        conversion_behavior_index=np.zeros(len(rows), dtype=np.int64),
        conversion_behavior=constant(CONVERSION, len(rows)),
    )


def _journey_columns(config, users, entered, canvas, chunk) -> dict[str, Column]:
    rates = config.canvas_journeys
    catalog = Catalog("journey", config.seed, (), tuple(rates.canvases))
    variant = (users.number[entered] % 2).astype(np.int64)
    k = len(entered)
    entry_keys = key_base(config.seed, "canvas_entry", chunk) + np.arange(k, dtype=np.uint64)
    return {
        "user_id": users.column("braze_id", entered),
        "external_user_id": users.column("external_id", entered),
        "app_group_id": constant(app_group_id(config.seed), k),
        "timezone": constant(config.timezone, k),
        "canvas_id": Coded.of(canvas, catalog.ids("canvas", len(rates.canvases))),
        "canvas_name": Coded.of(canvas, list(rates.canvases)),
        "canvas_variation_id": Coded.of(
            canvas * 2 + variant, catalog.ids("canvas_variation", 2 * len(rates.canvases))
        ),
        "canvas_variation_name": Coded.of(variant, ["Variant A", "Variant B"]),
        "canvas_entry_id": Ids(entry_keys),
        "device_id": users.column("device_id", entered),
    }


def _steps(config, canvases: int):
    """A function (canvas, step index) -> the step columns, and step k+1 as next_step_id."""
    steps = config.canvas_journeys.steps
    ids = Catalog("journey", config.seed, ()).ids("step", canvases * (steps + 1))
    names = [f"Step {s + 1}" for s in range(steps)]

    def columns(canvas: np.ndarray, step: np.ndarray) -> dict[str, Column]:
        following = np.where(step + 1 < steps, canvas * (steps + 1) + step + 1, -1)
        return {
            "canvas_step_id": Coded.of(canvas * (steps + 1) + step, ids),
            "canvas_step_name": Coded.of(step, names),
            "next_step_id": Coded.of(following, ids),
        }

    return columns


def _walk(maker, rng, config, base, rows, canvas, entry, step_column) -> None:
    """Step by step: Progression into each step reached, exits by reason, the experiment."""
    rates, seed = config.canvas_journeys, config.seed
    times = entry[rows]
    experiment_step = min(1, rates.steps - 1)
    reasons = list(rates.exit_rates)
    for step in range(rates.steps):
        if not len(rows):
            return
        at = np.full(len(rows), step, dtype=np.int64)
        columns = {name: take(column, rows) for name, column in base.items()}
        columns.update(step_column(canvas[rows], at))
        here = np.arange(len(rows))
        maker.emit(
            "users.canvasstep.Progression",
            columns,
            here,
            times,
            progression_type=constant("entry" if step == 0 else "advance", len(rows)),
            is_canvas_entry=np.full(len(rows), step == 0),
        )
        if step == experiment_step:
            _experiment(maker, rng, rates, seed, columns, times, canvas[rows])
        draw = rng.random(len(rows))
        bounds = np.cumsum([rates.exit_rates[r] for r in reasons])
        reason = np.searchsorted(bounds, draw, side="right")  # len(reasons) = no exit
        for index, name in enumerate(reasons):
            out = np.flatnonzero(reason == index)
            left = later(rng, times[out], 60, STEP_GAP)
            maker.emit(CANVAS + "exit." + name, columns, out, left)
            maker.emit(
                "users.canvasstep.Progression",
                columns,
                out,
                left,
                progression_type=constant("exit", len(out)),
                exit_reason=constant(name, len(out)),
                next_step_id=constant(None, len(out)),
                is_canvas_entry=np.zeros(len(out), dtype=bool),
            )
        moving = (reason == len(reasons)) & bernoulli(rng, rates.progression_rate, len(rows))
        rows, times = rows[moving], after_delay(rng, times[moving], STEP_GAP)


def _experiment(maker, rng, rates, seed, columns, times, canvas) -> None:
    n = len(times)
    split = np.searchsorted(np.cumsum(rates.split_shares), rng.random(n), side="right")
    split = np.minimum(split, len(rates.splits) - 1)
    catalog = Catalog("journey", seed, ())
    split_ids = catalog.ids("split", len(rates.canvases) * len(rates.splits))
    extra: dict[str, Column] = {
        "experiment_step_id": columns["canvas_step_id"],
        "experiment_split_id": Coded.of(canvas * len(rates.splits) + split, split_ids),
        "experiment_split_name": Coded.of(split, list(rates.splits)),
    }
    split_columns = {**columns, **extra}
    entered = later(rng, times, 1, 60)
    everyone = np.arange(n)
    maker.emit(
        CANVAS + "experimentstep.SplitEntry",
        split_columns,
        everyone,
        entered,
        in_control_group=np.zeros(n, dtype=bool),
    )
    converted = np.flatnonzero(rng.random(n) < np.asarray(rates.conversion_rates)[split])
    maker.emit(
        CANVAS + "experimentstep.Conversion",
        split_columns,
        converted,
        after_delay(rng, entered[converted], 12 * HOUR),
        conversion_behavior_index=np.zeros(len(converted), dtype=np.int64),
        conversion_behavior=constant(CONVERSION, len(converted)),
    )
    # The content optimizer step picks a message combination for each user it sends to.
    maker.emit(
        CANVAS + "costep.Send",
        {**columns, "dispatch_id": columns["canvas_step_id"]},
        everyone,
        later(rng, entered, 60, 600),
        channel=constant("email", n),
        content_optimizer_step_id=columns["canvas_step_id"],
        combination_token=choice(rng, ["a1", "a2", "b1", "b2"], n),
    )
