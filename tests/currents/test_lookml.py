"""The written LookML: complete, valid for every dialect, the blocks' defects fixed; the
validator catches what it claims to; the PostgreSQL derived tables run and agree with the
models."""

from __future__ import annotations

import re
import shutil

import lkml
import pytest
import yaml

from looker_braze.currents import schemas
from looker_braze.currents.lookml import DIALECTS, validate_lookml, write_lookml
from looker_braze.currents.membership import MEMBERSHIP
from looker_braze.currents.models import run
from looker_braze.currents.schemas import EVENT_TYPES, table_name
from looker_braze.currents.warehouse import connect
from tests.currents.test_models_support import create_tables, scenario

WRITTEN = {
    "email_funnel",
    "push_funnel",
    "email_performance",
    "message_engagement",
    "email_marketing_pressure",
    "push_marketing_pressure",
    "28_day_retention",
    "daily_retention_chart",
    "daily_retention_graph",
    "weekly_retention_chart",
    "weekly_retention_graph",
    "app_sessions",
    "sms_messaging",
    "whatsapp_messaging",
    "rcs_messaging",
    "line_messaging",
    "canvas_journeys",
    "conversions_and_lift",
    "subscriptions",
    "in_app_messages",
    "content_cards_and_banners",
    "webhooks",
    "feature_flags_and_live_activities",
    "audience_response",
    "cross_channel_overview",
}
DERIVED = {
    "email_messaging_cadence",
    "email_messaging_frequency",
    "push_messaging_cadence",
    "push_messaging_frequency",
    "push_messaging_send_cadence",
    "daily_retention",
    "weekly_retention",
    "messaging_events",
    "canvas_journey_users",
    "canvas_step_users",
    "canvas_experiment_paths",
    "campaign_audience",
    "subscription_changes",
    "in_app_message_events",
    "content_card_events",
    "banner_events",
    "webhook_events",
    "feature_flag_events",
    "live_activity_events",
    "audience_engagement",
    "cross_channel_weekly",
}


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    root = tmp_path_factory.mktemp("lookml")
    for dialect in DIALECTS:
        write_lookml(root / dialect, dialect, schema="braze" if dialect == "bigquery" else None)
    return root


@pytest.mark.parametrize("dialect", DIALECTS)
def test_written_project_is_complete_and_valid(projects, dialect):
    project = projects / dialect
    assert validate_lookml(project, dialect) == []
    views = {p.name.removesuffix(".view.lkml") for p in (project / "views").iterdir()}
    raw = {table_name(e).lower() for e in EVENT_TYPES} | {MEMBERSHIP.lower()}
    assert views == raw | DERIVED
    boards = {p.name.removesuffix(".dashboard.lookml") for p in (project / "dashboards").iterdir()}
    assert boards == WRITTEN
    assert len(list(project.glob("*.model.lkml"))) == 2


def test_bigquery_names_its_dataset_and_quotes_with_backticks(projects):
    view = lkml.load((projects / "bigquery/views/users_messages_email_send.view.lkml").read_text())
    assert view["views"][0]["sql_table_name"] == "`braze`.`USERS_MESSAGES_EMAIL_SEND`"
    sql = _derived_sql(projects, "email_messaging_cadence", "bigquery")
    assert "${users_messages_email_delivery.SQL_TABLE_NAME}" in sql
    assert '"' not in sql and "`recipient`" in sql


def test_block_defects_are_fixed(projects):
    for dialect in DIALECTS:
        frequency = (projects / dialect / "views/email_messaging_frequency.view.lkml").read_text()
        # the blocks filtered canvas_step_id with the canvas_name filter
        assert re.search(
            r"\{% condition canvas_name %\} \S*canvas_name\S* \{% endcondition", frequency
        )
        assert not re.search(r"\{% condition canvas_name %\} \S*canvas_step_id", frequency)
        # canvas_step_id and message_variation_id have filters of their own
        for name in ("canvas_step_id", "message_variation_id"):
            assert re.search(
                rf"\{{% condition {name} %\}} \S*{name}\S* \{{% endcondition", frequency
            )
        cadence = (projects / dialect / "views/email_messaging_cadence.view.lkml").read_text()
        assert "delivered_ADDRESS" not in cadence
    chart = yaml.safe_load(
        (projects / "postgres/dashboards/daily_retention_chart.dashboard.lookml").read_text()
    )[0]
    [element] = chart["elements"]
    assert element["listen"] == {"First Session Date": "daily_retention.cohort_date"}
    for board in (projects / "postgres/dashboards").iterdir():
        for element in yaml.safe_load(board.read_text())[0]["elements"]:
            assert "dynamic_fields" not in element  # rates are measures, nothing to go stale


@pytest.mark.parametrize("dialect", DIALECTS)
def test_failure_measures_count_like_the_block(projects, dialect):
    """The block counts bounces, soft bounces and spam reports as events (distinct ids) and
    unsubscribes as distinct addresses; the other count of each is there too."""

    def measures(event: str) -> dict[str, str]:
        text = (projects / dialect / f"views/users_messages_email_{event}.view.lkml").read_text()
        found = lkml.load(text)["views"][0]["measures"]
        return {m["name"]: m.get("sql", "") for m in found if m["type"] == "count_distinct"}

    for event, by_event, by_address in (
        ("bounce", "bounces", "bounces_addresses"),
        ("softbounce", "soft_bounces", "soft_bounces_addresses"),
        ("markasspam", "spam_reports", "spam_reports_addresses"),
        ("unsubscribe", "unsubscribe_events", "unsubscribes"),
    ):
        counts = measures(event)
        assert re.search(r"\bID\b", counts[by_event]), (event, counts)
        assert "EMAIL_ADDRESS" in counts[by_address], (event, counts)


def _break(project, relative: str, old: str, new: str) -> None:
    path = project / relative
    text = path.read_text()
    assert old in text, (relative, old)
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("relative", "old", "new", "expected"),
    [
        (
            "views/email_messaging_cadence.view.lkml",
            "${unique_opens}",
            "${unique_openz}",
            "is not a field of email_messaging_cadence",
        ),
        (
            "views/users_messages_email_open.view.lkml",
            "${users_messages_email_delivery.emails_",
            "${users_messages_email_delivery.emails_not_",
            "has no field emails_not_delivered",
        ),
        (
            "views/email_messaging_frequency.view.lkml",
            "{% condition canvas_name %}",
            "{% condition canvas_step %}",
            "names no filter or parameter",
        ),
        (
            "views/users_messages_email_send.view.lkml",
            'sql: ${TABLE}."ID" ;;',
            "sql: CASE WHEN THEN ;;",
            "does not parse as postgres",
        ),
        (
            "views/users_messages_email_send.view.lkml",
            "dimension: id {",
            "dimension: id {{",
            "does not parse",
        ),
        (
            "braze_currents_block_message_engagement.model.lkml",
            'include: "/views/users_messages_email_click.view.lkml"',
            'include: "/views/users_messages_email_klick.view.lkml"',
            "matches no file",
        ),
        (
            "braze_currents_block_message_engagement.model.lkml",
            "join: users_messages_email_delivery {",
            "join: users_messages_email_spam {",
            "needs users_messages_email_delivery, which the explore lacks",
        ),
        (
            "dashboards/email_funnel.dashboard.lookml",
            "- users_messages_email_open.unique_opens",
            "- users_messages_email_open.unique_openers",
            "is not in explore",
        ),
        (
            "dashboards/email_funnel.dashboard.lookml",
            "      Campaign Name:",
            "      Campaign:",
            "a filter the dashboard lacks",
        ),
        (
            "dashboards/daily_retention_chart.dashboard.lookml",
            "explore: daily_retention\n",
            "explore: daily_retentions\n",
            "no explore daily_retentions",
        ),
    ],
)
def test_validator_catches(projects, tmp_path, relative, old, new, expected):
    project = tmp_path / "broken"
    shutil.copytree(projects / "postgres", project)
    _break(project, relative, old, new)
    problems = validate_lookml(project, "postgres")
    assert any(expected in p for p in problems), problems


def test_validator_catches_stale_table_calculations(projects, tmp_path):
    project = tmp_path / "broken"
    shutil.copytree(projects / "postgres", project)
    path = project / "dashboards/email_funnel.dashboard.lookml"
    board = yaml.safe_load(path.read_text())
    board[0]["elements"][0]["dynamic_fields"] = [
        {
            "table_calculation": "rate",
            "label": "Rate",
            "expression": "${users_messages_email_open.unique_opens}/${email_send_cadence.sent}",
        }
    ]
    path.write_text(yaml.safe_dump(board, sort_keys=False))
    problems = validate_lookml(project, "postgres")
    assert any("email_send_cadence.sent, which the tile does not query" in p for p in problems)


def _looker_would_run(sql: str, granularity: str = "day") -> str:
    """What Looker sends for our derived tables with no filters set, in New York time."""
    sql = re.sub(r"\{% condition \w+ %\}.*?\{% endcondition %\}", "TRUE", sql, flags=re.S)
    sql = sql.replace("{% parameter date_granularity %}", f"'{granularity}'")
    sql = sql.replace("{{ _query._query_timezone }}", "America/New_York")
    return re.sub(r"\$\{(\w+)\.SQL_TABLE_NAME\}", lambda m: f'"{m.group(1).upper()}"', sql)


def _derived_sql(projects, view: str, dialect: str = "postgres") -> str:
    parsed = lkml.load((projects / f"{dialect}/views/{view}.view.lkml").read_text())
    return parsed["views"][0]["derived_table"]["sql"]


def test_postgres_derived_tables_run_and_match_the_models(projects, pg_schema):
    url, schema = pg_schema
    with connect(f"{url}?schema={schema}") as warehouse:
        create_tables(warehouse, scenario())
        cadence = _looker_would_run(_derived_sql(projects, "email_messaging_cadence"))
        _, rows = warehouse.query(
            f"SELECT delivery_rank, COUNT(*), SUM(opened) FROM ({cadence})"
            " AS t GROUP BY delivery_rank ORDER BY delivery_rank"
        )
        expected = run(warehouse, "email_cadence_by_rank").rows
        assert [tuple(r) for r in rows] == [(r[0], r[1], r[3]) for r in expected]
        frequency = _looker_would_run(_derived_sql(projects, "email_messaging_frequency"), "week")
        _, rows = warehouse.query(
            f"SELECT frequency, COUNT(*) FROM ({frequency}) AS t "
            "GROUP BY frequency ORDER BY frequency"
        )
        expected = run(warehouse, "email_frequency", {"granularity": "week"}).rows
        assert [tuple(r) for r in rows] == [(r[0], r[3]) for r in expected]
        retention = _looker_would_run(_derived_sql(projects, "daily_retention"))
        _, rows = warehouse.query(
            f"SELECT cohort_date, days_since_first, cohort_users, "
            f"active_users FROM ({retention}) AS t ORDER BY 1, 2"
        )
        expected = run(warehouse, "retention_daily_cohorts").rows
        assert [tuple(r) for r in rows] == [r[:4] for r in expected]


def test_postgres_days_since_first_session_dimension_runs(projects, pg_schema):
    view = lkml.load(
        (projects / "postgres/views/users_behaviors_app_sessionstart.view.lkml").read_text()
    )["views"][0]
    [days] = [d["sql"] for d in view["dimensions"] if d["name"] == "days_since_first_session"]
    sql = (
        days.replace("${epoch_seconds}", 's."TIME"')
        .replace("${users_behaviors_app_firstsession.epoch_seconds}", 'f."TIME"')
        .replace("{{ _query._query_timezone }}", "America/New_York")
    )
    url, schema = pg_schema
    with connect(f"{url}?schema={schema}") as warehouse:
        create_tables(warehouse, scenario())
        _, rows = warehouse.query(
            f'SELECT s."USER_ID", {sql} FROM "USERS_BEHAVIORS_APP_SESSIONSTART" s '
            'JOIN "USERS_BEHAVIORS_APP_FIRSTSESSION" f ON f."USER_ID" = s."USER_ID" '
            f'AND f."APP_ID" = s."APP_ID" ORDER BY 1, 2'
        )
    assert [tuple(r) for r in rows] == [
        ("u1", 0),
        ("u1", 1),
        ("u1", 3),
        ("u1", 14),
        ("u2", 1),
        ("u3", 1),
        ("u3", 7),
    ]


def test_lookml_command(tmp_path):
    from typer.testing import CliRunner

    from looker_braze.cli import app

    result = CliRunner().invoke(
        app,
        [
            "currents",
            "lookml",
            str(tmp_path / "project"),
            "--dialect",
            "bigquery",
            "--schema",
            "braze",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "validation: OK" in result.output
    bad = CliRunner().invoke(app, ["currents", "lookml", str(tmp_path / "x"), "--dialect", "mysql"])
    assert bad.exit_code == 2 and "snowflake, bigquery, postgres, redshift" in bad.output


def test_report_and_lookml_draw_the_same_dashboards_and_tiles(projects, tmp_path):
    """Both come from currents/dashboards: the report's sections and the LookML dashboards
    list the same dashboards, and each the same tiles in the same order."""
    from looker_braze.currents.dashboards import DASHBOARDS
    from looker_braze.currents.dashboards.spec import CHART_KINDS
    from looker_braze.currents.models import MODELS
    from looker_braze.currents.report.queries import run_queries
    from looker_braze.currents.report.sections import build_sections
    from looker_braze.currents.report.tiles import RENDERERS

    assert set(RENDERERS) == set(CHART_KINDS)
    defined = [(b.title, [t.title for t in b.tiles]) for b in DASHBOARDS]
    assert len({title for title, _ in defined}) == len(defined) == len(WRITTEN)
    assert all(t.model in MODELS for b in DASHBOARDS for t in b.tiles)
    looker = {}
    for path in (projects / "postgres/dashboards").iterdir():
        [board] = yaml.safe_load(path.read_text())
        looker[board["title"]] = [element["title"] for element in board["elements"]]
    with connect(tmp_path / "empty.duckdb") as warehouse:
        sections = build_sections(run_queries(warehouse))
    report = [(section.title, section.tiles) for section in sections]
    assert report == defined
    assert looker == dict(defined)
    assert {b.name for b in DASHBOARDS} == WRITTEN


def test_tiles_fill_the_grid_row_by_row(projects):
    """The layout flows tiles left to right: no overlap, nothing past column 24."""
    for path in (projects / "postgres/dashboards").iterdir():
        [board] = yaml.safe_load(path.read_text())
        taken = set()
        for element in board["elements"]:
            assert element["col"] + element["width"] <= 24, (path.name, element["title"])
            cells = {
                (row, col)
                for row in range(element["row"], element["row"] + element["height"])
                for col in range(element["col"], element["col"] + element["width"])
            }
            assert not cells & taken, (path.name, element["title"])
            taken |= cells


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_event_type_has_a_view_with_every_field(projects, dialect):
    """Each of the 94 types: a dimension per field (typed as its Avro type), the event's time
    group, and the dedupe-safe counts; a type without users counts no users."""
    kinds = {"string": "string", "int": "number", "long": "number", "float": "number",
             "boolean": "yesno"}  # fmt: skip
    for event_type in EVENT_TYPES:
        name = table_name(event_type).lower()
        text = (projects / dialect / "views" / f"{name}.view.lkml").read_text()
        [view] = lkml.load(text)["views"]
        dimensions = {d["name"]: d for d in view["dimensions"]}
        for field in schemas.fields(event_type):
            if field.name == "time":
                continue
            assert dimensions[field.name]["type"] == kinds.get(field.type, "string"), field.name
            assert field.name.upper() in dimensions[field.name]["sql"]
        [group] = view["dimension_groups"]
        assert group["datatype"] == "epoch" and "TIME" in group["sql"]
        measures = {m["name"] for m in view["measures"]}
        has_users = any(f.name == "user_id" for f in schemas.fields(event_type))
        assert {"count", "events"} <= measures and ("users" in measures) == has_users


def test_view_descriptions_say_what_brazes_flags_mean(projects):
    text = (projects / "snowflake" / "views" / "users_messages_email_open.view.lkml").read_text()
    [view] = lkml.load(text)["views"]
    machine = next(d for d in view["dimensions"] if d["name"] == "machine_open")
    assert "automated process" in machine["description"]
    text = (projects / "postgres" / "views" / "users_messages_rcs_click.view.lkml").read_text()
    [view] = lkml.load(text)["views"]
    bot = next(d for d in view["dimensions"] if d["name"] == "is_suspected_bot_click")
    assert bot["type"] == "yesno" and "bot" in bot["description"]


def test_block_parity_filters(projects):
    """Push Marketing Pressure has the block's Platform filter, every tile listening to it;
    Message Engagement has a sent-date filter per channel, each tile listening to its own."""
    boards = {}
    for path in (projects / "postgres/dashboards").iterdir():
        [board] = yaml.safe_load(path.read_text())
        boards[board["dashboard"]] = board
    push = boards["push_marketing_pressure"]
    assert "Platform" in {f["name"] for f in push["filters"]}
    for element in push["elements"]:
        assert element["listen"]["Platform"] == f"{element['explore']}.platform"
    email = boards["email_marketing_pressure"]
    assert "Platform" not in {f["name"] for f in email["filters"]}
    engagement = boards["message_engagement"]
    dates = {f["name"]: f["explore"] for f in engagement["filters"]}
    assert set(dates) == {"Email Sent Date", "Push Sent Date", "In-App Impression Date"}
    assert dates["Email Sent Date"] != dates["Push Sent Date"]
    for element in engagement["elements"]:
        [(name, listened)] = element["listen"].items()
        assert dates[name] == element["explore"] == listened.split(".")[0], element["title"]
