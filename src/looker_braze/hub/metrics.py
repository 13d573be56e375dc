"""Prometheus metrics of the hub (served at GET /metrics). Vendor-free: rows by outcome and runs;
vendor clients register their own metrics in the same default registry."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

ROWS = Counter(
    "looker_braze_rows_total",
    "Rows handled by actions, by outcome (read, sent, duplicate, invalid, rejected, ...).",
    ["action", "outcome"],
)
RUNS = Counter("looker_braze_runs_total", "Executes finished, by result.", ["action", "result"])
RUN_SECONDS = Histogram(
    "looker_braze_run_duration_seconds",
    "Wall time of executes.",
    ["action"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
)
