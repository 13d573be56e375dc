"""The report's charts, drawn with matplotlib once and kept as inline SVG (and, on request, PNG).

Text is drawn as paths in the SVG so the page looks the same with or without the fonts
installed, and nothing is fetched over the network.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display: render to files only

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, MaxNLocator

PALETTE = ["#5b3fd9", "#13a89e", "#f29f05", "#e4572e", "#3a86ff", "#8d6cab", "#6c757d"]
INK, GRID, MUTED = "#1f2430", "#e6e8ef", "#8a90a2"
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.edgecolor": GRID,
    "axes.labelcolor": INK,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": GRID,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "legend.frameon": False,
    "svg.fonttype": "path",
}
PERCENT = FuncFormatter(
    lambda value, _: f"{value:.0%}" if value >= 0.1 or value == 0 else f"{value:.1%}"
)
THOUSANDS = FuncFormatter(lambda value, _: f"{value:,.0f}")


@dataclass(frozen=True)
class Chart:
    name: str  # file stem for --png
    svg: str
    png: bytes
    # What the chart writes, kept as text since the SVG draws letters as paths: the labels on
    # its bars, and the tick labels of its count axis.
    texts: tuple[str, ...] = ()
    count_ticks: tuple[str, ...] = ()


def _count_axis(axis) -> None:
    """Counts are whole: ticks only on integers, so a small axis does not read "0 0 1 2 2"."""
    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(THOUSANDS)


def _shown_ticks(axis) -> tuple[str, ...]:
    low, high = sorted(axis.get_view_interval())
    locs = [loc for loc in axis.get_majorticklocs() if low <= loc <= high]
    return tuple(axis.get_major_formatter().format_ticks(locs))


def _render(name: str, fig, count_axis=None, texts: Sequence[str] = ()) -> Chart:
    svg, png = io.StringIO(), io.BytesIO()
    fig.savefig(svg, format="svg", bbox_inches="tight")
    fig.savefig(png, format="png", dpi=144, bbox_inches="tight")
    ticks = _shown_ticks(count_axis) if count_axis is not None else ()
    plt.close(fig)
    text = svg.getvalue()
    return Chart(name, text[text.index("<svg") :], png.getvalue(), tuple(texts), ticks)


@dataclass(frozen=True)
class FunnelBar:
    label: str
    count: float
    share: float  # of the first stage (the sends)
    text: str  # written beside the bar

    @property
    def length(self) -> float:
        """The bar's length: its share, at most a full bar should a later stage outnumber
        the sends (the label still tells the true share)."""
        return min(self.share, 1.0)


def funnel_bars(
    stages: Sequence[tuple[str, float | None]], base: int | None = None
) -> list[FunnelBar]:
    """Each stage as a share of the first (the sends). Stages after ``base`` (delivered) also
    give their share of it, the base the rate cards use, so bar and card read the same."""
    counts = [value or 0 for _, value in stages]
    first, base_count = (counts[0] if counts else 0), (counts[base] if base is not None else 0)
    bars = []
    for i, ((label, _), count) in enumerate(zip(stages, counts, strict=True)):
        share = count / first if first else 0.0
        text = f"{count:,.0f} · {share:.1%} of {stages[0][0].lower()}"
        if base is not None and i > base:
            rate = count / base_count if base_count else 0.0
            text += f" · {rate:.1%} of {stages[base][0].lower()}"
        bars.append(FunnelBar(label, count, share, text))
    return bars


def funnel(name: str, stages: Sequence[tuple[str, float | None]], base: int | None = None) -> Chart:
    """Horizontal funnel: each bar is its stage's share of the sends, labelled with its count
    and that share (and, after ``base``, its share of that stage)."""
    bars = funnel_bars(stages, base)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 0.7 + 0.62 * len(bars)))
        ys = list(range(len(bars)))[::-1]
        ax.barh(ys, [bar.length for bar in bars], color=PALETTE[: len(bars)], height=0.62)
        for y, bar in zip(ys, bars, strict=True):
            ax.text(bar.length + 0.01, y, bar.text, va="center", color=INK, fontsize=9)
        ax.set_yticks(ys, [bar.label for bar in bars])
        ax.set_xlim(0, 1.75)  # room for the labels right of a full bar
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
        ax.xaxis.set_major_formatter(PERCENT)
        ax.set_xlabel(f"share of {stages[0][0].lower()}" if stages else "", color=MUTED)
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        ax.tick_params(axis="y", colors=INK, length=0)
        return _render(name, fig, texts=[bar.text for bar in bars])


def bars_and_rates(
    name: str,
    labels: Sequence,
    bars: dict[str, Sequence],
    rates: dict[str, Sequence],
    xlabel: str = "",
) -> Chart:
    """Counts as bars (left axis) and rates as lines (right axis) over the same categories."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.2))
        positions = list(range(len(labels)))
        width = 0.8 / max(len(bars), 1)
        for i, (label, values) in enumerate(bars.items()):
            offsets = [p - 0.4 + width * (i + 0.5) for p in positions]
            ax.bar(
                offsets,
                [v or 0 for v in values],
                width=width,
                label=label,
                color=PALETTE[i],
                alpha=0.28 if rates else 0.9,
            )
        _count_axis(ax.yaxis)
        # counts start at 0 and the axis spans at least 0..1 (all-zero bars gave a ±0.05 axis)
        ax.set_ylim(0, max(ax.get_ylim()[1], 1))
        ax.set_xlabel(xlabel, color=MUTED)
        _categories(ax, labels)
        handles, names = ax.get_legend_handles_labels()
        if rates:
            right = ax.twinx()
            right.grid(False)
            right.spines["right"].set_visible(True)
            for i, (label, values) in enumerate(rates.items()):
                right.plot(
                    positions,
                    values,
                    marker="o",
                    markersize=3.5,
                    linewidth=2,
                    color=PALETTE[(i + len(bars)) % len(PALETTE)],
                    label=label,
                )
            right.yaxis.set_major_formatter(PERCENT)
            right.set_ylim(bottom=0)
            more = right.get_legend_handles_labels()
            handles, names = handles + more[0], names + more[1]
        ax.legend(
            handles, names, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=5, fontsize=8.5
        )
        return _render(name, fig, count_axis=ax.yaxis)


def _categories(ax, labels: Sequence) -> None:
    positions = list(range(len(labels)))
    step = max(1, len(labels) // 14)
    ax.set_xticks(positions[::step], [str(label) for label in labels][::step])
    if any(len(str(label)) > 5 for label in labels):
        for tick in ax.get_xticklabels():
            tick.set_rotation(30)
            tick.set_horizontalalignment("right")


def rate_lines(name: str, labels: Sequence, series: dict[str, Sequence], xlabel: str = "") -> Chart:
    """Rates over categories or time, one line per series."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.2))
        positions = list(range(len(labels)))
        for i, (label, values) in enumerate(series.items()):
            ax.plot(
                positions,
                values,
                marker="o",
                markersize=3,
                linewidth=2,
                color=PALETTE[i % len(PALETTE)],
                label=label,
            )
        ax.yaxis.set_major_formatter(PERCENT)
        ax.set_ylim(bottom=0)
        ax.set_xlabel(xlabel, color=MUTED)
        _categories(ax, labels)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=8.5)
        return _render(name, fig)


def retention_curves(
    name: str,
    cohorts: dict[str, tuple[list[int], list[float]]],
    pooled: tuple[list[int], list[float]],
    unit: str,
    empty: str = "",
) -> Chart:
    """Each cohort's curve in light grey, all cohorts pooled in bold; ``empty`` written
    across the axes when there is no curve to draw."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.2))
        for xs, ys in cohorts.values():
            ax.plot(xs, ys, color="#c9cbe0", linewidth=1)
        ax.plot(
            *pooled, color=PALETTE[0], linewidth=2.6, marker="o", markersize=3, label="all cohorts"
        )
        ax.yaxis.set_major_formatter(PERCENT)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(f"{unit} since first session", color=MUTED)
        ax.legend(loc="upper right", fontsize=8.5)
        texts = []
        if empty and not pooled[0]:
            ax.text(0.5, 0.5, empty, transform=ax.transAxes, ha="center", color=MUTED)
            texts.append(empty)
        return _render(name, fig, texts=texts)
