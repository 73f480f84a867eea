from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.log import record
from audit.models import AuditEvent
from cases.views import get_case_for_user

from . import media, services
from .delivery import serve_media
from .forms import FilmDetailsForm
from .models import Film, FilmUpload

Action = AuditEvent.Action

# What each media kind is, and the name the browser is given for it.
MEDIA_KINDS = {
    "playback": ("video/mp4", "mp4"),
    "poster": ("image/jpeg", "jpg"),
    "thumbnails": ("image/jpeg", "jpg"),
}


NO_FOOTAGE_CONSENT = "The client has not consented to showing their films in supervision."


def _film_for(case, film_id) -> Film:
    return get_object_or_404(case.films, pk=film_id)


@login_required
def film_upload(request, reference):
    """The upload page; its form posts here once tus has delivered every byte."""
    case = get_case_for_user(request, reference, edit=True)
    # A film of the practitioner's own shared review comes through the same upload (?kind=review).
    form = FilmDetailsForm(request.POST or None, initial={"kind": request.GET.get("kind", Film.Kind.FAMILY)})
    if request.method == "POST" and form.is_valid():
        upload = get_object_or_404(
            FilmUpload.objects.filter(expires_at__gt=timezone.now()),
            pk=form.cleaned_data["upload_id"],
            case=case,
            created_by=request.user,
        )
        if not upload.is_complete:
            # Kept: choosing the same file again resumes it where it stopped.
            form.add_error(None, "The upload has not finished yet. Choose the same file again to carry on.")
        else:
            try:
                info = services.check_upload(upload)
            except media.RejectedMedia as exc:
                form.add_error(None, f"{exc} Nothing was kept.")
            except media.MediaProcessingError:
                form.add_error(None, "The film could not be checked just now. Please try again in a minute.")
            else:
                with transaction.atomic():
                    film = services.film_from_upload(
                        upload=upload,
                        info=info,
                        uploaded_by=request.user,
                        recorded_on=form.cleaned_data["recorded_on"],
                        setting=form.cleaned_data["setting"],
                        activity=form.cleaned_data["activity"],
                        kind=form.cleaned_data["kind"],
                    )
                    record(request, Action.CREATE, film)
                messages.success(request, "Film uploaded. It is being prepared for viewing.")
                return redirect(film)
    return render(
        request,
        "clips/film_upload.html",
        {
            "case": case,
            "form": form,
            "has_filming_consent": case.has_consent("filming"),
            "max_upload_gb": f"{settings.VIG_MAX_UPLOAD_BYTES / 1024**3:g}",
            "max_minutes": f"{settings.VIG_MAX_FILM_SECONDS / 60:g}",
        },
    )


@login_required
def film_detail(request, reference, film_id):
    case = get_case_for_user(request, reference)
    film = _film_for(case, film_id)
    return render(
        request,
        "clips/film_detail.html",
        {
            "case": case,
            "film": film,
            "can_edit": case.is_editable_by(request.user),
            "can_see_footage": case.footage_visible_to(request.user),
            "clips": film.clips.in_order().prefetch_related("tags__principle", "tags__element"),
            "steps": _steps(film),
        },
    )


def _steps(film):
    """The visible steps (not "queued" or "done"), each done, under way or to do."""
    current = film.step_number()
    return [
        {"label": Film.Step(step).label, "done": i < current or film.is_ready, "current": i == current}
        for i, step in enumerate(Film.STEPS_IN_ORDER)
        if step not in (Film.Step.QUEUED, Film.Step.DONE)
    ]


@login_required
def film_status(request, reference, film_id):
    """Live status for the film page, polled while processing."""
    case = get_case_for_user(request, reference, audit=False)
    film = _film_for(case, film_id)
    return JsonResponse(
        {
            "status": film.status,
            "step": film.step,
            "step_label": film.get_step_display(),
            "progress": film.progress,
            "error": film.error,
        },
        headers={"Cache-Control": "no-store"},
    )


@login_required
@require_POST
def film_retry(request, reference, film_id):
    case = get_case_for_user(request, reference, edit=True)
    film = _film_for(case, film_id)
    if film.status != Film.Status.FAILED:
        messages.info(request, "This film is not waiting for a retry.")
    else:
        with transaction.atomic():
            services.retry(film)
            record(request, Action.UPDATE, film, summary="processing retried")
        messages.success(request, "Trying again.")
    return redirect(film)


@login_required
def film_delete(request, reference, film_id):
    case = get_case_for_user(request, reference, edit=True)
    film = _film_for(case, film_id)
    if request.method == "POST":
        with transaction.atomic():
            record(request, Action.DELETE, film)  # first: the film has no pk once deleted
            services.delete_film(film)
        messages.success(request, "The film and every file made from it were deleted.")
        return redirect(case)
    return render(
        request, "cases/confirm_delete.html", {"case": case, "object": film, "what": "this film and its clips"}
    )


@login_required
def film_media(request, reference, film_id, kind):
    """A film's playback copy, poster or thumbnails, only for those who may see the case."""
    case = get_case_for_user(request, reference, audit=False)
    film = _film_for(case, film_id)
    if not case.footage_visible_to(request.user):
        raise PermissionDenied(NO_FOOTAGE_CONSENT)
    if kind not in MEDIA_KINDS:
        raise Http404
    fieldfile = getattr(film, kind)
    if not fieldfile:
        raise Http404
    content_type, extension = MEDIA_KINDS[kind]
    return serve_media(
        request,
        fieldfile,
        content_type=content_type,
        download_name=f"{case.reference}-film-{film.pk}-{kind}.{extension}",
    )
