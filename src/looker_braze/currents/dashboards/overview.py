"""The cross-channel overview: every channel's messages sent, users reached and users engaged
by week, and all channels together (a user reached on two channels counted once)."""

from __future__ import annotations

from looker_braze.currents.dashboards.spec import Dashboard, Field, Looker, Tile
from looker_braze.currents.lookml.explores import ENGAGEMENT_MODEL
from looker_braze.currents.lookml.overview import VIEW


def _m(name: str) -> tuple[str, ...]:
    return (f"{VIEW}.{name}",)


def cross_channel_overview() -> Dashboard:
    weekly = Tile(
        "Messages, Users Reached and Engaged by Channel and Week",
        "cross_channel_weekly",
        "table",
        (
            Field("Week", "week_start", "week", _m("week_week")),
            Field("Channel", "channel", "text", _m("channel")),
            Field("Messages sent", "messages_sent", "int", _m("messages_sent")),
            Field("Users reached", "users_reached", "int", _m("users_reached")),
            Field("Users engaged", "users_engaged", "int", _m("users_engaged")),
            Field("Engaged (of reached)", "engaged_share", "pct", _m("engaged_share")),
        ),
        Looker(VIEW, "looker_grid", 24, 12, sorts=(f"{VIEW}.week_week", f"{VIEW}.channel")),
        note="Reached: sent a message (in-app messages and banners: shown one). Engaged: a "
        "person's open, click, read or reply that week, counted among the week's reached users. "
        "'all channels' counts each user once. Webhooks reach systems and are never engaged.",
        wide=True,
    )
    return Dashboard(
        "cross_channel_overview",
        "Cross-Channel Overview",
        "Every channel by week: messages sent, users reached, users engaged.",
        ENGAGEMENT_MODEL,
        (weekly,),
    )
