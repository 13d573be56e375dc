"""Registers `currents run`, `currents lookml` and `currents report` on the currents app. Heavy
modules (sqlglot, matplotlib, drivers) are imported inside the commands so `looker-braze --help`
stays instant."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from looker_braze.cli.currents import app

Db = Annotated[
    str,
    typer.Option(
        "--db", help="Warehouse: a DuckDB file or postgresql://user@host:port/db[?schema=name]."
    ),
]
DEFAULT_DB = "currents.duckdb"  # where `looker-braze currents load` puts it by default
Params = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="Model parameter name=value; repeat for more (see --list)."),
]


@app.command("run")
def run_command(
    model: Annotated[str | None, typer.Argument(help="Model to run (see --list).")] = None,
    db: Db = DEFAULT_DB,
    list_models: Annotated[bool, typer.Option("--list", help="Name every model.")] = False,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    param: Params = None,
    sql: Annotated[bool, typer.Option("--sql", help="Print the SQL instead of running.")] = False,
    dialect: Annotated[
        str | None,
        typer.Option(help="With --sql: duckdb, postgres, snowflake, bigquery or redshift."),
    ] = None,
) -> None:
    """Run one of the blocks' analytics on a warehouse and print its result."""
    if list_models:
        _print_catalog()
        return
    if not model:
        raise _usage("name a model to run, or use --list to see them")
    if output not in ("table", "json", "csv"):
        raise _usage(f"--format {output!r}: use table, json or csv")
    from looker_braze.currents.models import params as model_params
    from looker_braze.currents.models import render, run
    from looker_braze.currents.models.runner import model as known_model

    known_model(model)  # an unknown name is the first thing to hear about
    given = model_params.parse_assignments(param or [])
    if sql:
        typer.echo(render(model, dialect or _dialect_of(db), given))
        return
    with _open(db) as warehouse:
        result = run(warehouse, model, given)
    _print_result(result, output)


@app.command("lookml")
def lookml_command(
    out: Annotated[Path, typer.Argument(help="Folder for the Looker project files.")],
    dialect: Annotated[
        str, typer.Option(help="snowflake, bigquery, postgres or redshift.")
    ] = "snowflake",
    schema: Annotated[
        str | None,
        typer.Option(
            help="Schema (BigQuery: dataset) holding the Currents tables; default: the "
            "connection's."
        ),
    ] = None,
    connection: Annotated[str, typer.Option(help="Looker connection name.")] = "braze_currents",
) -> None:
    """Write both Braze blocks as LookML for a dialect, then validate what was written."""
    from looker_braze.cli.exits import NOT_ALL_DONE
    from looker_braze.currents.lookml import validate_lookml, write_lookml

    files = write_lookml(out, dialect, schema=schema, connection=connection)
    problems = validate_lookml(out, dialect)
    for problem in problems:
        typer.echo(f"problem: {problem}", err=True)
    typer.echo(
        f"Wrote {len(files)} LookML files for {dialect} under {out}; "
        f"validation: {'OK' if not problems else f'{len(problems)} problems'}"
    )
    if problems:
        raise typer.Exit(NOT_ALL_DONE)


@app.command("report")
def report_command(
    db: Db = DEFAULT_DB,
    out: Annotated[Path, typer.Option(help="HTML file to write.")] = Path("currents-report.html"),
    png: Annotated[Path | None, typer.Option(help="Also write every chart as PNG here.")] = None,
    param: Params = None,
) -> None:
    """Render every dashboard from the warehouse into one self-contained HTML file."""
    from looker_braze.currents.models import params as model_params
    from looker_braze.currents.report import render_report

    given = model_params.parse_assignments(param or [])
    model_params.check_names(given)
    with _open(db) as warehouse:
        result = render_report(warehouse, out, given, png_dir=png, source=_safe(db))
    extra = f" and {len(result.pngs)} PNG charts under {png}" if png else ""
    typer.echo(f"Wrote {result.html} ({result.queries} queries){extra}")


def _usage(message: str):
    from looker_braze.errors import FailRun

    return FailRun(message)


def _dialect_of(db: str) -> str:
    return "postgres" if db and db.startswith(("postgresql://", "postgres://")) else "duckdb"


def _safe(db: str) -> str:
    """The warehouse location without a password, for messages and the report header."""
    from looker_braze.redact import redact_url

    return redact_url(db)


def _open(db: str):
    from looker_braze.currents.warehouse import connect
    from looker_braze.errors import FailRun

    if _dialect_of(db) == "duckdb":
        path = Path(db.removeprefix("duckdb:///").removeprefix("duckdb://"))
        if not path.is_file():
            raise FailRun(
                f"no DuckDB file at {path}; load Currents into it first with "
                "`looker-braze currents load <folder> --db <file>`"
            )
        try:
            return connect(path, read_only=True)
        except Exception as exc:  # duckdb.IOException and friends
            raise FailRun(f"cannot open {path}: {str(exc).splitlines()[0]}") from None
    from looker_braze.currents.warehouse import MissingSchema

    try:
        return connect(db, read_only=True)  # a missing schema is refused, not created
    except MissingSchema:
        raise
    except Exception as exc:  # psycopg.OperationalError: its text carries no password
        raise FailRun(
            f"cannot connect to {_safe(db)}: {str(exc).strip().splitlines()[0]}"
        ) from None


def _print_catalog() -> None:
    from looker_braze.currents.dashboards import dashboards_of
    from looker_braze.currents.models import MODELS, accepted_params

    width = max(len(name) for name in MODELS)
    by_dashboard: dict[str, list[str]] = {}
    for name in MODELS:  # each model under the first dashboard that shows it
        by_dashboard.setdefault((dashboards_of(name) or ("On no dashboard",))[0], []).append(name)
    for dashboard, names in by_dashboard.items():
        typer.echo(f"\n{dashboard}")
        for name in names:
            query = MODELS[name]
            typer.echo(f"  {name:<{width}}  {query.title}  [{', '.join(accepted_params(name))}]")
    from looker_braze.currents.models.params import PARAMS

    typer.echo("\nParameters (--param name=value):")
    for param in PARAMS.values():
        default = f" (default {param.default})" if param.default is not None else ""
        typer.echo(f"  {param.name:<14} {param.help}{default}")


def _print_result(result, output: str) -> None:
    if output == "json":
        import orjson

        sys.stdout.buffer.write(orjson.dumps(result.records(), option=orjson.OPT_INDENT_2))
        sys.stdout.write("\n")
    elif output == "csv":
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(result.columns)
        writer.writerows(["" if v is None else v for v in row] for row in result.rows)
    else:
        _print_table(result)


def _print_table(result) -> None:
    import shutil

    from rich.console import Console
    from rich.table import Table

    if len(result.rows) == 1:  # one row of many measures reads better as name: value
        table = Table("measure", "value", title=result.model)
        for column, value in zip(result.columns, result.rows[0], strict=True):
            table.add_row(column, _cell(value))
    else:
        table = Table(title=result.model)
        for column in result.columns:
            text = column.endswith(("name", "type", "_id", "tier", "week", "date", "_ip"))
            table.add_column(column, justify="left" if text else "right", no_wrap=True)
        for row in result.rows:
            table.add_row(*(_cell(value) for value in row))
    # Wide enough for the whole table even when stdout is not a terminal (rich assumes 80).
    cells = [result.columns, *([_cell(v) for v in row] for row in result.rows)]
    needed = sum(max(len(str(r[i])) for r in cells) + 3 for i in range(len(result.columns)))
    width = max(shutil.get_terminal_size().columns, needed + 4)
    Console(width=width).print(table)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)
