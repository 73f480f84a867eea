"""A practitioner records a shared review in a real browser, re-rates a goal, and sees it in the chart.

Found the way a person finds things: by the case's "Where the case stands"
panel, labels and roles, so a control a screen reader cannot name is one
this test cannot find either.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from cases.models import GoalRating
from cases.tests.factories import GoalFactory, GoalRatingFactory, HelpingQuestionFactory
from clips.tests.factories import ClipFactory, FilmFactory
from sessions.models import SharedReview
from sessions.summary import refresh_case_summary

from .factories import SessionFactory

pytestmark = pytest.mark.browser

GOAL = "I stay calm when Sam gets upset at bedtime"


@pytest.fixture
def case_with_clips(case):
    """Initial meeting held, one goal rated 3 hoping for 8, film 1 micro-analysed into two clips."""
    SessionFactory(case=case, kind="initial")
    HelpingQuestionFactory(case=case)
    goal = GoalFactory(case=case, description=GOAL)
    GoalRatingFactory(goal=goal, phase=GoalRating.Phase.BASELINE, score=3)
    GoalRatingFactory(goal=goal, phase=GoalRating.Phase.HOPED_FOR, score=8)
    film = FilmFactory(case=case, activity="Reading a bedtime story")
    ClipFactory(film=film, caption="You waited, and Sam turned the page", position=1)
    ClipFactory(film=film, caption="Sam looked up and you smiled", position=2)
    # The factories write rows directly; the caseload lists the stored summary the services keep.
    refresh_case_summary(case)
    return case


def _open_case(page: Page, reference: str) -> None:
    page.get_by_role("main").get_by_role("link", name=reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)


def test_a_practitioner_records_a_shared_review_and_sees_the_re_rating_in_the_goal_chart(
    log_in, practitioner, case_with_clips
):
    case = case_with_clips
    page = log_in(practitioner)
    expect(page.get_by_role("row").filter(has_text=case.reference)).to_contain_text("Review 1 due")
    _open_case(page, case.reference)

    stands = page.get_by_role("region", name="Where the case stands")
    expect(stands).to_contain_text("Review 1 due")
    stands.get_by_role("link", name="Record the shared review").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Record shared review 1")
    expect(page.get_by_text("Trust, hope, respect, compassion, co-operation and appreciation")).to_be_visible()
    page.get_by_label("Duration (minutes)").fill("45")
    expect(page.get_by_label("Film watched together")).to_have_value(str(case.films.get().pk))
    expect(page.get_by_label("Clip 1: You waited, and Sam turned the page")).to_be_checked()
    page.get_by_label("Clip 2: Sam looked up and you smiled").uncheck()
    page.get_by_label("What the client thought and noticed").fill("I saw myself waiting for him. It worked.")
    page.get_by_label("Next film: the situation").fill("Bath time")
    page.get_by_label(f"{GOAL}: at this review").fill("6")
    page.get_by_role("radio", name="Another cycle: record the next film").check()
    page.get_by_role("button", name="Save review").click()

    expect(page.get_by_role("status")).to_contain_text("Review 1 recorded.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review 1: shared review")
    expect(page.get_by_role("main")).to_contain_text("You waited, and Sam turned the page")
    expect(page.get_by_role("main")).not_to_contain_text("Sam looked up and you smiled")

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=case.reference).click()
    goal = page.get_by_role("region", name="Goals and ratings").get_by_role("article", name=f"1. {GOAL}")
    chart = goal.locator("svg.goal-chart")
    expect(chart.locator("text").filter(has_text=re.compile(r"^6$"))).to_be_visible()
    expect(chart.locator("text").filter(has_text=re.compile(r"^Review 1$"))).to_be_visible()
    expect(goal.get_by_role("img")).to_have_accessible_description(
        "Start 3, Review 1 6; hoped for 8. Scores are out of 10."
    )
    expect(page.get_by_role("region", name="Where the case stands")).to_contain_text("Film 2 to record")
    expect(page.get_by_role("region", name="Timeline")).to_contain_text("Cycle 1: Film 1 → Review 1")

    review = SharedReview.objects.get()
    assert review.plan == SharedReview.Plan.ANOTHER_FILM
    assert GoalRating.objects.get(phase="review").review_number == review.number == 1
