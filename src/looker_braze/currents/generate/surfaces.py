"""Banners, feature flags and iOS live activities, at their configured rates: banner
impressions (then clicks and dismissals of an impression), feature flag impressions, live
activity sends with their outcome ("Success" at ``success_rate``) and the token changes the
activities need."""

from __future__ import annotations

import numpy as np

from looker_braze.currents.generate.channels import aborts
from looker_braze.currents.generate.columns import (
    Coded,
    Column,
    choice,
    constant,
    hex_strings,
    key_base,
)
from looker_braze.currents.generate.config import GeneratorConfig
from looker_braze.currents.generate.events import EventMaker, bernoulli
from looker_braze.currents.generate.messages import Catalog, message_columns, sends_per_user
from looker_braze.currents.generate.push import device_columns
from looker_braze.currents.generate.timeline import HOUR, Window, after_delay, later
from looker_braze.currents.generate.users import PLATFORMS, Users, app_group_id

BANNER = "users.messages.banner."
LIVE = "users.messages.liveactivity."
PLACEMENTS = ["home_top", "cart_footer"]
ACTIVITY_TYPE = "DeliveryTrackerAttributes"


def surface_events(
    maker: EventMaker,
    config: GeneratorConfig,
    users: Users,
    window: Window,
    rng: np.random.Generator,
    app_ids: list[str],
) -> None:
    _banners(maker, config, users, window, rng, app_ids)
    _feature_flags(maker, config, users, window, rng, app_ids)
    _live_activities(maker, config, users, window, rng, app_ids)


def _in_app_base(channel, campaigns, config, users, window, rng, per_week, app_ids):
    catalog = Catalog(channel, config.seed, tuple(campaigns))
    who = sends_per_user(rng, len(users), per_week, window.days)
    times = window.uniform_times(rng, len(who))
    base = message_columns(catalog, users, who, times, rng, config.timezone)
    base.update(device_columns(users, who, app_ids), sdk_version=constant("9.0.0", len(who)))
    return who, times, base


def _banners(maker, config, users, window, rng, app_ids) -> None:
    rates = config.banners
    if not rates.campaigns:
        return
    who, times, base = _in_app_base(
        "banner", rates.campaigns, config, users, window, rng, rates.per_user_per_week, app_ids
    )
    n = len(who)
    base["banner_placement_id"] = choice(rng, PLACEMENTS, n)
    maker.emit(BANNER + "Impression", base, np.arange(n), times)
    for name, rate in (("Click", rates.click_rate), ("Dismiss", rates.dismiss_rate)):
        rows = np.flatnonzero(bernoulli(rng, rate, n))
        maker.emit(BANNER + name, base, rows, later(rng, times[rows], 1, 120))
    aborts(maker, rng, BANNER + "Abort", base, times, rates.abort_rate)


def _feature_flags(maker, config, users, window, rng, app_ids) -> None:
    rates = config.feature_flags
    if not rates.flags:
        return
    who, times, base = _in_app_base(
        "featureflag", ["Feature Flag Rollout"], config, users, window, rng,
        rates.impressions_per_user_per_week, app_ids,
    )  # fmt: skip
    base["feature_flag_id_name"] = choice(rng, rates.flags, len(who))
    maker.emit("users.messages.featureflag.Impression", base, np.arange(len(who)), times)


def _live_activities(maker, config, users, window, rng, app_ids) -> None:
    rates = config.live_activities
    ios = np.flatnonzero(users.platform == PLATFORMS.index("ios"))
    counts = rng.poisson(rates.sends_per_ios_user_per_week * window.days / 7.0, len(ios))
    who = np.repeat(ios, counts)
    n = len(who)
    times = window.uniform_times(rng, n)
    keys = key_base(config.seed, "activity", maker.chunk) + np.arange(n, dtype=np.uint64)
    tokens = hex_strings(keys, 32) if n else []
    base: dict[str, Column] = {
        "user_id": users.column("braze_id", who),
        "external_user_id": users.column("external_id", who),
        "app_group_id": constant(app_group_id(config.seed), n),
        "app_id": users.app_id_column(app_ids, who),
        "device_id": users.column("device_id", who),
        "activity_id": Coded.of(np.arange(n), [f"activity-{t[:16]}" for t in tokens]),
        "activity_attributes_type": constant(ACTIVITY_TYPE, n),
        "update_token": Coded.of(np.arange(n), tokens),
        "live_activity_event_type": constant("start", n),
        "sdk_version": constant("9.0.0", n),
        "push_token_state_change_type": constant("add", n),
        "ios_push_token_apns_gateway": np.ones(n, dtype=np.int64),
    }
    everyone = np.arange(n)
    maker.emit("users.behaviors.liveactivity.UpdateTokenChange", base, everyone, times - 5)
    maker.emit(LIVE + "Send", base, everyone, times)
    success = bernoulli(rng, rates.success_rate, n)
    maker.emit(
        LIVE + "Outcome",
        base,
        everyone,
        after_delay(rng, times, HOUR / 60),
        live_activity_event_outcome=Coded.of(success.astype(np.int64), ["Failure", "Success"]),
    )
    # One push-to-start token per iOS user who gets live activities, an hour before one of them.
    first = np.unique(who, return_index=True)[1] if n else np.array([], dtype=np.int64)
    start = times[first] - HOUR
    start_tokens = hex_strings(keys[first] ^ np.uint64(1), 32) if len(first) else []
    maker.emit(
        "users.behaviors.liveactivity.PushToStartTokenChange",
        base,
        first,
        start,
        push_to_start_token=Coded.of(np.arange(len(first)), start_tokens),
    )
