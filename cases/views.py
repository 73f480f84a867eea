from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render

from audit.log import changed_fields, record
from audit.models import AuditEvent
from sessions.progress import case_progress, prefetch_progress
from sessions.services import can_reopen
from sessions.summary import refresh_case_summary
from sessions.timeline import case_timeline

from . import services
from .forms import (
    CaseForm,
    ChildForm,
    ClientForm,
    ConsentForm,
    DescriptionsForm,
    GoalForm,
    HelpingQuestionForm,
    RatingsForm,
    WithdrawConsentForm,
)
from .models import Case, Goal, GoalRating, RelationshipDescription

Action = AuditEvent.Action


def get_case_for_user(request, reference: str, *, edit: bool = False, audit: bool = True) -> Case:
    """The one way a view reaches a case.

    A case the user may not see is a 404, the same as one that does not exist.
    A case they may see but not change (a supervisor reading a practitioner's
    record) is a 403 for every write. Every GET of a case page is audited;
    media requests (a video asks for dozens of byte ranges) pass audit=False
    and are covered by the audited page that embeds them.
    """
    case = get_object_or_404(
        Case.objects.visible_to(request.user).select_related("client", "child", "practitioner", "team"),
        reference=reference,
    )
    if edit and not case.is_editable_by(request.user):
        raise PermissionDenied("Only the case's practitioner can change this record.")
    if audit and request.method == "GET":
        record(request, Action.VIEW, case)
    return case


@login_required
def case_create(request):
    user = request.user
    if not user.is_administrator and user.team_id is None:
        return render(request, "cases/no_team.html", status=200)
    client_form = ClientForm(request.POST or None)
    child_form = ChildForm(request.POST or None)
    case_form = CaseForm(request.POST or None, user=user)
    if request.method == "POST" and all(f.is_valid() for f in (client_form, child_form, case_form)):
        practitioner = case_form.cleaned_data.get("practitioner") or user
        with transaction.atomic():
            case = services.create_case(
                client=client_form.save(commit=False),
                child=child_form.save(commit=False),
                practitioner=practitioner,
                team=practitioner.team,
                **{k: case_form.cleaned_data[k] for k in ("status", "setting", "opened_on", "closed_on")},
            )
            record(request, Action.CREATE, case)
        messages.success(request, f"Case {case.reference} opened.")
        return redirect(case)
    return render(
        request,
        "cases/case_form.html",
        {"client_form": client_form, "child_form": child_form, "case_form": case_form, "case": None},
    )


@login_required
def case_detail(request, reference):
    case = get_case_for_user(request, reference)
    # Everything the page shows, fetched once: where the case stands, the
    # timeline, the goal charts and the lists. The cost does not grow with the case.
    prefetch_progress([case])
    progress = case_progress(case)
    questions = list(case.helping_questions.all())
    timeline_order = "oldest" if request.GET.get("timeline") == "oldest" else "newest"
    context = {
        "case": case,
        "can_edit": case.is_editable_by(request.user),
        "can_read_audit": request.user.is_administrator or request.user.is_supervisor,
        "can_reopen": case.is_closed and can_reopen(case, request.user),
        "helping_question": questions[0] if questions else None,
        "helping_question_count": len(questions),
        "goals": case.goals.all(),
        "descriptions": _descriptions_grid(case),
        "consents": case.consent_overview(),
        "films": case.films.all(),
        "progress": progress,
        "timeline": case_timeline(case, progress, newest_first=timeline_order == "newest"),
        "timeline_order": timeline_order,
    }
    return render(request, "cases/case_detail.html", context)


def _descriptions_grid(case):
    saved = {(d.moment, d.subject): d for d in case.descriptions.all()}
    return [
        {
            "subject": label,
            "before": saved.get((RelationshipDescription.Moment.BEFORE, subject)),
            "after": saved.get((RelationshipDescription.Moment.AFTER, subject)),
        }
        for subject, label in RelationshipDescription.Subject.choices
    ]


@login_required
def case_edit(request, reference):
    case = get_case_for_user(request, reference, edit=True)
    client_form = ClientForm(request.POST or None, instance=case.client)
    child_form = ChildForm(request.POST or None, instance=case.child)
    case_form = CaseForm(request.POST or None, instance=case, user=request.user)
    forms_ = (client_form, child_form, case_form)
    if request.method == "POST" and all(f.is_valid() for f in forms_):
        with transaction.atomic():
            client_form.save()
            child_form.save()
            case = case_form.save(commit=False)
            new_practitioner = case_form.cleaned_data.get("practitioner")
            if new_practitioner is not None:
                case.practitioner = new_practitioner
                case.team = new_practitioner.team
            case.save()
            refresh_case_summary(case)
            changed = [f"{form.prefix or 'case'}.{name}" for form in forms_ for name in form.changed_data]
            record(request, Action.UPDATE, case, summary="changed: " + ", ".join(changed) if changed else "no changes")
        messages.success(request, "Case details saved.")
        return redirect(case)
    return render(
        request,
        "cases/case_form.html",
        {"client_form": client_form, "child_form": child_form, "case_form": case_form, "case": case},
    )


@login_required
def helping_question(request, reference):
    """The current Helping Question, its history, and a form to agree a new wording."""
    case = get_case_for_user(request, reference, edit=request.method == "POST")
    current = case.helping_questions.first()
    form = HelpingQuestionForm(request.POST or None, initial={"text": current.text} if current else None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            question = form.save(commit=False)
            question.case = case
            question.recorded_by = request.user
            question.save()
            record(request, Action.CREATE, question, summary="revised" if current else "agreed")
            refresh_case_summary(case)
        messages.success(request, "Helping Question saved.")
        return redirect(case)
    return render(
        request,
        "cases/helping_question.html",
        {
            "case": case,
            "form": form,
            "history": case.helping_questions.select_related("recorded_by"),
            "can_edit": case.is_editable_by(request.user),
        },
    )


@login_required
def goal_create(request, reference):
    case = get_case_for_user(request, reference, edit=True)
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            goal = form.save(commit=False)
            goal.case = case
            goal.position = case.goals.count() + 1
            goal.save()
            record(request, Action.CREATE, goal)
            refresh_case_summary(case)
        messages.success(request, "Goal added. Rate where the client is now and where they hope to get to.")
        return redirect("cases:ratings", reference=case.reference)
    return render(request, "cases/goal_form.html", {"case": case, "form": form})


def _goal_for(case, goal_id) -> Goal:
    return get_object_or_404(case.goals, pk=goal_id)


@login_required
def goal_edit(request, reference, goal_id):
    case = get_case_for_user(request, reference, edit=True)
    goal = _goal_for(case, goal_id)
    form = GoalForm(request.POST or None, instance=goal)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            record(request, Action.UPDATE, goal, summary=changed_fields(form))
        messages.success(request, "Goal saved.")
        return redirect(case)
    return render(request, "cases/goal_form.html", {"case": case, "form": form, "goal": goal})


@login_required
def goal_delete(request, reference, goal_id):
    case = get_case_for_user(request, reference, edit=True)
    goal = _goal_for(case, goal_id)
    if request.method == "POST":
        with transaction.atomic():
            record(request, Action.DELETE, goal)
            goal.delete()
            refresh_case_summary(case)
        messages.success(request, "Goal and its ratings deleted.")
        return redirect(case)
    return render(
        request,
        "cases/confirm_delete.html",
        {"case": case, "object": goal, "what": "this goal and all its ratings"},
    )


@login_required
def ratings(request, reference):
    case = get_case_for_user(request, reference, edit=True)
    goals = case.goals.prefetch_related("ratings")
    form = RatingsForm(request.POST or None, goals=goals)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            for goal, phase, score in form.changes():
                _save_rating(request, goal, phase, score)
            refresh_case_summary(case)
        messages.success(request, "Ratings saved.")
        return redirect(case)
    return render(request, "cases/ratings_form.html", {"case": case, "form": form})


def _save_rating(request, goal, phase, score):
    existing = goal.ratings.filter(phase=phase).first()
    if score is None:
        if existing:
            record(request, Action.DELETE, existing)
            existing.delete()
    elif existing:
        existing.score = score
        existing.save(update_fields=["score"])
        record(request, Action.UPDATE, existing, summary="changed: score")
    else:
        rating = GoalRating.objects.create(goal=goal, phase=phase, score=score, recorded_by=request.user)
        record(request, Action.CREATE, rating)


@login_required
def descriptions(request, reference):
    case = get_case_for_user(request, reference, edit=True)
    form = DescriptionsForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            for name in form.changed_data:
                moment, subject = name.split("_", 1)
                text = form.cleaned_data[name].strip()
                existing = case.descriptions.filter(moment=moment, subject=subject).first()
                if not text:
                    if existing:
                        record(request, Action.DELETE, existing)
                        existing.delete()
                elif existing:
                    existing.text = text
                    existing.save(update_fields=["text", "updated_at"])
                    record(request, Action.UPDATE, existing, summary="changed: text")
                else:
                    created = case.descriptions.create(moment=moment, subject=subject, text=text)
                    record(request, Action.CREATE, created)
            refresh_case_summary(case)
        messages.success(request, "Descriptions saved.")
        return redirect(case)
    return render(request, "cases/descriptions_form.html", {"case": case, "form": form})


@login_required
def consent_create(request, reference):
    case = get_case_for_user(request, reference, edit=True)
    form = ConsentForm(request.POST or None, case=case, initial={"given_by": case.client.full_name})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            consent = form.save(commit=False)
            consent.case = case
            consent.recorded_by = request.user
            consent.save()
            record(request, Action.CREATE, consent)
            refresh_case_summary(case)
        messages.success(request, f"Consent recorded: {consent.get_purpose_display()}.")
        return redirect(case)
    return render(request, "cases/consent_form.html", {"case": case, "form": form})


@login_required
def consent_withdraw(request, reference, consent_id):
    case = get_case_for_user(request, reference, edit=True)
    consent = get_object_or_404(case.consents, pk=consent_id, withdrawn_on__isnull=True)
    form = WithdrawConsentForm(request.POST or None, consent=consent)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            consent.withdrawn_on = form.cleaned_data["withdrawn_on"]
            consent.save(update_fields=["withdrawn_on"])
            record(request, Action.UPDATE, consent, summary="withdrawn")
            refresh_case_summary(case)
        messages.warning(request, f"Consent withdrawn: {consent.get_purpose_display()}.")
        return redirect(case)
    return render(request, "cases/consent_withdraw.html", {"case": case, "consent": consent, "form": form})


@login_required
def case_audit(request, reference):
    """Who looked at or changed this case. Supervisors and administrators only."""
    case = get_case_for_user(request, reference)
    if not (request.user.is_administrator or request.user.is_supervisor):
        raise PermissionDenied("The audit log is for supervisors and administrators.")
    events = AuditEvent.objects.visible_to(request.user).filter(case=case).select_related("actor")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "cases/case_audit.html", {"case": case, "page": page})
