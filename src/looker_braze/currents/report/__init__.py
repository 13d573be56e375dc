"""The blocks' dashboards rendered from the warehouse to one self-contained HTML page (funnels,
weekly performance, pressure curves, retention heatmaps and curves; tables where the blocks use
tables) and, on request, the charts as PNG files.

    render_report(warehouse, "report.html", {"timezone": "UTC"}, png_dir="charts/")
"""

from looker_braze.currents.report.render import ReportResult, render_report

__all__ = ["ReportResult", "render_report"]
