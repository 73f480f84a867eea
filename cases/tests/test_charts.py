"""Goal charts: server-drawn SVG that says its numbers in words as well as in lines."""

import re

import pytest
from django.template import Context, Template

from cases.charts import goal_chart
from cases.models import Goal, GoalRating
from cases.tests.factories import GoalFactory, GoalRatingFactory

pytestmark = pytest.mark.django_db

Phase = GoalRating.Phase


def rate(goal, phase, score, review_number=None):
    return GoalRatingFactory(goal=goal, phase=phase, score=score, review_number=review_number)


def fetched(goal) -> Goal:
    """The goal as the case page fetches it, with its ratings prefetched."""
    return Goal.objects.prefetch_related("ratings").get(pk=goal.pk)


def chart_data(goal) -> dict:
    return goal_chart(fetched(goal))


def svg(goal) -> str:
    """The chart as the case page draws it: through the template tag."""
    return Template("{% load case_tags %}{% goal_chart goal %}").render(Context({"goal": fetched(goal)}))


@pytest.fixture
def rated_goal(case):
    goal = GoalFactory(case=case, description="Enjoy reading together at bedtime")
    rate(goal, Phase.BASELINE, 2)
    rate(goal, Phase.HOPED_FOR, 8)
    rate(goal, Phase.REVIEW, 4, review_number=1)
    rate(goal, Phase.REVIEW, 6, review_number=2)
    rate(goal, Phase.END, 7)
    return goal


def test_it_labels_each_point_start_review_and_end(rated_goal):
    chart = svg(rated_goal)

    for label in ["Start", "Review 1", "Review 2", "End"]:
        assert f">{label}</text>" in chart


def test_it_writes_each_score_above_its_point(rated_goal):
    chart = svg(rated_goal)

    for score in [2, 4, 6, 7]:
        assert f'font-weight="bold" fill="#212529">{score}</text>' in chart


def test_it_draws_the_points_in_the_order_of_the_work(rated_goal):
    points = [(p.label, p.score) for p in chart_data(rated_goal)["points"]]

    assert points == [("Start", 2), ("Review 1", 4), ("Review 2", 6), ("End", 7)]


def test_reviews_are_drawn_in_number_order_whatever_order_they_were_entered(case):
    goal = GoalFactory(case=case)
    rate(goal, Phase.REVIEW, 6, review_number=2)
    rate(goal, Phase.REVIEW, 4, review_number=1)

    chart = svg(goal)

    assert chart.index(">Review 1<") < chart.index(">Review 2<")


def test_it_labels_the_hoped_for_line(rated_goal):
    assert ">Hoped for 8</text>" in svg(rated_goal)


def test_the_hoped_for_score_is_a_line_not_a_point_of_the_journey(rated_goal):
    points = chart_data(rated_goal)["points"]

    assert "Hoped for" not in [p.label for p in points]


def test_it_has_a_title_naming_the_goal(rated_goal):
    title = "Ratings for the goal: Enjoy reading together at bedtime"

    assert f'<title id="goal-chart-{rated_goal.pk}-title">{title}</title>' in svg(rated_goal)


def test_its_description_says_the_numbers_in_words(rated_goal):
    expected = "Start 2, Review 1 4, Review 2 6, End 7; hoped for 8. Scores are out of 10."

    assert f'<desc id="goal-chart-{rated_goal.pk}-desc">{expected}</desc>' in svg(rated_goal)


def test_it_is_named_by_its_title_and_described_by_its_description(rated_goal):
    chart = svg(rated_goal)
    pk = rated_goal.pk

    references = dict(re.findall(r'(aria-labelledby|aria-describedby)="([^"]*)"', chart))
    assert f"goal-chart-{pk}-title" in references["aria-labelledby"].split()
    assert f"goal-chart-{pk}-desc" in " ".join(references.values()).split()


def test_a_goal_without_ratings_says_not_rated_yet(case):
    chart = svg(GoalFactory(case=case))

    assert ">Not rated yet</text>" in chart
    assert "No ratings yet. Scores are out of 10." in chart


def test_a_goal_without_ratings_draws_no_line_or_point(case):
    chart = svg(GoalFactory(case=case))

    assert "<polyline" not in chart
    assert "<circle" not in chart


def test_a_single_rating_draws_a_point_but_no_line(case):
    goal = GoalFactory(case=case)
    rate(goal, Phase.BASELINE, 3)

    chart = svg(goal)

    assert "<polyline" not in chart
    assert chart.count("<circle") == 1


def test_a_hoped_for_score_alone_draws_its_line_and_says_not_rated_yet(case):
    goal = GoalFactory(case=case)
    rate(goal, Phase.HOPED_FOR, 8)

    chart = svg(goal)

    assert ">Hoped for 8</text>" in chart
    assert ">Not rated yet</text>" in chart


def test_two_ratings_are_joined_by_a_line(case):
    goal = GoalFactory(case=case)
    rate(goal, Phase.BASELINE, 3)
    rate(goal, Phase.END, 7)

    assert svg(goal).count("<polyline") == 1


def test_a_higher_score_is_drawn_higher_up(case):
    goal = GoalFactory(case=case)
    rate(goal, Phase.BASELINE, 3)
    rate(goal, Phase.END, 7)

    start, end = chart_data(goal)["points"]

    assert end.y < start.y


def test_scores_of_0_and_10_stay_inside_the_chart(case):
    goal = GoalFactory(case=case)
    rate(goal, Phase.BASELINE, 0)
    rate(goal, Phase.END, 10)

    chart = chart_data(goal)
    bottom, top = chart["points"]

    assert 0 < top.y < bottom.y <= chart["axis_bottom"]
    assert chart["left"] <= bottom.x < top.x <= chart["right_edge"]


def test_the_goal_description_is_escaped_in_the_svg(case):
    goal = GoalFactory(case=case, description='<script>alert("x")</script> & more')

    chart = svg(goal)

    assert "<script>" not in chart
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in chart


def test_the_case_page_has_one_chart_per_goal(client, case, practitioner):
    for goal in GoalFactory.create_batch(3, case=case):
        rate(goal, Phase.BASELINE, 3)
    client.force_login(practitioner)

    content = client.get(case.get_absolute_url()).content.decode()

    assert content.count('<svg class="goal-chart"') == 3


def test_the_case_page_escapes_a_goal_description(client, case, practitioner):
    GoalFactory(case=case, description="<script>alert(1)</script>")
    client.force_login(practitioner)

    content = client.get(case.get_absolute_url()).content.decode()

    assert "<script>alert(1)</script>" not in content
