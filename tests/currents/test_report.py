"""The HTML report: self-contained, every dashboard present with the models' numbers, PNG
export, an empty warehouse, and how it looks in headless Chromium (a screenshot)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from typer.testing import CliRunner

from looker_braze.cli import app
from looker_braze.currents.report import charts, render_report
from looker_braze.currents.report.queries import dashboard_queries, run_queries
from looker_braze.currents.report.sections import build_sections
from looker_braze.currents.warehouse import connect
from tests.currents.test_models_support import (
    FIRST,
    NEW_YORK,
    START,
    create_tables,
    epoch,
    failures_world,
    scenario,
    session,
)

SECTIONS = [
    "email-funnel",
    "push-funnel",
    "email-performance",
    "message-engagement",
    "email-marketing-pressure",
    "push-marketing-pressure",
    "28-day-retention",
    "daily-retention-chart",
    "daily-retention-graph",
    "weekly-retention-chart",
    "weekly-retention-graph",
    "app-sessions",
    "sms-messaging",
    "whatsapp-messaging",
    "rcs-messaging",
    "line-messaging",
    "canvas-journeys",
    "conversions-and-lift",
    "subscriptions",
    "in-app-messages",
    "content-cards-and-banners",
    "webhooks",
    "feature-flags-and-live-activities",
    "cross-channel-overview",
    "audience-response",
]
# The chart kinds the report draws as an SVG chart (the others are cards, tables, heatmaps).
DRAWN = ("funnel", "bars_and_rates", "rate_lines", "curves")


def _charts() -> int:
    from looker_braze.currents.dashboards import DASHBOARDS

    return sum(1 for board in DASHBOARDS for tile in board.tiles if tile.chart in DRAWN)


REQUIRE = os.environ.get("LOOKER_BRAZE_REQUIRE_SERVICES") == "1"


@pytest.fixture
def world(tmp_path):
    with connect(tmp_path / "world.duckdb") as warehouse:
        create_tables(warehouse, scenario())
        yield warehouse


def _external_references(html: str) -> list[str]:
    links = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', html)
    return [link for link in links if not link.startswith(("#", "data:"))]


def test_report_is_one_self_contained_page_with_every_dashboard(world, tmp_path):
    result = render_report(world, tmp_path / "report.html", source="world.duckdb")
    html = result.html.read_text()
    assert _external_references(html) == []
    assert "<script" not in html and "<link" not in html and "@import" not in html
    for section in SECTIONS:
        assert f'id="{section}"' in html
    assert html.count("<svg") == _charts() >= 37  # every chart inline
    assert ">7<" in html and ">60.0%<" in html  # 7 emails sent, 3 of 5 delivered opened
    assert "Spring" in html and "Welcome" in html and "PushB" in html
    assert result.queries == len(dashboard_queries()) >= 66


def test_report_parameters_reach_every_query(world, tmp_path):
    html = render_report(world, tmp_path / "r.html", {"campaign_name": "Spring"}).html.read_text()
    assert "campaign_name = Spring" in html
    funnel = html[html.index('id="email-funnel"') : html.index('id="push-funnel"')]
    assert ">5<" in funnel and "Welcome" not in funnel


def test_deliverability_table_counts_failures_like_the_block(tmp_path):
    """Bounces are events, unsubscribes distinct addresses (test_models_semantics has the
    world): on Jan 4 one bounce and one unsubscribe without an address, so 0 addresses."""
    with connect(tmp_path / "failures.duckdb") as warehouse:
        create_tables(warehouse, failures_world())
        html = render_report(warehouse, tmp_path / "r.html").html.read_text()
    part = html[html.index("Deliverability Overview by Day") : html.index("Top 10 Sending IPs")]
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", part)
    rows = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in part.split("<tr>")[2:]]
    by_day = {row[0]: dict(zip(headers, row, strict=True)) for row in rows}
    thursday = by_day["2024-01-04"]
    assert (thursday["Bounces"], thursday["Unsubscribed addresses"]) == ("1", "0")
    assert by_day["2024-01-03"]["Unsubscribed addresses"] == "2"
    assert "unsubscribes count distinct addresses" in part


def test_png_export(world, tmp_path):
    result = render_report(world, tmp_path / "r.html", png_dir=tmp_path / "png")
    assert len(result.pngs) == _charts()
    for path in result.pngs:
        with Image.open(path) as image:
            assert image.format == "PNG" and image.width > 400 and image.height > 150


def test_empty_warehouse_renders_and_says_so(tmp_path):
    with connect(tmp_path / "empty.duckdb") as warehouse:
        html = render_report(warehouse, tmp_path / "r.html").html.read_text()
    assert "Nothing in the data for this." in html and "No sessions in the data." in html
    assert "No complete week" not in html  # no sessions at all: not a matter of weeks


def _is_whole(label: str) -> bool:
    return label.replace(",", "").isdigit()


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.integers(0, 40), min_size=1, max_size=8),
    with_rates=st.booleans(),
)
def test_count_axes_tick_on_distinct_whole_numbers(counts, with_rates):
    """A small count axis once read "0 0 1 2 2 2" (fractional ticks rounded)."""
    labels = list(range(len(counts)))
    rates = {"Open rate": [0.5] * len(counts)} if with_rates else {}
    chart = charts.bars_and_rates("t", labels, {"Deliveries": counts}, rates)
    ticks = chart.count_ticks
    assert len(ticks) >= 2 and len(set(ticks)) == len(ticks), ticks
    assert all(_is_whole(t) for t in ticks), ticks
    assert ticks[0] == "0"


@settings(max_examples=200, deadline=None)
@given(counts=st.lists(st.integers(0, 10**7), min_size=1, max_size=5), base=st.integers(0, 4))
def test_funnel_bars_are_a_share_of_sends_and_say_so(counts, base):
    names = ["Sent", "Delivered", "Unique opens", "Unique clicks", "Other"][: len(counts)]
    base = base if base < len(counts) else None
    bars = charts.funnel_bars(list(zip(names, counts, strict=True)), base)
    sent = counts[0]
    for i, (bar, count) in enumerate(zip(bars, counts, strict=True)):
        assert 0 <= bar.length <= 1
        share = count / sent if sent else 0.0
        assert bar.share == pytest.approx(share)
        assert bar.text.startswith(f"{count:,} · {share:.1%} of sent")
        if base is not None and i > base:
            rate = count / counts[base] if counts[base] else 0.0
            assert bar.text.endswith(f" · {rate:.1%} of {names[base].lower()}")
        else:
            assert bar.text.count(" of ") == 1
    descending = sorted(counts, reverse=True)
    for bar in charts.funnel_bars(list(zip(names, descending, strict=True))):
        assert 0 <= bar.share <= 1 and bar.length == bar.share


def test_rate_cards_and_funnel_bars_show_the_same_number_over_the_same_base(world):
    sections = {s.id: s for s in build_sections(run_queries(world))}
    for section_id, expected in (
        (
            "email-funnel",
            {
                "Delivery rate (of sent)": "71.4%",  # 5 of 7
                "Unique open rate (of delivered)": "60.0%",  # 3 of 5
                "Unique click rate (of delivered)": "20.0%",  # 1 of 5
            },
        ),
        # 2 (user, message) pairs opened of 4 - 1 bounce (3 open events: a count, not the rate)
        ("push-funnel", {"Unique open rate (of delivered)": "66.7%"}),
    ):
        section = sections[section_id]
        cards = dict(section.kpis)
        [(_, funnel)] = section.charts
        for label, value in expected.items():
            base = label.rpartition("(of ")[2].rstrip(")")
            assert cards[label] == value, (label, cards)
            assert any(f"{value} of {base}" in text for text in funnel.texts), funnel.texts


def test_sessions_without_a_complete_week_say_so(tmp_path):
    """Three days of sessions: daily cohorts exist, no week is complete yet."""
    t = epoch
    world = {
        FIRST: [session("u1", t("2024-01-01 10:00", NEW_YORK))],
        START: [session("u1", t(f"2024-01-0{d} 10:00", NEW_YORK)) for d in (1, 2, 3)],
    }
    with connect(tmp_path / "days.duckdb") as warehouse:
        create_tables(warehouse, world)
        html = render_report(warehouse, tmp_path / "r.html").html.read_text()
    weekly = html[
        html.index('id="weekly-retention-chart"') : html.index('id="weekly-retention-graph"')
    ]
    daily = html[html.index('id="28-day-retention"') : html.index('id="daily-retention-chart"')]
    assert "No complete week in the data yet." in weekly
    assert "No sessions in the data." not in html
    with connect(tmp_path / "days.duckdb") as warehouse:
        sections = {s.id: s for s in build_sections(run_queries(warehouse))}
    [(_, curves)] = sections["weekly-retention-graph"].charts
    assert curves.texts == ("No complete week in the data yet.",)
    [(_, curves)] = sections["daily-retention-graph"].charts
    assert curves.texts == ()
    assert '<table class="heat">' in daily


def test_report_command(world, tmp_path):
    world.close()
    out = tmp_path / "cli.html"
    result = CliRunner().invoke(
        app,
        [
            "currents",
            "report",
            "--db",
            str(tmp_path / "world.duckdb"),
            "--out",
            str(out),
            "--png",
            str(tmp_path / "png"),
            "--param",
            "timezone=UTC",
        ],
    )
    assert result.exit_code == 0, result.output
    queries, drawn = len(dashboard_queries()), _charts()
    assert f"{queries} queries" in result.output and f"{drawn} PNG charts" in result.output
    assert "timezone = UTC" in out.read_text()
    bad = CliRunner().invoke(
        app, ["currents", "report", "--db", str(tmp_path / "world.duckdb"), "--param", "colour=red"]
    )
    assert bad.exit_code == 2 and "unknown parameter(s) colour" in bad.output


def _chromium() -> str | None:
    return next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
    )


@pytest.mark.browser
def test_report_looks_right_in_headless_chromium(currents_duckdb, tmp_path):
    browser = _chromium()
    if browser is None:
        message = "headless Chromium not installed (apt-get install chromium)"
        if REQUIRE:
            pytest.fail(f"{message}; LOOKER_BRAZE_REQUIRE_SERVICES=1 forbids skipping")
        pytest.skip(message)
    with connect(currents_duckdb, read_only=True) as warehouse:
        page = render_report(warehouse, tmp_path / "report.html").html
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1400,3000",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with Image.open(shot) as image:
        assert image.size == (1400, 3000)
        pixels = image.convert("RGB").resize((350, 750))
        colours = pixels.getcolors(maxcolors=1 << 20)
        background = max(colours)[1]
        drawn = sum(count for count, colour in colours if colour != background)
    assert len(colours) > 300  # charts, tables and headings, not a blank or error page
    assert drawn / (350 * 750) > 0.25


def test_block_parity_tiles_show_the_models_figures(world):
    """The tiles added for the block's measures, on scenario() (see test_models_support)."""
    sections = {s.id: s for s in build_sections(run_queries(world))}
    email = dict(sections["email-funnel"].kpis)
    assert email["Delivered addresses"] == "3"  # a, b, e
    assert email["Total opens per send"] == "71.4%"  # 5 opens of 7 sends
    assert email["Machine opens (left out)"] == email["Suspected bot clicks (left out)"] == "0"
    push = dict(sections["push-funnel"].kpis)
    assert push["Delivery rate (of sent)"] == "75.0%"  # 3 of 4
    assert push["All opens"] == "3"  # a count beside the unique open rate
    engagement = dict(sections["message-engagement"].kpis)
    assert engagement["In-app impressions"] == "0"
    assert engagement["In-app click rate (of viewers)"] == "–"  # nothing seen: no rate
    sessions = dict(sections["app-sessions"].kpis)
    assert (sessions["First sessions"], sessions["Sessions"], sessions["Ended sessions"]) == (
        "3",
        "7",
        "0",
    )
    [sends] = [t for t in sections["push-marketing-pressure"].tables if "Send Rank" in t.title]
    # u1: PushA then PushB; u2 and u3: PushA, u3's bounced
    assert [(r["send_rank"], r["sends"], r["bounces"]) for r in sends.rows] == [
        (1, 3, 1),
        (2, 1, 0),
    ]


def test_the_readme_lists_every_dashboard_by_its_title():
    """The README's Currents section names each dashboard the report and the LookML draw."""
    from pathlib import Path

    from looker_braze.currents.dashboards import DASHBOARDS

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("## Braze Currents analytics", 1)[1].split("\n## ", 1)[0]
    missing = [d.title for d in DASHBOARDS if f"**{d.title}**" not in section]
    assert not missing, f"dashboards the README's Currents section does not list: {missing}"
