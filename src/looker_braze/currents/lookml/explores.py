"""The two LookML models (files `*.model.lkml`) with their explores and joins.

Message engagement: Email Events (sends joined to every email event on address AND (variation
OR canvas step), as in the block), Push Events (sends joined to opens and bounces on user AND
device AND (variation OR step); device ids compared NULL-safely, which the block did not), the
four marketing pressure explores and the push send cadence, conversions, in-app messages,
webhooks and content cards.
Customer behaviour: sessions joined to first sessions on user AND app, the retention grids, first
sessions and session ends on their own (each counted by its own time), and the other behaviour
events.
"""

from __future__ import annotations

from looker_braze.currents.lookml.audiences import audience_explores
from looker_braze.currents.lookml.outcomes import outcome_explores, subscription_explores
from looker_braze.currents.lookml.surfaces import surface_explores
from looker_braze.currents.lookml.views import PUSH_SEND, SEND

ENGAGEMENT_MODEL = "braze_currents_block_message_engagement"
BEHAVIOR_MODEL = "braze_currents_block_customer_behavior"
EMAIL_JOINS = ("delivery", "open", "click", "unsubscribe", "bounce", "softbounce", "markasspam")
MANY = {"open", "click", "unsubscribe"}


def _same_message(left: str, right: str) -> str:
    return (
        f"(${{{left}.message_variation_id}} = ${{{right}.message_variation_id}}"
        f" OR ${{{left}.canvas_step_id}} = ${{{right}.canvas_step_id}})"
    )


def _join(name: str, sql_on: str, relationship: str, label: str) -> dict:
    return {
        "name": name,
        "view_label": label,
        "type": "left_outer",
        "relationship": relationship,
        "sql_on": sql_on,
    }


def email_explore() -> dict:
    joins = []
    for event in EMAIL_JOINS:
        view = f"users_messages_email_{event}"
        on = f"${{{SEND}.email_address}} = ${{{view}.email_address}} AND " + _same_message(
            SEND, view
        )
        relationship = "one_to_many" if event in MANY else "one_to_one"
        joins.append(_join(view, on, relationship, f"Email {event.title()}"))
    return {"name": SEND, "label": "Email Events", "view_label": "Emails Sent", "joins": joins}


def push_explore() -> dict:
    joins = []
    for event, relationship in (("open", "one_to_many"), ("bounce", "one_to_one")):
        view = f"users_messages_pushnotification_{event}"
        on = (
            f"${{{PUSH_SEND}.user_id}} = ${{{view}.user_id}} AND "
            f"COALESCE(${{{PUSH_SEND}.device_id}}, '') = COALESCE(${{{view}.device_id}}, '')"
            f" AND " + _same_message(PUSH_SEND, view)
        )
        joins.append(_join(view, on, relationship, f"Push {event.title()}"))
    return {"name": PUSH_SEND, "label": "Push Events", "view_label": "Push Sent", "joins": joins}


def _paired(base: str, other: str, label: str, keys: tuple[str, ...]) -> dict:
    on = " AND ".join(f"${{{base}.{k}}} = ${{{other}.{k}}}" for k in keys)
    return {"name": base, "label": label, "joins": [_join(other, on, "many_to_one", label)]}


def engagement_explores() -> list[dict]:
    return [
        email_explore(),
        push_explore(),
        *(
            {"name": f"{c}_messaging_{k}", "label": f"{c.title()} Messaging {k.title()}"}
            for c in ("email", "push")
            for k in ("cadence", "frequency")
        ),
        {"name": "push_messaging_send_cadence", "label": "Push Messaging Send Cadence"},
        _paired(
            "users_campaigns_conversion",
            "users_campaigns_enrollincontrol",
            "Campaign Conversions",
            ("user_id", "message_variation_id"),
        ),
        _paired(
            "users_canvas_conversion",
            "users_canvas_entry",
            "Canvas Conversions",
            ("user_id", "canvas_variation_id"),
        ),
        {
            "name": "users_messages_inappmessage_impression",
            "label": "In-App Message Events",
            "joins": [
                _join(
                    "users_messages_inappmessage_click",
                    "${users_messages_inappmessage_impression.user_id} = "
                    "${users_messages_inappmessage_click.user_id} AND "
                    + _same_message(
                        "users_messages_inappmessage_impression",
                        "users_messages_inappmessage_click",
                    ),
                    "one_to_many",
                    "In-App Message Clicks",
                )
            ],
        },
        {"name": "users_messages_webhook_send", "label": "Webhook Events"},
        {
            "name": "users_messages_contentcard_send",
            "label": "Content Card Events",
            "joins": [
                _join(
                    f"users_messages_contentcard_{e}",
                    f"${{users_messages_contentcard_send.user_id}} = "
                    f"${{users_messages_contentcard_{e}.user_id}} AND "
                    f"${{users_messages_contentcard_send.content_card_id}} = "
                    f"${{users_messages_contentcard_{e}.content_card_id}}",
                    "one_to_many",
                    f"Content Card {e.title()}",
                )
                for e in ("impression", "click", "dismiss")
            ],
        },
        {"name": "users_messages_pushnotification_iosforeground", "label": "iOS Foreground"},
        {"name": "messaging_events", "label": "SMS, WhatsApp, RCS and LINE Events"},
        *outcome_explores(),
        *surface_explores(),
        *audience_explores(),
        {"name": "cross_channel_weekly", "label": "Cross-Channel Overview"},
    ]


def behavior_explores() -> list[dict]:
    sessions = _paired(
        "users_behaviors_app_sessionstart",
        "users_behaviors_app_firstsession",
        "App Sessions",
        ("user_id", "app_id"),
    )
    simple = [
        ("users_behaviors_app_firstsession", "First Sessions"),
        ("users_behaviors_app_sessionend", "Session Ends"),
        ("users_behaviors_customevent", "Custom Events"),
        ("users_behaviors_purchase", "Purchases"),
        ("users_behaviors_location", "Locations"),
        ("users_behaviors_installattribution", "Install Attribution"),
        ("users_behaviors_uninstall", "Uninstalls"),
    ]
    return [
        sessions,
        {"name": "daily_retention", "label": "Daily Retention"},
        {"name": "weekly_retention", "label": "Weekly Retention"},
        *({"name": name, "label": label} for name, label in simple),
        *subscription_explores(),
    ]


def model_file(
    explores: list[dict], connection: str, views: list[str], dashboards: list[str]
) -> dict:
    return {
        "connection": connection,
        "includes": [f"/views/{v}.view.lkml" for v in views]
        + [f"/dashboards/{d}.dashboard.lookml" for d in dashboards],
        "explores": explores,
    }


def explore_views(explore: dict) -> list[str]:
    return [explore["name"], *(join["name"] for join in explore.get("joins", []))]
