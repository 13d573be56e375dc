"""The closed loop in Looker: the audience membership table looker-braze exports (a view of its
own, as each Currents table has), and a view over the `audience_engagement` model as a derived
table, whose measures re-aggregate the model's per-audience, per-week rows the way the model's
summary does (rates from summed counts; outsiders' rates weighted by the members' base: their
deliveries for the engagement rate, member-weeks or reached member-weeks for the weekly rates).
"""

from __future__ import annotations

from looker_braze.currents.lookml.sqltext import OuterFilters, column, derived_sql, table
from looker_braze.currents.lookml.views import rate
from looker_braze.currents.membership import FIELDS, MEMBERSHIP

MEMBERSHIP_VIEW = MEMBERSHIP.lower()
ENGAGEMENT_VIEW = "audience_engagement"
PERCENT = {"value_format_name": "percent_2"}
# The weekly figures of every channel, as audience_engagement names them: (figure, count
# column, rate column, base column, what a member-week counted has).
WEEKLY = (
    ("reached", "members_reached", "reached_of_members", "members", "any message, any channel"),
    ("delivered", "members_delivered", "delivered_of_reached", "members_reached", "a delivery"),
    ("engaged", "members_engaged", "engaged_of_reached", "members_reached", "an engagement"),
    ("converted", "members_converted", "converted_of_members", "members", "a conversion"),
    (
        "unsubscribed",
        "members_unsubscribed",
        "unsubscribed_of_members",
        "members",
        "an unsubscribe",
    ),
)
_BASES = {"members": "member-weeks", "members_reached": "reached member-weeks"}
_MACHINE_EVENTS = {
    "name": "machine_events",
    "type": "string",
    "default_value": "exclude",
    "description": "include: machine opens and suspected bot clicks count as engagement",
    "allowed_values": [{"value": v} for v in ("exclude", "include")],
}


def membership_view(dialect: str, schema: str | None) -> dict:
    """One row per membership spell, as `looker-braze audiences export` writes it."""
    types = {"string": "string", "long": "number"}
    return {
        "name": MEMBERSHIP_VIEW,
        "sql_table_name": table(MEMBERSHIP, schema, dialect),
        "dimensions": [
            {
                "name": f.name.lower(),
                "type": types[f.type],
                "sql": column(f.name, dialect),
                "description": f"{f.name.replace('_', ' ').capitalize()} of the membership spell",
                **({"primary_key": "yes"} if f.name == "JOIN_SEQ" else {}),
            }
            for f in FIELDS
            if not f.name.endswith("_AT")  # JOINED_TIME and LEFT_TIME hold the same moments
        ],
        "measures": [{"name": "spells", "type": "count", "description": "Membership spells"}],
    }


def _dimension(name: str, type_: str, d: str, description: str) -> dict:
    return {"name": name, "type": type_, "sql": column(name, d), "description": description}


def _sum(name: str, sql: str, description: str) -> dict:
    return {"name": name, "type": "sum", "sql": sql, "description": description}


def _number(name: str, sql: str, description: str) -> dict:
    return {"name": name, "type": "number", "sql": sql, "description": description, **PERCENT}


def _outsider(figure: str, rate_column: str, base: str, d: str) -> list[dict]:
    """Outsiders' ``rate_column`` over the audience's rows, weighted by the members' base in
    each row (rows without outsiders to compare with left out), and the members' lift over it."""
    name, outsider, weight = (
        f"outsider_{rate_column}",
        column(f"outsider_{rate_column}", d),
        column(base, d),
    )
    return [
        {
            "name": f"{name}_expected",
            "type": "sum",
            "sql": f"{outsider} * {weight}",
            "hidden": "yes",
            "description": "The members' count had they done as outsiders did",
        },
        {
            "name": f"{name}_matched",
            "type": "sum",
            "sql": f"CASE WHEN {outsider} IS NOT NULL THEN {weight} END",
            "hidden": "yes",
            "description": f"The members' {_BASES[base]} with outsiders to compare with",
        },
        _number(
            name,
            rate(f"${{{name}_expected}}", f"${{{name}_matched}}"),
            f"Users never in the audience, same calendar weeks, weighted as {_BASES[base]}",
        ),
        _number(
            f"{figure}_lift_over_outsiders",
            f"${{{rate_column}}} - ${{{name}}}",
            "Members' rate minus outsiders'",
        ),
    ]


def _weekly_measures(d: str) -> list[dict]:
    measures = [_sum("members", column("members", d), "Member-weeks (members in each week)")]
    for figure, count, rate_column, base, what in WEEKLY:
        measures += [
            _sum(count, column(count, d), f"Member-weeks with {what}"),
            _number(
                rate_column,
                rate(f"${{{count}}}", f"${{{base}}}"),
                f"Member-weeks with {what}, over {_BASES[base]}",
            ),
            *_outsider(figure, rate_column, base, d),
        ]
    return measures


def audience_engagement_view(d: str) -> dict:
    # Only machine_events reaches the model; the campaign and channel filters of the channels'
    # own models are not this view's (as in the cross-channel overview).
    binder = OuterFilters({"machine_events": "machine_events"})
    deliveries, outsider = column("deliveries", d), column("outsider_engagement_rate", d)
    key = " || '|' || ".join(
        f"COALESCE(CAST({column(c, d)} AS VARCHAR), '')"
        for c in ("workspace", "array_attribute", "audience", "week_since_joining")
    )
    return {
        "name": ENGAGEMENT_VIEW,
        "derived_table": {"sql": derived_sql("audience_engagement", d, binder)},
        "parameters": [_MACHINE_EVENTS],
        "dimensions": [
            {
                "name": "row_key",
                "type": "string",
                "sql": key,
                "primary_key": "yes",
                "hidden": "yes",
                "description": "One audience and week",
            },
            _dimension("audience", "string", d, "The audience's label in Braze"),
            _dimension("array_attribute", "string", d, "The array attribute carrying the label"),
            _dimension("workspace", "string", d, "Braze endpoint and a hash of the key"),
            _dimension("identifier_kind", "string", d, "How the audience identified users"),
            _dimension(
                "week_since_joining", "number", d, "Weeks since the member joined (<0: before)"
            ),
        ],
        "measures": [
            _sum("deliveries", deliveries, "Messages delivered to members, any channel"),
            _sum("engaged_deliveries", column("engaged_deliveries", d), "Of them, engaged with"),
            _number(
                "engagement_rate",
                rate("${engaged_deliveries}", "${deliveries}"),
                "Engaged deliveries over deliveries",
            ),
            {
                "name": "outsider_expected",
                "type": "sum",
                "sql": f"{outsider} * {deliveries}",
                "hidden": "yes",
                "description": "Engaged deliveries the members would have had at outsiders' rate",
            },
            {
                "name": "outsider_matched",
                "type": "sum",
                "sql": f"CASE WHEN {outsider} IS NOT NULL THEN {deliveries} END",
                "hidden": "yes",
                "description": "Members' deliveries in weeks with outsiders to compare with",
            },
            _number(
                "outsider_engagement_rate",
                rate("${outsider_expected}", "${outsider_matched}"),
                "Users never in the audience, same calendar weeks, weighted as members' deliveries",
            ),
            _number(
                "lift",
                "${engagement_rate} - ${outsider_engagement_rate}",
                "Members' engagement rate minus outsiders'",
            ),
            *_weekly_measures(d),
        ],
    }


def audience_views(dialect: str) -> list[dict]:
    return [audience_engagement_view(dialect)]


def audience_explores() -> list[dict]:
    return [
        {"name": ENGAGEMENT_VIEW, "label": "Looker Audience Response"},
        {"name": MEMBERSHIP_VIEW, "label": "Looker Audience Membership"},
    ]
