"""Build a case up to any point of the VIG cycle, for the tests of where it stands.

Dates run from the case opening on 1 Sep 2026 (CaseFactory): the initial
meeting a week later, then a film every four weeks and its review a week
after it, unless a test says otherwise.
"""

import datetime
from datetime import timedelta

from cases.models import Case, GoalRating, RelationshipDescription
from cases.tests.factories import GoalFactory, GoalRatingFactory, HelpingQuestionFactory, RelationshipDescriptionFactory
from clips.models import Film
from clips.tests.factories import ClipFactory, FilmFactory
from sessions.models import Session
from sessions.progress import case_progress, with_progress

from .factories import SessionFactory, SharedReviewFactory

INITIAL_MEETING = datetime.date(2026, 9, 8)
FIRST_FILM = datetime.date(2026, 9, 15)
Phase = GoalRating.Phase


def started(case: Case, *, goals: int = 2, on=INITIAL_MEETING) -> Case:
    """The initial meeting held: Helping Question, goals, baseline and hoped-for ratings."""
    SessionFactory(case=case, kind=Session.Kind.INITIAL, held_on=on)
    HelpingQuestionFactory(case=case, agreed_on=on)
    for _ in range(goals):
        goal = GoalFactory(case=case)
        GoalRatingFactory(goal=goal, phase=Phase.BASELINE, score=3, rated_on=on)
        GoalRatingFactory(goal=goal, phase=Phase.HOPED_FOR, score=8, rated_on=on)
    return case


def film(case: Case, on: datetime.date, *, status=Film.Status.READY, clips: int = 3, session: bool = True) -> Film:
    """A film recorded at a filming session, with clips chosen from it."""
    step = Film.Step.DONE if status == Film.Status.READY else Film.Step.TRANSCODING
    recorded = FilmFactory(case=case, recorded_on=on, status=status, step=step)
    if session:
        SessionFactory(case=case, kind=Session.Kind.FILMING, held_on=on, film=recorded)
    for _ in range(clips):
        ClipFactory(film=recorded)
    # Micro-analysis two days after filming.
    chosen_at = datetime.datetime.combine(on + timedelta(days=2), datetime.time(12), tzinfo=datetime.UTC)
    recorded.clips.update(created_at=chosen_at)
    return recorded


def review(case: Case, on: datetime.date, *, film=None, plan: str = "", score: int | None = None):
    """A shared review; with a score, every goal is re-rated at it."""
    shared = SharedReviewFactory(case=case, film=film, held_on=on, plan=plan)
    if film is not None:
        shared.clips.set(film.clips.all())
    if score is not None:
        for goal in case.goals.all():
            GoalRatingFactory(goal=goal, phase=Phase.REVIEW, review_number=shared.number, score=score, rated_on=on)
    return shared


def cycles(case: Case, count: int, *, plan_last: str = "") -> None:
    """`count` whole cycles: a film every four weeks, reviewed a week later."""
    for number in range(1, count + 1):
        on = FIRST_FILM + timedelta(weeks=4 * (number - 1))
        recorded = film(case, on)
        review(
            case, on + timedelta(weeks=1), film=recorded, score=3 + number, plan=plan_last if number == count else ""
        )


def ending(case: Case, *, final_ratings: bool = True, after: bool = True) -> None:
    for goal in case.goals.all():
        if final_ratings:
            GoalRatingFactory(goal=goal, phase=Phase.END, score=7)
    if after:
        for subject in RelationshipDescription.Subject.values:
            RelationshipDescriptionFactory(case=case, moment=RelationshipDescription.Moment.AFTER, subject=subject)


def progress_of(case: Case, today: datetime.date | None = None):
    """Where the case stands, read as the pages read it. By default "today" is the day after the last contact."""
    fresh = with_progress(Case.objects.filter(pk=case.pk)).get()
    if today is None:
        last = max((s.held_on for s in fresh.sessions.all()), default=fresh.opened_on)
        today = last + timedelta(days=1)
    return case_progress(fresh, today=today)
