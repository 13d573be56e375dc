"""SMS, WhatsApp, RCS and LINE: sends to each user's phone, then at the configured rates
rejections, deliveries (or failures), reads, clicks (people's, plus a share flagged as suspected
bots), inbound replies and SMS opt-outs, retries and aborts.

Each channel's funnel follows Braze's event glossary: an SMS is sent, then either rejected or
handed to the carrier (CarrierSend), then delivered or failed; WhatsApp is delivered or failed,
then read; RCS is delivered or rejected, then read; LINE reports sends, clicks and replies only.
"""

from __future__ import annotations

import numpy as np

from looker_braze.currents.generate.columns import Coded, Column, choice, constant, take
from looker_braze.currents.generate.config import GeneratorConfig, PhoneChannelConfig
from looker_braze.currents.generate.events import EventMaker, bernoulli
from looker_braze.currents.generate.messages import Catalog, message_columns, sends_per_user
from looker_braze.currents.generate.timeline import HOUR, Window, after_delay, later
from looker_braze.currents.generate.users import Users

SHORT_URLS = ["https://brz.ai/a1b2", "https://brz.ai/c3d4"]
LONG_URLS = ["https://example.com/offer", "https://example.com/order"]
USER_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) Mobile"
BOT_AGENT = "Mozilla/5.0 (compatible; LinkScanner/1.0)"
BOT_REASONS = [["user_agent"], ["ip_address"], ["user_agent", "ip_address"]]
REPLIES = ["Thanks!", "When does it ship?", "YES"]
BRAND_PHONE = "+15550100"
ERRORS = {"sms": ("30003", "Unreachable destination handset"), "rcs": ("4001", "Not RCS capable")}


def phone_events(
    maker: EventMaker, config: GeneratorConfig, users: Users, window: Window, rng
) -> None:
    for channel in ("sms", "whatsapp", "rcs", "line"):
        rates: PhoneChannelConfig = getattr(config, channel)
        if rates.sends_per_user_per_week > 0 and rates.campaigns:
            _channel(maker, config, channel, rates, users, window, rng)


def _channel(maker, config, channel, rates, users, window, rng) -> None:
    name = f"users.messages.{channel}."
    catalog = Catalog(channel, config.seed, tuple(rates.campaigns))
    who = sends_per_user(rng, len(users), rates.sends_per_user_per_week, window.days)
    sent = window.uniform_times(rng, len(who))
    n = len(who)
    base = message_columns(catalog, users, who, sent, rng, config.timezone)
    phone = users.column("phone", who)
    base.update(
        to_phone_number=phone,
        user_phone_number=phone,
        from_phone_number=constant(BRAND_PHONE, n),
        from_rcs_sender=constant("brand_agent", n),
        to_rcs_sender=constant("brand_agent", n),
        inbound_phone_number=constant(BRAND_PHONE, n),
        subscription_group_id=Coded.of(np.zeros(n, dtype=np.int64), catalog.ids("group", 1)),
        native_line_id=users.column("external_id", who),
        line_channel_id=constant("2000000001", n),
        line_channel_name=constant("Brand LINE", n),
        interaction_type=constant("CLICK", n),
        category=constant("MARKETING", n),
        template_name=constant("offer_template", n),
    )
    everyone = np.arange(n)
    maker.emit(name + "Send", base, everyone, sent)
    rejected = bernoulli(rng, rates.rejection_rate, n) if channel in ("sms", "rcs") else _no(n)
    if channel in ("sms", "rcs"):
        _failures(maker, rng, name + "Rejection", base, rejected, sent, channel)
    if channel == "sms":
        rows = np.flatnonzero(~rejected)
        maker.emit(name + "CarrierSend", base, rows, later(rng, sent[rows], 1, 10))
    delivered = ~rejected & bernoulli(rng, rates.delivery_rate, n)
    delivered_at = later(rng, sent, 5, 120)
    if channel != "line":
        rows = np.flatnonzero(delivered)
        maker.emit(name + "Delivery", base, rows, delivered_at[rows])
    failure = {"sms": "DeliveryFailure", "whatsapp": "Failure"}.get(channel)
    if failure:
        _failures(maker, rng, name + failure, base, ~rejected & ~delivered, delivered_at, channel)
    seen_at = delivered_at
    if channel in ("whatsapp", "rcs"):
        read = delivered & bernoulli(rng, rates.read_rate, n)
        seen_at = after_delay(rng, delivered_at, HOUR)
        rows = np.flatnonzero(read)
        maker.emit(name + "Read", base, rows, seen_at[rows])
    _clicks(maker, rng, channel, name, base, delivered, seen_at, rates)
    _replies(maker, rng, name, base, delivered, seen_at, rates)
    _side_events(maker, rng, name, base, sent, rates)


def _no(n: int) -> np.ndarray:
    return np.zeros(n, dtype=bool)


def _failures(maker, rng, event_type, base, mask, times, channel) -> None:
    rows = np.flatnonzero(mask)
    code, title = ERRORS.get(channel, ("131026", "Message undeliverable"))
    k = len(rows)
    maker.emit(
        event_type,
        base,
        rows,
        later(rng, times[rows], 1, 60),
        error=constant(title, k),
        provider_error_code=constant(code, k),
        provider_error_title=constant(title, k),
        is_sms_fallback=np.zeros(k, dtype=bool),
    )


def _clicks(maker, rng, channel, name, base, delivered, seen_at, rates) -> None:
    """People click a ``click_rate`` share of delivered messages; bots add flagged clicks."""
    n = len(delivered)
    human = np.flatnonzero(delivered & bernoulli(rng, rates.click_rate, n))
    # Bot clicks land on messages people also clicked (link scanners follow every link of a
    # message a person opens), so they change the total clicks, not the unique ones.
    bots = _share_on_top(rng, human, rates.bot_click_share)
    rows = np.r_[human, bots]
    flagged = np.r_[np.zeros(len(human), dtype=bool), np.ones(len(bots), dtype=bool)]
    times = np.r_[after_delay(rng, seen_at[human], HOUR), later(rng, seen_at[bots], 1, 30)]
    extra: dict[str, Column] = {
        "url": choice(rng, LONG_URLS, len(rows)),
        "short_url": choice(rng, SHORT_URLS, len(rows)),
        "user_agent": Coded.of(flagged.astype(np.int64), [USER_AGENT, BOT_AGENT]),
    }
    if channel != "whatsapp":  # WhatsApp clicks carry no bot flag
        extra["is_suspected_bot_click"] = flagged
    if channel in ("sms", "rcs"):
        reasons = np.where(flagged, rng.integers(0, len(BOT_REASONS), len(rows)), -1)
        extra["suspected_bot_click_reason"] = Coded.of(reasons, BOT_REASONS)
    event = "ShortLinkClick" if channel == "sms" else "Click"
    maker.emit(name + event, base, rows, times, **extra)


def _share_on_top(rng, rows: np.ndarray, share: float) -> np.ndarray:
    """Extra events on ``rows`` so that they make ``share`` of all events in expectation."""
    if share <= 0 or not len(rows):
        return rows[:0]
    return rows[bernoulli(rng, min(share / (1 - share), 1.0), len(rows))]


def _replies(maker, rng, name, base, delivered, seen_at, rates) -> None:
    n = len(delivered)
    stop = delivered & bernoulli(rng, rates.opt_out_rate, n)
    reply = delivered & ~stop & bernoulli(rng, rates.reply_rate, n)
    rows = np.flatnonzero(stop | reply)
    is_stop = stop[rows]
    k = len(rows)
    received = after_delay(rng, seen_at[rows], 2 * HOUR)
    maker.emit(
        name + "InboundReceive",
        base,
        rows,
        received,
        # The subscription action Braze took: "None" when no opt-in or opt-out keyword matched.
        action=Coded.of(is_stop.astype(np.int64), ["None", "Unsubscribed"]),
        message_body=Coded.of(
            np.where(is_stop, len(REPLIES), rng.integers(0, len(REPLIES), k)), [*REPLIES, "STOP"]
        ),
    )
    # A STOP reply unsubscribes the user from the channel's subscription group.
    stops = rows[is_stop]
    maker.emit(
        "users.behaviors.subscriptiongroup.StateChange",
        base,
        stops,
        received[is_stop] + 1,
        phone_number=take(base["to_phone_number"], stops),
        subscription_status=constant("Unsubscribed", len(stops)),
        channel=constant(name.split(".")[2], len(stops)),
        state_change_source=constant("Inbound Message", len(stops)),
    )


def _side_events(maker, rng, name, base, sent, rates) -> None:
    """Retries (not on RCS, which has no Retry event) and aborted messages."""
    n = len(sent)
    if not name.endswith(".rcs."):
        rows = np.flatnonzero(bernoulli(rng, rates.retry_rate, n))
        maker.emit(
            name + "Retry",
            base,
            rows,
            later(rng, sent[rows], -300, -1),
            retry_type=constant("rate_limited", len(rows)),
        )
    aborts(maker, rng, name + "Abort", base, sent, rates.abort_rate)


def aborts(maker, rng, event_type, base, sent, rate) -> None:
    """Messages Braze aborted (Liquid abort, missing address ...): ``rate`` per send, copying
    the send's campaign and user (an aborted message is one that was never sent)."""
    rows = np.flatnonzero(bernoulli(rng, rate, len(sent)))
    maker.emit(
        event_type,
        base,
        rows,
        later(rng, sent[rows], -600, -1),
        abort_type=constant("liquid_abort_message", len(rows)),
        abort_log=constant("aborted by the message's Liquid", len(rows)),
    )
