"""The generator writes Currents as Braze does, and the data holds the configured truth."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
from collections import Counter
from pathlib import Path

import fastavro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from looker_braze.currents import schemas
from looker_braze.currents.generate import CONFIG_FILE, GeneratorConfig, generate, read_config
from looker_braze.currents.load import load
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


# --- The whole catalogue ---------------------------------------------------------------------

# Few users, rare events made common, every file in schema version 2: every one of the 94 types
# appears, and each table must then have exactly the version-2 columns.
_COMMON = {"retry_rate": 0.2, "abort_rate": 0.2}
EVERY_TYPE = {
    "seed": 5, "users": 250, "days": 4, "schema_v2_from_day": 0, "events_per_file": 5000,
    "email": {"spam_rate": 0.05, "unsubscribe_rate": 0.05, "soft_bounce_rate": 0.05,
              "deferral_rate": 0.2, **_COMMON},
    "push": {"ios_foreground_rate": 0.5, **_COMMON},
    "sms": {"reply_rate": 0.2, "opt_out_rate": 0.1, "rejection_rate": 0.1, "click_rate": 0.3,
            "bot_click_share": 0.3, **_COMMON},
    "whatsapp": {"reply_rate": 0.2, "delivery_rate": 0.8, **_COMMON},
    "rcs": {"reply_rate": 0.2, "rejection_rate": 0.1, **_COMMON},
    "line": {"reply_rate": 0.2, **_COMMON},
    "in_app": {"abort_rate": 0.2}, "content_cards": {"abort_rate": 0.2, "click_rate": 0.3},
    "banners": {"abort_rate": 0.2, "dismiss_rate": 0.2},
    "webhooks": {"failure_rate": 0.3, "abort_rate": 0.2},
    "accounts": {"delete_request_rate": 0.1, "orphan_rate": 0.1, "random_bucket_update_rate": 0.1},
    "agents": {"executions_per_user_per_week": 0.5},
}  # fmt: skip


@pytest.fixture(scope="module")
def every_type(tmp_path_factory):
    out = tmp_path_factory.mktemp("every_type")
    summary = generate(out, EVERY_TYPE)
    path = out / "warehouse.duckdb"
    report = load(out, path)
    assert report.succeeded and not report.failed, report.failed
    return summary, path


def test_every_type_of_the_catalogue_is_generated_with_its_schema(every_type):
    summary, _ = every_type
    assert len(EVENT_TYPES) == 94
    assert {t for t, n in summary.events_by_type.items() if n} == set(EVENT_TYPES)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_type_loads_into_its_table_with_exactly_its_columns(every_type, event_type):
    _, path = every_type
    table = table_name(event_type)
    with connect(path, read_only=True) as warehouse:
        _, rows = warehouse.query(
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_name = '{table}'"
        )
        (count,) = warehouse.query(f'SELECT COUNT(*) FROM "{table}"')[1][0]
    columns = dict(rows)
    expected = {f.name.upper(): f for f in schemas.fields(event_type, 2)}
    assert set(columns) == set(expected) and count > 0
    for name, field in expected.items():
        assert columns[name] == schemas.sql_type(field.type, "duckdb"), name


def test_float_and_array_fields_arrive_as_numbers_and_json(every_type):
    _, path = every_type
    with connect(path, read_only=True) as warehouse:
        _, [(lat, price)] = warehouse.query(
            "SELECT (SELECT MIN(LATITUDE) FROM USERS_BEHAVIORS_LOCATION), "
            "(SELECT MIN(PRICE) FROM USERS_BEHAVIORS_PURCHASE)"
        )
        _, reasons = warehouse.query(
            "SELECT DISTINCT SUSPECTED_BOT_CLICK_REASON FROM USERS_MESSAGES_SMS_SHORTLINKCLICK "
            "WHERE IS_SUSPECTED_BOT_CLICK"
        )
    assert 25 <= lat <= 48 and price == pytest.approx(4.99, abs=1e-4)
    assert reasons and all(
        set(json.loads(reason)) <= {"user_agent", "ip_address"} for (reason,) in reasons
    )


def test_the_truth_of_every_channel_is_written_beside_the_files(generated_currents):
    _, config = generated_currents
    for section in ("sms", "whatsapp", "rcs", "line", "in_app", "content_cards", "banners",
                    "webhooks", "canvas_journeys", "campaign_conversions", "accounts",
                    "feature_flags", "live_activities", "agents"):  # fmt: skip
        assert section in config
    assert {"machine_open_share", "bot_click_share"} <= config["email"].keys()
    assert config["sms"]["delivery_rate"] == GeneratorConfig().sms.delivery_rate


def test_a_partial_channel_config_keeps_that_channels_defaults():
    config = GeneratorConfig.model_validate({"sms": {"abort_rate": 0.2}, "banners": {}})
    assert config.sms.campaigns and config.sms.delivery_rate == 0.95
    assert config.sms.abort_rate == 0.2 and config.banners.campaigns
    with pytest.raises(ValidationError):
        GeneratorConfig.model_validate({"canvas_journeys": {"split_shares": [0.5, 0.6]}})
    with pytest.raises(ValidationError):
        GeneratorConfig.model_validate({"canvas_journeys": {"exit_rates": {"Bored": 0.1}}})


# --- Known truth per channel, measured straight from the loaded tables --------------------------


def near(measured: float, p: float, n: int, what: str) -> None:
    """``measured`` (a share of ``n`` trials) is within five standard errors of ``p``."""
    bound = 5 * (p * (1 - p) / max(n, 1)) ** 0.5 + 0.002
    assert abs(measured - p) <= bound, f"{what}: {measured:.4f} vs configured {p} (±{bound:.4f})"


def _counts(db, **queries: str) -> dict[str, int]:
    sql = ", ".join(f"({query}) AS {name}" for name, query in queries.items())
    return dict(zip(queries, _one(db, f"SELECT {sql}"), strict=True))


def _human_clicks(table: str) -> str:
    """Distinct messages (user, variation) clicked by people."""
    flag = "" if "WHATSAPP" in table else "WHERE NOT COALESCE(IS_SUSPECTED_BOT_CLICK, FALSE)"
    return f"SELECT COUNT(DISTINCT (USER_ID, MESSAGE_VARIATION_ID)) FROM {table} {flag}"


def test_sms_funnel_recovers_its_truth(currents_duckdb, generated_currents):
    sms = generated_currents[1]["sms"]
    t = "USERS_MESSAGES_SMS_"
    c = _counts(
        currents_duckdb,
        sent=f"SELECT COUNT(*) FROM {t}SEND",
        rejected=f"SELECT COUNT(*) FROM {t}REJECTION",
        carrier=f"SELECT COUNT(*) FROM {t}CARRIERSEND",
        delivered=f"SELECT COUNT(*) FROM {t}DELIVERY",
        failed=f"SELECT COUNT(*) FROM {t}DELIVERYFAILURE",
        human=_human_clicks(f"{t}SHORTLINKCLICK"),
        bots=f"SELECT COUNT(*) FROM {t}SHORTLINKCLICK WHERE IS_SUSPECTED_BOT_CLICK",
        clicks=f"SELECT COUNT(*) FROM {t}SHORTLINKCLICK",
        stops=f"SELECT COUNT(*) FROM {t}INBOUNDRECEIVE WHERE ACTION = 'Unsubscribed'",
        replies=f"SELECT COUNT(*) FROM {t}INBOUNDRECEIVE WHERE ACTION = 'None'",
        unsubscribed="SELECT COUNT(*) FROM USERS_BEHAVIORS_SUBSCRIPTIONGROUP_STATECHANGE "
        "WHERE CHANNEL = 'sms' AND SUBSCRIPTION_STATUS = 'Unsubscribed'",
    )
    assert c["rejected"] + c["carrier"] == c["sent"]  # each send is rejected or handed over
    assert c["delivered"] + c["failed"] == c["carrier"]
    near(c["rejected"] / c["sent"], sms["rejection_rate"], c["sent"], "SMS rejections")
    near(c["delivered"] / c["carrier"], sms["delivery_rate"], c["carrier"], "SMS deliveries")
    near(c["human"] / c["delivered"], sms["click_rate"], c["delivered"], "SMS clicks")
    near(c["bots"] / c["clicks"], sms["bot_click_share"], c["clicks"], "SMS bot clicks")
    near(c["stops"] / c["delivered"], sms["opt_out_rate"], c["delivered"], "SMS opt-outs")
    reply = (1 - sms["opt_out_rate"]) * sms["reply_rate"]
    near(c["replies"] / c["delivered"], reply, c["delivered"], "SMS replies")
    assert c["unsubscribed"] == c["stops"] > 0


def test_whatsapp_rcs_and_line_recover_their_truth(currents_duckdb, generated_currents):
    config = generated_currents[1]
    w, r, line = "USERS_MESSAGES_WHATSAPP_", "USERS_MESSAGES_RCS_", "USERS_MESSAGES_LINE_"
    c = _counts(
        currents_duckdb,
        w_sent=f"SELECT COUNT(*) FROM {w}SEND",
        w_delivered=f"SELECT COUNT(*) FROM {w}DELIVERY",
        w_failed=f"SELECT COUNT(*) FROM {w}FAILURE",
        w_read=f"SELECT COUNT(*) FROM {w}READ",
        w_clicked=_human_clicks(f"{w}CLICK"),
        r_sent=f"SELECT COUNT(*) FROM {r}SEND",
        r_rejected=f"SELECT COUNT(*) FROM {r}REJECTION",
        r_delivered=f"SELECT COUNT(*) FROM {r}DELIVERY",
        r_read=f"SELECT COUNT(*) FROM {r}READ",
        r_bots=f"SELECT COUNT(*) FROM {r}CLICK WHERE IS_SUSPECTED_BOT_CLICK",
        r_clicks=f"SELECT COUNT(*) FROM {r}CLICK",
        l_sent=f"SELECT COUNT(*) FROM {line}SEND",
        l_clicked=_human_clicks(f"{line}CLICK"),
    )
    whatsapp, rcs = config["whatsapp"], config["rcs"]
    assert c["w_delivered"] + c["w_failed"] == c["w_sent"]
    near(c["w_delivered"] / c["w_sent"], whatsapp["delivery_rate"], c["w_sent"], "WA delivered")
    near(c["w_read"] / c["w_delivered"], whatsapp["read_rate"], c["w_delivered"], "WA reads")
    near(c["w_clicked"] / c["w_delivered"], whatsapp["click_rate"], c["w_delivered"], "WA clicks")
    assert c["r_delivered"] + c["r_rejected"] == c["r_sent"]  # delivery_rate is 1 by default
    near(c["r_rejected"] / c["r_sent"], rcs["rejection_rate"], c["r_sent"], "RCS rejections")
    near(c["r_read"] / c["r_delivered"], rcs["read_rate"], c["r_delivered"], "RCS reads")
    near(c["r_bots"] / c["r_clicks"], rcs["bot_click_share"], c["r_clicks"], "RCS bot clicks")
    near(c["l_clicked"] / c["l_sent"], config["line"]["click_rate"], c["l_sent"], "LINE clicks")


def test_machine_opens_and_bot_clicks_come_on_top_of_peoples(currents_duckdb, generated_currents):
    config = generated_currents[1]
    email = config["email"]
    t = "USERS_MESSAGES_EMAIL_"
    # The machine and bot flags exist from schema version 2 on: count the engagement with
    # emails delivered after files switched to it (everything after is in version-2 files).
    start = dt.datetime.fromisoformat(config["start_date"]).replace(tzinfo=dt.UTC)
    v2 = int((start + dt.timedelta(days=config["schema_v2_from_day"])).timestamp())
    late = f"JOIN {t}DELIVERY d USING (SEND_ID, USER_ID) WHERE d.TIME >= {v2}"
    c = _counts(
        currents_duckdb,
        opens=f"SELECT COUNT(*) FROM {t}OPEN o {late}",
        machine=f"SELECT COUNT(*) FROM {t}OPEN o {late} AND MACHINE_OPEN = 'true'",
        clicks=f"SELECT COUNT(*) FROM {t}CLICK c {late}",
        bots=f"SELECT COUNT(*) FROM {t}CLICK c {late} AND IS_SUSPECTED_BOT_CLICK",
        delivered=f"SELECT COUNT(*) FROM {t}DELIVERY",
        human_opened=f"SELECT COUNT(DISTINCT SEND_ID || USER_ID) FROM {t}OPEN "
        "WHERE MACHINE_OPEN IS NULL",
        opened=f"SELECT COUNT(DISTINCT SEND_ID || USER_ID) FROM {t}OPEN",
        deferred=f"SELECT COUNT(*) FROM {t}DEFERRAL",
    )
    near(c["machine"] / c["opens"], email["machine_open_share"], c["opens"], "machine opens")
    near(c["bots"] / c["clicks"], email["bot_click_share"], c["clicks"], "bot clicks")
    # Leaving machine opens out changes the total opens, never which emails were opened.
    assert c["human_opened"] == c["opened"]
    near(c["human_opened"] / c["delivered"], email["open_rate"], c["delivered"], "human opens")
    near(c["deferred"] / c["delivered"], email["deferral_rate"], c["delivered"], "deferrals")


def test_in_app_cards_and_banners_recover_their_truth(currents_duckdb, generated_currents):
    config = generated_currents[1]
    m = "USERS_MESSAGES_"
    c = _counts(
        currents_duckdb,
        iam_seen=f"SELECT COUNT(*) FROM {m}INAPPMESSAGE_IMPRESSION",
        iam_clicks=f"SELECT COUNT(*) FROM {m}INAPPMESSAGE_CLICK",
        cards=f"SELECT COUNT(*) FROM {m}CONTENTCARD_SEND",
        card_seen=f"SELECT COUNT(DISTINCT SEND_ID || USER_ID) FROM {m}CONTENTCARD_IMPRESSION",
        card_dismissed=f"SELECT COUNT(*) FROM {m}CONTENTCARD_DISMISS",
        banners=f"SELECT COUNT(*) FROM {m}BANNER_IMPRESSION",
        banner_clicks=f"SELECT COUNT(*) FROM {m}BANNER_CLICK",
        banner_dismissed=f"SELECT COUNT(*) FROM {m}BANNER_DISMISS",
    )
    in_app, cards, banners = config["in_app"], config["content_cards"], config["banners"]
    near(c["iam_clicks"] / c["iam_seen"], in_app["click_rate"], c["iam_seen"], "in-app clicks")
    near(c["card_seen"] / c["cards"], cards["impression_rate"], c["cards"], "card impressions")
    # a card is dismissed only once seen
    seen = c["card_seen"]
    near(c["card_dismissed"] / seen, cards["dismiss_rate"], seen, "card dismissals")
    near(c["banner_clicks"] / c["banners"], banners["click_rate"], c["banners"], "banner clicks")
    dismissed = c["banner_dismissed"] / c["banners"]
    near(dismissed, banners["dismiss_rate"], c["banners"], "banner dismissals")


def test_webhook_failures_and_retries_recover_their_truth(currents_duckdb, generated_currents):
    hooks = generated_currents[1]["webhooks"]
    t = "USERS_MESSAGES_WEBHOOK_"
    c = _counts(
        currents_duckdb,
        sent=f"SELECT COUNT(*) FROM {t}SEND",
        failed=f"SELECT COUNT(DISTINCT SEND_ID || USER_ID) FROM {t}FAILURE",
        terminal=f"SELECT COUNT(*) FROM {t}FAILURE WHERE IS_TERMINAL",
        retried=f"SELECT COUNT(*) FROM {t}RETRY",
    )
    near(c["failed"] / c["sent"], hooks["failure_rate"], c["sent"], "webhook failures")
    near(c["terminal"] / c["failed"], hooks["terminal_share"], c["failed"], "given up")
    assert c["retried"] == c["failed"] - c["terminal"]


def test_canvas_journeys_recover_entries_steps_exits_and_splits(
    currents_duckdb, generated_currents
):
    config = generated_currents[1]
    canvas = config["canvas_journeys"]
    names = ", ".join(f"'{name}'" for name in canvas["canvases"])
    with connect(currents_duckdb, read_only=True) as warehouse:
        _, [(entered, control)] = warehouse.query(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE IN_CONTROL_GROUP) FROM USERS_CANVAS_ENTRY "
            f"WHERE CANVAS_NAME IN ({names})"
        )
        _, steps = warehouse.query(
            "SELECT CANVAS_STEP_NAME, COUNT(*) FILTER (WHERE PROGRESSION_TYPE <> 'exit'), "
            "COUNT(*) FILTER (WHERE EXIT_REASON = 'MatchedAudience'), "
            "COUNT(*) FILTER (WHERE EXIT_REASON = 'PerformedEvent') "
            "FROM USERS_CANVASSTEP_PROGRESSION GROUP BY 1 ORDER BY 1"
        )
        _, splits = warehouse.query(
            "SELECT EXPERIMENT_SPLIT_NAME, COUNT(DISTINCT s.USER_ID), COUNT(DISTINCT c.USER_ID) "
            "FROM USERS_CANVAS_EXPERIMENTSTEP_SPLITENTRY s LEFT JOIN "
            "USERS_CANVAS_EXPERIMENTSTEP_CONVERSION c USING (USER_ID, EXPERIMENT_SPLIT_NAME) "
            "GROUP BY 1 ORDER BY 1"
        )
    users = config["users"]
    near(entered / users, canvas["entry_rate"], users, "canvas entries")
    near(control / entered, canvas["control_share"], entered, "canvas control group")
    assert steps[0][1] == entered - control  # everyone not held out starts at step 1
    exits = canvas["exit_rates"]
    for (_, at, matched, performed), (_, following, _, _) in itertools.pairwise(steps):
        near(matched / at, exits["MatchedAudience"], at, "exit: matched audience")
        near(performed / at, exits["PerformedEvent"], at, "exit: performed event")
        moved = (1 - sum(exits.values())) * canvas["progression_rate"]
        near(following / at, moved, at, "step progression")
    assert len(steps) == canvas["steps"]
    split_total = sum(n for _, n, _ in splits)
    assert split_total == steps[1][1]  # the experiment is the second step
    for (name, n, converted), share, rate in zip(
        splits, canvas["split_shares"], canvas["conversion_rates"], strict=True
    ):
        assert name in canvas["splits"]
        near(n / split_total, share, split_total, f"split {name}")
        near(converted / n, rate, n, f"conversions on {name}")


def test_campaign_conversions_against_the_control_group(currents_duckdb, generated_currents):
    """Each campaign's treatment (users sent it) converts once at conversion_rate, its control
    group (users it was not sent to, control_share of the audience) at control_conversion_rate."""
    truth = generated_currents[1]["campaign_conversions"]
    t = "USERS_CAMPAIGNS_"
    c = _counts(
        currents_duckdb,
        control=f"SELECT COUNT(DISTINCT CAMPAIGN_ID || USER_ID) FROM {t}ENROLLINCONTROL",
        enrolments=f"SELECT COUNT(*) FROM {t}ENROLLINCONTROL",
        control_converted=f"SELECT COUNT(*) FROM {t}CONVERSION WHERE SEND_ID IS NULL",
        treated="SELECT COUNT(DISTINCT CAMPAIGN_ID || USER_ID) FROM USERS_MESSAGES_EMAIL_SEND "
        "WHERE CAMPAIGN_ID IS NOT NULL",
        converted=f"SELECT COUNT(*) FROM {t}CONVERSION WHERE SEND_ID IS NOT NULL",
        sent_to_control=f"SELECT COUNT(*) FROM {t}ENROLLINCONTROL e JOIN "
        "USERS_MESSAGES_EMAIL_SEND s USING (CAMPAIGN_ID, USER_ID)",
    )
    assert c["control"] == c["enrolments"] and c["sent_to_control"] == 0
    audience = c["treated"] + c["control"]
    near(c["control"] / audience, truth["control_share"], audience, "control share")
    near(c["converted"] / c["treated"], truth["conversion_rate"], c["treated"], "treated")
    rate = truth["control_conversion_rate"]
    near(c["control_converted"] / c["control"], rate, c["control"], "control conversions")


def test_subscriptions_flags_live_activities_and_agents(currents_duckdb, generated_currents):
    config = generated_currents[1]
    b = "USERS_BEHAVIORS_"
    c = _counts(
        currents_duckdb,
        opted_in=f"SELECT COUNT(*) FROM {b}SUBSCRIPTIONGROUP_STATECHANGE "
        "WHERE SUBSCRIPTION_STATUS = 'Subscribed'",
        opted_out=f"SELECT COUNT(*) FROM {b}SUBSCRIPTIONGROUP_STATECHANGE "
        "WHERE SUBSCRIPTION_STATUS = 'Unsubscribed' AND CHANNEL = 'email'",
        global_email_unsubscribes=f"SELECT COUNT(*) FROM {b}SUBSCRIPTION_GLOBALSTATECHANGE "
        "WHERE CHANNEL = 'email' AND SUBSCRIPTION_STATUS = 'Unsubscribed'",
        unsubscribes="SELECT COUNT(*) FROM USERS_MESSAGES_EMAIL_UNSUBSCRIBE",
        flags="SELECT COUNT(*) FROM USERS_MESSAGES_FEATUREFLAG_IMPRESSION",
        live="SELECT COUNT(*) FROM USERS_MESSAGES_LIVEACTIVITY_SEND",
        live_ok="SELECT COUNT(*) FROM USERS_MESSAGES_LIVEACTIVITY_OUTCOME "
        "WHERE LIVE_ACTIVITY_EVENT_OUTCOME = 'Success'",
        live_not_ios="SELECT COUNT(*) FROM USERS_MESSAGES_LIVEACTIVITY_SEND s JOIN "
        f"{b}APP_FIRSTSESSION f USING (USER_ID) WHERE f.PLATFORM <> 'ios'",
        runs="SELECT COUNT(*) FROM AGENTCONSOLE_AGENTEXECUTED",
        tool_calls="SELECT COUNT(*) FROM AGENTCONSOLE_TOOLINVOCATION",
    )
    users, weeks = config["users"], config["days"] / 7
    accounts = config["accounts"]
    near(c["opted_in"] / users, accounts["subscription_group_opt_in_rate"], users, "opt-ins")
    near(c["opted_out"] / users, accounts["subscription_group_opt_out_rate"], users, "opt-outs")
    assert c["global_email_unsubscribes"] == c["unsubscribes"] > 0
    per_user_week = config["feature_flags"]["impressions_per_user_per_week"]
    expected = per_user_week * users * weeks
    assert abs(c["flags"] - expected) <= 5 * expected**0.5, "feature flag impressions"
    live = config["live_activities"]
    near(c["live_ok"] / c["live"], live["success_rate"], c["live"], "live activity outcomes")
    assert c["live_not_ios"] == 0
    mean = config["agents"]["tool_calls_per_execution"]
    assert abs(c["tool_calls"] / c["runs"] - mean) <= 5 * (mean / c["runs"]) ** 0.5
