"""The queries behind every dashboard tile (read from the dashboard definitions, so they cannot
drift from what the report draws), and running them all in one Session (shared fragments
computed once)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from looker_braze.currents.dashboards import queries
from looker_braze.currents.models import ModelResult, accepted_params
from looker_braze.currents.models.session import Session
from looker_braze.currents.warehouse import Warehouse


def dashboard_queries() -> list[tuple[str, str, dict]]:
    """(key, model, fixed parameters) of every query the dashboards run."""
    return queries()


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
