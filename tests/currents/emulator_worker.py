"""Runs SQL on a warehouse emulator, inside the emulator's own virtual environment.

Not a test module: test_models_emulators.py starts it with the Python of a venv that holds the
emulator, because fakesnow and bqemulator pin sqlglot (and bqemulator DuckDB) to versions older
than the project's. It imports nothing of looker_braze; the SQL arrives already compiled.

    python emulator_worker.py fakesnow|bigquery JOB.json RESULT.json

JOB: {"tables": {name: {"parquet": path, "columns": [[column, duckdb type], ...]}},
      "queries": {key: sql}}
RESULT: {key: {"columns": [...], "rows": [[...], ...]}} or {key: {"error": "first line"}}
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq

SNOWFLAKE_TYPES = {
    "BIGINT": "NUMBER(38,0)",
    "INTEGER": "NUMBER(38,0)",
    "DOUBLE": "FLOAT",
    "FLOAT": "FLOAT",
    "BOOLEAN": "BOOLEAN",
    "TIMESTAMP": "TIMESTAMP_NTZ",
}
BIGQUERY_TYPES = {
    "BIGINT": "INT64",
    "INTEGER": "INT64",
    "DOUBLE": "FLOAT64",
    "FLOAT": "FLOAT64",
    "BOOLEAN": "BOOL",
    "TIMESTAMP": "TIMESTAMP",
}


def plain(value):
    """JSON-safe value, normalised as the project's runner normalises DuckDB's."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:500]


def run_fakesnow(job: dict) -> dict:
    import fakesnow
    import snowflake.connector

    results = {}
    with fakesnow.patch():
        # imported under the patch, so the name binds fakesnow's write_pandas
        from snowflake.connector.pandas_tools import write_pandas

        conn = snowflake.connector.connect(database="CURRENTS", schema="RAW")
        cursor = conn.cursor()
        for name, table in job["tables"].items():
            columns = ", ".join(
                f'"{c}" {SNOWFLAKE_TYPES.get(t, "VARCHAR")}' for c, t in table["columns"]
            )
            cursor.execute(f'CREATE TABLE "{name}" ({columns})')
            frame = pq.read_table(table["parquet"]).to_pandas()
            if len(frame):
                write_pandas(conn, frame, name)
        for key, sql in job["queries"].items():
            try:
                cursor.execute(sql)
                columns = [d[0] for d in cursor.description]
                rows = [[plain(v) for v in row] for row in cursor.fetchall()]
                results[key] = {"columns": columns, "rows": rows}
            except Exception as exc:  # the emulator's error types are its own
                results[key] = {"error": first_line(exc)}
    return results


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_bigquery(job: dict) -> dict:
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,  # not bin/bqemulator: the venv was renamed, its scripts' #! were not
            "-m",
            "bqemulator",
            "start",
            "--rest-port",
            str(port),
            "--grpc-port",
            str(free_port()),
            "--project",
            "currents",
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HOME": spatial_home()},
    )
    try:
        client = bigquery.Client(
            project="currents",
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=f"http://127.0.0.1:{port}"),
        )
        wait_until_up(port, server)
        dataset = client.create_dataset("raw")
        for name, table in job["tables"].items():
            schema = [
                bigquery.SchemaField(column, BIGQUERY_TYPES.get(kind, "STRING"))
                for column, kind in table["columns"]
            ]
            ref = client.create_table(bigquery.Table(dataset.table(name), schema=schema))
            rows = pq.read_table(table["parquet"]).to_pylist()
            for start in range(0, len(rows), 5000):
                chunk = [{k: plain(v) for k, v in r.items()} for r in rows[start : start + 5000]]
                errors = client.insert_rows_json(ref, chunk)
                if errors:
                    raise RuntimeError(f"insert into {name}: {errors[:1]}")
        config = bigquery.QueryJobConfig(default_dataset="currents.raw")
        results = {}
        for key, sql in job["queries"].items():
            try:
                result = client.query(sql, job_config=config).result()
                columns = [f.name for f in result.schema]
                rows = [[plain(v) for v in row.values()] for row in result]
                results[key] = {"columns": columns, "rows": rows}
            except Exception as exc:  # the emulator's error types are its own
                results[key] = {"error": first_line(exc)}
        return results
    finally:
        server.terminate()
        server.wait(10)


def spatial_home() -> str:
    """A HOME whose DuckDB extension folder holds the spatial extension from the
    duckdb-extension-spatial package: bqemulator runs `INSTALL spatial` at start, which would
    otherwise download it (and tests talk only to 127.0.0.1)."""
    import duckdb
    import duckdb_extension_spatial

    version = f"v{duckdb.__version__}"
    source = Path(duckdb_extension_spatial.__file__).parent / "extensions" / version
    home = Path(sys.prefix) / "home"
    target = home / ".duckdb" / "extensions" / version / duckdb.sql("PRAGMA platform").fetchone()[0]
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "spatial.duckdb_extension", target / "spatial.duckdb_extension")
    return str(home)


def wait_until_up(port: int, server, seconds: float = 60) -> None:
    # A plain socket, not the client: the client retries a refused connection for minutes.
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("bqemulator did not start") from None
            time.sleep(0.3)


def main() -> None:
    engine, job_path, out_path = sys.argv[1:4]
    job = json.loads(Path(job_path).read_text())
    runner = {"fakesnow": run_fakesnow, "bigquery": run_bigquery}[engine]
    Path(out_path).write_text(json.dumps(runner(job)))


if __name__ == "__main__":
    main()
