"""Writes that span sessions, reviews, goal ratings and the case.

Each function is called inside the view's transaction and reports every change
it makes to `audit(action, obj, summary=...)`, so the audit events land in the
same transaction as the changes (the view passes `functools.partial(record, request)`).
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import date

from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case, Goal, GoalRating

from .models import ClosingEvent, Session, SharedReview
from .summary import refresh_case_summary

Action = AuditEvent.Action
Audit = Callable[..., object]


def record_session(*, session: Session, recorded_by, audit: Audit) -> None:
    """Save a new session. The first contact with a referred case makes it active."""
    session.recorded_by = recorded_by
    session.save()
    audit(Action.CREATE, session)
    _start_work(session.case, audit)
    refresh_case_summary(session.case)


def save_shared_review(
    *,
    session: Session,
    review: SharedReview,
    clips: Iterable,
    scores: Mapping[Goal, int | None],
    recorded_by,
    audit: Audit,
    changed: Iterable[str] = (),
) -> SharedReview:
    """Save a shared review (new or edited), the clips looked at and its goal ratings.

    A new review takes the next number on the case. `scores` holds the goals
    whose box was on the form: a number saves that rating, None removes it;
    goals not in it (added in another tab meanwhile) are left alone.
    """
    case = session.case
    creating = review.pk is None
    if creating:
        # Lock the case so two reviews saved at once cannot take the same number.
        Case.objects.select_for_update().filter(pk=case.pk).first()
        session.kind = Session.Kind.SHARED_REVIEW
        session.recorded_by = recorded_by
        session.save()
        review.session = session
        review.case = case
        review.number = next_review_number(case)
        review.save()
        audit(Action.CREATE, review)
        _start_work(case, audit)
    else:
        session.save()
        review.save()
        audit(Action.UPDATE, review, summary="changed: " + ", ".join(changed) if changed else "no changes")
    review.clips.set(clips)
    _save_review_ratings(review, scores, recorded_by=recorded_by, audit=audit)
    refresh_case_summary(case)
    return review


def next_review_number(case: Case) -> int:
    last = case.shared_reviews.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def review_ratings(review: SharedReview):
    """The goal ratings given at a review: phase "review" with the review's number."""
    return GoalRating.objects.filter(
        goal__case_id=review.case_id, phase=GoalRating.Phase.REVIEW, review_number=review.number
    )


def _save_review_ratings(review: SharedReview, scores, *, recorded_by, audit: Audit) -> None:
    rated_on = review.session.held_on
    saved = {rating.goal_id: rating for rating in review_ratings(review)}
    for goal, score in scores.items():
        rating = saved.get(goal.pk)
        if score is None:
            if rating is not None:
                audit(Action.DELETE, rating)
                rating.delete()
        elif rating is None:
            rating = GoalRating.objects.create(
                goal=goal,
                phase=GoalRating.Phase.REVIEW,
                review_number=review.number,
                score=score,
                rated_on=rated_on,
                recorded_by=recorded_by,
            )
            audit(Action.CREATE, rating)
        elif rating.score != score:
            rating.score = score
            rating.rated_on = rated_on
            rating.save(update_fields=["score", "rated_on"])
            audit(Action.UPDATE, rating, summary="changed: score")
    # The ratings were given on the day of the review, whichever day that is now.
    review_ratings(review).exclude(rated_on=rated_on).update(rated_on=rated_on)


def delete_session(*, session: Session, audit: Audit) -> None:
    """Delete a session. A shared review goes with its ratings, and later reviews move down a number."""
    review = getattr(session, "shared_review", None) if session.is_shared_review else None
    if review is not None:
        for rating in review_ratings(review):
            audit(Action.DELETE, rating)
        review_ratings(review).delete()
        audit(Action.DELETE, review)
    audit(Action.DELETE, session)
    case = session.case
    session.delete()
    if review is not None:
        _close_the_gap(case, review.number, audit)
    refresh_case_summary(case)


def _close_the_gap(case: Case, number: int, audit: Audit) -> None:
    """Reviews after a deleted one move down, so review N stays the N-th review, ratings and all."""
    for later in case.shared_reviews.filter(number__gt=number).order_by("number"):
        old = later.number
        review_ratings(later).update(review_number=old - 1)
        later.number = old - 1
        later.save(update_fields=["number", "updated_at"])
        audit(Action.UPDATE, later, summary=f"renumbered: was review {old}")


def _start_work(case: Case, audit: Audit) -> None:
    if case.status == Case.Status.REFERRED:
        case.status = Case.Status.ACTIVE
        case.save(update_fields=["status", "updated_at"])
        audit(Action.UPDATE, case, summary="changed: status (first session held)")


def close_case(*, case: Case, on: date, reason: str, note: str, by, audit: Audit) -> ClosingEvent:
    with transaction.atomic():
        case.status = Case.Status.CLOSED
        case.closed_on = on
        case.save(update_fields=["status", "closed_on", "updated_at"])
        event = ClosingEvent.objects.create(
            case=case, kind=ClosingEvent.Kind.CLOSED, on=on, reason=reason, note=note, by=by
        )
        audit(Action.UPDATE, case, summary=f"closed: {reason}")
        refresh_case_summary(case)
    return event


def reopen_case(*, case: Case, note: str, by, audit: Audit) -> ClosingEvent:
    with transaction.atomic():
        case.status = Case.Status.ACTIVE
        case.closed_on = None
        case.save(update_fields=["status", "closed_on", "updated_at"])
        event = ClosingEvent.objects.create(
            case=case, kind=ClosingEvent.Kind.REOPENED, on=timezone.localdate(), note=note, by=by
        )
        audit(Action.UPDATE, case, summary="reopened")
        refresh_case_summary(case)
    return event


def can_reopen(case: Case, user) -> bool:
    """The practitioner (or an administrator), and the supervisors of the case's team, may reverse a closing.

    Unlike every other change to the record, a supervisor may do this: it is
    how a case closed by mistake, or too soon, is put back on the caseload.
    """
    if not user.is_authenticated:
        return False
    return case.is_editable_by(user) or user.supervised_teams.filter(pk=case.team_id).exists()
