"""The closed loop: how each Looker audience (sent to Braze by looker-braze, its membership
exported with `looker-braze audiences export`) responded, against users never in it and
against its members before they joined."""

from __future__ import annotations

from looker_braze.currents.dashboards.spec import Dashboard, Field, Looker, Tile
from looker_braze.currents.lookml.audiences import ENGAGEMENT_VIEW as V
from looker_braze.currents.lookml.explores import ENGAGEMENT_MODEL

NO_JOIN = (
    "Phone audiences are found by the numbers SMS, WhatsApp and RCS events name. An alias "
    "audience cannot be joined to Currents (Currents carries no alias): its note says so "
    "instead of showing zeros."
)


def _m(name: str) -> tuple[str, ...]:
    return (f"{V}.{name}",)


def _audiences() -> Tile:
    return Tile(
        "Audiences: Engagement Before and After Joining",
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
            filters={f"{V}.week_since_joining": ">=0"},
            sorts=(f"{V}.audience",),
        ),
        note="Engagement: a person's open or click of an email, an open of a push, as the "
        "channels' attribution decides. " + NO_JOIN,
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
            Field("Members reached", "members_reached", "int", _m("members_reached")),
            Field("Deliveries", "deliveries", "int", _m("deliveries")),
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
        note="Negative weeks are before the member joined: the members' own baseline.",
        wide=True,
    )


def audience_response() -> Dashboard:
    return Dashboard(
        "audience_response",
        "Looker Audience Response",
        "How each Looker audience sent to Braze responded: engagement after joining against "
        "users never in it and against the members before they joined.",
        ENGAGEMENT_MODEL,
        (_audiences(), _weeks()),
    )
