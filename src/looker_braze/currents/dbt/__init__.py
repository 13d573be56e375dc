"""The models catalogue as a dbt package: `looker-braze currents dbt DIR`.

    write_package(out, dialect) -> list of files written

The package holds sources (the raw Currents tables, schema and database set by the vars
``braze_currents_schema`` / ``braze_currents_database``), one dbt model per catalogue query
under models/staging, models/intermediate or models/marts (layers.py), the SQL compiled for the
dialect by the models' own compiler (sqlgen.py), the model parameters as dbt vars with the same
defaults (macros.py), and dbt tests (tests.py): unique and not_null on the event ids staging
models carry, not_null on the key columns of marts that can never be NULL.
"""

from __future__ import annotations

from looker_braze.currents.dbt.package import DIALECTS, write_package

__all__ = ["DIALECTS", "write_package"]
