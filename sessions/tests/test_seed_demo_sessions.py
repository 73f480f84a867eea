"""The demo's sessions and reviews: a caseload with varied next steps, review ratings linked, not doubled."""

from io import StringIO

import pytest
from django.core.management import call_command

from cases.models import Case, GoalRating
from sessions.models import ClosingEvent, Session, SharedReview
from sessions.progress import caseload

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--no-films", stdout=StringIO())


def next_steps() -> dict[str, tuple[str, tuple[str, ...]]]:
    cases = caseload(Case.objects.select_related("client"))
    return {case.client.full_name: (case.progress.next_step, case.progress.reasons) for case in cases}


def test_the_demo_caseload_shows_varied_next_steps(seeded):
    steps = next_steps()

    assert steps["Lauren Hughes"][0] == "Initial meeting to arrange"
    assert steps["Daniel Okafor"][0] == "Film 1 to record"
    assert steps["Gemma Roberts"][0] == "Film 1 to upload"
    assert steps["Karen Lewis"][0] == "Review 2 recorded without a film", "no films with --no-films"
    assert steps["Sarah Thompson"] == (
        "Review 1 recorded without a film",
        ("Consent withdrawn: Clips shown in the practitioner's supervision",),
    )
    assert steps["Emma Davies"][1] == ("No contact for 42 days",)
    assert steps["Michelle Baker"][0].startswith("Closed on ")
    assert len({step for step, _ in steps.values()}) >= 5


def test_every_review_rating_belongs_to_a_recorded_review(seeded):
    """The demo made review ratings before reviews existed; the reviews take them over by number."""
    ratings = GoalRating.objects.filter(phase=GoalRating.Phase.REVIEW).select_related("goal")
    reviews = set(SharedReview.objects.values_list("case_id", "number"))

    assert ratings.exists()
    assert {(r.goal.case_id, r.review_number) for r in ratings} == reviews
    for review in SharedReview.objects.select_related("session"):
        assert review.session.kind == Session.Kind.SHARED_REVIEW
        dates = {r.rated_on for r in ratings if (r.goal.case_id, r.review_number) == (review.case_id, review.number)}
        assert dates == {review.session.held_on}


def test_started_cases_have_their_initial_meeting_and_the_closed_one_its_ending(seeded):
    for case in Case.objects.filter(helping_questions__isnull=False).distinct():
        assert case.sessions.filter(kind=Session.Kind.INITIAL).exists(), case
    closed = Case.objects.get(status=Case.Status.CLOSED)
    assert closed.sessions.filter(kind=Session.Kind.ENDING, held_on=closed.closed_on).exists()
    assert ClosingEvent.objects.get(case=closed).reason == ClosingEvent.Reason.COMPLETED


def test_running_again_adds_no_sessions(seeded):
    before = (Session.objects.count(), SharedReview.objects.count(), GoalRating.objects.count())

    call_command("seed_demo", "--no-films", stdout=StringIO())

    assert (Session.objects.count(), SharedReview.objects.count(), GoalRating.objects.count()) == before


def test_demo_films_are_linked_to_their_filming_session_and_review(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())

    karen = Case.objects.get(client__full_name="Karen Lewis")
    films = list(karen.films.all())
    assert [s.film for s in karen.sessions.filter(kind=Session.Kind.FILMING)] == films
    assert [r.film for r in karen.shared_reviews.all()] == films
    assert next_steps()["Karen Lewis"][0] == "Film 3 to record"


def test_the_demo_caseload_summaries_are_written(seeded):
    """The demo's rows are written directly, so seed_demo writes every summary at the end."""
    stored = {
        case.client.full_name: case.summary.next_step for case in Case.objects.select_related("client", "summary")
    }

    assert stored == {name: step for name, (step, _) in next_steps().items()}
