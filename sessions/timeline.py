"""The story of a case, in order and grouped by cycle: "Cycle 2: Film 2 → Review 2".

Built from the rows `PROGRESS_PREFETCH` brings, so the case page costs the
same number of queries however long the case has run.

Grouping: review N closes cycle N. A film, its clips and the filming session
linked to it belong to the cycle of the review that looked at that film (or
to the cycle under way, if no review has yet). Everything else falls in by
date: on or before review N's day and after review N-1's, it is in cycle N.
What happened before the first film is "Getting started"; what comes after
the last review is the cycle under way, or the ending.
"""

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.urls import reverse
from django.utils import timezone

from cases.models import Case, GoalRating
from clips.models import Film

from .models import ClosingEvent, Session, SharedReview
from .progress import CaseFacts, Progress, Stage

# Within one day: the question and starting ratings, then the meeting, the
# film, its clips, the review, final ratings, and closing.
QUESTION, START_RATINGS, SESSION, FILM, CLIPS, REVIEW, RATINGS, END_RATINGS, CLOSING = range(9)


@dataclass
class Entry:
    on: date
    order: int
    kind: str
    title: str
    detail: str = ""
    url: str = ""


@dataclass
class Group:
    title: str
    entries: list[Entry] = field(default_factory=list)


def case_timeline(case: Case, progress: Progress, *, newest_first: bool = True) -> list[Group]:
    builder = _Builder(CaseFacts.of(case), progress)
    groups = builder.build()
    if newest_first:
        groups = [Group(g.title, list(reversed(g.entries))) for g in reversed(groups)]
    return groups


class _Builder:
    def __init__(self, facts: CaseFacts, progress: Progress):
        self.facts = facts
        self.progress = progress
        self.case = facts.case
        self.reviews = facts.reviews
        self.review_dates = sorted(r.session.held_on for r in self.reviews)
        self.review_of_film: dict[int, int] = {}
        for index, review in enumerate(self.reviews, start=1):
            if review.film_id:
                self.review_of_film.setdefault(review.film_id, index)
        self.current_film = facts.current_film
        starts = [f.recorded_on for f in facts.films] + self.review_dates
        starts += [s.held_on for s in facts.sessions if s.kind == Session.Kind.FILMING]
        self.first_cycle_starts = min(starts, default=None)
        self.goal_numbers = {goal.pk: number for number, goal in enumerate(facts.goals, start=1)}
        self.groups: dict[int, list[Entry]] = defaultdict(list)

    # Which group an entry goes in: 0 is getting started, N is cycle N.

    def by_date(self, on: date) -> int:
        if self.first_cycle_starts is None or on < self.first_cycle_starts:
            return 0
        return bisect_left(self.review_dates, on) + 1

    def by_film(self, film: Film) -> int:
        if film.pk in self.review_of_film:
            return self.review_of_film[film.pk]
        if self.current_film is not None and film.pk == self.current_film.pk:
            return len(self.reviews) + 1
        return self.by_date(film.recorded_on)

    def add(self, group: int, entry: Entry) -> None:
        self.groups[group].append(entry)

    def build(self) -> list[Group]:
        self.add_helping_questions()
        self.add_ratings()
        self.add_sessions()
        self.add_films()
        self.add_closing()
        return [
            Group(self.title(index), sorted(entries, key=lambda e: (e.on, e.order)))
            for index, entries in sorted(self.groups.items())
            if entries
        ]

    def title(self, index: int) -> str:
        if index == 0:
            return "Getting started"
        if index <= len(self.reviews):
            review = self.reviews[index - 1]
            if review.film_id and review.film_id in self.facts.film_numbers:
                return f"Cycle {index}: Film {self.facts.film_numbers[review.film_id]} → Review {review.number}"
            return f"Cycle {index}: Review {review.number}, no film linked"
        if self.progress.stage in (Stage.ENDING, Stage.READY_TO_CLOSE, Stage.CLOSED):
            return "Ending"
        if self.current_film is not None:
            return f"Cycle {index}: Film {self.facts.film_numbers[self.current_film.pk]}, under way"
        return f"Cycle {index}, under way"

    # The entries.

    def add_helping_questions(self) -> None:
        url = reverse("cases:helping_question", kwargs={"reference": self.case.reference})
        questions = sorted(self.case.helping_questions.all(), key=lambda q: (q.agreed_on, q.created_at, q.pk))
        for position, question in enumerate(questions):
            title = "Helping Question agreed" if position == 0 else "Helping Question revised"
            self.add(self.by_date(question.agreed_on), Entry(question.agreed_on, QUESTION, "question", title, url=url))

    def add_ratings(self) -> None:
        start: dict[date, list[GoalRating]] = defaultdict(list)
        end: dict[date, list[GoalRating]] = defaultdict(list)
        by_review: dict[int, list[GoalRating]] = defaultdict(list)
        for goal in self.facts.goals:
            for rating in goal.ratings.all():
                if rating.phase == GoalRating.Phase.REVIEW:
                    by_review[rating.review_number].append(rating)
                elif rating.phase == GoalRating.Phase.END:
                    end[rating.rated_on].append(rating)
                else:
                    start[rating.rated_on].append(rating)
        self.review_scores = by_review
        for on, ratings in start.items():
            self.add(
                self.by_date(on), Entry(on, START_RATINGS, "ratings", "Ratings at the start", self.scores(ratings))
            )
        for on, ratings in end.items():
            self.add(self.by_date(on), Entry(on, END_RATINGS, "ratings", "Final ratings", self.scores(ratings)))
        # Review ratings show with their review; any without one (given outside a review) stand alone.
        numbers = {review.number for review in self.reviews}
        for number, ratings in by_review.items():
            if number not in numbers:
                on = min(r.rated_on for r in ratings)
                self.add(
                    self.by_date(on), Entry(on, RATINGS, "ratings", f"Review {number} ratings", self.scores(ratings))
                )

    def scores(self, ratings: list[GoalRating]) -> str:
        parts = defaultdict(list)
        for rating in ratings:
            if rating.phase == GoalRating.Phase.HOPED_FOR:
                parts[rating.goal_id].append(f"hoping for {rating.score}")
            else:
                parts[rating.goal_id].insert(0, str(rating.score))
        return " · ".join(
            f"Goal {self.goal_numbers.get(goal_id, '?')}: {', '.join(texts)}"
            for goal_id, texts in sorted(parts.items(), key=lambda item: self.goal_numbers.get(item[0], 0))
        )

    def add_sessions(self) -> None:
        films = {film.pk: film for film in self.facts.films}
        for session in self.facts.sessions:
            review = getattr(session, "shared_review", None) if session.is_shared_review else None
            url = reverse(
                "vig_sessions:session_detail", kwargs={"reference": self.case.reference, "session_id": session.pk}
            )
            if review is not None:
                self.add_review(session, review, url)
                continue
            title = session.get_kind_display()
            group = self.by_date(session.held_on)
            film = films.get(session.film_id)
            if film is not None:
                title += f": film {self.facts.film_numbers[film.pk]}"
                group = self.by_film(film)
            self.add(group, Entry(session.held_on, SESSION, "session", title, _session_detail(session), url))

    def add_review(self, session: Session, review: SharedReview, url: str) -> None:
        parts = []
        if review.film_id in self.facts.film_numbers:
            parts.append(f"film {self.facts.film_numbers[review.film_id]}")
        else:
            parts.append("no film linked")
        count = getattr(session, "review_clip_count", None)
        if count:
            parts.append(f"{count} clip{'s' if count != 1 else ''} looked at")
        scores = self.scores(self.review_scores.get(review.number, []))
        if scores:
            parts.append(scores)
        detail = "Shared review: " + " · ".join(parts)
        if session_detail := _session_detail(session):
            detail += f". {session_detail}"
        group = self.reviews.index(review) + 1
        self.add(group, Entry(session.held_on, REVIEW, "review", f"Review {review.number}", detail, url))

    def add_films(self) -> None:
        for film in self.facts.films:
            number = self.facts.film_numbers[film.pk]
            group = self.by_film(film)
            status = "" if film.is_ready else f" · {film.get_status_display().lower()}"
            url = film.get_absolute_url()
            self.add(
                group, Entry(film.recorded_on, FILM, "film", f"Film {number} recorded", film.activity + status, url)
            )
            count = getattr(film, "clip_count", 0)
            if count and film.first_clip_at:
                on = timezone.localdate(film.first_clip_at)
                title = f"{count} clip{'s' if count != 1 else ''} chosen from film {number}"
                self.add(group, Entry(on, CLIPS, "clips", title, "Micro-analysis", url))

    def add_closing(self) -> None:
        for event in self.case.closing_events.all():
            by = f" · by {event.by.display_name}" if event.by else ""
            if event.kind == ClosingEvent.Kind.CLOSED:
                entry = Entry(event.on, CLOSING, "closing", "Case closed", event.get_reason_display() + by)
            else:
                entry = Entry(event.on, CLOSING, "closing", "Case reopened", (event.note + by).strip(" ·"))
            self.add(self.by_date(event.on), entry)


def _session_detail(session: Session) -> str:
    parts = [session.get_place_display()]
    if session.starts_at:
        parts.append(session.starts_at.strftime("%H:%M"))
    if session.duration_minutes:
        parts.append(f"{session.duration_minutes} minutes")
    if session.attendees:
        parts.append(session.attendees)
    return " · ".join(parts)
