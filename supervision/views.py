from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.log import record
from audit.models import AuditEvent
from cases.models import Case, Consent
from cases.views import get_case_for_user
from clips.models import Film

from . import services
from .forms import NoteForm, SupervisionSessionForm
from .models import SupervisionNote, SupervisionSession, Trainee, supervises
from .progress import count_of, targets, trainees_supervised_by, with_counts
from .threads import note_threads

Action = AuditEvent.Action
User = get_user_model()


def _practitioner_for(request, practitioner_id):
    """A practitioner's supervision record: themself, their team's supervisors, administrators; else 404."""
    user = request.user
    people = User.objects.select_related("team")
    if not user.is_administrator:
        people = people.filter(pk=user.pk) | people.filter(team__in=user.supervised_teams.values("pk"))
    return get_object_or_404(people, pk=practitioner_id)


def _session_for(request, supervision_session_id) -> SupervisionSession:
    return get_object_or_404(
        SupervisionSession.objects.visible_to(request.user).select_related("practitioner", "supervisor"),
        pk=supervision_session_id,
    )


@login_required
def home(request):
    """A supervisor's view: their teams' trainees against their targets, practitioners, sessions led."""
    user = request.user
    if not (user.is_supervisor or user.is_administrator):
        return redirect("supervision:practitioner", practitioner_id=user.pk)
    trainees = list(trainees_supervised_by(user))
    for trainee in trainees:
        trainee.targets = targets(trainee)
    practitioners = User.objects.filter(role=User.Role.PRACTITIONER)
    if not user.is_administrator:
        practitioners = practitioners.filter(team__in=user.supervised_teams.values("pk"))
    waiting = SupervisionNote.objects.unanswered().filter(case__practitioner=OuterRef("pk"))
    practitioners = practitioners.select_related("team").annotate(
        waiting_answers=count_of(waiting, "case__practitioner", Count("pk"))
    )
    led = SupervisionSession.objects.filter(supervisor=user).select_related("practitioner")[:20]
    return render(
        request,
        "supervision/home.html",
        {"trainees": trainees, "practitioners": practitioners, "sessions_led": led},
    )


@login_required
def practitioner(request, practitioner_id):
    """One practitioner's supervision: progress to accreditation, notes to answer, sessions, review films."""
    person = _practitioner_for(request, practitioner_id)
    record(request, Action.VIEW, person, summary="supervision record")
    trainee = with_counts(Trainee.objects.filter(user=person)).first()
    cases = Case.objects.visible_to(request.user).filter(practitioner=person)
    context = {
        "person": person,
        "is_self": person.pk == request.user.pk,
        "trainee": trainee,
        "targets": targets(trainee) if trainee else [],
        "to_answer": SupervisionNote.objects.unanswered()
        .filter(case__in=cases)
        .select_related("case", "author")
        .order_by("-created_at"),
        "sessions": SupervisionSession.objects.visible_to(request.user)
        .filter(practitioner=person)
        .select_related("supervisor")
        .annotate(case_count=Count("cases", distinct=True))
        .order_by("-held_on", "-pk"),  # Meta.ordering is not applied to a grouped query
        "review_films": Film.objects.of_a_review().filter(case__in=cases).select_related("case"),
        "can_log": supervises(request.user, person) and person.pk != request.user.pk,
    }
    return render(request, "supervision/practitioner.html", context)


@login_required
def session_create(request, practitioner_id):
    """Logged by a supervisor of the practitioner's team (see SupervisionSession)."""
    person = _practitioner_for(request, practitioner_id)
    if person.pk == request.user.pk or not supervises(request.user, person):
        raise PermissionDenied("A supervision session is logged by a supervisor of the practitioner's team.")
    form = SupervisionSessionForm(request.POST or None, practitioner=person, supervisor=request.user)
    if request.method == "POST" and form.is_valid():
        session = services.save_session(request=request, form=form, practitioner=person, supervisor=request.user)
        messages.success(request, "Supervision session logged.")
        return redirect(session)
    return render(request, "supervision/session_form.html", {"person": person, "form": form, "session": None})


@login_required
def session_edit(request, supervision_session_id):
    session = _session_for(request, supervision_session_id)
    person = session.practitioner
    if person.pk == request.user.pk or not supervises(request.user, person):
        raise PermissionDenied("A supervision session is changed by a supervisor of the practitioner's team.")
    form = SupervisionSessionForm(request.POST or None, instance=session, practitioner=person, supervisor=request.user)
    if request.method == "POST" and form.is_valid():
        services.save_session(request=request, form=form)
        messages.success(request, "Supervision session saved.")
        return redirect(session)
    return render(request, "supervision/session_form.html", {"person": person, "form": form, "session": session})


@login_required
def session_detail(request, supervision_session_id):
    session = _session_for(request, supervision_session_id)
    record(request, Action.VIEW, session)
    # Only the cases this user may see; each case's footage only where its client allows it.
    cases = list(
        session.cases.filter(pk__in=Case.objects.visible_to(request.user).values("pk"))
        .select_related("client", "practitioner")
        .prefetch_related("consents")
    )
    footage = {case.pk: _footage_visible(case, request.user) for case in cases}
    clips = (
        session.clips.filter(film__case__in=cases)
        .select_related("film__case")
        .order_by("film__case__reference", "film__recorded_on", "position")
    )
    films = session.films.filter(case__in=cases).select_related("case")
    return render(
        request,
        "supervision/session_detail.html",
        {
            "session": session,
            "cases": [(case, footage[case.pk]) for case in cases],
            "clips": [(clip, footage[clip.film.case_id]) for clip in clips],
            "films": [(film, footage[film.case_id]) for film in films],
            "can_edit": supervises(request.user, session.practitioner) and session.practitioner_id != request.user.pk,
        },
    )


def _footage_visible(case, user) -> bool:
    """`Case.footage_visible_to` from the prefetched consents: no query per case."""
    if case.practitioner_id == user.pk:
        return True
    return any(c.purpose == Consent.Purpose.SUPERVISION and c.withdrawn_on is None for c in case.consents.all())


@login_required
def case_notes(request, reference):
    """The supervision notes of a case, as threads, with the forms to add one or answer."""
    case = get_case_for_user(request, reference)
    return _notes_page(request, case, NoteForm(case=case))


def _notes_page(request, case, form, status=200):
    return render(
        request,
        "supervision/case_notes.html",
        {
            "case": case,
            "threads": note_threads(case),
            "form": form,
            "can_write": services.may_write_note(request.user, case),
        },
        status=status,
    )


@login_required
@require_POST
def note_create(request, reference):
    case = get_case_for_user(request, reference)
    if not services.may_write_note(request.user, case):
        raise PermissionDenied("Supervision notes are written by the team's supervisor and the case's practitioner.")
    form = NoteForm(request.POST, case=case)
    if not form.is_valid():
        return _notes_page(request, case, form, status=400)
    note = services.add_note(
        request=request,
        case=case,
        author=request.user,
        text=form.cleaned_data["text"],
        in_reply_to=form.cleaned_data["in_reply_to"],
    )
    messages.success(request, "Answer saved." if note.in_reply_to_id else "Supervision note saved.")
    return redirect(case.get_absolute_url() + "#supervision-notes")
