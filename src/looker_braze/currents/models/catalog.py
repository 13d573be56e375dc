"""Every model (and the row-level fragments models are built from), by name.

A query is one SQL file under ``sql/`` written once in DuckDB's dialect plus a few macros the
compiler expands per engine (``local_ts``, ``local_date``, ``local_day``, ``param_match``).
``FROM some_name`` reaches a fragment by name, so a model reuses a fragment's rows without
copying its SQL; ``sources`` binds a generic name to a concrete fragment, which is how one
cadence SQL serves both email and push. ``fixed`` pins parameters a model does not let callers
change (a weekly dashboard is weekly). Parameters a model accepts are not listed by hand: they
are read from the placeholders its SQL uses, so the list cannot go stale. Nor is the dashboard a
model is on: the dashboard definitions (currents/dashboards, `dashboards_of`) say which of their
tiles read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

STAGING, INTERMEDIATE, MART = "staging", "intermediate", "mart"
LAYERS = (STAGING, INTERMEDIATE, MART)

EMAIL_DELIVERIES = {"engaged_deliveries": "email_engaged_deliveries"}
PUSH_DELIVERIES = {"engaged_deliveries": "push_engaged_deliveries"}
EMAIL_CADENCE = {"cadence": "email_cadence", **EMAIL_DELIVERIES}
PUSH_CADENCE = {"cadence": "push_cadence", **PUSH_DELIVERIES}
EMAIL_FREQUENCY = {"delivery_periods": "email_delivery_periods", **EMAIL_DELIVERIES}
PUSH_FREQUENCY = {"delivery_periods": "push_delivery_periods", **PUSH_DELIVERIES}
# The in-product surfaces share their SQL (surface_*.sql), each bound to its staging model.
SURFACES = tuple(
    (
        surface,
        title,
        {"surface_events": f"stg_{staging}", "surface_messages": f"{surface}_messages"},
    )
    for surface, title, staging in (
        ("in_app", "In-app messages", "in_app"),
        ("content_card", "Content cards", "content_cards"),
        ("banner", "Banners", "banners"),
    )
)


@dataclass(frozen=True)
class Query:
    name: str
    sql: str  # file stem under sql/
    title: str
    sources: Mapping[str, str] = field(default_factory=dict)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    # "staging": reads raw Currents tables (and only those): one per event family, names,
    # types, one row per event id. "intermediate": row-level fragments built on staging (set
    # for every non-staging fragment below). "mart": a dashboard's query. Only staging reads
    # raw tables.
    layer: str = MART

    def __post_init__(self) -> None:
        if isinstance(self.sources, str):  # the 4th argument once named the dashboard
            raise TypeError(
                f"{self.name}: the dashboard a model is on comes from the dashboard definitions "
                f"(currents/dashboards), not the catalogue; drop {self.sources!r}"
            )
        if self.layer not in LAYERS:
            raise ValueError(f"layer of {self.name} must be one of {LAYERS}, not {self.layer!r}")
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))
        object.__setattr__(self, "fixed", MappingProxyType(dict(self.fixed)))


_STAGING = (
    Query("stg_email", "stg_email", "Email events, one row per event id", layer=STAGING),
    Query("stg_push", "stg_push", "Push events, one row per event id", layer=STAGING),
    Query("stg_in_app", "stg_in_app", "In-app message events, one row per event id", layer=STAGING),
    Query("stg_sessions", "stg_sessions", "First sessions and session starts", layer=STAGING),
    Query("stg_session_ends", "stg_session_ends", "Session ends, with duration", layer=STAGING),
    Query("stg_sms", "stg_sms", "SMS events, one row per event id", layer=STAGING),
    Query("stg_whatsapp", "stg_whatsapp", "WhatsApp events, one row per event id", layer=STAGING),
    Query("stg_rcs", "stg_rcs", "RCS events, one row per event id", layer=STAGING),
    Query("stg_line", "stg_line", "LINE events, one row per event id", layer=STAGING),
    Query(
        "stg_canvas",
        "stg_canvas",
        "Canvas entries, step progressions, exits, experiment paths, conversions",
        layer=STAGING,
    ),
    Query(
        "stg_conversions",
        "stg_conversions",
        "Campaign conversions and control-group enrolments",
        layer=STAGING,
    ),
    Query(
        "stg_subscriptions",
        "stg_subscriptions",
        "Subscription group and global subscription state changes",
        layer=STAGING,
    ),
    Query("stg_content_cards", "stg_content_cards", "Content card events", layer=STAGING),
    Query("stg_banners", "stg_banners", "Banner events, one row per event id", layer=STAGING),
    Query("stg_webhooks", "stg_webhooks", "Webhook events, one row per event id", layer=STAGING),
    Query("stg_feature_flags", "stg_feature_flags", "Feature flag impressions", layer=STAGING),
    Query("stg_live_activities", "stg_live_activities", "Live activity events", layer=STAGING),
    Query(
        "stg_audience_membership",
        "stg_audience_membership",
        "Looker audience membership spells (looker-braze audiences export)",
        layer=STAGING,
    ),
)

EMAIL_ATTRIBUTION = {
    "attribution_targets": "email_attribution_targets",
    "attribution_events": "email_attribution_events",
}
PUSH_ATTRIBUTION = {
    "attribution_targets": "push_attribution_targets",
    "attribution_events": "push_attribution_events",
}

_INTERMEDIATE = (
    Query(
        "email_attribution_targets", "email_attribution_targets", "Email deliveries to attribute to"
    ),
    Query(
        "email_attribution_events",
        "email_attribution_events",
        "Email opens and clicks to attribute",
    ),
    Query("push_attribution_targets", "push_attribution_targets", "Push sends to attribute to"),
    Query(
        "push_attribution_events", "push_attribution_events", "Push bounces and opens to attribute"
    ),
    Query(
        "email_attribution",
        "attribution",
        "Email deliveries with an open or click attributed",
        sources=EMAIL_ATTRIBUTION,
    ),
    Query(
        "push_attribution",
        "attribution",
        "Push sends with a bounce or open attributed",
        sources=PUSH_ATTRIBUTION,
    ),
    Query("email_engaged_deliveries", "email_engaged_deliveries", "Email deliveries, engagement"),
    Query("push_sends", "push_sends", "Push sends, bounce and open"),
    Query("push_engaged_deliveries", "push_engaged_deliveries", "Push deliveries, engagement"),
    Query("push_send_ranks", "push_send_ranks", "Push sends ranked per user, with bounces"),
    Query("email_cadence", "cadence", "Email cadence rows", sources=EMAIL_DELIVERIES),
    Query("push_cadence", "cadence", "Push cadence rows", sources=PUSH_DELIVERIES),
    Query(
        "email_delivery_periods",
        "delivery_periods",
        "Email deliveries by period",
        sources=EMAIL_DELIVERIES,
    ),
    Query(
        "push_delivery_periods",
        "delivery_periods",
        "Push deliveries by period",
        sources=PUSH_DELIVERIES,
    ),
    Query("email_frequency_rows", "frequency", "Email frequency rows", sources=EMAIL_FREQUENCY),
    Query("push_frequency_rows", "frequency", "Push frequency rows", sources=PUSH_FREQUENCY),
    Query("email_messages", "email_messages", "Email measures per message"),
    Query("email_periods", "email_periods", "Email measures per period"),
    Query("push_messages", "push_messages", "Push measures per message"),
    Query("sending_ips", "sending_ips", "Email attempts per sending IP"),
    Query("retention_activity", "retention_activity", "Active days per cohort member"),
    Query("retention_daily", "retention_daily", "Daily retention grid"),
    Query("retention_weekly", "retention_weekly", "Weekly retention grid"),
    Query(
        "messaging_channels", "messaging_channels", "SMS, WhatsApp, RCS, LINE: what each reports"
    ),
    Query("messaging_events", "messaging_events", "SMS, WhatsApp, RCS and LINE events, flagged"),
    Query("messaging_messages", "messaging_messages", "Messaging measures per channel and message"),
    Query("canvas_users", "canvas_users", "One row per Canvas and entered user, outcomes"),
    Query("canvas_step_users", "canvas_step_users", "One row per Canvas step and user reaching it"),
    Query("canvas_path_users", "canvas_path_users", "One row per experiment path and its user"),
    Query("campaign_recipients", "campaign_recipients", "Users each campaign reached"),
    Query("campaign_audience", "campaign_audience", "Campaign treatment and control users"),
    Query("campaign_lift_counts", "campaign_lift_counts", "Campaign group sizes, conversions"),
    *(
        Query(f"{surface}_messages", "surface_messages", f"{title} per message", sources=bound)
        for surface, title, bound in SURFACES
    ),
    Query("webhook_messages", "webhook_messages", "Webhook measures per message"),
    Query("channel_activity", "channel_activity", "Every channel: who was reached, who engaged"),
    Query("audience_deliveries", "audience_deliveries", "Email and push deliveries, engagement"),
    Query("currents_users", "currents_users", "Every user Currents know, with external id, email"),
    Query("user_phones", "user_phones", "Phone numbers SMS, WhatsApp and RCS events name, user"),
    Query("audience_members", "audience_members", "Audience spells resolved to Braze users"),
    Query(
        "audience_activity",
        "audience_activity",
        "Every user's reaches, deliveries, engagement, conversions, unsubscribes",
    ),
)

_FRAGMENTS = (*_STAGING, *(replace(q, layer=INTERMEDIATE) for q in _INTERMEDIATE))


def _surface_models(surface: str, title: str, bound: dict) -> tuple[Query, ...]:
    """The funnel (content cards and banners; in-app messages have in_app_funnel), per-message
    and weekly models of an in-product surface."""
    made = (
        Query(f"{surface}_by_message", "surface_by_message", f"{title} per message", sources=bound),
        Query(f"{surface}_weekly", "surface_weekly", f"{title} by week", sources=bound),
    )
    if surface == "in_app":
        return made
    return (Query(f"{surface}_funnel", "surface_funnel", title, sources=bound), *made)


# How the email failures are counted (as the message engagement block counts them), for --list.
_FAILURES = " (bounces, soft bounces, spam reports: events; unsubscribes: distinct addresses)"

_MODELS = (
    Query("email_funnel", "email_funnel", f"Email funnel, all messages{_FAILURES}"),
    Query("email_funnel_by_message", "email_funnel_by_message", "Email funnel per message"),
    Query("push_funnel", "push_funnel", "Push funnel, all messages"),
    Query("push_funnel_by_message", "push_funnel_by_message", "Push funnel per message"),
    Query(
        "email_performance_weekly",
        "email_performance",
        "Email performance by week",
        fixed={"granularity": "week"},
    ),
    Query(
        "email_deliverability_weekly",
        "email_deliverability",
        f"Deliverability by week{_FAILURES}",
        fixed={"granularity": "week"},
    ),
    Query(
        "email_deliverability_daily",
        "email_deliverability",
        f"Deliverability by day{_FAILURES}",
        fixed={"granularity": "day"},
    ),
    Query(
        "sending_ips_top_deliveries",
        "sending_ips_top_deliveries",
        "Top sending IPs by deliveries",
    ),
    Query("sending_ips_top_bounces", "sending_ips_top_bounces", "Top sending IPs by bounces"),
    Query(
        "email_messages_top_open_rate",
        "email_messages_top_open_rate",
        "Email messages with the highest unique open rate",
    ),
    Query(
        "email_messages_bottom_open_rate",
        "email_messages_bottom_open_rate",
        "Email messages with the lowest unique open rate",
    ),
    Query(
        "email_messages_top_click_rate",
        "email_messages_top_click_rate",
        "Email messages with the highest unique click rate",
    ),
    Query(
        "email_messages_bottom_click_rate",
        "email_messages_bottom_click_rate",
        "Email messages with the lowest unique click rate",
    ),
    Query(
        "push_messages_top_open_rate",
        "push_messages_top_open_rate",
        "Push messages with the highest unique open rate",
    ),
    Query(
        "push_messages_bottom_open_rate",
        "push_messages_bottom_open_rate",
        "Push messages with the lowest unique open rate",
    ),
    Query(
        "in_app_funnel",
        "in_app_funnel",
        "In-app messages and content cards: impressions, clicks, click rates, in-app aborts",
    ),
    Query(
        "email_cadence_by_rank",
        "cadence_by_rank",
        "Email engagement by delivery rank",
        sources=EMAIL_CADENCE,
    ),
    Query(
        "email_cadence_by_day_gap",
        "cadence_by_day_gap",
        "Email engagement by days since the previous email",
        sources=EMAIL_CADENCE,
    ),
    Query(
        "email_cadence_by_week_gap",
        "cadence_by_week_gap",
        "Email engagement by weeks since the previous email",
        sources=EMAIL_CADENCE,
    ),
    Query(
        "email_frequency",
        "frequency_engagement",
        "Email engagement by emails per day/week/month",
        sources=EMAIL_FREQUENCY,
    ),
    Query(
        "email_engagement_by_hour",
        "engagement_by_hour",
        "Email engagement by hour of day",
        sources=EMAIL_DELIVERIES,
    ),
    Query(
        "email_engagement_by_weekday",
        "engagement_by_weekday",
        "Email engagement by day of week",
        sources=EMAIL_DELIVERIES,
    ),
    Query(
        "push_cadence_by_rank",
        "cadence_by_rank",
        "Push engagement by delivery rank",
        sources=PUSH_CADENCE,
    ),
    Query(
        "push_send_cadence",
        "push_send_cadence",
        "Push sends, bounces and bounced recipients by send rank",
    ),
    Query(
        "push_cadence_by_day_gap",
        "cadence_by_day_gap",
        "Push engagement by days since the previous push",
        sources=PUSH_CADENCE,
    ),
    Query(
        "push_cadence_by_week_gap",
        "cadence_by_week_gap",
        "Push engagement by weeks since the previous push",
        sources=PUSH_CADENCE,
    ),
    Query(
        "push_frequency",
        "frequency_engagement",
        "Push engagement by pushes per day/week/month",
        sources=PUSH_FREQUENCY,
    ),
    Query(
        "push_engagement_by_hour",
        "engagement_by_hour",
        "Push engagement by hour of day",
        sources=PUSH_DELIVERIES,
    ),
    Query(
        "push_engagement_by_weekday",
        "engagement_by_weekday",
        "Push engagement by day of week",
        sources=PUSH_DELIVERIES,
    ),
    Query("retention_daily_cohorts", "retention_daily", "Daily retention by first-session date"),
    Query(
        "retention_daily_curve",
        "retention_daily_curve",
        "Daily retention curve, all cohorts pooled",
    ),
    Query(
        "retention_weekly_cohorts",
        "retention_weekly",
        "Weekly retention by first-session week",
    ),
    Query(
        "retention_weekly_curve",
        "retention_weekly_curve",
        "Weekly retention curve, all cohorts pooled",
    ),
    Query(
        "app_sessions",
        "app_sessions",
        "Sessions: first sessions, starts and ends (distinct session ids), users",
    ),
    Query(
        "messaging_funnel",
        "messaging_funnel",
        "SMS, WhatsApp, RCS and LINE funnels, one row per channel (-p channel=sms: one)",
    ),
    Query(
        "messaging_by_week",
        "messaging_by_week",
        "SMS, WhatsApp, RCS and LINE by channel and week",
    ),
    Query(
        "messaging_by_message",
        "messaging_by_message",
        "SMS, WhatsApp, RCS and LINE by channel, campaign and canvas",
    ),
    Query(
        "canvas_journeys",
        "canvas_journeys",
        "Per Canvas: entries, control group, exits by reason, conversions against control",
    ),
    Query(
        "canvas_weekly",
        "canvas_weekly",
        "Per Canvas and week of entry: entries, control group, conversions",
    ),
    Query(
        "canvas_steps",
        "canvas_steps",
        "Per Canvas step: users reached, moved on to the next step, exits by reason",
    ),
    Query(
        "canvas_experiments",
        "canvas_experiments",
        "Per Canvas experiment path: users, share of the step, conversions",
    ),
    Query(
        "campaign_lift",
        "campaign_lift",
        "Per campaign: treatment and control users, conversion rates, lift",
    ),
    Query(
        "campaign_lift_total",
        "campaign_lift_total",
        "Campaigns with a control group pooled: conversion rates and lift",
    ),
    Query(
        "subscription_changes",
        "subscription_changes",
        "Subscription groups by week: subscribed, unsubscribed users, net change",
    ),
    Query(
        "global_subscription_changes",
        "global_subscription_changes",
        "Global email and push subscription states by week, net change",
    ),
    *(
        query
        for surface, title, bound in SURFACES
        for query in _surface_models(surface, title, bound)
    ),
    Query("webhook_funnel", "webhook_funnel", "Webhooks: sends, failures, retries"),
    Query("webhook_by_message", "webhook_by_message", "Webhooks per message"),
    Query("webhook_weekly", "webhook_weekly", "Webhooks by week"),
    Query(
        "webhook_failures_by_status",
        "webhook_failures_by_status",
        "Failed webhook attempts by HTTP status",
    ),
    Query("feature_flag_totals", "feature_flag_totals", "Feature flag impressions"),
    Query("feature_flags_by_flag", "feature_flags_by_flag", "Impressions per flag"),
    Query("feature_flags_weekly", "feature_flags_weekly", "Flag impressions by week"),
    Query("live_activity_summary", "live_activity_summary", "Live activities"),
    Query("live_activity_outcomes", "live_activity_outcomes", "Live activity outcomes"),
    Query("live_activity_weekly", "live_activity_weekly", "Live activities by week"),
    Query(
        "cross_channel_weekly",
        "cross_channel_weekly",
        "Every channel by week: messages sent, users reached, users engaged; all channels",
    ),
    Query(
        "audience_engagement",
        "audience_engagement",
        "Looker audiences by week since joining: members reached, delivered, engaged, "
        "converted, unsubscribed; engagement per delivery; against outsiders",
    ),
    Query(
        "audience_summary",
        "audience_summary",
        "Looker audiences: members, and their rates before and after joining, against outsiders",
    ),
)

FRAGMENTS: Mapping[str, Query] = MappingProxyType({q.name: q for q in _FRAGMENTS})
STAGING_MODELS: Mapping[str, Query] = MappingProxyType({q.name: q for q in _STAGING})
MODELS: Mapping[str, Query] = MappingProxyType({q.name: q for q in _MODELS})
