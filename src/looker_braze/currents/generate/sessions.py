"""App sessions with a known retention curve, and what happens in them.

Each user's first session falls on a uniformly random local day of the window; on each later
local day d (while inside the window) the user has a session with probability
``retention.probability(d)``, independently, at a uniformly random local time of that day.
Day 0 holds the FirstSession and its SessionStart. Sessions carry custom events, purchases,
locations at fixed small rates and in-app messages at the configured rates.
"""

from __future__ import annotations

import numpy as np

from looker_braze.currents.generate.channels import aborts
from looker_braze.currents.generate.columns import Column, Ids, choice, constant, key_base
from looker_braze.currents.generate.config import GeneratorConfig
from looker_braze.currents.generate.events import EventMaker, bernoulli
from looker_braze.currents.generate.messages import Catalog, message_columns
from looker_braze.currents.generate.push import device_columns
from looker_braze.currents.generate.timeline import DAY, Window, later
from looker_braze.currents.generate.users import Users

APP = "users.behaviors.app."
CUSTOM_EVENTS = ["Viewed Product", "Added To Cart", "Searched", "Shared Item"]
CUSTOM_PROPERTIES = ['{"source":"home"}', '{"source":"search"}', '{"source":"push"}']
PRODUCTS = ["sku-basic", "sku-plus", "sku-pro"]
PRICES = np.array([4.99, 9.99, 19.99])
SOURCES = ["organic", "Facebook Ads", "Google Ads", "Referral"]
RATES = {
    "custom_event": 0.6,
    "purchase": 0.04,
    "location": 0.1,
    "install_attribution": 0.6,
    "uninstall": 0.03,
}


def session_days(
    rng: np.random.Generator, config: GeneratorConfig, users: int
) -> tuple[np.ndarray, np.ndarray]:
    """(user, local day index) of every session; day 0 sessions first, one per user."""
    first_day = rng.integers(0, config.days, users)
    who, days = [np.arange(users)], [first_day]
    for after in range(1, config.days):
        p = config.retention.probability(after)
        eligible = np.flatnonzero(first_day + after < config.days)
        active = eligible[bernoulli(rng, p, len(eligible))]
        who.append(active)
        days.append(first_day[active] + after)
    return np.concatenate(who), np.concatenate(days)


def session_events(
    maker: EventMaker,
    config: GeneratorConfig,
    users: Users,
    window: Window,
    rng: np.random.Generator,
    app_ids: list[str],
) -> None:
    who, day = session_days(rng, config, len(users))
    start = window.time_in_local_day(rng, day)
    n, first = len(who), len(users)  # the first `len(users)` sessions are the first sessions
    session_keys = key_base(config.seed, "session", maker.chunk) + np.arange(n, dtype=np.uint64)
    base: dict[str, Column] = {
        "user_id": users.column("braze_id", who),
        "external_user_id": users.column("external_id", who),
        "session_id": Ids(session_keys),
        "sdk_version": constant("4.6.0", n),
        **device_columns(users, who, app_ids),
    }
    duration = np.ceil(rng.exponential(240.0, n))
    everyone = np.arange(n)
    maker.emit(APP + "SessionStart", base, everyone, start)
    maker.emit(
        APP + "SessionEnd", base, everyone, start + duration.astype(np.int64), duration=duration
    )
    day0 = np.arange(first)
    maker.emit(
        APP + "FirstSession",
        base,
        day0,
        start[day0],
        timezone=constant(config.timezone, first),
        country=constant("US", first),
        language=constant("en", first),
        gender=choice(rng, ["M", "F", "O"], first, 0.3),
    )
    _in_session(maker, rng, base, start, duration)
    _lifecycle(maker, rng, base, who, start, first)
    _in_app(maker, config, users, who, start, rng, app_ids)


def _during(rng, rows, start, duration) -> np.ndarray:
    return start[rows] + (rng.random(len(rows)) * duration[rows]).astype(np.int64)


def _in_session(maker, rng, base, start, duration) -> None:
    n = len(start)
    rows = np.repeat(np.arange(n), rng.poisson(RATES["custom_event"], n))
    maker.emit(
        "users.behaviors.CustomEvent",
        base,
        rows,
        _during(rng, rows, start, duration),
        name=choice(rng, CUSTOM_EVENTS, len(rows)),
        properties=choice(rng, CUSTOM_PROPERTIES, len(rows)),
    )
    rows = np.flatnonzero(bernoulli(rng, RATES["purchase"], n))
    maker.emit(
        "users.behaviors.Purchase",
        base,
        rows,
        _during(rng, rows, start, duration),
        product_id=choice(rng, PRODUCTS, len(rows)),
        price=PRICES[rng.integers(0, len(PRICES), len(rows))],
        currency=constant("USD", len(rows)),
        properties=constant("{}", len(rows)),
    )
    rows = np.flatnonzero(bernoulli(rng, RATES["location"], n))
    maker.emit(
        "users.behaviors.Location",
        base,
        rows,
        _during(rng, rows, start, duration),
        latitude=rng.uniform(25.0, 48.0, len(rows)),
        longitude=rng.uniform(-123.0, -70.0, len(rows)),
        ll_accuracy=rng.uniform(5.0, 50.0, len(rows)),
    )


def _lifecycle(maker, rng, base, who, start, first) -> None:
    """Install attribution just before the first session; some users uninstall after their last."""
    rows = np.flatnonzero(bernoulli(rng, RATES["install_attribution"], first))
    maker.emit(
        "users.behaviors.InstallAttribution",
        base,
        rows,
        later(rng, start[rows], -600, -1),
        source=choice(rng, SOURCES, len(rows)),
    )
    last = np.full(first, -1, dtype=np.int64)
    np.maximum.at(last, who, start)
    leaving = np.flatnonzero(bernoulli(rng, RATES["uninstall"], first))
    maker.emit("users.behaviors.Uninstall", base, leaving, later(rng, last[leaving], 600, DAY))


def _in_app(maker, config, users, who, start, rng, app_ids) -> None:
    rates = config.in_app
    shown = np.flatnonzero(bernoulli(rng, rates.impression_rate, len(who)))
    catalog = Catalog("inappmessage", config.seed, tuple(rates.campaigns))
    times = start[shown] + 5
    base = message_columns(catalog, users, who[shown], times, rng, config.timezone)
    base.update(device_columns(users, who[shown], app_ids))
    name = "users.messages.inappmessage."
    maker.emit(name + "Impression", base, np.arange(len(shown)), times)
    clicks = np.flatnonzero(bernoulli(rng, rates.click_rate, len(shown)))
    maker.emit(
        name + "Click",
        base,
        clicks,
        later(rng, times[clicks], 1, 60),
        button_id=choice(rng, ["0", "1"], len(clicks)),
    )
    base["version"] = constant("2", len(shown))  # the in-app message format version
    aborts(maker, maker.side, name + "Abort", base, times, rates.abort_rate)
