"""A Looker audience's planted conversions and unsubscribes (config.AudiencePlant): in every
week after joining (7 days from the join), each member makes a Canvas conversion with
probability ``conversion_lift`` and unsubscribes from email with probability
``unsubscribe_lift``, at a uniform time in that week (kept when it falls in the window). They
are drawn from a stream of their own and written after every other family, so the rest of the
data is the same with or without them."""

from __future__ import annotations

import numpy as np

from looker_braze.currents.generate.columns import Column, constant
from looker_braze.currents.generate.config import GeneratorConfig
from looker_braze.currents.generate.email import CONVERSION
from looker_braze.currents.generate.events import EventMaker, bernoulli
from looker_braze.currents.generate.messages import Catalog
from looker_braze.currents.generate.timeline import Window
from looker_braze.currents.generate.users import Users, app_group_id

WEEK = 7 * 86_400
CANVAS = "Audience Response Canvas"  # the planted conversions' Canvas
_STREAM = 0x61756469  # the plant's own random stream, beside the chunk's


def response_events(
    maker: EventMaker, config: GeneratorConfig, users: Users, window: Window
) -> None:
    plant = config.audience
    if plant is None or not (plant.conversion_lift or plant.unsubscribe_lift):
        return
    rng = np.random.default_rng([config.seed, maker.chunk, _STREAM])
    who, week_start = _member_weeks(plant.joined, users, window)
    people = _people(config, users, who)
    rows, times = _drawn(rng, plant.conversion_lift, week_start, window)
    ids = Catalog("audience_response", config.seed, (), (CANVAS,))
    maker.emit(
        "users.canvas.Conversion",
        people,
        rows,
        times,
        canvas_id=constant(ids.ids("canvas", 1)[0], len(rows)),
        canvas_name=constant(CANVAS, len(rows)),
        canvas_variation_id=constant(ids.ids("canvas_variation", 1)[0], len(rows)),
        canvas_step_id=constant(ids.ids("step", 1)[0], len(rows)),
        canvas_step_name=constant("Step 1", len(rows)),
        conversion_behavior_index=np.zeros(len(rows), dtype=np.int64),
        conversion_behavior=constant(CONVERSION, len(rows)),
    )
    rows, times = _drawn(rng, plant.unsubscribe_lift, week_start, window)
    maker.emit(
        "users.behaviors.subscription.GlobalStateChange",
        people,
        rows,
        times,
        email_address=users.column("email", who[rows]),
        channel=constant("email", len(rows)),
        subscription_status=constant("Unsubscribed", len(rows)),
        state_change_source=constant("Preference Center", len(rows)),
    )


def _member_weeks(joined: dict[str, int], users: Users, window: Window):
    """(the user, the start) of every week since joining of this chunk's members that starts
    before the window ends."""
    joins = np.minimum(users.join_times(joined), window.end).astype(np.int64)
    weeks = np.maximum(0, -(-(window.end - joins) // WEEK))  # ceil: weeks starting in time
    who = np.repeat(np.arange(len(users)), weeks)
    first = np.repeat(np.cumsum(weeks) - weeks, weeks)
    return who, joins[who] + (np.arange(len(who)) - first) * WEEK


def _drawn(rng, p: float, week_start: np.ndarray, window: Window):
    """Member-weeks drawn with probability ``p``, at a uniform time in the week, kept when the
    time falls in the window: (rows, times)."""
    hit = bernoulli(rng, p, len(week_start))
    times = week_start + rng.integers(0, WEEK, len(week_start))
    rows = np.flatnonzero(hit & (times >= window.start) & (times < window.end))
    return rows, times[rows]


def _people(config: GeneratorConfig, users: Users, who: np.ndarray) -> dict[str, Column]:
    return {
        "user_id": users.column("braze_id", who),
        "external_user_id": users.column("external_id", who),
        "app_group_id": constant(app_group_id(config.seed), len(who)),
        "timezone": constant(config.timezone, len(who)),
    }
