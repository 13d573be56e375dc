"""The HTML report: self-contained, every dashboard present with the models' numbers, PNG
export, an empty warehouse, and how it looks in headless Chromium (a screenshot)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from PIL import Image
from typer.testing import CliRunner

from looker_braze.cli import app
from looker_braze.currents.report import render_report
from looker_braze.currents.warehouse import connect
from tests.currents.test_models_support import create_tables, failures_world, scenario

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
]
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
    assert html.count("<svg") == 20  # every chart inline
    assert ">7<" in html and ">60.0%<" in html  # 7 emails sent, 3 of 5 delivered opened
    assert "Spring" in html and "Welcome" in html and "PushB" in html
    assert result.queries == 35


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
    assert len(result.pngs) == 20
    for path in result.pngs:
        with Image.open(path) as image:
            assert image.format == "PNG" and image.width > 400 and image.height > 150


def test_empty_warehouse_renders_and_says_so(tmp_path):
    with connect(tmp_path / "empty.duckdb") as warehouse:
        html = render_report(warehouse, tmp_path / "r.html").html.read_text()
    assert "Nothing in the data for this." in html and "No sessions in the data." in html


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
    assert "35 queries" in result.output and "20 PNG charts" in result.output
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
