"""Traject Letter pages. Every view reaches its case through get_case_for_user, the one gate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.log import changed_fields, record
from audit.models import AuditEvent
from cases.views import get_case_for_user
from clips.delivery import serve_media
from sessions.summary import refresh_case_summary

from . import services
from .forms import LetterForm
from .models import TrajectLetter
from .rendering import letter_html

Action = AuditEvent.Action


def _letter(case, letter_id, *, lock=False):
    letters = case.letters.select_for_update() if lock else case.letters
    letter = get_object_or_404(letters, pk=letter_id)
    letter.case = case
    return letter


@login_required
def letter_list(request, reference):
    case = get_case_for_user(request, reference)
    return render(
        request,
        "letters/letter_list.html",
        {"case": case, "letters": case.letters.all(), "can_edit": case.is_editable_by(request.user)},
    )


@login_required
@require_POST
def letter_start(request, reference):
    """Write the Traject Letter: a draft from the record, or the open draft if there is one."""
    case = get_case_for_user(request, reference, edit=True)
    with transaction.atomic():
        existing = services.open_letter(case)
        letter = services.start_draft(case, request.user)
        if existing is None:
            record(request, Action.CREATE, letter, case=case)
    return redirect(letter.get_absolute_url())


@login_required
def letter_detail(request, reference, letter_id):
    """The draft with its form and what is missing; a finalised letter read-only, with its versions.

    A POST to a finalised letter makes the correction as version N+1; the finalised one never changes.
    """
    case = get_case_for_user(request, reference, edit=request.method == "POST")
    letter = _letter(case, letter_id)
    can_edit = case.is_editable_by(request.user)
    stills = services.ready_stills(case)
    form = None
    if can_edit:
        form = LetterForm(request.POST or None, instance=letter, stills=stills)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                target = _letter(case, letter_id, lock=True)
                if target.is_finalised:
                    target = services.start_draft(case, request.user)
                    record(request, Action.CREATE, target, case=case, summary=f"correction of v{letter.version}")
                form = LetterForm(request.POST, instance=target, stills=stills)
                form.is_valid()
                target = form.save(commit=False)
                services.reopen_for_edit(target)
                target.save()
                refresh_case_summary(case)
                form.save_m2m()
                record(request, Action.UPDATE, target, case=case, summary=changed_fields(form))
            messages.success(request, f"Traject Letter version {target.version} saved.")
            return redirect(target.get_absolute_url())
    content = services.content_of(letter)
    return render(
        request,
        "letters/letter_detail.html",
        {
            "case": case,
            "letter": letter,
            "form": form,
            "can_edit": can_edit,
            "can_approve": _supervises(request.user, case),
            "needs_approval": case.team.letters_need_approval,
            "missing": services.missing_data(content),
            "versions": case.letters.all(),
            "client_links": letter.client_links.with_openings() if letter.is_finalised else [],
        },
    )


@login_required
def letter_preview(request, reference, letter_id):
    """The letter as the client will read it: the same template as the PDF."""
    case = get_case_for_user(request, reference)
    letter = _letter(case, letter_id)
    response = HttpResponse(letter_html(letter, show_images=case.footage_visible_to(request.user)))
    # The preview embeds stills as data: URIs and links its one stylesheet; nothing else may load.
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src data:; style-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _take_step(request, case, letter_id, step, *, summary: str, done: str, refused=messages.error):
    """One step of a letter's life (ask, approve, finalise, retry) on the locked row, audited.

    A step the letter is not ready for (services.LetterError) is told to the user
    and changes nothing; `done` may name the letter's {version}.
    """
    with transaction.atomic():
        letter = _letter(case, letter_id, lock=True)
        try:
            step(letter)
        except services.LetterError as exc:
            refused(request, str(exc))
        else:
            record(request, Action.UPDATE, letter, case=case, summary=summary)
            messages.success(request, done.format(version=letter.version))
    return redirect(letter.get_absolute_url())


@login_required
@require_POST
def letter_ask_approval(request, reference, letter_id):
    case = get_case_for_user(request, reference, edit=True)
    return _take_step(
        request,
        case,
        letter_id,
        services.ask_for_approval,
        summary="asked for approval",
        done="Sent to the team's supervisors for approval.",
    )


def _supervises(user, case) -> bool:
    return user.is_authenticated and user.supervised_teams.filter(pk=case.team_id).exists()


@login_required
@require_POST
def letter_approve(request, reference, letter_id):
    """The one write on a letter a supervisor makes: approving it for the practitioner to finalise."""
    case = get_case_for_user(request, reference)
    if not _supervises(request.user, case):
        raise PermissionDenied("Only a supervisor of the case's team approves its letter.")
    return _take_step(
        request,
        case,
        letter_id,
        lambda letter: services.approve(letter, request.user),
        summary="approved",
        done="Letter approved. The practitioner can now finalise it.",
    )


@login_required
@require_POST
def letter_finalise(request, reference, letter_id):
    case = get_case_for_user(request, reference, edit=True)
    return _take_step(
        request,
        case,
        letter_id,
        lambda letter: services.finalise(letter, request.user),
        summary="finalised",
        done="Traject Letter version {version} finalised. The PDF is being made.",
    )


@login_required
@require_POST
def letter_retry(request, reference, letter_id):
    """Try again to make the PDF of a finalised letter whose rendering failed."""
    case = get_case_for_user(request, reference, edit=True)
    return _take_step(
        request,
        case,
        letter_id,
        services.retry_render,
        summary="PDF retried",
        done="Trying again to make the PDF.",
        refused=messages.info,
    )


@login_required
def letter_pdf(request, reference, letter_id):
    case = get_case_for_user(request, reference, audit=False)
    letter = _letter(case, letter_id)
    if not letter.pdf or letter.render_status != TrajectLetter.RenderStatus.READY:
        raise Http404("The PDF is not ready.")
    if letter.content and letter.content["stills"] and not case.footage_visible_to(request.user):
        raise PermissionDenied("The letter holds stills from the films; the client has not agreed to show them.")
    record(request, Action.VIEW, letter, case=case, summary="PDF")
    return serve_media(
        request,
        letter.pdf,
        content_type="application/pdf",
        download_name=letter.download_name(),
        as_attachment=request.GET.get("download") == "1",
    )
