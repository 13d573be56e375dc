"""Email: sends, then per send exactly one of hard bounce / soft bounce / delivery; per delivery
opens, clicks (a click implies an open), spam reports and unsubscribes at the configured rates;
campaign and canvas conversions, canvas entries and control-group enrolments around them."""

from __future__ import annotations

import numpy as np

from looker_braze.currents.generate.columns import Coded, Column, choice, constant
from looker_braze.currents.generate.config import GeneratorConfig
from looker_braze.currents.generate.events import EventMaker, bernoulli, repeat_extra
from looker_braze.currents.generate.messages import (
    Catalog,
    message_columns,
    occurrence,
    sends_per_user,
)
from looker_braze.currents.generate.timeline import HOUR, Window, after_delay, later
from looker_braze.currents.generate.users import Users

EMAIL = "users.messages.email."
SENDING_IPS = [f"192.0.2.{n}" for n in range(10, 22)]  # TEST-NET-1: documentation addresses
USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 Mobile",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 Version/17.2 Safari",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile",
]
URLS = ["https://example.com/sale", "https://example.com/new", "https://example.com/account"]
CONVERSION = '{"type":"Makes Purchase","window":86400}'
CONVERSION_RATE = 0.03  # P(conversion | delivery)
CONTROL_SHARE = 0.02  # control-group enrolments per campaign send


def email_events(
    maker: EventMaker,
    config: GeneratorConfig,
    users: Users,
    window: Window,
    rng: np.random.Generator,
) -> None:
    rates = config.email
    catalog = Catalog(
        "email", config.seed, tuple(rates.campaigns), tuple(rates.canvases), rates.canvas_share
    )
    who = sends_per_user(rng, len(users), rates.sends_per_user_per_week, window.days)
    send_time = window.uniform_times(rng, len(who))  # each send independent, uniform
    n = len(who)
    base = message_columns(catalog, users, who, send_time, rng, config.timezone)
    base["email_address"] = users.column("email", who)
    base["sending_ip"] = choice(rng, SENDING_IPS, n)
    maker.emit(EMAIL + "Send", base, np.arange(n), send_time)

    draw = rng.random(n)
    hard = draw < rates.bounce_rate
    soft = (draw >= rates.bounce_rate) & (draw < rates.bounce_rate + rates.soft_bounce_rate)
    _bounces(maker, rng, base, send_time, hard, "Bounce", "550 5.1.1 user unknown")
    _bounces(maker, rng, base, send_time, soft, "SoftBounce", "452 4.2.2 mailbox full")
    delivered = ~(hard | soft)
    delivery_time = later(rng, send_time, 1, 30)
    rows = np.flatnonzero(delivered)
    maker.emit(EMAIL + "Delivery", base, rows, delivery_time[rows])
    _engagement(maker, rng, base, delivery_time, delivered, rates)
    _conversions(maker, rng, base, delivery_time, delivered)
    _canvas_entries(maker, rng, base, who, send_time)
    _control_enrolments(maker, rng, base, users, send_time)


def _bounces(maker, rng, base, send_time, mask, name, reason) -> None:
    rows = np.flatnonzero(mask)
    maker.emit(
        EMAIL + name,
        base,
        rows,
        later(rng, send_time[rows], 1, 600),
        bounce_reason=constant(reason, len(rows)),
    )


def _engagement(maker, rng, base, delivery_time, delivered, rates) -> None:
    n = len(delivered)
    opened = delivered & bernoulli(rng, rates.open_rate, n)
    click_given_open = rates.click_rate / rates.open_rate if rates.open_rate else 0.0
    clicked = opened & bernoulli(rng, click_given_open, n)
    first_open = after_delay(rng, delivery_time, 3 * HOUR)
    opens = repeat_extra(rng, np.flatnonzero(opened), 0.5)
    maker.emit(
        EMAIL + "Open",
        base,
        opens,
        _repeat_times(rng, opens, first_open),
        user_agent=choice(rng, USER_AGENTS, len(opens)),
        machine_open=choice(rng, ["true"], len(opens), null_share=0.9),
        is_amp=np.zeros(len(opens), dtype=bool),
    )
    first_click = later(rng, first_open, 5, 900)
    clicks = repeat_extra(rng, np.flatnonzero(clicked), 0.3)
    maker.emit(
        EMAIL + "Click",
        base,
        clicks,
        _repeat_times(rng, clicks, first_click),
        url=choice(rng, URLS, len(clicks)),
        user_agent=choice(rng, USER_AGENTS, len(clicks)),
        is_amp=np.zeros(len(clicks), dtype=bool),
    )
    for name, rate in (("MarkAsSpam", rates.spam_rate), ("Unsubscribe", rates.unsubscribe_rate)):
        rows = np.flatnonzero(delivered & bernoulli(rng, rate, n))
        maker.emit(
            EMAIL + name,
            base,
            rows,
            after_delay(rng, delivery_time[rows], 6 * HOUR),
            user_agent=choice(rng, USER_AGENTS, len(rows)),
        )


def _repeat_times(rng, rows: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The first of each run of repeated rows at ``first``; repeats some hours later."""
    repeat = np.zeros(len(rows), dtype=bool)
    repeat[1:] = rows[1:] == rows[:-1]
    return first[rows] + np.where(repeat, rng.exponential(12 * HOUR, len(rows)), 0).astype(np.int64)


def _conversions(maker, rng, base, delivery_time, delivered) -> None:
    converted = delivered & bernoulli(rng, CONVERSION_RATE, len(delivered))
    is_canvas = base["canvas_id"].codes >= 0
    times = after_delay(rng, delivery_time, 8 * HOUR)
    behaviour = {
        "conversion_behavior_index": np.zeros(len(delivered), dtype=np.int64),
        "conversion_behavior": constant(CONVERSION, len(delivered)),
    }
    with_behaviour = {**base, **behaviour}
    for event_type, mask in (
        ("users.campaigns.Conversion", converted & ~is_canvas),
        ("users.canvas.Conversion", converted & is_canvas),
    ):
        rows = np.flatnonzero(mask)
        maker.emit(event_type, with_behaviour, rows, times[rows])


def _canvas_entries(maker, rng, base, who, send_time) -> None:
    canvas = base["canvas_id"].codes
    first = (canvas >= 0) & (occurrence(who, canvas, send_time) == 0)
    rows = np.flatnonzero(first)
    maker.emit(
        "users.canvas.Entry",
        base,
        rows,
        later(rng, send_time[rows], -3600, -60),
        in_control_group=np.zeros(len(rows), dtype=bool),
    )


def _control_enrolments(maker, rng, base, users, send_time) -> None:
    """Some campaign sends also put another (random) user in the campaign's control group."""
    campaign_rows = np.flatnonzero(base["campaign_id"].codes >= 0)
    rows = campaign_rows[bernoulli(rng, CONTROL_SHARE, len(campaign_rows))]
    others = rng.integers(0, len(users), len(rows))
    people: dict[str, Column] = {
        "user_id": users.column("braze_id", others),
        "external_user_id": users.column("external_id", others),
    }
    no_send: Coded = constant(None, len(rows))
    maker.emit(
        "users.campaigns.EnrollInControl",
        base,
        rows,
        send_time[rows],
        **people,
        send_id=no_send,
        message_variation_id=no_send,
    )
