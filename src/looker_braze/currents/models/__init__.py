"""The two Braze Looker Blocks' analytics as SQL models: written once (DuckDB dialect, sql/),
run on DuckDB or PostgreSQL, transpiled to Snowflake, BigQuery and Redshift with sqlglot.

    run(warehouse, "email_funnel", {"campaign_name": "Spring"}) -> ModelResult
    render("email_funnel", "snowflake", {...}) -> SQL text
    with Session(warehouse, plan) as s: s.run(...)   # many models, shared fragments once
    MODELS: name -> Query (title, SQL file, sources, fixed parameters)
"""

from looker_braze.currents.models.catalog import FRAGMENTS, MODELS, Query
from looker_braze.currents.models.runner import (
    ModelResult,
    accepted_params,
    bound_values,
    render,
    run,
)
from looker_braze.currents.models.session import Session

DIALECTS = ("duckdb", "postgres", "snowflake", "bigquery", "redshift")

__all__ = [
    "DIALECTS",
    "FRAGMENTS",
    "MODELS",
    "ModelResult",
    "Query",
    "Session",
    "accepted_params",
    "bound_values",
    "render",
    "run",
]
