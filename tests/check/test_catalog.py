"""`looker-braze check --action braze_catalog`: a Look checked with the catalog action's own
mapper, as a user runs it (a real process, a file on disk)."""

from __future__ import annotations

import orjson

from tests.check.test_cli import run


def catalog_look(tmp_path, rows: list[tuple], tags=("braze_catalog[name]", "braze_catalog(x)")):
    dimensions = [
        {"name": "p.sku", "type": "string", "tags": ["braze_catalog_id"]},
        {"name": "p.name", "type": "string", "tags": list(tags)},
    ]
    data = [{"p.sku": {"value": sku}, "p.name": {"value": name}} for sku, name in rows]
    path = tmp_path / "look.json"
    path.write_bytes(orjson.dumps({"fields": {"dimensions": dimensions}, "data": data}))
    return path


def findings(output: str) -> dict[str, list[str]]:
    by_check: dict[str, list[str]] = {}
    for finding in orjson.loads(output):
        by_check.setdefault(finding["check"], []).append(
            f"{finding['status']}: {finding['message']}"
        )
    return by_check


def test_a_catalog_look_with_bad_rows_is_a_problem(tmp_path):
    rows = [("a", "x"), ("a", "y"), ("bad id", "z"), ("b", "n" * 5001), ("c", None)]
    path = catalog_look(tmp_path, rows)
    code, out = run("--look", str(path), "--action", "braze_catalog", "--json")
    assert code == 1, out
    found = findings(out)
    assert found["look.ids"][0].startswith("pass: p.sku holds the item ids")
    assert "1 rows repeat an item id" in found["look.ids"][1]
    assert found["look.fields"] == [
        "pass: Item fields: name (string). Each must exist in the catalog (a send checks, and a "
        "catalog it creates gets these types)."
    ]
    assert "braze_catalog(x)" in found["look.tags"][0]
    (rows_line,) = found["look.rows"]
    assert rows_line.startswith("problem: 5 rows, 2 items to send; 2 rows refused")
    assert "name: a value longer than 5,000 characters: 1" in rows_line


def test_a_clean_catalog_look_passes_and_the_flag_check_is_the_default(tmp_path):
    path = catalog_look(tmp_path, [("a", "x"), ("b", "y")], tags=("braze_catalog[name]",))
    code, out = run("--look", str(path), "--action", "braze_catalog")
    assert code == 0, out
    code, out = run("--look", str(path))  # checked for the flag action: no braze_id field
    assert code == 1 and "braze_id" in out
