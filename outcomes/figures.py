"""Outcomes across cases: what changed for clients, worked out in the database.

The unit is the goal. Each goal of a case closed in the period has up to three
scores that matter here: where the client started (baseline), where they hoped
to get to (hoped-for) and where they ended (end). The figures:

- mean change: the mean of end - baseline over goals rated at both;
- improved: end > baseline, among the same goals (a tie is not an improvement);
- reached: end >= hoped-for, among goals with an end and a hoped-for score
  (a baseline is not needed to say whether the hoped-for score was reached);
- goals without an end rating, and the cases they are on, are counted apart and
  shown, never dropped silently; so are goals with an end but no baseline, and
  closed cases with no goals at all.

Everything is SQL aggregation: one query for the case counts, one for the goal
figures, one for the spread of change, one for a page of goals. The number
of queries does not depend on the number of cases.

Indexes used: cases are found through `cases_case.team_id` (a team's page) or
`cases_case (practitioner_id, status)` (a practitioner's page); their goals
through `cases_goal.case_id`; ratings through `cases_goalrating.goal_id`, all
indexes Django makes for those foreign keys.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Avg, Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery

from cases.models import Case, Goal, GoalRating

Phase = GoalRating.Phase

# Changes a 0-10 scale allows, for the spread of change.
CHANGES = range(-10, 11)

RATED_AT_BOTH = Q(baseline__isnull=False, end__isnull=False)
ENDED_WITH_HOPE = Q(end__isnull=False, hoped_for__isnull=False)


def closed_between(cases: QuerySet[Case], *, start: date, end: date) -> QuerySet[Case]:
    """The cases that closed between two dates, both included."""
    return cases.filter(status=Case.Status.CLOSED, closed_on__gte=start, closed_on__lte=end)


def _score(phase: str) -> Max:
    # One rating per goal and phase (a unique constraint), so Max is that rating.
    return Max("ratings__score", filter=Q(ratings__phase=phase))


def scored_goals(cases: QuerySet[Case]) -> QuerySet[Goal]:
    """One row per goal of the cases, with `baseline`, `hoped_for` and `end` (None when not rated)."""
    return Goal.objects.filter(case__in=cases.values("pk")).annotate(
        baseline=_score(Phase.BASELINE), hoped_for=_score(Phase.HOPED_FOR), end=_score(Phase.END)
    )


def spread_of_change(cases: QuerySet[Case]) -> dict[int, int]:
    """How many goals rated at both ends moved by each amount: {change: goals}, changes seen only.

    Grouped by the change, from each end rating and its goal's baseline (a
    subquery through the index on `cases_goalrating.goal_id`): the ORM cannot
    group by a value worked out from the aggregates of `scored_goals`.
    """
    baseline = GoalRating.objects.filter(goal=OuterRef("goal"), phase=Phase.BASELINE).values("score")[:1]
    changes = (
        GoalRating.objects.filter(phase=Phase.END, goal__case__in=cases.values("pk"))
        .annotate(baseline=Subquery(baseline))
        .filter(baseline__isnull=False)
        .values(change=F("score") - F("baseline"))
        .annotate(goals=Count("pk"))
        .order_by()
    )
    return {row["change"]: row["goals"] for row in changes}


@dataclass
class Summary:
    cases_closed: int = 0
    cases_without_goals: int = 0
    goals: int = 0
    rated_at_both: int = 0
    mean_change: float | None = None
    improved: int = 0
    unchanged: int = 0
    worse: int = 0
    with_hoped_for: int = 0
    reached: int = 0
    without_end: int = 0
    cases_without_end: int = 0
    without_baseline: int = 0
    # change -> number of goals, for every change seen (goals rated at both)
    spread: dict[int, int] = field(default_factory=dict)

    @property
    def share_improved(self) -> float | None:
        return self.improved / self.rated_at_both if self.rated_at_both else None

    @property
    def share_reached(self) -> float | None:
        return self.reached / self.with_hoped_for if self.with_hoped_for else None


def summarise(cases: QuerySet[Case]) -> Summary:
    """The figures for the cases (three queries, whatever their number)."""
    counts = cases.aggregate(
        closed=Count("pk"),
        without_goals=Count("pk", filter=~Exists(Goal.objects.filter(case=OuterRef("pk")))),
    )
    change = F("end") - F("baseline")
    goals = scored_goals(cases).aggregate(
        goals=Count("pk"),
        rated_at_both=Count("pk", filter=RATED_AT_BOTH),
        mean_change=Avg(change, filter=RATED_AT_BOTH),
        improved=Count("pk", filter=RATED_AT_BOTH & Q(end__gt=F("baseline"))),
        unchanged=Count("pk", filter=RATED_AT_BOTH & Q(end=F("baseline"))),
        with_hoped_for=Count("pk", filter=ENDED_WITH_HOPE),
        reached=Count("pk", filter=ENDED_WITH_HOPE & Q(end__gte=F("hoped_for"))),
        without_end=Count("pk", filter=Q(end__isnull=True)),
        cases_without_end=Count("case", distinct=True, filter=Q(end__isnull=True)),
        without_baseline=Count("pk", filter=Q(end__isnull=False, baseline__isnull=True)),
    )
    summary = Summary(
        cases_closed=counts["closed"],
        cases_without_goals=counts["without_goals"],
        spread=spread_of_change(cases),
        **goals,
    )
    summary.worse = summary.rated_at_both - summary.improved - summary.unchanged
    return summary


# Newest closings first; within a case, goals in the order the case page numbers them.
GOAL_ORDER = ("-case__closed_on", "case__reference", "position", "pk")


def _goal_number() -> Subquery:
    """The goal's number on its case page: its place among the case's goals by (position, pk)."""
    earlier = Goal.objects.filter(case=OuterRef("case")).filter(
        Q(position__lt=OuterRef("position")) | Q(position=OuterRef("position"), pk__lte=OuterRef("pk"))
    )
    return Subquery(earlier.order_by().values("case").annotate(n=Count("pk")).values("n"))


def _with_case_and_number(goals: QuerySet[Goal]) -> QuerySet[Goal]:
    # Values only: the case reference is all the outcomes show of a case (no names, no goal text).
    return goals.annotate(
        reference=F("case__reference"), closed_on=F("case__closed_on"), number=_goal_number()
    ).order_by(*GOAL_ORDER)


def goal_rows(cases: QuerySet[Case]) -> QuerySet:
    """Every goal of the cases with its scores, case reference and number, in page order (one query)."""
    goals = _with_case_and_number(scored_goals(cases))
    return goals.values("pk", "reference", "closed_on", "number", "baseline", "hoped_for", "end")


def goal_page(cases: QuerySet[Case], *, offset: int, limit: int) -> list[dict]:
    """One page of `goal_rows`, in one query.

    The page's goals are chosen first, without their ratings, so the ratings
    are read for those goals only rather than for every goal of the period.
    """
    chosen = Goal.objects.filter(case__in=cases.values("pk")).order_by(*GOAL_ORDER).values("pk")
    page = Goal.objects.filter(pk__in=chosen[offset : offset + limit]).annotate(
        baseline=_score(Phase.BASELINE), hoped_for=_score(Phase.HOPED_FOR), end=_score(Phase.END)
    )
    rows = _with_case_and_number(page).values("pk", "reference", "closed_on", "number", "baseline", "hoped_for", "end")
    return list(rows)
