"""Hand-built closed cases with exactly the ratings a test names."""

import datetime

from django.utils import timezone

from cases.models import Case, GoalRating
from cases.tests.factories import CaseFactory, GoalFactory, GoalRatingFactory

Phase = GoalRating.Phase


def recently() -> datetime.date:
    """A closing date inside the default period (the last 12 months)."""
    return timezone.localdate() - datetime.timedelta(days=30)


def closed_case(practitioner, *, closed_on=None, **kwargs) -> Case:
    return CaseFactory(
        practitioner=practitioner,
        team=kwargs.pop("team", practitioner.team),
        status=Case.Status.CLOSED,
        opened_on=datetime.date(2020, 1, 6),
        closed_on=closed_on or recently(),
        **kwargs,
    )


def goal_with(case, *, baseline=None, hoped_for=None, end=None, reviews=(), description=None):
    """A goal of the case rated at the phases given (None: not rated at that phase)."""
    goal = GoalFactory(case=case, **({"description": description} if description else {}))
    for phase, score in [(Phase.BASELINE, baseline), (Phase.HOPED_FOR, hoped_for), (Phase.END, end)]:
        if score is not None:
            GoalRatingFactory(goal=goal, phase=phase, score=score)
    for number, score in enumerate(reviews, start=1):
        GoalRatingFactory(goal=goal, phase=Phase.REVIEW, review_number=number, score=score)
    return goal
