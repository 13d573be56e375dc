"""The generator writes Currents as Braze does, and the data holds the configured truth."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter
from pathlib import Path

import fastavro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from looker_braze.currents.generate import CONFIG_FILE, GeneratorConfig, generate, read_config
from looker_braze.currents.schemas import EVENT_TYPES, event_type_from_record_name, table_name
from looker_braze.currents.warehouse import connect

FIXTURE_SCOPE = HealthCheck.function_scoped_fixture

SMALL = {"seed": 3, "users": 150, "days": 3, "events_per_file": 5, "schema_v2_from_day": 1,
         "duplicate_rate": 0.05, "late_rate": 0.05, "deflate_share": 0.3}  # fmt: skip


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("small")
    summary = generate(out, SMALL)
    return out, summary, _read_all(out)


def _read_all(out: Path) -> list[tuple[Path, dict, list[dict]]]:
    """(path, header metadata + schema, records) of every Avro file under ``out``."""
    files = []
    for path in sorted(out.rglob("*.avro")):
        with path.open("rb") as handle:
            reader = fastavro.reader(handle)
            records = list(reader)
            files.append((path, {"codec": reader.codec, "schema": reader.writer_schema}, records))
    return files


def _segments(path: Path) -> dict[str, str]:
    return dict(part.split("=", 1) for part in path.parts if "=" in part)


def test_key_layout_is_brazes(small):
    out, _, files = small
    for path, header, _ in files:
        relative = path.relative_to(out / "currents").parts
        assert relative[0] == "dataexport.sdk-us-03.S3.integration.5f1a2b3c4d5e6f7a8b9c0d1e"
        assert relative[1].startswith("event_type=") and relative[2].startswith("date=")
        assert relative[3] in {"1", "2"} and relative[4] == "0" and len(relative) == 6
        event_type = _segments(path)["event_type"]
        assert event_type_from_record_name(header["schema"]["name"]) == event_type


def test_files_are_never_empty_and_rolled_by_count(small):
    _, _, files = small
    sizes = [len(records) for _, _, records in files]
    assert min(sizes) >= 1 and max(sizes) == SMALL["events_per_file"]


def test_date_folder_is_the_queue_hour_never_before_the_event(small):
    _, summary, files = small
    late = 0
    for path, _, records in files:
        hour = dt.datetime.strptime(_segments(path)["date"], "%Y-%m-%d-%H").replace(tzinfo=dt.UTC)
        start = int(hour.timestamp())
        assert all(r["time"] < start + 3600 for r in records)
        late += sum(r["time"] < start - 3600 for r in records)
    assert late > 0 and summary.late > 0


def test_some_events_are_delivered_twice_with_the_same_id_in_another_file(small):
    _, summary, files = small
    where = {}
    repeated = 0
    for path, _, records in files:
        for record in records:
            first = where.setdefault((record["id"]), (path, record))
            if first[0] != path:
                repeated += 1
                # A re-delivery is an identical copy (a newer schema version adds fields).
                common = first[1].keys() & record.keys()
                assert {k: first[1][k] for k in common} == {k: record[k] for k in common}
                assert {"id", "time", "user_id"} <= common or "user_id" not in record
    assert repeated == summary.duplicates > 0
    assert summary.events == sum(len(r) for _, _, r in files)
    assert summary.unique_events == summary.events - summary.duplicates


def test_both_schema_versions_and_codecs_are_written(small):
    _, _, files = small
    versions = {path.parts[-3] for path, _, _ in files}
    codecs = {header["codec"] for _, header, _ in files}
    assert versions == {"1", "2"} and codecs == {"null", "deflate"}
    v2_open = [h for p, h, _ in files if "email.Open" in str(p) and p.parts[-3] == "2"]
    assert any("machine_open" in {f["name"] for f in h["schema"]["fields"]} for h in v2_open)


def test_every_event_type_is_generated(currents_duckdb):
    with connect(currents_duckdb, read_only=True) as warehouse:
        assert {table_name(t) for t in EVENT_TYPES} <= warehouse.tables()


def test_config_is_written_beside_the_files(small):
    out, _, _ = small
    written = json.loads((out / CONFIG_FILE).read_text())
    expected = GeneratorConfig.model_validate(SMALL).to_json_dict()
    assert written == expected
    assert read_config(out) == GeneratorConfig.model_validate(SMALL)
    assert written["timezone"] == "America/New_York" and written["start_date"] == "2024-01-01"
    assert len(written["retention"]["day"]) == 32


def test_same_seed_same_files(tmp_path):
    config = {**SMALL, "users": 20}
    generate(tmp_path / "a", config)
    generate(tmp_path / "b", config, workers=1)
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*.avro")}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*.avro")}
    assert a.keys() == b.keys()
    records = {k: list(fastavro.reader(io.BytesIO(v))) for k, v in a.items()}
    assert records == {k: list(fastavro.reader(io.BytesIO(v))) for k, v in b.items()}


def test_parallel_chunks_write_the_same_events(tmp_path):
    config = {**SMALL, "users": 40, "users_per_chunk": 15}
    one = generate(tmp_path / "one", config)
    two = generate(tmp_path / "two", config, workers=2)
    assert one.events_by_type == two.events_by_type and one.files == two.files


def test_messages_carry_a_campaign_or_a_canvas_and_downstream_events_their_send(small):
    _, _, files = small
    sends = {}
    for path, _, records in files:
        if "email.Send" in str(path):
            for r in records:
                campaign, canvas = r["campaign_id"] is not None, r["canvas_id"] is not None
                assert campaign != canvas
                assert (r["message_variation_id"] is not None) == campaign
                assert (r["canvas_step_id"] is not None) == canvas
                sends[(r["user_id"], r["send_id"])] = r
    for path, _, records in files:
        if "email.Delivery" in str(path) or "email.Open" in str(path):
            for r in records:
                send = sends[(r["user_id"], r["send_id"])]
                for key in (
                    "campaign_id",
                    "message_variation_id",
                    "canvas_step_id",
                    "email_address",
                ):
                    assert r[key] == send[key]
                assert r["time"] >= send["time"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": {"open_rate": 0.1, "click_rate": 0.2}}, "click_rate cannot exceed open_rate"),
        ({"retention": {"day": [0.5, 0.2]}}, "must start with 1.0"),
        ({"timezone": "Mars/Olympus"}, "unknown IANA time zone"),
        ({"users": 0}, "greater than or equal to 1"),
        ({"bounce_rat": 0.1}, "Extra inputs are not permitted"),
        ({"email": {"bounce_rate": 0.7, "soft_bounce_rate": 0.5}}, "must not exceed 1"),
    ],
)
def test_bad_configs_are_refused_with_a_reason(tmp_path, change, message):
    with pytest.raises(ValidationError, match=message):
        generate(tmp_path, change)
    assert not list(tmp_path.rglob("*.avro"))


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    users=st.integers(1, 30),
    days=st.integers(1, 4),
    per_file=st.integers(1, 60),
    duplicate_rate=st.floats(0, 0.5),
    seed=st.integers(0, 2**32),
)
def test_any_small_config_writes_valid_non_empty_files_that_add_up(
    tmp_path_factory, users, days, per_file, duplicate_rate, seed
):
    out = tmp_path_factory.mktemp("prop")
    summary = generate(out, {"users": users, "days": days, "events_per_file": per_file,
                             "duplicate_rate": duplicate_rate, "seed": seed})  # fmt: skip
    by_type: Counter = Counter()
    ids: Counter = Counter()
    for path, _, records in _read_all(out):
        assert 1 <= len(records) <= per_file
        by_type[_segments(path)["event_type"]] += len(records)
        ids.update(r["id"] for r in records)
    assert dict(by_type) == summary.events_by_type
    assert sum(ids.values()) - len(ids) == summary.duplicates
    assert all(count <= 2 for count in ids.values())


# The truth: rates recovered from the loaded fixture (3000 users, 3 weeks) within a few standard
# errors. These read the warehouse the loader built, as the analytics will.


def _one(db, sql):
    with connect(db, read_only=True) as warehouse:
        return warehouse.query(sql)[1][0]


def test_email_funnel_rates_match_the_config(currents_duckdb, generated_currents):
    email = generated_currents[1]["email"]
    sent, delivered, hard, soft = _one(
        currents_duckdb,
        """
        SELECT (SELECT COUNT(*) FROM USERS_MESSAGES_EMAIL_SEND),
               (SELECT COUNT(*) FROM USERS_MESSAGES_EMAIL_DELIVERY),
               (SELECT COUNT(*) FROM USERS_MESSAGES_EMAIL_BOUNCE),
               (SELECT COUNT(*) FROM USERS_MESSAGES_EMAIL_SOFTBOUNCE)""",
    )
    assert sent == delivered + hard + soft
    assert hard / sent == pytest.approx(email["bounce_rate"], abs=0.006)
    assert soft / sent == pytest.approx(email["soft_bounce_rate"], abs=0.005)
    users, days = generated_currents[1]["users"], generated_currents[1]["days"]
    assert sent / users / (days / 7) == pytest.approx(email["sends_per_user_per_week"], rel=0.03)
    pair = "COUNT(DISTINCT (EMAIL_ADDRESS, COALESCE(MESSAGE_VARIATION_ID, CANVAS_STEP_ID)))"
    unique_opens, unique_clicks = _one(
        currents_duckdb,
        f"SELECT (SELECT {pair} FROM USERS_MESSAGES_EMAIL_OPEN), "
        f"(SELECT {pair} FROM USERS_MESSAGES_EMAIL_CLICK)",
    )
    assert unique_opens / delivered == pytest.approx(email["open_rate"], abs=0.02)
    assert unique_clicks / delivered == pytest.approx(email["click_rate"], abs=0.012)


def test_clicks_imply_opens(currents_duckdb):
    orphan_clicks = _one(
        currents_duckdb,
        """
        SELECT COUNT(*) FROM USERS_MESSAGES_EMAIL_CLICK c WHERE NOT EXISTS (
            SELECT 1 FROM USERS_MESSAGES_EMAIL_OPEN o
            WHERE o.SEND_ID = c.SEND_ID AND o.USER_ID = c.USER_ID AND o.TIME <= c.TIME)""",
    )[0]
    assert orphan_clicks == 0


def test_push_rates_match_the_config(currents_duckdb, generated_currents):
    push = generated_currents[1]["push"]
    sent, bounced, opened = _one(
        currents_duckdb,
        """
        SELECT (SELECT COUNT(*) FROM USERS_MESSAGES_PUSHNOTIFICATION_SEND),
               (SELECT COUNT(*) FROM USERS_MESSAGES_PUSHNOTIFICATION_BOUNCE),
               (SELECT COUNT(*) FROM USERS_MESSAGES_PUSHNOTIFICATION_OPEN)""",
    )
    assert bounced / sent == pytest.approx(push["bounce_rate"], abs=0.012)
    assert opened / (sent - bounced) == pytest.approx(push["open_rate"], abs=0.015)


def test_retention_curve_matches_the_config(currents_duckdb, generated_currents):
    config = generated_currents[1]
    local_day = f"CAST(timezone('{config['timezone']}', to_timestamp(TIME)) AS DATE)"
    with connect(currents_duckdb, read_only=True) as warehouse:
        _, rows = warehouse.query(f"""
            WITH first AS (
                SELECT USER_ID, {local_day} AS d0 FROM USERS_BEHAVIORS_APP_FIRSTSESSION),
            days AS (
                SELECT DISTINCT s.USER_ID, datediff('day', f.d0, s.d) AS n, f.d0
                FROM (SELECT USER_ID, {local_day} AS d FROM USERS_BEHAVIORS_APP_SESSIONSTART) s
                JOIN first f USING (USER_ID))
            SELECT n, COUNT(*) FROM days
            WHERE d0 <= DATE '{config["start_date"]}' + {config["days"] - 1} - CAST(n AS INTEGER)
            GROUP BY n ORDER BY n
        """)
        _, eligible = warehouse.query(f"""
            SELECT n, COUNT(*) FROM (
                SELECT {local_day} AS d0 FROM USERS_BEHAVIORS_APP_FIRSTSESSION),
                range(0, {config["days"]}) AS r(n)
            WHERE d0 <= DATE '{config["start_date"]}' + {config["days"] - 1} - CAST(n AS INTEGER)
            GROUP BY n ORDER BY n
        """)
    active, cohort = dict(rows), dict(eligible)
    assert active[0] == cohort[0] == config["users"]
    for day in (1, 2, 7, 14):
        assert active[day] / cohort[day] == pytest.approx(config["retention"]["day"][day], abs=0.04)


def test_each_users_messages_are_spread_over_the_window(currents_duckdb, generated_currents):
    """Sends are independent uniform times, so a user's sends span most of the window."""
    days = generated_currents[1]["days"]
    for table, who in (("USERS_MESSAGES_EMAIL_SEND", "EMAIL_ADDRESS"),
                       ("USERS_MESSAGES_PUSHNOTIFICATION_SEND", "USER_ID")):  # fmt: skip
        median_span_days = _one(
            currents_duckdb,
            f"""
            SELECT MEDIAN(span) / 86400 FROM (
                SELECT MAX(TIME) - MIN(TIME) AS span FROM {table} GROUP BY {who}
                HAVING COUNT(*) >= 3)""",
        )[0]
        assert median_span_days > days / 2
