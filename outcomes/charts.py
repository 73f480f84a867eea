"""The outcomes charts as plain SVG, drawn on the server (the house style of cases/charts.py).

Two charts, because thousands of goals cannot be read one by one:

- the spread of change: for every goal rated at the start and the end, how many
  moved by each amount from -10 to +10. Worse is hatched, no change is an
  outline, better is solid, and each bar carries its count: readable without
  colour.
- a page of goals, one row each (a "dumbbell"): the start score a hollow
  circle, the end score a filled circle, joined by an arrow; the hoped-for score
  a hollow diamond; the numbers written out at the end of the row.

Each has a <title> and a <desc> that say the figures in words; the page also
gives a table of the same rows.
"""

from dataclasses import dataclass

from .figures import CHANGES, Summary

# The spread of change
SPREAD_WIDTH = 640
SPREAD_HEIGHT = 220
S_LEFT, S_RIGHT, S_TOP, S_BOTTOM = 40, 10, 22, 50

# A page of goals
ROW_HEIGHT = 30
ROWS_TOP = 30
LABEL_WIDTH = 170
AXIS_WIDTH = 300
FIGURES_WIDTH = 150
GOALS_WIDTH = LABEL_WIDTH + AXIS_WIDTH + FIGURES_WIDTH


def _n(value: float | None) -> str | None:
    """A coordinate as the SVG gets it: one decimal, a dot, never localised (and fast: no template filter)."""
    return None if value is None else f"{value:.1f}"


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


@dataclass
class Bar:
    change: int
    label: str
    count: int
    kind: str  # "worse", "same" or "better": chooses the fill pattern
    x: str
    y: str
    width: str
    height: str
    centre: str


def spread_chart(summary: Summary) -> dict:
    """Bars for every change from -10 to +10 (a fixed scale, so two teams can be compared)."""
    inner_width = SPREAD_WIDTH - S_LEFT - S_RIGHT
    inner_height = SPREAD_HEIGHT - S_TOP - S_BOTTOM
    slot = inner_width / len(CHANGES)
    tallest = max(summary.spread.values(), default=0)
    bars = []
    for i, change in enumerate(CHANGES):
        count = summary.spread.get(change, 0)
        height = inner_height * count / tallest if tallest else 0
        x, width = S_LEFT + i * slot + 2, slot - 4
        bars.append(
            Bar(
                change=change,
                label=_signed(change),
                count=count,
                kind="worse" if change < 0 else "same" if change == 0 else "better",
                x=_n(x),
                y=_n(S_TOP + inner_height - height),
                width=_n(width),
                height=_n(height),
                centre=_n(x + width / 2),
            )
        )
    axis_y = S_TOP + inner_height
    if summary.rated_at_both:
        mean = f"{summary.mean_change:+.1f}" if summary.mean_change else "0.0"
        common = max(summary.spread.items(), key=lambda item: (item[1], item[0]))
        description = (
            f"Of {summary.rated_at_both} goals rated at the start and the end, {summary.improved} went up, "
            f"{summary.unchanged} stayed the same and {summary.worse} went down. Mean change {mean} points. "
            f"The most common change was {_signed(common[0])} ({common[1]} goals)."
        )
    else:
        description = "No goal in this period was rated both at the start and at the end."
    return {
        "width": SPREAD_WIDTH,
        "height": SPREAD_HEIGHT,
        "left": S_LEFT,
        "right_edge": SPREAD_WIDTH - S_RIGHT,
        "axis_y": axis_y,
        "tick_y": axis_y + 16,
        "caption_y": axis_y + 38,
        "empty_y": axis_y - 60,
        "worse_x": _n(S_LEFT + slot * 5),
        "better_x": _n(S_LEFT + slot * 16),
        "same_x": _n(S_LEFT + slot * 10.5),
        "bars": bars,
        "tallest": tallest,
        "description": description,
        "empty": not summary.rated_at_both,
    }


@dataclass
class GoalRow:
    """One goal of the page, ready for the chart and the table."""

    reference: str
    number: int
    closed_on: object
    baseline: int | None
    hoped_for: int | None
    end: int | None

    @property
    def change(self) -> int | None:
        return None if self.baseline is None or self.end is None else self.end - self.baseline

    @property
    def change_label(self) -> str:
        return "" if self.change is None else _signed(self.change)

    @property
    def improved(self) -> bool | None:
        return None if self.change is None else self.change > 0

    @property
    def reached(self) -> bool | None:
        return None if self.end is None or self.hoped_for is None else self.end >= self.hoped_for

    @property
    def in_words(self) -> str:
        start = "no start rating" if self.baseline is None else f"start {self.baseline}"
        end = "no end rating" if self.end is None else f"end {self.end}"
        hoped = "" if self.hoped_for is None else f", hoped for {self.hoped_for}"
        return f"{self.reference} goal {self.number}: {start}, {end}{hoped}"


def goal_rows(rows: list[dict]) -> list[GoalRow]:
    return [
        GoalRow(
            reference=r["reference"],
            number=r["number"],
            closed_on=r["closed_on"],
            baseline=r["baseline"],
            hoped_for=r["hoped_for"],
            end=r["end"],
        )
        for r in rows
    ]


def _x(score: float) -> float:
    return LABEL_WIDTH + AXIS_WIDTH * score / 10


def goals_chart(rows: list[GoalRow], *, first_number: int, total: int) -> dict:
    """A dumbbell per goal of the page."""
    drawn = []
    for i, row in enumerate(rows):
        y = ROWS_TOP + ROW_HEIGHT * i + ROW_HEIGHT / 2
        figures = " → ".join(
            [
                "–" if row.baseline is None else str(row.baseline),
                "–" if row.end is None else str(row.end),
            ]
        )
        if row.hoped_for is not None:
            figures += f" (hoped {row.hoped_for})"
        drawn.append(
            {
                "row": row,
                "y": _n(y),
                "baseline_x": None if row.baseline is None else _n(_x(row.baseline)),
                "end_x": None if row.end is None else _n(_x(row.end)),
                # A hollow diamond, 14 high, centred on the hoped-for score.
                "hoped_path": None
                if row.hoped_for is None
                else f"M{_x(row.hoped_for):.1f},{y - 7:.1f} l6,7 l-6,7 l-6,-7 z",
                "figures": figures,
                # The arrow stops short of the end circle, so its head shows.
                "arrow_to": None if row.change in (None, 0) else _n(_x(row.end) - (7 if row.change > 0 else -7)),
            }
        )
    height = ROWS_TOP + ROW_HEIGHT * max(len(rows), 1) + 10
    last = first_number + len(rows) - 1
    return {
        "width": GOALS_WIDTH,
        "height": height,
        "axis_left": _n(_x(0)),
        "axis_right": _n(_x(10)),
        "figures_x": LABEL_WIDTH + AXIS_WIDTH + 14,
        "gridlines": [{"score": s, "x": _n(_x(s))} for s in (0, 5, 10)],
        "grid_bottom": height - 10,
        "rows": drawn,
        "title": f"Start and end scores, goals {first_number} to {last} of {total}" if rows else "No goals",
        "description": "; ".join(row.in_words for row in rows) or "No goals in this period.",
    }
