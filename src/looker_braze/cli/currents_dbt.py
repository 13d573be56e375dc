"""Registers `currents dbt` on the currents app: the models catalogue as a dbt package."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from looker_braze.cli.currents import app


@app.command("dbt")
def dbt_command(
    out: Annotated[Path, typer.Argument(help="Folder for the dbt project (package).")],
    dialect: Annotated[
        str,
        typer.Option(
            help="duckdb, postgres, snowflake, bigquery, redshift or databricks: the SQL of the "
            "models is written for it."
        ),
    ] = "duckdb",
) -> None:
    """Write the Currents models as a dbt package: sources, staging, marts and dbt tests."""
    from looker_braze.currents.dbt import write_package

    files = write_package(out, dialect)
    typer.echo(
        f"Wrote {len(files)} dbt files for {dialect} under {out}. Build them with a profile "
        "named braze_currents: dbt build --vars '{braze_currents_schema: <schema of the "
        "Currents tables>}'"
    )
