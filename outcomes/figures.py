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

All of it is SQL aggregation, in three queries whatever the number of cases:
the case counts; the goals grouped by their change (at most 22 groups: -10 to
+10, and "no change known"), from which the figures are sums; and one page of
goals. Python only adds up the groups.

A goal's three scores are three joins to its ratings, each filtered to one
phase (`FilteredRelation`): a goal has at most one rating per phase (the
`one_rating_per_goal_phase` constraint), so a join never repeats a goal.

Indexes used: cases through `cases_case.team_id` (a team) or
`cases_case (practitioner_id, status)` (a practitioner); their goals through
`cases_goal.case_id`; each rating join through `cases_goalrating.goal_id`. All
are indexes the models already have.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery

from cases.models import Case, Goal, GoalRating

Phase = GoalRating.Phase

# Changes a 0-10 scale allows, for the spread of change.
CHANGES = range(-10, 11)

ENDED_WITH_HOPE = Q(end__isnull=False, hoped_for__isnull=False)


def closed_between(cases: QuerySet[Case], *, start: date, end: date) -> QuerySet[Case]:
    """The cases that closed between two dates, both included."""
    return cases.filter(status=Case.Status.CLOSED, closed_on__gte=start, closed_on__lte=end)


def with_scores(goals: QuerySet[Goal]) -> QuerySet[Goal]:
    """Goals with `baseline`, `hoped_for` and `end`: their scores at those phases, None when not rated."""
    return goals.annotate(
        baseline_rating=FilteredRelation("ratings", condition=Q(ratings__phase=Phase.BASELINE)),
        hoped_for_rating=FilteredRelation("ratings", condition=Q(ratings__phase=Phase.HOPED_FOR)),
        end_rating=FilteredRelation("ratings", condition=Q(ratings__phase=Phase.END)),
    ).annotate(
        baseline=F("baseline_rating__score"),
        hoped_for=F("hoped_for_rating__score"),
        end=F("end_rating__score"),
    )


def scored_goals(cases: QuerySet[Case]) -> QuerySet[Goal]:
    """One row per goal of the cases, with its scores."""
    return with_scores(Goal.objects.filter(case__in=cases.values("pk")))


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
    """The figures for the cases (two queries, whatever their number)."""
    counts = cases.aggregate(
        closed=Count("pk"),
        without_goals=Count("pk", filter=~Exists(Goal.objects.filter(case=OuterRef("pk")))),
    )
    # `change` is None unless the goal was rated at both ends; goals without an end are all in that group.
    groups = (
        scored_goals(cases)
        .values(change=F("end") - F("baseline"))
        .annotate(
            goals=Count("pk"),
            with_hoped_for=Count("pk", filter=ENDED_WITH_HOPE),
            reached=Count("pk", filter=ENDED_WITH_HOPE & Q(end__gte=F("hoped_for"))),
            without_end=Count("pk", filter=Q(end__isnull=True)),
            cases_without_end=Count("case", distinct=True, filter=Q(end__isnull=True)),
            without_baseline=Count("pk", filter=Q(end__isnull=False, baseline__isnull=True)),
        )
        .order_by()
    )
    summary = Summary(cases_closed=counts["closed"], cases_without_goals=counts["without_goals"])
    for group in groups:
        change, goals = group["change"], group["goals"]
        summary.goals += goals
        summary.with_hoped_for += group["with_hoped_for"]
        summary.reached += group["reached"]
        summary.without_end += group["without_end"]
        summary.cases_without_end += group["cases_without_end"]
        summary.without_baseline += group["without_baseline"]
        if change is not None:
            summary.spread[change] = goals
    changed = summary.spread.items()
    summary.rated_at_both = sum(n for _, n in changed)
    summary.improved = sum(n for change, n in changed if change > 0)
    summary.unchanged = summary.spread.get(0, 0)
    summary.worse = summary.rated_at_both - summary.improved - summary.unchanged
    if summary.rated_at_both:
        summary.mean_change = sum(change * n for change, n in changed) / summary.rated_at_both
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
    page = with_scores(Goal.objects.filter(pk__in=chosen[offset : offset + limit]))
    rows = _with_case_and_number(page).values("pk", "reference", "closed_on", "number", "baseline", "hoped_for", "end")
    return list(rows)
