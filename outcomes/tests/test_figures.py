"""The outcome arithmetic, on hand-built cases whose figures are worked out by hand below."""

import datetime

import pytest

from accounts.tests.factories import UserFactory
from cases.models import Case
from cases.tests.factories import CaseFactory
from outcomes import figures

from .builders import closed_case, goal_with

pytestmark = pytest.mark.django_db

START, END = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
IN_PERIOD = datetime.date(2026, 10, 1)


def summary_for(user, **filters) -> figures.Summary:
    cases = figures.closed_between(Case.objects.visible_to(user).filter(**filters), start=START, end=END)
    return figures.summarise(cases)


@pytest.fixture
def worked_example(practitioner, other_practitioner):
    """Eight goals on four closed cases of the team, and cases that must not count.

    goal  start hoped end   change  improved reached
    a1    2     7     6     +4      yes      no
    a2    5     5     5      0      no (tie) yes (tie)
    a3    6     8     4     -2      no       no
    b1    3     6     -     (no end rating)
    b2    -     7     8     (no start: not in the change; reached yes)
    b3    1     -     4     +3      yes      (no hoped-for: not counted)
    c1    4     -     -     (no end rating)
    c2    -     -     -     (no ratings at all: no end rating)
    Case D closed with no goals.

    rated at both: a1 a2 a3 b3 = 4; mean change (4 + 0 - 2 + 3) / 4 = 1.25;
    improved 2 of 4; with an end and a hoped-for: a1 a2 a3 b2 = 4, reached a2 b2 = 2;
    no end rating: 3 goals on 2 cases (B, C); an end but no start: 1 (b2).
    """
    a = closed_case(practitioner, closed_on=IN_PERIOD)
    goal_with(a, baseline=2, hoped_for=7, end=6, reviews=[9])  # a review score is not the end score
    goal_with(a, baseline=5, hoped_for=5, end=5)
    goal_with(a, baseline=6, hoped_for=8, end=4)
    b = closed_case(practitioner, closed_on=START)  # the first day of the period counts
    goal_with(b, baseline=3, hoped_for=6, reviews=[5, 6])
    goal_with(b, hoped_for=7, end=8)
    goal_with(b, baseline=1, end=4)
    c = closed_case(practitioner, closed_on=END)  # so does the last
    goal_with(c, baseline=4)
    goal_with(c)
    closed_case(practitioner)  # D: no goals

    # Not counted: closed before the period, still open, and another team's case.
    goal_with(closed_case(practitioner, closed_on=datetime.date(2025, 12, 31)), baseline=0, hoped_for=10, end=10)
    open_case = CaseFactory(practitioner=practitioner, team=practitioner.team, status=Case.Status.ACTIVE)
    goal_with(open_case, baseline=0, hoped_for=10, end=10)
    goal_with(closed_case(other_practitioner, closed_on=IN_PERIOD), baseline=10, hoped_for=10, end=0)


def test_it_counts_the_cases_closed_in_the_period_and_those_without_goals(worked_example, supervisor):
    summary = summary_for(supervisor)

    assert (summary.cases_closed, summary.cases_without_goals) == (4, 1)


def test_it_counts_the_goals_and_those_rated_at_the_start_and_the_end(worked_example, supervisor):
    summary = summary_for(supervisor)

    assert (summary.goals, summary.rated_at_both) == (8, 4)


def test_the_mean_change_is_over_goals_rated_at_both_ends(worked_example, supervisor):
    assert summary_for(supervisor).mean_change == pytest.approx(1.25)


def test_a_tie_is_not_an_improvement(worked_example, supervisor):
    summary = summary_for(supervisor)

    assert (summary.improved, summary.unchanged, summary.worse) == (2, 1, 1)
    assert summary.share_improved == pytest.approx(0.5)


def test_reaching_the_hoped_for_score_counts_goals_with_an_end_and_a_hoped_for_score(worked_example, supervisor):
    """A tie with the hoped-for score reaches it; a goal with no start rating still can."""
    summary = summary_for(supervisor)

    assert (summary.reached, summary.with_hoped_for) == (2, 4)
    assert summary.share_reached == pytest.approx(0.5)


def test_goals_without_an_end_rating_are_counted_apart_with_their_cases(worked_example, supervisor):
    summary = summary_for(supervisor)

    assert (summary.without_end, summary.cases_without_end) == (3, 2)


def test_goals_with_an_end_but_no_start_rating_are_counted_apart(worked_example, supervisor):
    assert summary_for(supervisor).without_baseline == 1


def test_the_spread_says_how_many_goals_moved_by_each_amount(worked_example, supervisor):
    assert summary_for(supervisor).spread == {4: 1, 0: 1, -2: 1, 3: 1}


def test_an_administrator_counts_every_team(worked_example, administrator):
    summary = summary_for(administrator)

    assert (summary.cases_closed, summary.goals, summary.rated_at_both, summary.worse) == (5, 9, 5, 2)


def test_a_practitioner_counts_only_their_own_cases(worked_example, other_practitioner):
    summary = summary_for(other_practitioner)

    assert (summary.cases_closed, summary.goals, summary.mean_change) == (1, 1, pytest.approx(-10))


def test_a_supervisor_sees_a_practitioner_only_on_the_teams_they_supervise(team, other_team, supervisor):
    """A practitioner who moved team: their old team's supervisor counts only the cases still in that team."""
    moved = UserFactory(team=other_team)
    goal_with(closed_case(moved, team=team, closed_on=IN_PERIOD), baseline=2, end=5)
    goal_with(closed_case(moved, team=other_team, closed_on=IN_PERIOD), baseline=9, end=1)

    summary = summary_for(supervisor, practitioner=moved)

    assert (summary.cases_closed, summary.mean_change) == (1, pytest.approx(3))


def test_a_period_with_no_cases_has_no_mean_and_no_shares(supervisor):
    summary = summary_for(supervisor)

    assert (summary.cases_closed, summary.goals, summary.mean_change) == (0, 0, None)
    assert (summary.share_improved, summary.share_reached) == (None, None)


def test_closed_cases_with_goals_but_no_end_ratings_are_not_dropped(practitioner, supervisor):
    case = closed_case(practitioner, closed_on=IN_PERIOD)
    goal_with(case, baseline=3, hoped_for=7)
    goal_with(case, baseline=5, hoped_for=8)

    summary = summary_for(supervisor)

    assert (summary.cases_closed, summary.goals, summary.rated_at_both) == (1, 2, 0)
    assert (summary.without_end, summary.cases_without_end, summary.mean_change) == (2, 1, None)


def test_goal_rows_give_scores_case_reference_and_the_goal_number_of_the_case_page(practitioner, supervisor):
    older = closed_case(practitioner, closed_on=datetime.date(2026, 3, 1))
    newer = closed_case(practitioner, closed_on=datetime.date(2026, 9, 1))
    second = goal_with(newer, baseline=4, end=6)
    first = goal_with(newer, baseline=1, hoped_for=9)
    first.position, second.position = 1, 2
    first.save(), second.save()
    goal_with(older, end=7)

    cases = figures.closed_between(Case.objects.visible_to(supervisor), start=START, end=END)
    rows = [(r["reference"], r["number"], r["baseline"], r["hoped_for"], r["end"]) for r in figures.goal_rows(cases)]

    assert rows == [
        (newer.reference, 1, 1, 9, None),
        (newer.reference, 2, 4, None, 6),
        (older.reference, 1, None, None, 7),
    ]


def test_a_page_of_goal_rows_is_the_same_slice_of_all_the_rows(practitioner, supervisor):
    for day in range(1, 6):
        case = closed_case(practitioner, closed_on=datetime.date(2026, 6, day))
        for score in range(3):
            goal_with(case, baseline=score, end=score + day)
    cases = figures.closed_between(Case.objects.visible_to(supervisor), start=START, end=END)

    page = figures.goal_page(cases, offset=4, limit=5)

    assert page == list(figures.goal_rows(cases))[4:9]
