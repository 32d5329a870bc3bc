"""The status chart as a PNG: matplotlib's Agg canvas, no display, no pyplot global state.

Left: per goal area, how many activities have each status, as stacked bars in traffic-light
colours (hatched white: no update at all). Right, when the plan has indicators: each
indicator's latest value as a share of the way from baseline to target, the target at 100 %
(the first `MAX_INDICATORS`; how many more there are is written under them: the documents'
tables carry every one).
The size in pixels is exact (`width` × `height`), so documents can place it predictably.
Drawn in a short-lived process (see `_render_png`), and kept per content.
"""

from __future__ import annotations

import functools
import io
import logging
import multiprocessing
import textwrap
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Final

from domain.document import Chart, IndicatorBar, Light

if TYPE_CHECKING:
    from matplotlib.axes import Axes

COLOURS: Final[dict[Light | None, str]] = {
    "green": "#3a9e4f",
    "yellow": "#f2c230",
    "red": "#d64541",
    "blue": "#3b7dd8",
    "grey": "#a6a6a6",
    None: "#ffffff",
}
log = logging.getLogger(__name__)
WIDTH: Final = 1200
HEIGHT: Final = 380
DPI: Final = 150
_LABEL_WIDTH: Final = 58
# More indicators than this do not fit the picture; the rest are counted under it.
MAX_INDICATORS: Final = 10


def _progress(bar: IndicatorBar) -> float | None:
    if bar.value is None or bar.target is None:
        return None
    start = bar.baseline if bar.baseline is not None else 0.0
    if bar.target == start:
        return 1.0 if bar.value >= bar.target else 0.0
    return (bar.value - start) / (bar.target - start)


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def _fallback(bar: IndicatorBar) -> str:
    shown = "–" if bar.value is None else _number(bar.value)
    target = "–" if bar.target is None else _number(bar.target)
    return f"{shown} / {target} {bar.unit}"


# Drawing takes about 0.1 s of CPU (holding the GIL, so chat answers wait) and the chart only
# changes when an update does: the last few are kept, and one is drawn at a time.
_DRAWING = threading.Lock()
DRAW_TIMEOUT: Final = 120.0  # seconds


def render_png(chart: Chart, *, width: int = WIDTH, height: int = HEIGHT, dpi: int = DPI) -> bytes:
    with _DRAWING:
        return _render_png(chart, width, height, dpi)


@functools.lru_cache(maxsize=32)
def _render_png(chart: Chart, width: int, height: int, dpi: int) -> bytes:
    """Draws in a short-lived process of its own: matplotlib and NumPy take some 45 MB that a
    chat server would otherwise keep for good after its first chart (spawned, not forked:
    safe beside the server's threads). Where no process can be started, here after all."""

    try:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            return pool.submit(draw_png, chart, width, height, dpi).result(DRAW_TIMEOUT)
    except (OSError, BrokenProcessPool):
        log.warning("chart drawn in process: no drawing process could be started")
        return draw_png(chart, width, height, dpi)


def draw_png(chart: Chart, width: int, height: int, dpi: int) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    FigureCanvasAgg(figure)
    if chart.indicators:
        # Status bars, their legend beside them, then the indicators.
        _status_bars(figure.add_axes((0.05, 0.2, 0.33, 0.66)), chart)
        _indicator_bars(figure.add_axes((0.6, 0.2, 0.36, 0.66)), chart)
    else:
        _status_bars(figure.add_axes((0.07, 0.2, 0.62, 0.66)), chart)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    figure.clear()  # fewer cycles left for the garbage collector
    return buffer.getvalue()


def _status_bars(axes: Axes, chart: Chart) -> None:
    categories = list(chart.categories)
    positions = list(range(len(categories)))
    left = [0] * len(categories)
    seen: set[str] = set()
    for series in chart.series:
        colour = COLOURS[series.light]
        # Two statuses of one colour (not started, paused): the second is dotted.
        hatch = "///" if series.light is None else ("..." if colour in seen else None)
        seen.add(colour)
        axes.barh(
            positions, series.values, left=left, color=colour, edgecolor="#606060",
            linewidth=0.5, hatch=hatch, label=series.label, height=0.6,
        )
        left = [a + b for a, b in zip(left, series.values, strict=True)]
    axes.set_yticks(positions, categories, fontsize=7)
    axes.invert_yaxis()
    axes.set_title(chart.title, fontsize=8, loc="left")
    axes.set_xlabel(chart.count_label, fontsize=7)
    axes.tick_params(axis="x", labelsize=7)
    axes.xaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    axes.spines[["top", "right"]].set_visible(False)
    if chart.series:
        axes.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False,
                    handlelength=1.4, borderaxespad=0.0)


def _indicator_bars(axes: Axes, chart: Chart) -> None:
    bars = list(chart.indicators)[:MAX_INDICATORS]
    hidden = len(chart.indicators) - len(bars)
    positions = list(range(len(bars)))
    shares = [_progress(bar) for bar in bars]
    lengths = [min(max(s or 0.0, 0.0), 1.5) * 100 for s in shares]
    axes.barh(positions, lengths, height=0.35,
              color=[COLOURS["blue"] if s is not None else COLOURS[None] for s in shares],
              edgecolor="#606060", linewidth=0.5)
    axes.axvline(100, color=COLOURS["red"], linewidth=1, linestyle="--")
    axes.text(101, -0.75, chart.target_label, color=COLOURS["red"], fontsize=6, va="bottom")
    for position, bar, length in zip(positions, bars, lengths, strict=True):
        axes.text(length + 2, position, bar.text or _fallback(bar), va="center", fontsize=6)
        axes.text(0, position - 0.24, textwrap.shorten(bar.label, _LABEL_WIDTH,
                                                       placeholder="…"),
                  va="bottom", fontsize=6,
                  bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.3})
    if hidden:
        axes.text(0, len(bars) - 0.45, f"+ {hidden} …", fontsize=6, va="top")
    axes.set_yticks([])
    axes.set_ylim(len(bars) - 0.5, -0.9)
    axes.set_xlim(0, 160)
    axes.set_xticks([0, 50, 100, 150])
    axes.set_xticklabels(["0 %", "50 %", "100 %", "150 %"], fontsize=7)
    axes.set_xlabel(chart.progress_label, fontsize=7)
    axes.set_title(chart.indicator_title, fontsize=8, loc="left")
    axes.spines[["top", "right", "left"]].set_visible(False)
