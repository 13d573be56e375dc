"""The closed loop: how each Looker audience (sent to Braze by looker-braze, its membership
exported with `looker-braze audiences export`) responded, against users never in it and
against its members before they joined."""

from __future__ import annotations

from looker_braze.currents.dashboards.spec import Dashboard, Field, Looker, Tile
from looker_braze.currents.lookml.audiences import ENGAGEMENT_VIEW as V
from looker_braze.currents.lookml.audiences import WEEKLY
from looker_braze.currents.lookml.explores import ENGAGEMENT_MODEL

NO_JOIN = (
    "Phone audiences are found by the numbers SMS, WhatsApp and RCS events name. An alias "
    "audience cannot be joined to Currents (Currents carries no alias): its note says so "
    "instead of showing zeros."
)


def _m(name: str) -> tuple[str, ...]:
    return (f"{V}.{name}",)


# How each weekly figure is titled, with its base.
_TITLES = {
    "reached": "Reached (of members)",
    "delivered": "Delivered (of reached)",
    "engaged": "Engaged (of reached)",
    "converted": "Converted (of members)",
    "unsubscribed": "Unsubscribed (of members)",
}
AFTER = {f"{V}.week_since_joining": ">=0"}


def _audiences() -> Tile:
    return Tile(
        "Audiences: Engagement per Delivery Before and After Joining",
        "audience_summary",
        "table",
        (
            Field("Audience", "audience", "text", _m("audience")),
            Field("Identifier", "identifier_kind", "text", _m("identifier_kind")),
            Field("Members ever", "members_ever"),
            Field("Members now", "members_now"),
            Field("Found in Currents", "spells_in_currents"),
            Field("Engagement before joining (of deliveries)", "engagement_rate_before", "pct"),
            Field(
                "Engagement after joining (of deliveries)",
                "engagement_rate_after",
                "pct",
                _m("engagement_rate"),
            ),
            Field(
                "Outsiders, same weeks (of deliveries)",
                "outsider_engagement_rate",
                "pct",
                _m("outsider_engagement_rate"),
            ),
            Field("Lift over outsiders", "lift_over_outsiders", "pct", _m("lift")),
            Field("Lift over before joining", "lift_over_before", "pct"),
            Field("Note", "note", "text"),
        ),
        Looker(
            V,
            "looker_grid",
            24,
            6,
            filters=AFTER,
            sorts=(f"{V}.audience",),
        ),
        note="Email and push, whose opens and clicks are attributed to a delivery. Engagement: "
        "a person's open or click of an email, an open of a push. " + NO_JOIN,
        wide=True,
    )


def _every_channel() -> Tile:
    fields = [Field("Audience", "audience", "text", _m("audience"))]
    for figure, _count, rate, _base, _what in WEEKLY:
        title = _TITLES[figure]
        fields += [
            Field(f"{title}, after joining", f"{rate}_after", "pct", _m(rate)),
            Field(
                f"Lift over outsiders: {figure}",
                f"{figure}_lift_over_outsiders",
                "pct",
                _m(f"{figure}_lift_over_outsiders"),
            ),
            Field(f"Lift over before joining: {figure}", f"{figure}_lift_over_before", "pct"),
        ]
    return Tile(
        "Audiences: Every Channel, Week by Week",
        "audience_summary",
        "table",
        tuple(fields),
        Looker(V, "looker_grid", 24, 6, filters=AFTER, sorts=(f"{V}.audience",)),
        note="Rates per member-week (whole weeks the loaded Currents cover): reached by any "
        "message on any channel, of members; delivered (each channel's delivery: email "
        "Delivery, push not bounced, SMS/WhatsApp/RCS Delivery, LINE send, in-app message and "
        "banner impression, content card send) and engaged (a person's open, click, read or "
        "reply), of members reached; converted (campaign or Canvas conversion) and "
        "unsubscribed (global or subscription group), of members. Lifts: the members' rate "
        "after joining minus outsiders' over the same calendar weeks, and minus their own "
        "before joining.",
        wide=True,
    )


def _weeks() -> Tile:
    return Tile(
        "Engagement by Week Since Joining",
        "audience_engagement",
        "table",
        (
            Field("Audience", "audience", "text", _m("audience")),
            Field("Week since joining", "week_since_joining", "int", _m("week_since_joining")),
            Field("Members", "members", "int", _m("members")),
            *(
                Field(_TITLES[figure], rate, "pct", _m(rate))
                for figure, _count, rate, _base, _what in WEEKLY
            ),
            *(
                Field(f"Outsiders: {figure}", f"outsider_{rate}", "pct", _m(f"outsider_{rate}"))
                for figure, _count, rate, _base, _what in WEEKLY
            ),
            Field("Deliveries (email, push)", "deliveries", "int", _m("deliveries")),
            Field(
                "Engagement rate (of deliveries)", "engagement_rate", "pct", _m("engagement_rate")
            ),
            Field(
                "Outsiders, same weeks",
                "outsider_engagement_rate",
                "pct",
                _m("outsider_engagement_rate"),
            ),
            Field("Lift", "lift", "pct", _m("lift")),
        ),
        Looker(V, "looker_grid", 24, 10, sorts=(f"{V}.audience", f"{V}.week_since_joining")),
        note="Negative weeks are before the member joined: the members' own baseline. Members "
        "are counted in the weeks the loaded Currents cover whole (0 elsewhere); outsiders' "
        "rates are empty where a week reaches outside the data.",
        wide=True,
    )


def audience_response() -> Dashboard:
    return Dashboard(
        "audience_response",
        "Looker Audience Response",
        "How each Looker audience sent to Braze responded on every channel (reached, "
        "delivered, engaged, converted, unsubscribed) after joining, against users never in "
        "it and against the members before they joined.",
        ENGAGEMENT_MODEL,
        (_every_channel(), _audiences(), _weeks()),
    )
