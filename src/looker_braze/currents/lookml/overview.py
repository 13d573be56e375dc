"""The cross-channel overview in Looker: the `cross_channel_weekly` model as a derived table
(one row per channel and Monday week, plus an 'all channels' row), with measures that add its
weekly figures up. A user reached in two weeks counts in both: the sums are user-weeks."""

from __future__ import annotations

from looker_braze.currents.lookml.sqltext import OuterFilters, column, derived_sql
from looker_braze.currents.lookml.views import rate

VIEW = "cross_channel_weekly"


def overview_view(d: str) -> dict:
    binder = OuterFilters({"machine_events": "machine_events"})  # no campaign filters here
    key = " || '|' || ".join(
        f"COALESCE(CAST({column(c, d)} AS VARCHAR), '')" for c in ("channel", "week_start")
    )
    return {
        "name": VIEW,
        "derived_table": {"sql": derived_sql("cross_channel_weekly", d, binder)},
        "parameters": [
            {
                "name": "machine_events",
                "type": "string",
                "default_value": "exclude",
                "description": "include: machine opens and suspected bot clicks are engagement",
                "allowed_values": [{"value": v} for v in ("exclude", "include")],
            }
        ],
        "dimensions": [
            {"name": "row_key", "type": "string", "sql": key, "primary_key": "yes",
             "hidden": "yes", "description": "One channel and week"},
            {"name": "channel", "type": "string", "sql": column("channel", d),
             "description": "email, push, sms, whatsapp, rcs, line, in_app, content_card, "
             "banner, webhook, or 'all channels'"},
        ],
        "dimension_groups": [
            {"name": "week", "type": "time", "datatype": "date", "timeframes": ["date", "week"],
             "sql": column("week_start", d), "description": "Monday of the week"},
        ],
        "measures": [
            {"name": "messages_sent", "type": "sum", "sql": column("messages_sent", d),
             "description": "Messages sent (in-app messages and banners: shown)"},
            {"name": "users_reached", "type": "sum", "sql": column("users_reached", d),
             "description": "Users reached, per week (summed over weeks: user-weeks)"},
            {"name": "users_engaged", "type": "sum", "sql": column("users_engaged", d),
             "description": "Of them, users who engaged that week"},
            {"name": "engaged_share", "type": "number",
             "sql": rate("${users_engaged}", "${users_reached}"),
             "description": "Users engaged over users reached", "value_format_name": "percent_2"},
        ],
    }  # fmt: skip
