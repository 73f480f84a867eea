"""Sessions, shared reviews, and closing or reopening a case.

Every view reaches the case through `get_case_for_user`: a supervisor reads
but does not write (403), except to reopen a closed case of their team.
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render

from audit.log import changed_fields, record
from cases.models import Consent, GoalRating, RelationshipDescription
from cases.views import get_case_for_user

from . import services
from .forms import CloseCaseForm, ReopenCaseForm, ReviewRatingsForm, ReviewSessionForm, SessionForm, SharedReviewForm
from .models import Session, SharedReview
from .progress import CaseFacts, case_progress, prefetch_progress


def _session_for(case, session_id) -> Session:
    return get_object_or_404(
        case.sessions.select_related("film", "recorded_by", "shared_review__film", "shared_review__session"),
        pk=session_id,
    )


@login_required
def session_create(request, reference):
    case = get_case_for_user(request, reference, edit=True)
    kind = request.GET.get("kind")
    if kind == Session.Kind.SHARED_REVIEW:
        return redirect("vig_sessions:review_create", reference=case.reference)
    form = SessionForm(
        request.POST or None,
        case=case,
        instance=Session(case=case),
        initial={"kind": kind} if kind in Session.Kind.values else None,
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            session = form.save(commit=False)
            services.record_session(session=session, recorded_by=request.user, audit=partial(record, request))
        messages.success(request, f"{session.get_kind_display()} recorded.")
        return redirect(session)
    return render(request, "vig_sessions/session_form.html", {"case": case, "form": form, "session": None})


@login_required
def session_detail(request, reference, session_id):
    case = get_case_for_user(request, reference)
    session = _session_for(case, session_id)
    context = {
        "case": case,
        "session": session,
        "can_edit": case.is_editable_by(request.user),
        "checklist": _checklist(case, session),
    }
    if session.is_shared_review:
        review = getattr(session, "shared_review", None)
        if review is not None:
            context.update(_review_context(case, review, request.user))
    if session.film_id:
        context["film_number"] = _film_number(case, session.film)
    return render(request, "vig_sessions/session_detail.html", context)


def _film_number(case, film) -> int | None:
    """The film's number as the case page shows it: film N is the N-th recorded."""
    films = list(case.films.of_the_family().values_list("pk", flat=True))
    return films.index(film.pk) + 1 if film.pk in films else None


def _review_context(case, review, user) -> dict:
    ratings = (
        GoalRating.objects.filter(goal__case=case, phase=GoalRating.Phase.REVIEW, review_number=review.number)
        .select_related("goal")
        .order_by("goal__position", "goal__pk")
    )
    return {
        "review": review,
        "review_film_number": _film_number(case, review.film) if review.film_id else None,
        "review_clips": review.clips.select_related("film").order_by("position", "pk"),
        "review_ratings": ratings,
        "can_see_footage": case.footage_visible_to(user),
    }


def _checklist(case, session) -> list[dict]:
    """What the initial or ending meeting is for: each item done or not, with a link to its form."""
    if session.kind not in (Session.Kind.INITIAL, Session.Kind.ENDING):
        return []
    prefetch_progress([case])
    facts = CaseFacts.of(case)
    rated = {phase: bool(facts.goals) and not facts.goals_missing(phase) for phase in GoalRating.Phase.values}
    Moment = RelationshipDescription.Moment
    if session.kind == Session.Kind.INITIAL:
        items = [
            ("Write the Helping Question", facts.has_helping_question, "cases:helping_question"),
            ("Agree the goals", bool(facts.goals), "cases:goal_create"),
            ("Rate each goal: where the client is now", rated[GoalRating.Phase.BASELINE], "cases:ratings"),
            ("Rate each goal: where they hope to get to", rated[GoalRating.Phase.HOPED_FOR], "cases:ratings"),
            ("The client's words at the start", facts.has_descriptions(Moment.BEFORE), "cases:descriptions"),
            ("Consent to filming", case.has_consent(Consent.Purpose.FILMING), "cases:consent_create"),
        ]
    else:
        items = [
            ("Final ratings for each goal", rated[GoalRating.Phase.END], "cases:ratings"),
            ("The client's words at the end", facts.has_descriptions(Moment.AFTER), "cases:descriptions"),
            ("Close the case", case.is_closed, "vig_sessions:case_close"),
        ]
    return [{"label": label, "done": done, "url_name": url_name} for label, done, url_name in items]


@login_required
def session_edit(request, reference, session_id):
    case = get_case_for_user(request, reference, edit=True)
    session = _session_for(case, session_id)
    if session.is_shared_review and hasattr(session, "shared_review"):
        return redirect("vig_sessions:review_edit", reference=case.reference, review_id=session.shared_review.pk)
    form = SessionForm(request.POST or None, case=case, instance=session)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            record(request, services.Action.UPDATE, session, summary=changed_fields(form))
        messages.success(request, "Session saved.")
        return redirect(session)
    return render(request, "vig_sessions/session_form.html", {"case": case, "form": form, "session": session})


@login_required
def session_delete(request, reference, session_id):
    case = get_case_for_user(request, reference, edit=True)
    session = _session_for(case, session_id)
    review = getattr(session, "shared_review", None) if session.is_shared_review else None
    if request.method == "POST":
        with transaction.atomic():
            services.delete_session(session=session, audit=partial(record, request))
        messages.success(request, "Session deleted." + (" Later reviews were renumbered." if review else ""))
        return redirect(case)
    what = "this shared review and its ratings" if review else "this session"
    return render(request, "cases/confirm_delete.html", {"case": case, "object": session, "what": what})


@login_required
def review_create(request, reference):
    case = get_case_for_user(request, reference, edit=True)
    prefetch_progress([case])
    facts = CaseFacts.of(case)
    number = facts.next_review_number
    film = facts.current_film or next((f for f in reversed(facts.films) if f.is_ready), None)
    initial = {"film": film.pk, "clips": [c.pk for c in film.clips.all()]} if film else {}
    return _review_page(
        request,
        case,
        session=Session(case=case, kind=Session.Kind.SHARED_REVIEW),
        review=SharedReview(case=case, number=number),
        initial=initial,
    )


@login_required
def review_edit(request, reference, review_id):
    case = get_case_for_user(request, reference, edit=True)
    review = get_object_or_404(case.shared_reviews.select_related("session"), pk=review_id)
    return _review_page(request, case, session=review.session, review=review, initial={})


def _review_page(request, case, *, session, review, initial):
    creating = review.pk is None
    goals = case.goals.prefetch_related("ratings")
    data = request.POST if request.method == "POST" else None
    session_form = ReviewSessionForm(data, case=case, number=review.number, instance=session)
    review_form = SharedReviewForm(data, case=case, instance=review, initial=initial)
    ratings_form = ReviewRatingsForm(data, goals=goals, number=review.number)
    forms_ = (session_form, review_form, ratings_form)
    if data is not None and all(form.is_valid() for form in forms_):
        with transaction.atomic():
            review = services.save_shared_review(
                session=session_form.save(commit=False),
                review=review_form.save(commit=False),
                clips=review_form.cleaned_data["clips"],
                scores=ratings_form.scores(),
                recorded_by=request.user,
                audit=partial(record, request),
                changed=[name for form in (session_form, review_form) for name in form.changed_data],
            )
        messages.success(request, f"Review {review.number} {'recorded' if creating else 'saved'}.")
        return redirect(review.session)
    return render(
        request,
        "vig_sessions/review_form.html",
        {
            "case": case,
            "review": review,
            "creating": creating,
            "session_form": session_form,
            "review_form": review_form,
            "ratings_form": ratings_form,
        },
    )


@login_required
def case_close(request, reference):
    case = get_case_for_user(request, reference, edit=True)
    if case.is_closed:
        messages.info(request, "The case is already closed.")
        return redirect(case)
    form = CloseCaseForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        services.close_case(
            case=case,
            on=form.cleaned_data["closed_on"],
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"].strip(),
            by=request.user,
            audit=partial(record, request),
        )
        messages.success(request, f"Case {case.reference} closed. It can be reopened if needed.")
        return redirect(case)
    prefetch_progress([case])
    return render(
        request, "vig_sessions/close_form.html", {"case": case, "form": form, "progress": case_progress(case)}
    )


@login_required
def case_reopen(request, reference):
    """Reverse a closing: the practitioner, an administrator, or a supervisor of the case's team."""
    case = get_case_for_user(request, reference)
    if not services.can_reopen(case, request.user):
        raise PermissionDenied("Only the case's practitioner or its team's supervisor can reopen it.")
    if not case.is_closed:
        messages.info(request, "The case is open.")
        return redirect(case)
    form = ReopenCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.reopen_case(
            case=case, note=form.cleaned_data["note"].strip(), by=request.user, audit=partial(record, request)
        )
        messages.success(request, f"Case {case.reference} reopened.")
        return redirect(case)
    return render(request, "vig_sessions/reopen_form.html", {"case": case, "form": form})
