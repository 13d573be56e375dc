"""The in-product surfaces (in-app messages, content cards and banners), webhooks, and feature
flags with live activities: four dashboards over the surface models and, in Looker, the views
over the same staging models (lookml/surfaces.py). Rates say their base: unique clicks over
users shown, failed webhooks over webhooks sent, successful activities over activities with an
outcome."""

from __future__ import annotations

from looker_braze.currents.dashboards.spec import Dashboard, Field, Filter, Looker, Tile
from looker_braze.currents.lookml.explores import ENGAGEMENT_MODEL
from looker_braze.currents.lookml.surfaces import BANNERS, CARDS, FLAGS, IN_APP, LIVE, WEBHOOKS

M = ENGAGEMENT_MODEL
DATE = "Date"
DEFAULT_RANGE = "12 weeks"


def _listen(view: str, messages: bool = True) -> dict[str, str]:
    listen = {DATE: f"{view}.event_date"}
    if messages:
        listen["Campaign Name"] = f"{view}.campaign_name"
        listen["Canvas Name"] = f"{view}.canvas_name"
    return listen


def _filters(view: str, messages: bool = True) -> tuple[Filter, ...]:
    date = Filter(DATE, view, f"{view}.event_date", DEFAULT_RANGE)
    if not messages:
        return (date,)
    return (
        Filter("Campaign Name", view, f"{view}.campaign_name"),
        Filter("Canvas Name", view, f"{view}.canvas_name"),
        date,
    )


def _f(label: str, key: str, view: str, kind: str = "int", measure: str | None = None) -> Field:
    """A field the report reads from ``key`` and Looker from the view's measure (named as the
    model's column unless ``measure`` says otherwise; "" = the report only)."""
    measure = key if measure is None else measure
    return Field(label, key, kind, (f"{view}.{measure}",) if measure else ())


def _week(view: str) -> Field:
    return Field("Week", "period_start", "week", (f"{view}.event_week",))


def _message(view: str) -> tuple[Field, Field]:
    return (
        Field("Type", "message_type", "text"),
        Field("Message", "message_name", "text", (f"{view}.campaign_name", f"{view}.canvas_name")),
    )


def _by_message(title: str, model: str, view: str, fields: tuple[Field, ...], sort: str) -> Tile:
    return Tile(
        title,
        model,
        "table",
        (*_message(view), *fields),
        Looker(view, "looker_grid", 24, 9, sorts=(f"{view}.{sort} desc",), listen=_listen(view)),
        wide=True,
    )


def _weekly(
    title: str, model: str, view: str, fields: tuple[Field, ...], listen: dict, width: int = 12
) -> Tile:
    by_week = (f"{view}.event_week",)
    return Tile(
        title,
        model,
        "bars_and_rates",
        (_week(view), *fields),
        Looker(view, "looker_column", width, 9, sorts=by_week, listen=listen),
        axis="week of",
    )


def in_app_messages() -> Dashboard:
    v, listen = IN_APP, _listen(IN_APP)
    shown = _f(
        "Users shown (unique impressions)", "in_app_viewers", v, measure="unique_impressions"
    )
    clicked = _f("Users who clicked (unique clicks)", "in_app_clickers", v, measure="unique_clicks")
    rate = _f("Click rate (of users shown)", "in_app_click_rate", v, "pct", measure="click_rate")
    per = (
        _f("Impressions", "impressions", v),
        _f("Users shown", "unique_impressions", v),
        _f("Users who clicked", "unique_clicks", v),
        _f("Click rate (of users shown)", "click_rate", v, "pct"),
        _f("Aborted", "aborts", v),
    )
    return Dashboard(
        "in_app_messages",
        "In-App Messages",
        "Impressions, clicks and aborted messages. Unique = one per user and message; the "
        "click rate is users who clicked over users shown. Bars are a share of users shown.",
        M,
        (
            Tile(
                "In-App Message Funnel",
                "in_app_funnel",
                "funnel",
                (shown, clicked),
                Looker(v, "looker_funnel", 16, 10, listen=listen),
            ),
            Tile(
                "In-App Message Rates",
                "in_app_funnel",
                "kpis",
                (
                    _f("Impressions", "in_app_impressions", v, measure="impressions"),
                    _f("Clicks", "in_app_clicks", v, measure="clicks"),
                    rate,
                    _f("Aborted messages", "in_app_aborts", v, measure="aborts"),
                ),
                Looker(v, "looker_single_record", 8, 10, listen=listen),
            ),
            _weekly("In-App Messages by Week", "in_app_weekly", v, per[1:4], listen=listen),
            _by_message(
                "In-App Messages by Campaign and Canvas", "in_app_by_message", v, per, "impressions"
            ),
        ),
        _filters(v),
    )


def _surface_fields(view: str, noun: str) -> dict[str, Field]:
    return {
        "sent": _f(f"{noun} sent", "unique_sends", view),
        "impressions": _f("Impressions", "impressions", view),
        "shown": _f("Users shown", "unique_impressions", view),
        "impression_rate": _f("Impression rate (of sent)", "impression_rate", view, "pct"),
        "clicked": _f("Users who clicked", "unique_clicks", view),
        "click_rate": _f("Click rate (of shown)", "click_rate", view, "pct"),
        "dismissed": _f("Users who dismissed", "unique_dismissals", view),
        "dismiss_rate": _f("Dismiss rate (of shown)", "dismiss_rate", view, "pct"),
        "aborts": _f("Aborted", "aborts", view),
    }


def content_cards_and_banners() -> Dashboard:
    c, b = _surface_fields(CARDS, "Cards"), _surface_fields(BANNERS, "Banners")
    cards, banners = _listen(CARDS), _listen(BANNERS)
    return Dashboard(
        "content_cards_and_banners",
        "Content Cards & Banners",
        "Content cards sent, seen, clicked and dismissed; banners seen, clicked and dismissed; "
        "aborted messages. Unique = one per user and message (a card seen twice is one user "
        "shown); click and dismiss rates are over users shown. Bars are a share of the first "
        "stage.",
        M,
        (
            Tile(
                "Content Card Funnel",
                "content_card_funnel",
                "funnel",
                (c["sent"], c["shown"], c["clicked"], c["dismissed"]),
                Looker(CARDS, "looker_funnel", 12, 9, listen=cards),
            ),
            Tile(
                "Banner Funnel",
                "banner_funnel",
                "funnel",
                (b["shown"], b["clicked"], b["dismissed"]),
                Looker(BANNERS, "looker_funnel", 12, 9, listen=banners),
            ),
            Tile(
                "Content Card Rates",
                "content_card_funnel",
                "kpis",
                (
                    _f("Card impression rate (of sent)", "impression_rate", CARDS, "pct"),
                    _f("Card click rate (of shown)", "click_rate", CARDS, "pct"),
                    _f("Card dismiss rate (of shown)", "dismiss_rate", CARDS, "pct"),
                    _f("Aborted cards", "aborts", CARDS),
                ),
                Looker(CARDS, "looker_single_record", 12, 6, listen=cards),
            ),
            Tile(
                "Banner Rates",
                "banner_funnel",
                "kpis",
                (
                    _f("Banner impressions", "impressions", BANNERS),
                    _f("Banner click rate (of shown)", "click_rate", BANNERS, "pct"),
                    _f("Banner dismiss rate (of shown)", "dismiss_rate", BANNERS, "pct"),
                    _f("Aborted banners", "aborts", BANNERS),
                ),
                Looker(BANNERS, "looker_single_record", 12, 6, listen=banners),
            ),
            _weekly(
                "Content Cards by Week",
                "content_card_weekly",
                CARDS,
                (c["shown"], c["clicked"], c["click_rate"], c["dismiss_rate"]),
                listen=cards,
            ),
            _weekly(
                "Banners by Week",
                "banner_weekly",
                BANNERS,
                (b["shown"], b["clicked"], b["click_rate"], b["dismiss_rate"]),
                listen=banners,
            ),
            _by_message(
                "Content Cards by Campaign and Canvas",
                "content_card_by_message",
                CARDS,
                (_f("Sent", "sends", CARDS), *(c[k] for k in c if k != "sent")),
                "sends",
            ),
            _by_message(
                "Banners by Campaign and Canvas",
                "banner_by_message",
                BANNERS,
                tuple(b[k] for k in b if k not in ("sent", "impression_rate")),
                "impressions",
            ),
        ),
        _filters(CARDS),  # the banner tiles listen to the same filters on their own fields
    )


def webhooks() -> Dashboard:
    v, listen = WEBHOOKS, _listen(WEBHOOKS)
    sent = _f("Webhooks sent", "unique_sends", v)
    failed = _f("With a failed attempt", "failed_sends", v)
    given_up = _f("Given up", "given_up", v)
    failure_rate = _f("Failure rate (of sent)", "failure_rate", v, "pct")
    give_up_rate = _f("Give-up rate (of sent)", "give_up_rate", v, "pct")
    counts = (
        _f("Sent", "sends", v),
        _f("Failed attempts", "failures", v),
        failed,
        failure_rate,
        given_up,
        give_up_rate,
        _f("Retries", "retries", v),
        _f("Aborted", "aborts", v),
    )
    return Dashboard(
        "webhooks",
        "Webhooks",
        "Webhooks sent, failed (a retried webhook may fail again: failed attempts are events, "
        "failed webhooks one per user and message), given up, retried and aborted. Rates are "
        "over webhooks sent; bars are a share of them.",
        M,
        (
            Tile(
                "Webhook Deliveries",
                "webhook_funnel",
                "funnel",
                (sent, failed, given_up),
                Looker(v, "looker_funnel", 12, 9, listen=listen),
            ),
            Tile(
                "Webhook Rates",
                "webhook_funnel",
                "kpis",
                (
                    failure_rate,
                    give_up_rate,
                    _f("Retries", "retries", v),
                    _f("Aborted webhooks", "aborts", v),
                ),
                Looker(v, "looker_single_record", 12, 9, listen=listen),
            ),
            _weekly(
                "Webhooks by Week",
                "webhook_weekly",
                v,
                (_f("Sent", "sends", v), failed, failure_rate),
                listen=listen,
            ),
            Tile(
                "Failures by HTTP Status",
                "webhook_failures_by_status",
                "table",
                (
                    _f("HTTP status", "http_status_code", v, "text", measure=""),
                    _f("Failed attempts", "failures", v),
                    failed,
                    given_up,
                ),
                Looker(
                    v,
                    "looker_grid",
                    12,
                    9,
                    fields=(f"{v}.http_status_code",),
                    sorts=(f"{v}.failures desc",),
                    filters={f"{v}.http_status_code": "-NULL"},
                    listen=listen,
                ),
                empty="No failed webhook in the data.",
            ),
            _by_message(
                "Webhooks by Campaign and Canvas", "webhook_by_message", v, counts, "sends"
            ),
        ),
        _filters(v),
    )


def feature_flags_and_live_activities() -> Dashboard:
    f, live = FLAGS, LIVE
    flags, activities = _listen(FLAGS, messages=False), _listen(LIVE, messages=False)
    exposed = _f("Users exposed", "users_exposed", f)
    impressions = _f("Impressions", "impressions", f)
    success = _f("Success rate (of activities with an outcome)", "success_rate", live, "pct")
    return Dashboard(
        "feature_flags_and_live_activities",
        "Feature Flags & Live Activities",
        "Feature flag impressions and the users each flag reached, by flag and week; iOS live "
        "activity updates sent, their outcomes, and the push-to-start and update tokens "
        "registered.",
        M,
        (
            Tile(
                "Feature Flag Reach",
                "feature_flag_totals",
                "kpis",
                (
                    _f("Flag impressions", "impressions", f),
                    _f("Users exposed to a flag", "users_exposed", f),
                    _f("Flags seen", "flags", f),
                ),
                Looker(f, "looker_single_record", 8, 8, listen=flags),
            ),
            Tile(
                "Reach by Flag",
                "feature_flags_by_flag",
                "table",
                (
                    Field("Flag", "flag", "text", (f"{f}.flag",)),
                    impressions,
                    exposed,
                    _f("Impressions per user", "impressions_per_user", f, "num"),
                ),
                Looker(f, "looker_bar", 16, 8, sorts=(f"{f}.users_exposed desc",), listen=flags),
            ),
            Tile(
                "Flag Impressions by Week",
                "feature_flags_weekly",
                "table",
                (
                    _week(f),
                    Field("Flag", "flag", "text", (f"{f}.flag",)),
                    impressions,
                    exposed,
                ),
                Looker(
                    f,
                    "looker_column",
                    24,
                    8,
                    pivots=(f"{f}.flag",),
                    sorts=(f"{f}.event_week", f"{f}.flag"),
                    listen=flags,
                ),
                wide=True,
            ),
            Tile(
                "Live Activities",
                "live_activity_summary",
                "kpis",
                (
                    _f("Live activity updates sent", "sends", live),
                    _f("Activities", "activities", live),
                    success,
                    _f("Push-to-start tokens", "push_to_start_tokens", live),
                    _f("Update token changes", "update_token_changes", live),
                ),
                Looker(live, "looker_single_record", 8, 8, listen=activities),
            ),
            Tile(
                "Outcomes by Value",
                "live_activity_outcomes",
                "table",
                (
                    Field("Outcome", "outcome", "text", (f"{live}.outcome",)),
                    _f("Outcomes", "outcomes", live),
                    Field("Activities", "activities"),  # report only: Looker counts per outcome
                    Field("Share of outcomes", "outcome_rate", "pct"),  # report only
                ),
                Looker(
                    live,
                    "looker_pie",
                    8,
                    8,
                    sorts=(f"{live}.outcomes desc",),
                    filters={f"{live}.event_type": "Outcome"},
                    listen=activities,
                ),
            ),
            _weekly(
                "Live Activities by Week",
                "live_activity_weekly",
                live,
                (
                    _f("Updates sent", "sends", live),
                    _f("Outcomes", "outcomes", live),
                    success,
                ),
                listen=activities,
                width=8,
            ),
        ),
        _filters(FLAGS, messages=False),
    )
