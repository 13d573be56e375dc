"""Push, content cards and webhooks: sends to each user's one device; a push bounces at the
configured rate, and a delivered push (sent, not bounced) is opened at the configured rate;
content cards are seen, clicked and dismissed, webhooks fail (then are retried or given up), at
their configured rates; each channel has its retries and aborted messages."""

from __future__ import annotations

import numpy as np

from looker_braze.currents.generate.channels import aborts
from looker_braze.currents.generate.columns import Coded, Column, choice, constant
from looker_braze.currents.generate.config import GeneratorConfig
from looker_braze.currents.generate.events import EventMaker, bernoulli
from looker_braze.currents.generate.messages import Catalog, message_columns, sends_per_user
from looker_braze.currents.generate.timeline import DAY, HOUR, Window, after_delay, later
from looker_braze.currents.generate.users import DEVICE_MODELS, OS_VERSIONS, PLATFORMS, Users

PUSH = "users.messages.pushnotification."
CARD = "users.messages.contentcard."
WEBHOOK = "users.messages.webhook."


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
    rows = np.flatnonzero(~bounced & ios & bernoulli(rng, rates.ios_foreground_rate, n))
    maker.emit(PUSH + "IosForeground", base, rows, later(rng, send_time[rows], 1, 5))
    side = maker.side
    rows = np.flatnonzero(bernoulli(side, rates.retry_rate, n))
    maker.emit(
        PUSH + "Retry",
        base,
        rows,
        later(side, send_time[rows], -300, -1),
        retry_type=constant("rate_limited", len(rows)),
    )
    aborts(maker, side, PUSH + "Abort", base, send_time, rates.abort_rate)


def card_and_webhook_events(
    maker: EventMaker,
    config: GeneratorConfig,
    users: Users,
    window: Window,
    rng: np.random.Generator,
    app_ids: list[str],
) -> None:
    rates = config.content_cards
    cards = Catalog("contentcard", config.seed, tuple(rates.campaigns))
    who, times, base = _message_base(
        cards, config, users, window, rng, rates.per_user_per_week, app_ids
    )
    card_ids = cards.ids("card", len(rates.campaigns))
    base["content_card_id"] = choice(rng, card_ids, len(who))
    n = len(who)
    maker.emit(CARD + "Send", base, np.arange(n), times)
    seen = bernoulli(rng, rates.impression_rate, n)
    rows = np.flatnonzero(seen)
    seen_at = np.zeros(n, dtype=np.int64)
    seen_at[rows] = after_delay(rng, times[rows], 12 * HOUR)
    # A card stays in the feed: people see it again (extra impressions of the same card),
    # drawn from a generator of their own so every other draw stays as it was.
    repeats = np.random.default_rng([config.seed, maker.chunk, 2])
    again = np.repeat(rows, repeats.poisson(rates.repeat_impressions, len(rows)))
    maker.emit(
        CARD + "Impression",
        base,
        np.r_[rows, again],
        np.r_[seen_at[rows], later(repeats, seen_at[again], 60, 3 * DAY)],
    )
    for name, rate in (("Click", rates.click_rate), ("Dismiss", rates.dismiss_rate)):
        # A card is clicked or dismissed only once seen. The draws are those the generator
        # made before clicks depended on impressions (one per send, then a delay per drawn
        # send), so the families drawn after cards keep their events for the same seed.
        drawn = np.flatnonzero(bernoulli(rng, rate, n))
        delay = after_delay(rng, times[drawn], 12 * HOUR) - times[drawn]
        kept = seen[drawn]
        rows = drawn[kept]
        maker.emit(CARD + name, base, rows, seen_at[rows] + 1 + delay[kept] // 60)
    aborts(maker, maker.side, CARD + "Abort", base, times, rates.abort_rate)
    _webhooks(maker, config, users, window, rng, app_ids)


def _webhooks(maker, config, users, window, rng, app_ids) -> None:
    """A failed webhook gets a Failure per attempt: a terminal one (given up), or a retried one
    followed by a Retry and a successful attempt."""
    rates = config.webhooks
    hooks = Catalog("webhook", config.seed, tuple(rates.campaigns))
    who, times, base = _message_base(
        hooks, config, users, window, rng, rates.sends_per_user_per_week, app_ids
    )
    n = len(who)
    maker.emit(WEBHOOK + "Send", base, np.arange(n), times)
    rng = maker.side
    failed = bernoulli(rng, rates.failure_rate, n)
    terminal = failed & bernoulli(rng, rates.terminal_share, n)
    rows = np.flatnonzero(failed)
    k = len(rows)
    final = terminal[rows]
    maker.emit(
        WEBHOOK + "Failure",
        base,
        rows,
        later(rng, times[rows], 1, 30),
        http_status_code=np.where(final, 400, 503).astype(np.int64),
        endpoint_url=constant("https://hooks.example.com/braze", k),
        host=constant("hooks.example.com", k),
        url_path=constant("/braze", k),
        raw_response=Coded.of(final.astype(np.int64), ["Service Unavailable", "Bad Request"]),
        retry_count=np.zeros(k, dtype=np.int64),
        webhook_duration=rng.integers(50, 3000, k),
        webhook_failure_source=constant("http_response", k),
        is_terminal=final,
    )
    rows = np.flatnonzero(failed & ~terminal)
    maker.emit(
        WEBHOOK + "Retry",
        base,
        rows,
        later(rng, times[rows], 60, 600),
        retry_type=constant("http_error", len(rows)),
    )
    aborts(maker, rng, WEBHOOK + "Abort", base, times, rates.abort_rate)
