"""Email: sends, then per send exactly one of hard bounce / soft bounce / delivery; per delivery
opens, clicks (a click implies an open), spam reports and unsubscribes at the configured rates;
machine opens and suspected bot clicks on top of people's; deferrals, retries and aborts;
campaign and canvas conversions, canvas entries, control-group enrolments and their conversions
around them."""

from __future__ import annotations

import numpy as np

from looker_braze.currents.generate.channels import aborts
from looker_braze.currents.generate.columns import Coded, Column, choice, constant, take
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
MAIL_CLIENTS = {  # (device_class, device_os, browser, mailbox_provider) people read with
    "device_class": ["Mobile", "Desktop", "Mobile", "Mobile"],
    "device_os": ["iOS", "Windows", "Mac OS X", "Android"],
    "browser": ["Mobile Safari", "Chrome", "Safari", "Chrome Mobile"],
    "mailbox_provider": ["Gmail", "Outlook", "Apple", "Gmail"],
}
PROXY_AGENT = (
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
)
BOT_REASONS = [["user_agent"], ["ip_address"], ["user_agent", "ip_address"]]


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
    lift = _planted_lift(config, users, who, delivery_time)
    _engagement(maker, rng, base, delivery_time, delivered, rates, lift)
    conversions = config.campaign_conversions
    first_of_campaign = _first_of_campaign(base, who, send_time)
    _conversions(maker, rng, base, delivery_time, delivered, first_of_campaign, conversions)
    _canvas_entries(maker, rng, base, who, send_time)
    _control_groups(maker, base, users, who, first_of_campaign, conversions)
    _sending_trouble(maker, maker.side, base, send_time, delivery_time, delivered, rates)


def _bounces(maker, rng, base, send_time, mask, name, reason) -> None:
    rows = np.flatnonzero(mask)
    maker.emit(
        EMAIL + name,
        base,
        rows,
        later(rng, send_time[rows], 1, 600),
        bounce_reason=constant(reason, len(rows)),
    )


def _planted_lift(config, users, who, delivery_time) -> np.ndarray | None:
    """Per send, what a planted audience adds to the open rate: ``open_lift`` for deliveries to
    members after they joined, 0 otherwise (None: no audience planted)."""
    plant = config.audience
    if plant is None:
        return None
    return np.where(delivery_time >= users.join_times(plant.joined)[who], plant.open_lift, 0.0)


def _engagement(maker, rng, base, delivery_time, delivered, rates, lift=None) -> None:
    side = maker.side
    n = len(delivered)
    # The same draws with or without a planted audience: only the threshold moves.
    p_open = rates.open_rate if lift is None else rates.open_rate + lift
    opened = delivered & (rng.random(n) < p_open)
    click_given_open = rates.click_rate / rates.open_rate if rates.open_rate else 0.0
    clicked = opened & bernoulli(rng, click_given_open, n)
    first_open = after_delay(rng, delivery_time, 3 * HOUR)
    opens = repeat_extra(rng, np.flatnonzero(opened), 0.5)
    open_times = _repeat_times(rng, opens, first_open)
    client = choice(rng, USER_AGENTS, len(opens)).codes
    choice(rng, ["true"], len(opens), null_share=0.9)  # was the machine flag: keeps the stream
    # Machine opens (privacy proxies, scanners) come on top of people's opens of the same
    # emails, within a minute of delivery: they make machine_open_share of all Open events.
    machine = _on_top(side, np.flatnonzero(opened), len(opens), rates.machine_open_share)
    maker.emit(
        EMAIL + "Open",
        base,
        np.r_[opens, machine],
        np.r_[open_times, later(side, delivery_time[machine], 1, 60)],
        user_agent=_agents(client, len(machine)),
        machine_open=Coded.of(
            np.r_[np.full(len(opens), -1), np.zeros(len(machine), int)], ["true"]
        ),
        is_amp=np.zeros(len(opens) + len(machine), dtype=bool),
        **_mail_client(np.r_[client, np.full(len(machine), -1)]),
    )
    first_click = later(rng, first_open, 5, 900)
    clicks = repeat_extra(rng, np.flatnonzero(clicked), 0.3)
    click_times = _repeat_times(rng, clicks, first_click)
    urls = choice(rng, URLS, len(clicks)).codes
    client = choice(rng, USER_AGENTS, len(clicks)).codes
    # Suspected bot clicks (link scanners) come on top of people's clicks, just after them.
    bots = _on_top(side, np.flatnonzero(clicked), len(clicks), rates.bot_click_share)
    flagged = np.r_[np.zeros(len(clicks), dtype=bool), np.ones(len(bots), dtype=bool)]
    rows = np.r_[clicks, bots]
    maker.emit(
        EMAIL + "Click",
        base,
        rows,
        np.r_[click_times, later(side, first_click[bots], 1, 60)],
        url=Coded.of(np.r_[urls, side.integers(0, len(URLS), len(bots))], URLS),
        user_agent=_agents(client, len(bots)),
        is_amp=np.zeros(len(rows), dtype=bool),
        is_suspected_bot_click=flagged,
        suspected_bot_click_reason=Coded.of(
            np.where(flagged, side.integers(0, len(BOT_REASONS), len(rows)), -1), BOT_REASONS
        ),
        link_alias=choice(side, ["hero", "footer", "cta"], len(rows)),
        **_mail_client(np.r_[client, np.full(len(bots), -1)]),
    )
    for name, rate in (("MarkAsSpam", rates.spam_rate), ("Unsubscribe", rates.unsubscribe_rate)):
        rows = np.flatnonzero(delivered & bernoulli(rng, rate, n))
        times = after_delay(rng, delivery_time[rows], 6 * HOUR)
        maker.emit(
            EMAIL + name,
            base,
            rows,
            times,
            user_agent=choice(rng, USER_AGENTS, len(rows)),
        )
    # An email Unsubscribe also changes the user's global email subscription state.
    maker.emit(
        "users.behaviors.subscription.GlobalStateChange",
        base,
        rows,
        times,
        subscription_status=constant("Unsubscribed", len(rows)),
        channel=constant("email", len(rows)),
        state_change_source=constant("Email", len(rows)),
    )


def _on_top(rng, candidates: np.ndarray, people: int, share: float) -> np.ndarray:
    """Rows of ``candidates`` for extra events making ``share`` of all (``people`` + extra)."""
    if share <= 0 or not len(candidates):
        return candidates[:0]
    expected = people * share / (1 - share)
    return np.repeat(candidates, rng.poisson(expected / len(candidates), len(candidates)))


def _agents(people: np.ndarray, machines: int) -> Coded:
    """People's user agents, then ``machines`` events with the proxy's."""
    return Coded.of(np.r_[people, np.full(machines, len(USER_AGENTS))], [*USER_AGENTS, PROXY_AGENT])


def _mail_client(client: np.ndarray) -> dict[str, Column]:
    return {name: Coded.of(client, table) for name, table in MAIL_CLIENTS.items()}


def _repeat_times(rng, rows: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The first of each run of repeated rows at ``first``; repeats some hours later."""
    repeat = np.zeros(len(rows), dtype=bool)
    repeat[1:] = rows[1:] == rows[:-1]
    return first[rows] + np.where(repeat, rng.exponential(12 * HOUR, len(rows)), 0).astype(np.int64)


def _first_of_campaign(base, who, send_time) -> np.ndarray:
    """Each campaign send that is its user's first of that campaign (rows of ``base``)."""
    campaign = base["campaign_id"].codes
    return (campaign >= 0) & (occurrence(who, campaign, send_time) == 0)


def _conversions(maker, rng, base, delivery_time, delivered, first_of_campaign, rates) -> None:
    """Canvas emails convert per delivery; a campaign converts a user once (drawn at the user's
    first send of it), so its treatment conversion rate per user is ``conversion_rate``."""
    lucky = bernoulli(rng, rates.conversion_rate, len(delivered))
    is_canvas = base["canvas_id"].codes >= 0
    times = after_delay(rng, delivery_time, 8 * HOUR)
    behaviour = {
        "conversion_behavior_index": np.zeros(len(delivered), dtype=np.int64),
        "conversion_behavior": constant(CONVERSION, len(delivered)),
    }
    with_behaviour = {**base, **behaviour}
    for event_type, mask in (
        ("users.campaigns.Conversion", lucky & first_of_campaign),
        ("users.canvas.Conversion", lucky & delivered & is_canvas),
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


def _control_groups(maker, base, users, who, first_of_campaign, rates) -> None:
    """Each campaign's control group: users of this chunk it was not sent to (Braze holds them
    out of the send), ``control_share`` of its audience, enrolled at a send time of the
    campaign; a share of them convert anyway (the baseline a campaign's lift is measured
    against). A user's events all fall in one chunk, so "not sent" is known here."""
    side = maker.side
    firsts = np.flatnonzero(first_of_campaign)
    campaign = base["campaign_id"].codes[firsts]
    at, members = [], []
    for c in np.unique(campaign):
        treated = firsts[campaign == c]
        size = round(len(treated) * rates.control_share / (1 - rates.control_share))
        candidates = np.setdiff1d(np.arange(len(users)), who[treated])
        size = min(size, len(candidates))
        members.append(side.choice(candidates, size, replace=False))
        at.append(side.choice(treated, size))  # a send of the campaign: its ids and time
    rows = np.concatenate(at) if at else np.zeros(0, dtype=np.int64)
    others = np.concatenate(members) if members else np.zeros(0, dtype=np.int64)
    people: dict[str, Column] = {
        "user_id": users.column("braze_id", others),
        "external_user_id": users.column("external_id", others),
    }
    no_send: Coded = constant(None, len(rows))
    enrolled = base["time"][rows]
    maker.emit(
        "users.campaigns.EnrollInControl",
        base,
        rows,
        enrolled,
        **people,
        send_id=no_send,
        message_variation_id=no_send,
    )
    converted = np.flatnonzero(bernoulli(side, rates.control_conversion_rate, len(rows)))
    no_send = constant(None, len(converted))
    maker.emit(
        "users.campaigns.Conversion",
        {**base, "conversion_behavior": constant(CONVERSION, len(base["time"]))},
        rows[converted],
        after_delay(side, enrolled[converted], 8 * HOUR),
        user_id=take(people["user_id"], converted),
        external_user_id=take(people["external_user_id"], converted),
        send_id=no_send,
        message_variation_id=no_send,
        conversion_behavior_index=np.zeros(len(converted), dtype=np.int64),
    )


def _sending_trouble(maker, rng, base, send_time, delivery_time, delivered, rates) -> None:
    """Deferrals (the receiving server asked to try later) before some deliveries; retries and
    aborted messages around sends."""
    rows = np.flatnonzero(delivered & bernoulli(rng, rates.deferral_rate, len(delivered)))
    maker.emit(
        EMAIL + "Deferral",
        base,
        rows,
        later(rng, send_time[rows], 1, 20),
        deferral_reason=constant("421 4.7.0 try again later", len(rows)),
        attempt_count=np.ones(len(rows), dtype=np.int64),
        recipient_domain=constant("example.com", len(rows)),
    )
    rows = np.flatnonzero(bernoulli(rng, rates.retry_rate, len(send_time)))
    maker.emit(
        EMAIL + "Retry",
        base,
        rows,
        later(rng, send_time[rows], -300, -1),
        retry_type=constant("rate_limited", len(rows)),
    )
    aborts(maker, rng, EMAIL + "Abort", base, send_time, rates.abort_rate)
