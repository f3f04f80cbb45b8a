"""Charts for cards: Teams' `Chart.*` elements, each carrying its numbers as a fallback for other hosts."""

from __future__ import annotations

from collections.abc import Sequence

from microsoft_teams.cards.core import (
    ChartColor,
    FactSet,
    HorizontalBarChart,
    HorizontalBarChartDataValue,
    HorizontalBarChartDisplayMode,
)

from cards.elements import facts

# Bars beyond this many are cut: a chart with more rows than a phone shows is read, not looked at.
MAX_BARS = 10


def horizontal_bars(
    title: str,
    rows: Sequence[tuple[str, int]],
    *,
    color: ChartColor | None = None,
    mode: HorizontalBarChartDisplayMode = "AbsoluteWithAxis",
) -> HorizontalBarChart:
    """One bar per row; hosts without charts (the JS renderer, older clients) show the rows as facts."""
    shown_rows = list(rows)[:MAX_BARS]
    fallback: FactSet = facts((name, str(count)) for name, count in shown_rows)
    return HorizontalBarChart(
        title=title,
        show_title=False,
        color=color,
        display_mode=mode,
        data=[HorizontalBarChartDataValue(x=name, y=float(count)) for name, count in shown_rows],
        fallback=fallback,
    )
