"""Push, content cards and webhooks: sends to each user's one device; a push bounces at the
configured rate, and a delivered push (sent, not bounced) is opened at the configured rate."""

from __future__ import annotations

import numpy as np

from looker_braze.currents.generate.columns import Column, choice
from looker_braze.currents.generate.config import GeneratorConfig
from looker_braze.currents.generate.events import EventMaker, bernoulli
from looker_braze.currents.generate.messages import Catalog, message_columns, sends_per_user
from looker_braze.currents.generate.timeline import HOUR, Window, after_delay, later
from looker_braze.currents.generate.users import DEVICE_MODELS, OS_VERSIONS, PLATFORMS, Users

PUSH = "users.messages.pushnotification."
CARD = "users.messages.contentcard."
IOS_FOREGROUND_RATE = 0.03  # P(push arrives while the iOS app is in the foreground | delivered)
CARD_CAMPAIGNS = ("Content Card Campaign 1", "Content Card Campaign 2")
CARD_SENDS_PER_WEEK = 0.5
CARD_RATES = {"Impression": 0.5, "Click": 0.1, "Dismiss": 0.08}  # P(... | card sent)
WEBHOOK_CAMPAIGNS = ("Webhook Campaign 1",)
WEBHOOK_SENDS_PER_WEEK = 0.25


def device_columns(users: Users, who: np.ndarray, app_ids: list[str]) -> dict[str, Column]:
    return {
        "app_id": users.app_id_column(app_ids, who),
        "platform": users.platform_column(who),
        "os_version": users.platform_column(who, OS_VERSIONS),
        "device_model": users.platform_column(who, DEVICE_MODELS),
        "device_id": users.column("device_id", who),
    }


def _message_base(catalog, config, users, window, rng, per_week, app_ids):
    who = sends_per_user(rng, len(users), per_week, window.days)
    times = window.uniform_times(rng, len(who))
    base = message_columns(catalog, users, who, times, rng, config.timezone)
    base.update(device_columns(users, who, app_ids))
    return who, times, base


def push_events(
    maker: EventMaker,
    config: GeneratorConfig,
    users: Users,
    window: Window,
    rng: np.random.Generator,
    app_ids: list[str],
) -> None:
    rates = config.push
    catalog = Catalog("push", config.seed, tuple(rates.campaigns))
    who, send_time, base = _message_base(
        catalog, config, users, window, rng, rates.sends_per_user_per_week, app_ids
    )
    n = len(who)
    maker.emit(PUSH + "Send", base, np.arange(n), send_time)
    bounced = bernoulli(rng, rates.bounce_rate, n)
    rows = np.flatnonzero(bounced)
    maker.emit(PUSH + "Bounce", base, rows, later(rng, send_time[rows], 1, 60))
    opened = ~bounced & bernoulli(rng, rates.open_rate, n)
    rows = np.flatnonzero(opened)
    maker.emit(PUSH + "Open", base, rows, after_delay(rng, send_time[rows], 2 * HOUR))
    ios = users.platform[who] == PLATFORMS.index("ios")
    rows = np.flatnonzero(~bounced & ios & bernoulli(rng, IOS_FOREGROUND_RATE, n))
    maker.emit(PUSH + "IosForeground", base, rows, later(rng, send_time[rows], 1, 5))


def card_and_webhook_events(
    maker: EventMaker,
    config: GeneratorConfig,
    users: Users,
    window: Window,
    rng: np.random.Generator,
    app_ids: list[str],
) -> None:
    cards = Catalog("contentcard", config.seed, CARD_CAMPAIGNS)
    who, times, base = _message_base(
        cards, config, users, window, rng, CARD_SENDS_PER_WEEK, app_ids
    )
    card_ids = cards.ids("card", len(CARD_CAMPAIGNS))
    base["content_card_id"] = choice(rng, card_ids, len(who))
    maker.emit(CARD + "Send", base, np.arange(len(who)), times)
    for name, rate in CARD_RATES.items():
        rows = np.flatnonzero(bernoulli(rng, rate, len(who)))
        maker.emit(CARD + name, base, rows, after_delay(rng, times[rows], 12 * HOUR))
    hooks = Catalog("webhook", config.seed, WEBHOOK_CAMPAIGNS)
    who, times, base = _message_base(
        hooks, config, users, window, rng, WEBHOOK_SENDS_PER_WEEK, app_ids
    )
    maker.emit("users.messages.webhook.Send", base, np.arange(len(who)), times)
