"""The outcomes as CSV: one row per goal, then the summary.

Case references only: no client or child names, and no goal text (the client's
own words can identify them).
"""

import csv

from . import charts, figures


def write_csv(out, rows, summary: figures.Summary, *, start, end) -> None:
    """One row per goal, then the summary. Case references only: no names, no goal text."""
    writer = csv.writer(out)
    writer.writerow(
        ["case_reference", "closed_on", "goal_number", "baseline", "hoped_for", "end", "change", "improved", "reached"]
    )
    for row in charts.goal_rows(rows):
        writer.writerow(
            [
                row.reference,
                f"{row.closed_on:%d/%m/%Y}",
                row.number,
                _blank(row.baseline),
                _blank(row.hoped_for),
                _blank(row.end),
                _blank(row.change),
                _yes_no(row.improved),
                _yes_no(row.reached),
            ]
        )
    writer.writerow([])
    mean = "" if summary.mean_change is None else f"{summary.mean_change:.2f}"
    for label, value in [
        ("period", f"{start:%d/%m/%Y} to {end:%d/%m/%Y}"),
        ("cases closed", summary.cases_closed),
        ("cases closed with no goals", summary.cases_without_goals),
        ("goals", summary.goals),
        ("goals rated at baseline and end", summary.rated_at_both),
        ("mean change per goal", mean),
        ("goals improved", summary.improved),
        ("goals with an end and a hoped-for score", summary.with_hoped_for),
        ("goals that reached the hoped-for score", summary.reached),
        ("goals with no end rating", summary.without_end),
        ("cases with goals that have no end rating", summary.cases_without_end),
        ("goals with an end but no baseline rating", summary.without_baseline),
    ]:
        writer.writerow(["summary", label, value])
    for change, goals in sorted(summary.spread.items()):
        writer.writerow(
            [
                "summary",
                f"goals whose score changed by {change:+d}" if change else "goals whose score changed by 0",
                goals,
            ]
        )


def _blank(value) -> str:
    return "" if value is None else str(value)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")
