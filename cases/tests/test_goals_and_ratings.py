"""Goals and their 0-10 ratings: one row per goal and phase, a blank box means not rated."""

import datetime

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from cases.models import Consent, Goal, GoalRating
from cases.tests.factories import (
    CaseFactory,
    ConsentFactory,
    GoalFactory,
    GoalRatingFactory,
    HelpingQuestionFactory,
    RelationshipDescriptionFactory,
)

pytestmark = pytest.mark.django_db

Phase = GoalRating.Phase

# Session and user (2), the case (1), its view event (1), Helping Questions,
# descriptions, consents, goals, ratings, films, sessions, closings (8: see
# sessions.progress), the session pushed on (3), supervision notes, review films and
# supervision sessions (3: see supervision_tags), the retention policy (1), the principle
# profile (2, clips/profile.py). The same for 2 goals as for 10.
CASE_PAGE_QUERIES = 21


def ratings_url(case) -> str:
    return reverse("cases:ratings", kwargs={"reference": case.reference})


def box(goal, phase) -> str:
    return f"goal_{goal.pk}_{phase}"


def scores(goal) -> dict:
    return dict(goal.ratings.values_list("phase", "score"))


# Goals


def test_adding_a_goal_stores_it_on_the_case(client, case, practitioner):
    client.force_login(practitioner)

    client.post(reverse("cases:goal_create", kwargs={"reference": case.reference}), {"description": "Bedtime stories"})

    assert list(case.goals.values_list("description", flat=True)) == ["Bedtime stories"]


def test_adding_a_goal_redirects_to_the_ratings(client, case, practitioner):
    client.force_login(practitioner)

    response = client.post(
        reverse("cases:goal_create", kwargs={"reference": case.reference}), {"description": "Bedtime stories"}
    )

    assert response.url == ratings_url(case)


def test_a_new_goal_goes_after_the_existing_ones(client, case, practitioner):
    GoalFactory(case=case, description="First", position=1)
    client.force_login(practitioner)

    client.post(reverse("cases:goal_create", kwargs={"reference": case.reference}), {"description": "Second"})

    assert list(case.goals.values_list("description", flat=True)) == ["First", "Second"]


def test_editing_a_goal_changes_its_words(client, case, practitioner):
    goal = GoalFactory(case=case, description="Old words")
    client.force_login(practitioner)

    client.post(
        reverse("cases:goal_edit", kwargs={"reference": case.reference, "goal_id": goal.pk}),
        {"description": "New words"},
    )

    goal.refresh_from_db()
    assert goal.description == "New words"


def test_the_goal_audit_event_has_no_goal_words(client, case, practitioner):
    client.force_login(practitioner)

    client.post(reverse("cases:goal_create", kwargs={"reference": case.reference}), {"description": "Bedtime stories"})

    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE)
    assert event.object_label == f"Goal {Goal.objects.get().pk}"
    assert "Bedtime" not in event.summary + event.object_label


def test_delete_asks_for_confirmation_on_get(client, case, practitioner):
    goal = GoalFactory(case=case, description="Bedtime stories")
    client.force_login(practitioner)

    response = client.get(reverse("cases:goal_delete", kwargs={"reference": case.reference, "goal_id": goal.pk}))

    assert "Delete this goal and all its ratings?" in response.content.decode()
    assert Goal.objects.filter(pk=goal.pk).exists()


def test_delete_on_post_removes_the_goal_and_its_ratings(client, case, practitioner):
    goal = GoalFactory(case=case)
    GoalRatingFactory(goal=goal, phase=Phase.BASELINE, score=2)
    GoalRatingFactory(goal=goal, phase=Phase.HOPED_FOR, score=8)
    client.force_login(practitioner)

    client.post(reverse("cases:goal_delete", kwargs={"reference": case.reference, "goal_id": goal.pk}))

    assert not Goal.objects.filter(pk=goal.pk).exists()
    assert not GoalRating.objects.exists()


def test_delete_is_recorded_in_the_audit_log(client, case, practitioner):
    goal = GoalFactory(case=case)
    client.force_login(practitioner)

    client.post(reverse("cases:goal_delete", kwargs={"reference": case.reference, "goal_id": goal.pk}))

    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE)
    assert (event.case, event.object_id) == (case, str(goal.pk))


@pytest.mark.parametrize("view", ["cases:goal_edit", "cases:goal_delete"])
def test_a_goal_of_another_case_is_not_found_under_this_case(client, case, practitioner, view):
    """The practitioner owns both cases: the goal still has to belong to the case in the URL."""
    foreign_goal = GoalFactory(case=CaseFactory(practitioner=practitioner))
    client.force_login(practitioner)

    response = client.post(
        reverse(view, kwargs={"reference": case.reference, "goal_id": foreign_goal.pk}), {"description": "Hijacked"}
    )

    assert response.status_code == 404
    foreign_goal.refresh_from_db()
    assert foreign_goal.description != "Hijacked"


# Ratings


def test_ratings_form_stores_baseline_hoped_for_and_end(client, case, practitioner):
    goal = GoalFactory(case=case)
    client.force_login(practitioner)

    client.post(
        ratings_url(case),
        {box(goal, Phase.BASELINE): "3", box(goal, Phase.HOPED_FOR): "8", box(goal, Phase.END): "7"},
    )

    assert scores(goal) == {"baseline": 3, "hoped_for": 8, "end": 7}


def test_ratings_record_who_rated(client, case, practitioner):
    goal = GoalFactory(case=case)
    client.force_login(practitioner)

    client.post(ratings_url(case), {box(goal, Phase.BASELINE): "3"})

    assert GoalRating.objects.get().recorded_by == practitioner


def test_ratings_form_redirects_to_the_case(client, case, practitioner):
    goal = GoalFactory(case=case)
    client.force_login(practitioner)

    response = client.post(ratings_url(case), {box(goal, Phase.BASELINE): "3"})

    assert response.url == case.get_absolute_url()


def test_ratings_form_shows_the_saved_scores(client, case, practitioner):
    goal = GoalFactory(case=case)
    GoalRatingFactory(goal=goal, phase=Phase.HOPED_FOR, score=8)
    client.force_login(practitioner)

    response = client.get(ratings_url(case))

    assert response.context["form"][box(goal, Phase.HOPED_FOR)].value() == 8


def test_changing_a_score_updates_the_rating_in_place(client, case, practitioner):
    goal = GoalFactory(case=case)
    rating = GoalRatingFactory(goal=goal, phase=Phase.BASELINE, score=3)
    client.force_login(practitioner)

    client.post(ratings_url(case), {box(goal, Phase.BASELINE): "5"})

    rating.refresh_from_db()
    assert rating.score == 5
    assert goal.ratings.count() == 1


def test_unchanged_scores_are_left_alone(client, case, practitioner):
    goal = GoalFactory(case=case)
    GoalRatingFactory(goal=goal, phase=Phase.BASELINE, score=3)
    client.force_login(practitioner)

    client.post(ratings_url(case), {box(goal, Phase.BASELINE): "3"})

    assert not AuditEvent.objects.filter(object_type="cases.goalrating").exists()


def test_clearing_a_box_deletes_the_rating(client, case, practitioner):
    goal = GoalFactory(case=case)
    GoalRatingFactory(goal=goal, phase=Phase.BASELINE, score=3)
    GoalRatingFactory(goal=goal, phase=Phase.HOPED_FOR, score=8)
    client.force_login(practitioner)

    client.post(ratings_url(case), {box(goal, Phase.BASELINE): "", box(goal, Phase.HOPED_FOR): "8"})

    assert scores(goal) == {"hoped_for": 8}


def test_a_zero_score_is_a_rating_not_a_blank(client, case, practitioner):
    goal = GoalFactory(case=case)
    client.force_login(practitioner)

    client.post(ratings_url(case), {box(goal, Phase.BASELINE): "0"})

    assert scores(goal) == {"baseline": 0}


@pytest.mark.parametrize("typed", ["11", "-1", "abc"])
def test_a_score_outside_0_to_10_is_refused_with_a_message(client, case, practitioner, typed):
    goal = GoalFactory(case=case)
    client.force_login(practitioner)

    response = client.post(ratings_url(case), {box(goal, Phase.BASELINE): typed, box(goal, Phase.HOPED_FOR): "8"})

    assert response.status_code == 200
    assert "each is a whole number from 0 to 10" in response.content.decode()
    assert not GoalRating.objects.exists()


def test_a_refused_score_leaves_saved_scores_unchanged(client, case, practitioner):
    goal = GoalFactory(case=case)
    rating = GoalRatingFactory(goal=goal, phase=Phase.BASELINE, score=3)
    client.force_login(practitioner)

    client.post(ratings_url(case), {box(goal, Phase.BASELINE): "4", box(goal, Phase.END): "11"})

    rating.refresh_from_db()
    assert rating.score == 3
    assert goal.ratings.count() == 1


def test_rating_changes_are_audited_without_scores_in_the_summary(client, case, practitioner):
    goal = GoalFactory(case=case)
    GoalRatingFactory(goal=goal, phase=Phase.BASELINE, score=3)
    client.force_login(practitioner)

    client.post(ratings_url(case), {box(goal, Phase.BASELINE): "9"})

    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert (event.summary, event.object_label) == ("changed: score", f"Goal {goal.pk} rating (Start)")


def test_a_box_missing_from_the_post_does_not_delete_a_saved_rating(client, case, practitioner):
    """A ratings page opened before a second goal was added does not post that goal's boxes.

    Saving it must not clear the second goal's ratings: only a box the user
    emptied means "not rated".
    """
    shown = GoalFactory(case=case)
    added_since = GoalFactory(case=case)
    GoalRatingFactory(goal=added_since, phase=Phase.BASELINE, score=4)
    client.force_login(practitioner)

    client.post(
        ratings_url(case),
        {box(shown, Phase.BASELINE): "2", box(shown, Phase.HOPED_FOR): "", box(shown, Phase.END): ""},
    )

    assert scores(added_since) == {"baseline": 4}


# The case page


@pytest.mark.parametrize("number_of_goals", [2, 10])
def test_case_page_query_count_does_not_grow_with_goals_ratings_and_consents(
    client, django_assert_max_num_queries, case, practitioner, number_of_goals
):
    """Each goal has a full set of ratings, each recorded by its own user; every purpose has consent rows."""
    for _ in range(number_of_goals):
        goal = GoalFactory(case=case)
        for phase, score in [(Phase.BASELINE, 2), (Phase.HOPED_FOR, 8), (Phase.END, 6)]:
            GoalRatingFactory(goal=goal, phase=phase, score=score, recorded_by=UserFactory())
        GoalRatingFactory(goal=goal, phase=Phase.REVIEW, review_number=1, score=4)
    for purpose in Consent.Purpose.values[: number_of_goals // 2]:
        ConsentFactory(case=case, purpose=purpose, withdrawn_on=datetime.date(2026, 10, 1))
        ConsentFactory(case=case, purpose=purpose, recorded_by=UserFactory())
    for number in range(number_of_goals):
        HelpingQuestionFactory(case=case, text=f"Wording {number}", recorded_by=UserFactory())
    RelationshipDescriptionFactory(case=case)
    client.force_login(practitioner)

    with django_assert_max_num_queries(CASE_PAGE_QUERIES):
        response = client.get(case.get_absolute_url())

    assert response.content.decode().count('<svg class="goal-chart"') == number_of_goals
