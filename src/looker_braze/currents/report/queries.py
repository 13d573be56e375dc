"""The queries behind every dashboard tile, and running them all in one Session (shared
fragments computed once)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from looker_braze.currents.models import ModelResult, accepted_params
from looker_braze.currents.models.session import Session
from looker_braze.currents.warehouse import Warehouse

FREQUENCIES = ("day", "week", "month")


def dashboard_queries() -> list[tuple[str, str, dict]]:
    """(key, model, fixed parameters) of every query the dashboards run."""
    queries = [
        (name, name, {})
        for name in (
            "email_funnel",
            "email_funnel_by_message",
            "push_funnel",
            "push_funnel_by_message",
            "email_performance_weekly",
            "email_deliverability_weekly",
            "email_deliverability_daily",
            "sending_ips_top_deliveries",
            "sending_ips_top_bounces",
            "email_messages_top_open_rate",
            "email_messages_bottom_open_rate",
            "email_messages_top_click_rate",
            "email_messages_bottom_click_rate",
            "push_messages_top_open_rate",
            "push_messages_bottom_open_rate",
            "email_cadence_by_rank",
            "email_cadence_by_day_gap",
            "email_cadence_by_week_gap",
            "email_engagement_by_hour",
            "email_engagement_by_weekday",
            "push_cadence_by_rank",
            "push_cadence_by_day_gap",
            "push_cadence_by_week_gap",
            "push_engagement_by_hour",
            "push_engagement_by_weekday",
            "retention_daily_cohorts",
            "retention_daily_curve",
            "retention_weekly_cohorts",
            "retention_weekly_curve",
        )
    ]
    for channel in ("email", "push"):
        queries += [
            (f"{channel}_frequency:{g}", f"{channel}_frequency", {"granularity": g})
            for g in FREQUENCIES
        ]
    return queries


def run_queries(
    warehouse: Warehouse,
    params: Mapping[str, Any] | None = None,
    on_query: Callable[[str, float], None] | None = None,
) -> dict[str, ModelResult]:
    """Run every dashboard query with the parameters each accepts from ``params``, in one
    Session so the fragments they share are computed once. ``on_query(key, seconds)``."""
    plan = []
    for key, model, fixed in dashboard_queries():
        given = {k: v for k, v in (params or {}).items() if k in accepted_params(model)}
        plan.append((key, model, {**given, **fixed}))
    results = {}
    with Session(warehouse, [(model, given) for _, model, given in plan]) as session:
        for key, model, given in plan:
            started = time.perf_counter()
            results[key] = session.run(model, given)
            if on_query:
                on_query(key, time.perf_counter() - started)
    return results
