"""Recording a shared review: the film and clips watched, what was said, the plan, and re-rating goals."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import GoalRating
from cases.tests.factories import CaseFactory, GoalFactory, GoalRatingFactory
from clips.tests.factories import ClipFactory, FilmFactory
from sessions.models import Session, SharedReview

from .factories import SharedReviewFactory

pytestmark = pytest.mark.django_db

Phase = GoalRating.Phase


def create_url(case) -> str:
    return reverse("vig_sessions:review_create", kwargs={"reference": case.reference})


def edit_url(review) -> str:
    return reverse("vig_sessions:review_edit", kwargs={"reference": review.case.reference, "review_id": review.pk})


@pytest.fixture
def goal(case):
    goal = GoalFactory(case=case, description="Enjoy reading together at bedtime")
    GoalRatingFactory(goal=goal, phase=Phase.BASELINE, score=3)
    return goal


@pytest.fixture
def film(case):
    return FilmFactory(case=case, recorded_on=datetime.date(2026, 10, 1))


@pytest.fixture
def clips(film):
    return [ClipFactory(film=film), ClipFactory(film=film)]


def review_data(**overrides) -> dict:
    data = {
        "session-held_on": "2026-10-08",
        "session-starts_at": "14:00",
        "session-duration_minutes": "45",
        "session-place": "home",
        "session-attendees": "Lauren and Sam",
        "session-notes": "",
        "review-film": "",
        "review-client_noticed": "I waited, and he showed me.",
        "review-practitioner_observations": "Lovely turn-taking.",
        "review-ideas_shared": "More reading at bedtime.",
        "review-next_film_situation": "Bath time",
        "review-next_film_focus": "Naming what Sam does",
        "review-plan": "",
    }
    return {**data, **overrides}


def test_it_records_a_review_with_its_film_clips_and_a_re_rating(client, case, practitioner, goal, film, clips):
    client.force_login(practitioner)

    response = client.post(
        create_url(case),
        {**review_data(**{"review-film": film.pk, f"rating-goal_{goal.pk}": "6"}), "review-clips": [clips[0].pk]},
    )

    review = SharedReview.objects.get()
    assert response.status_code == 302
    assert response["Location"] == review.session.get_absolute_url()
    assert review.number == 1
    assert review.case == case
    assert review.film == film
    assert list(review.clips.all()) == [clips[0]]
    assert review.client_noticed == "I waited, and he showed me."
    assert review.next_film_focus == "Naming what Sam does"
    session = review.session
    assert session.kind == Session.Kind.SHARED_REVIEW
    assert session.held_on == datetime.date(2026, 10, 8)
    assert session.duration_minutes == 45
    assert session.recorded_by == practitioner
    rating = GoalRating.objects.get(goal=goal, phase=Phase.REVIEW)
    assert (rating.review_number, rating.score, rating.rated_on) == (1, 6, datetime.date(2026, 10, 8))
    assert rating.recorded_by == practitioner


def test_it_audits_the_review_and_its_rating(client, case, practitioner, goal):
    client.force_login(practitioner)

    client.post(create_url(case), review_data(**{f"rating-goal_{goal.pk}": "6"}))

    events = AuditEvent.objects.filter(case=case).exclude(action="view")
    assert sorted((e.action, e.object_label) for e in events) == [
        ("create", f"Goal {goal.pk} rating (Review 1)"),
        ("create", "Review 1"),
    ]
    assert not any("waited" in e.summary for e in events)


def test_the_next_review_takes_the_next_number(client, case, practitioner, goal):
    SharedReviewFactory(case=case, held_on=datetime.date(2026, 9, 20))
    client.force_login(practitioner)

    client.post(create_url(case), review_data(**{f"rating-goal_{goal.pk}": "7"}))

    assert sorted(SharedReview.objects.values_list("number", flat=True)) == [1, 2]
    assert GoalRating.objects.get(phase=Phase.REVIEW).review_number == 2


def test_a_goal_left_blank_is_not_rated(client, case, practitioner, goal):
    client.force_login(practitioner)

    client.post(create_url(case), review_data(**{f"rating-goal_{goal.pk}": ""}))

    assert SharedReview.objects.exists()
    assert not GoalRating.objects.filter(phase=Phase.REVIEW).exists()


def test_a_rating_must_be_0_to_10(client, case, practitioner, goal):
    client.force_login(practitioner)

    response = client.post(create_url(case), review_data(**{f"rating-goal_{goal.pk}": "11"}))

    assert response.status_code == 200
    assert f"goal_{goal.pk}" in response.context["ratings_form"].errors
    assert not SharedReview.objects.exists()


def test_the_form_offers_the_film_under_way_and_all_its_clips(client, case, practitioner, film, clips):
    client.force_login(practitioner)

    response = client.get(create_url(case))

    form = response.context["review_form"]
    assert form["film"].value() == film.pk
    assert sorted(form["clips"].value()) == sorted(c.pk for c in clips)
    assert "Record shared review 1" in response.content.decode()


def test_clips_must_come_from_the_film_watched(client, case, practitioner, film):
    other_film = FilmFactory(case=case, recorded_on=datetime.date(2026, 9, 1))
    stray = ClipFactory(film=other_film)
    client.force_login(practitioner)

    response = client.post(create_url(case), {**review_data(**{"review-film": film.pk}), "review-clips": [stray.pk]})

    assert response.context["review_form"].errors["clips"] == ["Choose clips from the film you watched together."]
    assert not SharedReview.objects.exists()


def test_clips_need_their_film(client, case, practitioner, clips):
    client.force_login(practitioner)

    response = client.post(create_url(case), {**review_data(), "review-clips": [clips[0].pk]})

    assert response.context["review_form"].errors["clips"] == ["Choose the film these clips come from."]


def test_a_clip_of_another_case_is_refused(client, case, practitioner, film):
    foreign = ClipFactory(film=FilmFactory(case=CaseFactory(practitioner=practitioner)))
    client.force_login(practitioner)

    response = client.post(create_url(case), {**review_data(**{"review-film": film.pk}), "review-clips": [foreign.pk]})

    assert "clips" in response.context["review_form"].errors


def test_a_review_can_be_recorded_without_a_film(client, case, practitioner):
    """Before any film is processed, or when it was watched on a device and never uploaded."""
    FilmFactory(case=case, status="processing", step="transcoding")
    client.force_login(practitioner)

    client.post(create_url(case), review_data())

    assert SharedReview.objects.get().film is None


def test_a_review_cannot_be_dated_before_the_review_it_follows(client, case, practitioner):
    SharedReviewFactory(case=case, held_on=datetime.date(2026, 10, 20))
    client.force_login(practitioner)

    response = client.post(create_url(case), review_data(**{"session-held_on": "2026-10-08"}))

    assert response.context["session_form"].errors["held_on"] == [
        "Review 1 was on 20 Oct 2026: review 2 cannot be earlier."
    ]


def test_the_values_are_a_quiet_reminder_on_the_form(client, case, practitioner):
    client.force_login(practitioner)

    response = client.get(create_url(case))

    page = response.content.decode()
    reminder = page[page.index('id="values-reminder"') - 60 : page.index("</p>", page.index('id="values-reminder"'))]
    assert 'class="small text-body-secondary"' in reminder
    for value in ("Trust", "hope", "respect", "compassion", "co-operation", "appreciation"):
        assert value in reminder
    assert "alert" not in reminder


def test_ratings_given_before_the_review_was_recorded_are_its_own(client, case, practitioner, goal):
    """A review rating already stored at number 1 (the demo data makes these) is shown and kept, not duplicated."""
    GoalRatingFactory(goal=goal, phase=Phase.REVIEW, review_number=1, score=5)
    client.force_login(practitioner)

    shown = client.get(create_url(case))
    client.post(create_url(case), review_data(**{f"rating-goal_{goal.pk}": "5"}))

    assert shown.context["ratings_form"][f"goal_{goal.pk}"].value() == 5
    assert GoalRating.objects.filter(phase=Phase.REVIEW).count() == 1


# Editing


def test_editing_a_review_updates_its_rating(client, case, practitioner, goal):
    review = SharedReviewFactory(case=case)
    GoalRatingFactory(goal=goal, phase=Phase.REVIEW, review_number=1, score=5, rated_on=review.session.held_on)
    client.force_login(practitioner)

    shown = client.get(edit_url(review))
    client.post(edit_url(review), review_data(**{f"rating-goal_{goal.pk}": "8"}))

    assert shown.context["ratings_form"][f"goal_{goal.pk}"].value() == 5
    rating = GoalRating.objects.get(phase=Phase.REVIEW)
    assert (rating.review_number, rating.score) == (1, 8)
    assert AuditEvent.objects.filter(action="update", object_label=f"Goal {goal.pk} rating (Review 1)").exists()


def test_clearing_a_rating_when_editing_removes_it(client, case, practitioner, goal):
    review = SharedReviewFactory(case=case)
    GoalRatingFactory(goal=goal, phase=Phase.REVIEW, review_number=1, score=5)
    client.force_login(practitioner)

    client.post(edit_url(review), review_data(**{f"rating-goal_{goal.pk}": ""}))

    assert not GoalRating.objects.filter(phase=Phase.REVIEW).exists()


def test_a_goal_added_in_another_tab_keeps_its_rating(client, case, practitioner, goal):
    """The form did not show the goal's box, so it says nothing about its rating."""
    review = SharedReviewFactory(case=case)
    later = GoalFactory(case=case)
    GoalRatingFactory(goal=later, phase=Phase.REVIEW, review_number=1, score=4)
    client.force_login(practitioner)

    client.post(edit_url(review), review_data(**{f"rating-goal_{goal.pk}": "6"}))

    assert GoalRating.objects.get(goal=later, phase=Phase.REVIEW).score == 4


def test_moving_the_review_date_moves_its_ratings_date(client, case, practitioner, goal):
    review = SharedReviewFactory(case=case, held_on=datetime.date(2026, 10, 8))
    GoalRatingFactory(goal=goal, phase=Phase.REVIEW, review_number=1, score=5, rated_on=datetime.date(2026, 10, 8))
    client.force_login(practitioner)

    client.post(edit_url(review), review_data(**{"session-held_on": "2026-10-09", f"rating-goal_{goal.pk}": "5"}))

    assert GoalRating.objects.get(phase=Phase.REVIEW).rated_on == datetime.date(2026, 10, 9)


def test_a_review_cannot_be_moved_after_the_one_that_follows_it(client, case, practitioner):
    first = SharedReviewFactory(case=case, held_on=datetime.date(2026, 10, 8))
    SharedReviewFactory(case=case, held_on=datetime.date(2026, 11, 8))
    client.force_login(practitioner)

    response = client.post(edit_url(first), review_data(**{"session-held_on": "2026-11-20"}))

    assert response.context["session_form"].errors["held_on"] == [
        "Review 2 was on 8 Nov 2026: review 1 cannot be later."
    ]


def test_linking_the_film_later(client, case, practitioner, film, clips):
    review = SharedReviewFactory(case=case)
    client.force_login(practitioner)

    client.post(edit_url(review), {**review_data(**{"review-film": film.pk}), "review-clips": [c.pk for c in clips]})

    review.refresh_from_db()
    assert review.film == film
    assert review.clips.count() == 2
    assert review.number == 1


def test_a_supervisor_cannot_edit_a_review(client, case, supervisor):
    review = SharedReviewFactory(case=case)
    client.force_login(supervisor)

    response = client.post(edit_url(review), review_data(**{"review-client_noticed": "changed"}))

    assert response.status_code == 403
    review.refresh_from_db()
    assert review.client_noticed != "changed"


# The review's page and deleting


def test_the_review_page_shows_what_was_said_and_the_ratings(client, case, practitioner, goal, film, clips):
    review = SharedReviewFactory(case=case, film=film, ideas_shared="Read together after tea")
    review.clips.set(clips)
    GoalRatingFactory(goal=goal, phase=Phase.REVIEW, review_number=1, score=6)
    client.force_login(practitioner)

    response = client.get(review.get_absolute_url())

    page = response.content.decode()
    assert "Review 1: shared review" in page
    assert "Read together after tea" in page
    assert clips[0].caption in page
    assert f"{goal.description}: <strong>6</strong>" in page


def test_clip_captions_are_hidden_from_a_supervisor_without_consent(client, case, supervisor, film, clips):
    review = SharedReviewFactory(case=case, film=film)
    review.clips.set(clips)
    client.force_login(supervisor)

    response = client.get(review.get_absolute_url())

    page = response.content.decode()
    assert clips[0].caption not in page
    assert "2 clips looked at" in page


def test_deleting_a_review_takes_its_ratings_and_renumbers_the_later_ones(client, case, practitioner, goal):
    first = SharedReviewFactory(case=case, held_on=datetime.date(2026, 10, 1))
    second = SharedReviewFactory(case=case, held_on=datetime.date(2026, 10, 15))
    third = SharedReviewFactory(case=case, held_on=datetime.date(2026, 11, 1))
    for review, score in ((first, 4), (second, 5), (third, 6)):
        GoalRatingFactory(goal=goal, phase=Phase.REVIEW, review_number=review.number, score=score)
    client.force_login(practitioner)

    client.post(reverse("vig_sessions:session_delete", args=[case.reference, second.session.pk]))

    assert not SharedReview.objects.filter(pk=second.pk).exists()
    assert not Session.objects.filter(pk=second.session.pk).exists()
    third.refresh_from_db()
    assert third.number == 2
    scores = dict(GoalRating.objects.filter(phase=Phase.REVIEW).values_list("review_number", "score"))
    assert scores == {1: 4, 2: 6}
    assert AuditEvent.objects.filter(action="update", summary="renumbered: was review 3").exists()
    assert AuditEvent.objects.filter(action="delete", object_label=f"Goal {goal.pk} rating (Review 2)").exists()
