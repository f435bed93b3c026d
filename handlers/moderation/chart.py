"""The /stats chart: daily checks of the last 30 days, stacked by answer, as a PNG (pure).

matplotlib's object API with the Agg canvas: no pyplot state, no display, safe off the event loop.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from knowledge.moderation.statistics import DayCount

COLOURS = {"match": "#c0392b", "possible": "#f39c12", "none": "#95a5a6"}


def daily_chart(days: Sequence[DayCount], labels: Mapping[str, str]) -> bytes:
    """A stacked bar chart (match / possible / none per day) as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    x = list(range(len(days)))
    bottom = [0] * len(days)
    for verdict in ("match", "possible", "none"):
        values = [getattr(day, verdict) for day in days]
        axes.bar(x, values, bottom=bottom, color=COLOURS[verdict], label=labels[verdict])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ticks = x[:: max(1, len(days) // 6)]
    axes.set_xticks(ticks, [f"{days[i].day:%d.%m}" for i in ticks])
    axes.set_title(labels["title"])
    axes.legend(loc="upper left")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
