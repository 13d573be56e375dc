"""CSV -> json_detail: tags, Looker types, nulls, errors that name the line, constant memory."""

from __future__ import annotations

import csv
import tracemalloc

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from looker_braze.sim.looks import CsvLook, CsvLookError


def _write(path, header, rows, bom=False):
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _document(look: CsvLook) -> dict:
    return orjson.loads(b"".join(look))


def test_columns_become_tagged_typed_dimensions_with_converted_values(tmp_path):
    path = _write(
        tmp_path / "audience.csv",
        ["user_id", "name", "ltv", "vip", "born", "last_seen"],
        [
            ["u1", "Zoë", "12.50", "yes", "1990-01-02", "2024-01-31T13:45:00"],
            ["u2", "", "7", "False", "", "2024-02-01 08:00:00+02:00"],
        ],
    )
    look = CsvLook(
        path,
        tags={"user_id": ["braze_id"], "name": ["braze[first_name]", "braze[nickname]"]},
        types={"ltv": "number", "vip": "yesno", "born": "date", "last_seen": "date_time"},
    )
    document = _document(look)
    fields = {f["name"]: f for f in document["fields"]["dimensions"]}
    assert list(fields) == ["user_id", "name", "ltv", "vip", "born", "last_seen"]
    assert fields["user_id"]["tags"] == ["braze_id"]
    assert fields["name"]["tags"] == ["braze[first_name]", "braze[nickname]"]
    assert fields["ltv"]["type"] == "number" and fields["ltv"]["is_numeric"]
    assert fields["born"]["type"] == "date_date" and fields["vip"]["tags"] == []
    values = [{k: c["value"] for k, c in row.items()} for row in document["data"]]
    assert values == [
        {"user_id": "u1", "name": "Zoë", "ltv": 12.5, "vip": "Yes", "born": "1990-01-02",
         "last_seen": "2024-01-31 13:45:00"},
        {"user_id": "u2", "name": None, "ltv": 7, "vip": "No", "born": None,
         "last_seen": "2024-02-01 06:00:00"},
    ]  # fmt: skip
    assert look.check() == 2


def test_a_byte_order_mark_and_blank_lines_are_not_data(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text("\ufeffid,n\r\n\r\na,1\r\n\r\nb,2\r\n", encoding="utf-8")
    document = _document(CsvLook(path, tags={"id": ["braze_id"]}))
    assert [f["name"] for f in document["fields"]["dimensions"]] == ["id", "n"]
    assert [r["id"]["value"] for r in document["data"]] == ["a", "b"]


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        ("id,n\na,1\nb\n", {}, "line 3: 1 cells, the header has 2"),
        (
            "id,n\na,1\nb,x1\n",
            {"types": {"n": "number"}},
            "line 3, column 'n': 'x1' is not a number",
        ),
        ("id,n\na,maybe\n", {"types": {"n": "yesno"}}, "'maybe' is not yes/no"),
        ("id,d\na,31/01/2024\n", {"types": {"d": "date_date"}}, "not a date like 2024-01-31"),
        ("id,n\na,1_000\n", {"types": {"n": "number"}}, "'1_000' is not a number"),
        ("id,n\na,nan\n", {"types": {"n": "number"}}, "'nan' is not a number"),
    ],
)
def test_bad_values_are_reported_with_line_and_column(tmp_path, content, options, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(CsvLookError, match=message.replace("(", r"\(")):
        CsvLook(path, **options).check()


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        ("", {}, "is empty"),
        ("id,id\n", {}, "column 'id' appears twice"),
        ("id,,x\n", {}, "column 2 has no name"),
        (
            "id,n\n",
            {"tags": {"email": ["braze[email]"]}},
            "--tag names columns the CSV does not have",
        ),
        ("id,n\n", {"types": {"n": "money"}}, "unknown type 'money'"),
    ],
)
def test_bad_headers_and_options_say_what_to_fix(tmp_path, content, options, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(CsvLookError, match=message):
        CsvLook(path, **options)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CsvLookError, match="cannot read"):
        CsvLook(tmp_path / "nope.csv")


def _peak_while_converting(path, rows: int) -> tuple[int, int]:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "ltv"])
        writer.writerows([f"user-{i}", f"name {i}", str(i / 3)] for i in range(rows))
    look = CsvLook(path, tags={"id": ["braze_id"]}, types={"ltv": "number"}, chunk_bytes=1 << 18)
    tracemalloc.start()
    try:
        size = sum(len(chunk) for chunk in look)
        return size, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_conversion_streams_in_constant_memory(tmp_path):
    small_size, small_peak = _peak_while_converting(tmp_path / "small.csv", 25_000)
    big_size, big_peak = _peak_while_converting(tmp_path / "big.csv", 100_000)
    assert big_size > 3.5 * small_size
    assert big_peak < 1.25 * small_peak + 500_000, (small_peak, big_peak)
    assert big_peak < big_size / 4


cells = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(cells, min_size=3, max_size=3), max_size=20))
def test_string_cells_round_trip_and_empty_ones_are_null(tmp_path, rows):
    path = _write(tmp_path / "any.csv", ["a", "b", "c"], rows)
    document = _document(CsvLook(path))
    got = [[row[k]["value"] for k in ("a", "b", "c")] for row in document["data"]]
    assert got == [[c if c != "" else None for c in row] for row in rows]
