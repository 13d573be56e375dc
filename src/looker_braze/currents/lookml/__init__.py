"""The two Braze Looker Blocks as LookML for a chosen dialect (Snowflake, BigQuery, PostgreSQL,
Redshift): a view per Currents event type, the pressure and retention derived-table views, the
models with their explores and joins, every dashboard; and a validator for what was written.

    write_lookml(out_dir, "bigquery", schema="braze") -> [paths]
    validate_lookml(out_dir, "bigquery") -> [problems]   # empty when all is well
"""

from looker_braze.currents.lookml.sqltext import DIALECTS
from looker_braze.currents.lookml.validate import validate_lookml
from looker_braze.currents.lookml.writer import write_lookml

__all__ = ["DIALECTS", "validate_lookml", "write_lookml"]
