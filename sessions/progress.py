"""Where a case stands in the VIG cycle, and what is next.

A cycle is film → micro-analysis (clips chosen) → shared review. Films are
numbered in the order they were recorded (film N is the N-th film, as the case
page lists them); review N is the N-th shared review and closes cycle N. The
two numbers agree on the usual path; when a film failed and was filmed again,
"Film 3 → Review 2" is the honest account.

`case_progress()` reads only rows prefetched with `PROGRESS_PREFETCH` (use
`with_progress()` on a queryset, or `prefetch_progress()` on fetched cases),
so the caseload works it out for many cases with a fixed number of queries.
The rules are one ordered list, in `_next_step()`: the first that applies
decides the next step. What needs attention is worked out separately, in
`_attention()`, because a case can be both "Review 2 due" and out of contact.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count, Min, Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from cases.models import Case, Goal, GoalRating, RelationshipDescription
from clips.models import Film

from .models import ClosingEvent, Session, SharedReview

USUAL_CYCLES = 3
REVIEW_DUE_DAYS = 14

# Free text is not needed to say where a case stands; leaving it out keeps a
# big caseload light.
_SESSION_TEXT = ["notes"] + [f"shared_review__{name}" for name in SharedReview.TEXT_FIELDS]

PROGRESS_PREFETCH = (
    Prefetch(
        "sessions",
        queryset=Session.objects.select_related("shared_review")
        .defer(*_SESSION_TEXT)
        .annotate(review_clip_count=Count("shared_review__clips")),
    ),
    Prefetch(
        "films",
        # Only the family's films make cycles: a film of the practitioner's own review does not.
        queryset=Film.objects.of_the_family()
        .defer("source_info")
        .annotate(clip_count=Count("clips"), first_clip_at=Min("clips__created_at")),
    ),
    "helping_questions",
    Prefetch("goals", queryset=Goal.objects.prefetch_related("ratings")),
    "descriptions",
    "consents",
    Prefetch("closing_events", queryset=ClosingEvent.objects.select_related("by")),
)


def with_progress(queryset):
    """A case queryset that brings everything `case_progress()` reads."""
    return queryset.prefetch_related(*PROGRESS_PREFETCH)


def prefetch_progress(cases: Iterable[Case]) -> None:
    """The same for cases already fetched (a page's single case, or a list)."""
    prefetch_related_objects(list(cases), *PROGRESS_PREFETCH)


class Stage:
    STARTING = "starting"
    FILMING = "filming"
    PROCESSING = "processing"
    FILM_FAILED = "film_failed"
    MICRO_ANALYSIS = "micro_analysis"
    REVIEW_DUE = "review_due"
    ENDING = "ending"
    READY_TO_CLOSE = "ready_to_close"
    CLOSED = "closed"


@dataclass(frozen=True)
class Action:
    """The link that takes the practitioner to the next step."""

    label: str
    url: str


@dataclass(frozen=True)
class Progress:
    stage: str
    # The cycle under way (0 before the first film), or the last one once ending.
    cycle: int
    cycles_done: int
    next_step: str
    detail: str = ""
    action: Action | None = None
    # Why the case needs attention; empty when it does not.
    reasons: tuple[str, ...] = ()
    last_contact: date | None = None

    @property
    def needs_attention(self) -> bool:
        return bool(self.reasons)

    @property
    def cycle_label(self) -> str:
        if self.stage == Stage.CLOSED:
            return ""  # "Closed on …" says it all
        if self.stage in (Stage.ENDING, Stage.READY_TO_CLOSE):
            return "Ending"
        return f"Cycle {self.cycle}" if self.cycle else "Getting started"


@dataclass(frozen=True)
class _Step:
    stage: str
    text: str
    detail: str = ""
    action: Action | None = None


@dataclass
class CaseFacts:
    """What the rules look at, read once from a case's prefetched rows."""

    case: Case
    sessions: list[Session]
    films: list[Film]
    reviews: list[SharedReview]
    goals: list[Goal]
    has_helping_question: bool
    # (moment, subject) of each description recorded.
    descriptions: set[tuple[str, str]]
    film_numbers: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, case: Case) -> "CaseFacts":
        sessions = list(case.sessions.all())
        # Filtered here too, for a case whose films came without PROGRESS_PREFETCH.
        films = [film for film in case.films.all() if film.kind == Film.Kind.FAMILY]
        # The review's session is the row we already hold: no query to reach it.
        reviews = []
        for session in sessions:
            review = getattr(session, "shared_review", None) if session.is_shared_review else None
            if review is not None:
                review.session = session
                reviews.append(review)
        reviews.sort(key=lambda r: r.number)
        return cls(
            case=case,
            sessions=sessions,
            films=films,
            reviews=reviews,
            goals=list(case.goals.all()),
            has_helping_question=bool(case.helping_questions.all()),
            descriptions={(d.moment, d.subject) for d in case.descriptions.all()},
            film_numbers={film.pk: number for number, film in enumerate(films, start=1)},
        )

    def has_session(self, kind: str) -> bool:
        return any(s.kind == kind for s in self.sessions)

    @property
    def latest_review(self) -> SharedReview | None:
        return self.reviews[-1] if self.reviews else None

    @property
    def next_review_number(self) -> int:
        return self.reviews[-1].number + 1 if self.reviews else 1

    @property
    def next_film_number(self) -> int:
        return len(self.films) + 1

    @property
    def current_film(self) -> Film | None:
        """The newest film that no review has looked at yet, recorded since the last review.

        An older film nobody reviewed (one that failed and was filmed again, or
        one watched at a review that did not link it) is left behind: it does
        not hold the case up.
        """
        reviewed = {review.film_id for review in self.reviews if review.film_id}
        since = self.latest_review.session.held_on if self.reviews else None
        for film in reversed(self.films):
            if film.pk not in reviewed and (since is None or film.recorded_on >= since):
                return film
        return None

    @property
    def filmed_not_uploaded(self) -> Session | None:
        """A filming session since the last review whose film is not in the system yet."""
        since = self.latest_review.session.held_on if self.reviews else None
        for session in reversed(self.sessions):
            if session.kind == Session.Kind.FILMING and (since is None or session.held_on >= since):
                return None if session.film_id else session
        return None

    @staticmethod
    def clip_count(film: Film) -> int:
        """Clips chosen from the film: annotated by PROGRESS_PREFETCH, counted if the film came another way."""
        count = getattr(film, "clip_count", None)
        return film.clips.count() if count is None else count

    def has_descriptions(self, moment: str) -> bool:
        """Both the child and the relationship described, at the start or at the end."""
        return all((moment, subject) in self.descriptions for subject in RelationshipDescription.Subject.values)

    def goals_missing(self, phase: str) -> list[Goal]:
        return [goal for goal in self.goals if not any(r.phase == phase for r in goal.ratings.all())]

    @property
    def last_contact(self) -> date | None:
        return max((s.held_on for s in self.sessions), default=None)


def case_progress(case: Case, *, today: date | None = None) -> Progress:
    """Where the case stands, what is next, and whether it needs attention."""
    if case.is_closed:
        # Rule 1, before anything else is read: a closed case says when it closed, and why.
        return _closed(case)
    today = today or timezone.localdate()
    facts = CaseFacts.of(case)
    step = _next_step(facts)
    cycles_done = len(facts.reviews)
    if step.stage == Stage.STARTING:
        cycle = 0
    elif step.stage in (Stage.ENDING, Stage.READY_TO_CLOSE):
        cycle = cycles_done
    else:
        cycle = cycles_done + 1
    return Progress(
        stage=step.stage,
        cycle=cycle,
        cycles_done=cycles_done,
        next_step=step.text,
        detail=step.detail,
        action=step.action,
        reasons=tuple(_attention(facts, today)),
        last_contact=facts.last_contact,
    )


def caseload(cases: Iterable[Case], *, today: date | None = None) -> list[Case]:
    """The cases, each with its `progress`, those needing attention first (otherwise in the order given).

    Every case given is worked out, not only one page of them, because the
    order depends on it. A closed case needs only its closing, so only open
    cases bring their sessions, films and ratings: the number of queries is
    the same for 3 cases as for 300.
    """
    cases = list(cases)
    prefetch_related_objects([c for c in cases if not c.is_closed], *PROGRESS_PREFETCH)
    prefetch_related_objects([c for c in cases if c.is_closed], "closing_events")
    today = today or timezone.localdate()
    for case in cases:
        case.progress = case_progress(case, today=today)
    return sorted(cases, key=lambda c: not c.progress.needs_attention)


def _next_step(facts: CaseFacts) -> _Step:
    """The next step for an open case: the first rule that applies, from the top.

    (Rule 1, a closed case, is applied in `case_progress`.)
    """
    ref = facts.case.reference

    # 2-4. The initial meeting: how to work together, the Helping Question, the starting ratings.
    if not facts.has_session(Session.Kind.INITIAL) and not facts.has_helping_question:
        return _Step(
            Stage.STARTING,
            "Initial meeting to arrange",
            "Agree how to work together, write the Helping Question and rate the goals.",
            Action("Record the initial meeting", _url("vig_sessions:session_create", ref, kind=Session.Kind.INITIAL)),
        )
    if not facts.has_helping_question:
        return _Step(
            Stage.STARTING,
            "Write the Helping Question",
            "The client's own question, agreed at the initial meeting.",
            Action("Write the Helping Question", _url("cases:helping_question", ref)),
        )
    if not facts.goals or facts.goals_missing(GoalRating.Phase.BASELINE):
        return _Step(
            Stage.STARTING,
            "Baseline ratings missing",
            "Rate each goal with the client: where they are now, and where they hope to get to.",
            Action("Rate the goals", _url("cases:ratings", ref))
            if facts.goals
            else Action("Add a goal", _url("cases:goal_create", ref)),
        )

    # 5. An ending meeting has been held: finish the record and close.
    if facts.has_session(Session.Kind.ENDING):
        return _ending(facts)

    # 6. A film no review has looked at yet: it is processed, then clips are chosen, then reviewed.
    film = facts.current_film
    if film is not None:
        number = facts.film_numbers[film.pk]
        if film.status == Film.Status.PROCESSING:
            return _Step(
                Stage.PROCESSING,
                f"Film {number} being processed",
                "It can be micro-analysed once it is ready.",
                Action(f"See film {number}", film.get_absolute_url()),
            )
        if film.status == Film.Status.FAILED:
            return _Step(
                Stage.FILM_FAILED,
                f"Film {number} could not be processed",
                "Try processing it again, or upload the film again.",
                Action(f"See film {number}", film.get_absolute_url()),
            )
        clips = facts.clip_count(film)
        if not clips:
            return _Step(
                Stage.MICRO_ANALYSIS,
                f"Film {number} recorded, clips not selected yet",
                "Micro-analyse the film and choose 3 to 5 moments of attunement.",
                Action(f"Micro-analyse film {number}", _url("clips:analyse", ref, film_id=film.pk)),
            )
        return _Step(
            Stage.REVIEW_DUE,
            f"Review {facts.next_review_number} due",
            f"{clips} clip{_s(clips)} from film {number} to watch with the client.",
            Action("Record the shared review", _url("vig_sessions:review_create", ref)),
        )

    # 7. Filmed, but the film is not uploaded yet.
    filming = facts.filmed_not_uploaded
    if filming is not None:
        return _Step(
            Stage.FILMING,
            f"Film {facts.next_film_number} to upload",
            f"Filmed on {format_date(filming.held_on, 'j M Y')}.",
            Action("Upload the film", _url("clips:film_upload", ref)),
        )

    # 8. After a review: another cycle, or the ending (usually after three).
    latest = facts.latest_review
    if latest is not None and (
        latest.plan == SharedReview.Plan.ENDING
        or (latest.plan != SharedReview.Plan.ANOTHER_FILM and len(facts.reviews) >= USUAL_CYCLES)
    ):
        return _ending(facts)

    next_film = _Step(
        Stage.FILMING,
        f"Film {facts.next_film_number} to record",
        _next_film_plan(latest),
        Action("Record a filming session", _url("vig_sessions:session_create", ref, kind=Session.Kind.FILMING)),
    )
    # 9. A review recorded without its film (watched on a device, or before the upload was ready).
    if latest is not None and latest.film_id is None:
        return _Step(
            Stage.FILMING,
            f"Review {latest.number} recorded without a film",
            f"Link its film when it is uploaded. Next: film {facts.next_film_number}.",
            Action(f"Edit review {latest.number}", _url("vig_sessions:review_edit", ref, review_id=latest.pk)),
        )
    # 10. Otherwise the next film.
    return next_film


def _ending(facts: CaseFacts) -> _Step:
    ref = facts.case.reference
    missing = []
    if facts.goals_missing(GoalRating.Phase.END):
        missing.append(("final ratings", Action("Rate the goals at the end", _url("cases:ratings", ref))))
    if not facts.has_descriptions(RelationshipDescription.Moment.AFTER):
        missing.append(
            ("after descriptions", Action("Record the client's words at the end", _url("cases:descriptions", ref)))
        )
    detail = (
        ""
        if facts.has_session(Session.Kind.ENDING)
        else "At the ending meeting: re-rate each goal; ask how the client describes their child and relationship now."
    )
    if missing:
        return _Step(
            Stage.ENDING, f"Ready to close: {' and '.join(m[0] for m in missing)} missing", detail, missing[0][1]
        )
    return _Step(
        Stage.READY_TO_CLOSE, "Ready to close", detail, Action("Close the case", _url("vig_sessions:case_close", ref))
    )


def _closed(case: Case) -> Progress:
    closing = next((e for e in case.closing_events.all() if e.kind == ClosingEvent.Kind.CLOSED), None)
    on = format_date(case.closed_on, "j M Y") if case.closed_on else "an unrecorded date"
    return Progress(
        stage=Stage.CLOSED,
        cycle=0,
        cycles_done=0,
        next_step=f"Closed on {on}",
        detail=closing.get_reason_display() if closing else "",
    )


def _next_film_plan(review: SharedReview | None) -> str:
    if review is None:
        return "A short film of a better-than-usual moment together."
    return f"Planned at review {review.number}."


def _attention(facts: CaseFacts, today: date) -> list[str]:
    """Why an open case needs someone to look at it; empty when nothing does."""
    reasons = []
    last = facts.last_contact or facts.case.opened_on
    quiet_days = (today - last).days
    if quiet_days > settings.VIG_NO_CONTACT_DAYS:
        reasons.append(f"No contact for {quiet_days} days")

    if not facts.has_session(Session.Kind.ENDING):
        film, filming = facts.current_film, facts.filmed_not_uploaded
        if film is not None:
            number = facts.film_numbers[film.pk]
            waiting = (today - film.recorded_on).days
            if film.status == Film.Status.FAILED:
                reasons.append(f"Film {number} could not be processed")
            elif waiting > REVIEW_DUE_DAYS:
                reasons.append(f"Review {facts.next_review_number} due: film {number} recorded {waiting} days ago")
        elif filming is not None and (waiting := (today - filming.held_on).days) > REVIEW_DUE_DAYS:
            reasons.append(f"Review {facts.next_review_number} due: filmed {waiting} days ago, film not uploaded")

    for consent in facts.case.consent_overview():
        if consent.status == "withdrawn":
            reasons.append(f"Consent withdrawn: {consent.label}")
    return reasons


def _url(name: str, reference: str, *, kind: str | None = None, **kwargs) -> str:
    url = reverse(name, kwargs={"reference": reference, **kwargs})
    return f"{url}?kind={kind}" if kind else url


def _s(count: int) -> str:
    return "" if count == 1 else "s"
