"""Goal charts as plain SVG, drawn on the server.

The same markup works in the page, in a screen reader (title and description
say the numbers in words) and later in the PDF letter, which cannot run
JavaScript. It is readable without colour: the journey is a solid line with
labelled points, the hoped-for score a dashed line with its own label.
"""

from dataclasses import dataclass

WIDTH = 360
HEIGHT = 190
# Side margins wide enough for a centred "Review 2" under the first and last points.
LEFT, RIGHT, TOP, BOTTOM = 40, 36, 14, 34


@dataclass
class Point:
    label: str
    score: int
    x: float
    y: float


def _y(score: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - score / 10)


def goal_chart(goal) -> dict:
    """Everything the SVG template needs for one goal, from its prefetched ratings."""
    ratings = goal.ratings_by_phase()
    journey = [r for r in [ratings["baseline"], *ratings["reviews"], ratings["end"]] if r is not None]
    inner_width = WIDTH - LEFT - RIGHT
    step = inner_width / max(len(journey) - 1, 1)
    points = [
        Point(
            label=r.label,
            score=r.score,
            x=LEFT + (step * i if len(journey) > 1 else inner_width / 2),
            y=_y(r.score),
        )
        for i, r in enumerate(journey)
    ]
    hoped_for = ratings["hoped_for"]
    summary = ", ".join(f"{p.label} {p.score}" for p in points) or "No ratings yet"
    if hoped_for is not None:
        summary += f"; hoped for {hoped_for.score}"
    return {
        "goal": goal,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right_edge": WIDTH - RIGHT,
        "axis_bottom": HEIGHT - BOTTOM,
        "label_y": HEIGHT - BOTTOM + 18,
        "gridlines": [{"score": s, "y": _y(s)} for s in (0, 5, 10)],
        "points": points,
        "polyline": " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points),
        "hoped_for": hoped_for.score if hoped_for is not None else None,
        "hoped_for_y": _y(hoped_for.score) if hoped_for is not None else None,
        "summary": summary,
    }
