"""Micro-analysis (marking clips, notes and stills in a film) and the shared review player."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit.log import changed_fields, record
from audit.models import AuditEvent
from cases.views import get_case_for_user

from . import services
from .delivery import serve_media
from .forms import AnnotationForm, ClipForm, StillForm, film_frame_count
from .models import Clip, Film, Principle, Still
from .views import NO_FOOTAGE_CONSENT

Action = AuditEvent.Action
USUAL_CLIPS = (3, 5)


def _ready_film(case, film_id) -> Film:
    film = get_object_or_404(case.films, pk=film_id)
    if not film.is_ready:
        raise Http404("The film is not ready yet.")
    return film


def _clip_for(film, clip_id) -> Clip:
    return get_object_or_404(film.clips.select_related("film__case"), pk=clip_id)


def analysis_url(case, film) -> str:
    return reverse("clips:analyse", kwargs={"reference": case.reference, "film_id": film.pk})


def _analysis_page(request, case, film, *, clip_form=None, annotation_form=None, status=200):
    clips = film.clips.in_order().prefetch_related("tags__principle", "tags__element", "stills")
    return render(
        request,
        "clips/analyse.html",
        {
            "case": case,
            "film": film,
            "frame_count": film_frame_count(film),
            "clips": clips,
            "annotations": film.annotations.all(),
            "clip_form": clip_form or ClipForm(film=film),
            "annotation_form": annotation_form or AnnotationForm(),
            "principles": Principle.objects.prefetch_related("elements"),
            "usual_clips": USUAL_CLIPS,
        },
        status=status,
    )


@login_required
def analyse(request, reference, film_id):
    """The micro-analysis page: the practitioner's own work on the film."""
    case = get_case_for_user(request, reference, edit=True)
    film = _ready_film(case, film_id)
    return _analysis_page(request, case, film)


@login_required
@require_POST
def clip_create(request, reference, film_id):
    case = get_case_for_user(request, reference, edit=True)
    film = _ready_film(case, film_id)
    form = ClipForm(request.POST, film=film)
    if not form.is_valid():
        return _analysis_page(request, case, film, clip_form=form, status=400)
    data = {k: form.cleaned_data[k] for k in form.Meta.fields}
    with transaction.atomic():
        clip = services.create_clip(film=film, data=data, tags=form.tags(), created_by=request.user)
        record(request, Action.CREATE, clip)
    messages.success(request, f"Clip {clip.position} saved. It is being cut.")
    return redirect(analysis_url(case, film) + "#clips")


@login_required
def clip_edit(request, reference, film_id, clip_id):
    case = get_case_for_user(request, reference, edit=True)
    film = _ready_film(case, film_id)
    clip = _clip_for(film, clip_id)
    form = ClipForm(request.POST or None, instance=clip, film=film)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in form.Meta.fields}
        with transaction.atomic():
            recut = services.update_clip(clip, data=data, tags=form.tags())
            record(request, Action.UPDATE, clip, summary=changed_fields(form))
        messages.success(request, "Clip saved." + (" It is being cut again for the new marks." if recut else ""))
        return redirect(analysis_url(case, film) + "#clips")
    return render(
        request,
        "clips/clip_form.html",
        {"case": case, "film": film, "clip": clip, "form": form, "principles": Principle.objects.all()},
    )


@login_required
def clip_delete(request, reference, film_id, clip_id):
    case = get_case_for_user(request, reference, edit=True)
    film = _ready_film(case, film_id)
    clip = _clip_for(film, clip_id)
    if request.method == "POST":
        with transaction.atomic():
            record(request, Action.DELETE, clip)
            services.delete_clip(clip)
        messages.success(request, "Clip deleted.")
        return redirect(analysis_url(case, film) + "#clips")
    return render(
        request, "cases/confirm_delete.html", {"case": case, "object": clip, "what": "this clip and its stills"}
    )


@login_required
@require_POST
def clip_move(request, reference, film_id, clip_id):
    case = get_case_for_user(request, reference, edit=True)
    film = _ready_film(case, film_id)
    clip = _clip_for(film, clip_id)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest("direction must be up or down")
    with transaction.atomic():
        if services.move_clip(clip, direction):
            record(request, Action.UPDATE, clip, summary=f"moved {direction}")
    return redirect(analysis_url(case, film) + "#clips")


@login_required
@require_POST
def clips_reorder(request, reference, film_id):
    """Drag and drop: the new order of every clip of the film, as JSON."""
    case = get_case_for_user(request, reference, edit=True)
    film = _ready_film(case, film_id)
    try:
        order = [int(pk) for pk in json.loads(request.body)["order"]]
        with transaction.atomic():
            services.reorder_clips(film, order)
            record(request, Action.UPDATE, film, summary="clips reordered")
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest('Send {"order": [clip ids]} naming each clip of the film once.')
    return JsonResponse({"order": order})


@login_required
def clips_status(request, reference, film_id):
    """Live status of a film's clips, polled while any is being cut."""
    case = get_case_for_user(request, reference, audit=False)
    film = get_object_or_404(case.films, pk=film_id)
    clips = [
        {"id": c.pk, "status": c.status, "status_label": c.get_status_display(), "error": c.error}
        for c in film.clips.all()
    ]
    return JsonResponse({"clips": clips}, headers={"Cache-Control": "no-store"})


CLIP_MEDIA = {"video": ("video/mp4", "mp4"), "poster": ("image/jpeg", "jpg")}


@login_required
def clip_media(request, reference, film_id, clip_id, kind):
    case = get_case_for_user(request, reference, audit=False)
    film = get_object_or_404(case.films, pk=film_id)
    clip = _clip_for(film, clip_id)
    if not case.footage_visible_to(request.user):
        raise PermissionDenied(NO_FOOTAGE_CONSENT)
    if kind not in CLIP_MEDIA or not getattr(clip, kind):
        raise Http404
    content_type, extension = CLIP_MEDIA[kind]
    return serve_media(
        request,
        getattr(clip, kind),
        content_type=content_type,
        download_name=f"{case.reference}-clip-{clip.pk}.{extension}",
    )


@login_required
@require_POST
def annotation_create(request, reference, film_id):
    case = get_case_for_user(request, reference, edit=True)
    film = _ready_film(case, film_id)
    form = AnnotationForm(request.POST, film=film)
    if not form.is_valid():
        return _analysis_page(request, case, film, annotation_form=form, status=400)
    with transaction.atomic():
        annotation = form.save(commit=False)
        annotation.film = film
        annotation.created_by = request.user
        annotation.save()
        record(request, Action.CREATE, annotation)
    messages.success(request, "Moment noted.")
    return redirect(analysis_url(case, film) + "#annotations")


@login_required
@require_POST
def annotation_delete(request, reference, film_id, annotation_id):
    case = get_case_for_user(request, reference, edit=True)
    film = _ready_film(case, film_id)
    annotation = get_object_or_404(film.annotations, pk=annotation_id)
    with transaction.atomic():
        record(request, Action.DELETE, annotation)
        annotation.delete()
    return redirect(analysis_url(case, film) + "#annotations")


@login_required
@require_POST
def still_create(request, reference, film_id, clip_id):
    case = get_case_for_user(request, reference, edit=True)
    film = _ready_film(case, film_id)
    clip = _clip_for(film, clip_id)
    form = StillForm(request.POST, clip=clip)
    if form.is_valid():
        with transaction.atomic():
            still = services.create_still(
                clip=clip,
                frame=form.cleaned_data["frame"],
                caption=form.cleaned_data["caption"],
                created_by=request.user,
            )
            record(request, Action.CREATE, still)
        messages.success(request, "Still saved.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(analysis_url(case, film) + f"#clip-{clip.pk}")


@login_required
@require_POST
def still_delete(request, reference, film_id, still_id):
    case = get_case_for_user(request, reference, edit=True)
    film = _ready_film(case, film_id)
    still = get_object_or_404(Still.objects.filter(clip__film=film), pk=still_id)
    with transaction.atomic():
        record(request, Action.DELETE, still)
        services.delete_still(still)
    return redirect(analysis_url(case, film) + f"#clip-{still.clip_id}")


@login_required
def still_image(request, reference, film_id, still_id):
    case = get_case_for_user(request, reference, audit=False)
    film = get_object_or_404(case.films, pk=film_id)
    still = get_object_or_404(Still.objects.filter(clip__film=film), pk=still_id)
    if not case.footage_visible_to(request.user):
        raise PermissionDenied(NO_FOOTAGE_CONSENT)
    if not still.image:
        raise Http404
    return serve_media(
        request, still.image, content_type="image/jpeg", download_name=f"{case.reference}-still-{still.pk}.jpg"
    )


@login_required
def shared_review(request, reference, film_id):
    """The film's clips as a playlist, large, to watch with the client."""
    case = get_case_for_user(request, reference)
    film = get_object_or_404(case.films, pk=film_id)
    if not case.footage_visible_to(request.user):
        raise PermissionDenied(NO_FOOTAGE_CONSENT)
    clips = list(
        film.clips.in_order().filter(status=Clip.Status.READY).prefetch_related("tags__principle", "tags__element")
    )
    playlist = [
        {
            "id": clip.pk,
            "src": reverse("clips:clip_media", args=[case.reference, film.pk, clip.pk, "video"]),
            "poster": reverse("clips:clip_media", args=[case.reference, film.pk, clip.pk, "poster"]),
            "caption": clip.caption,
            "principles": [str(tag) for tag in clip.tags.all()],
            "note": clip.review_note,
            "start": _timecode(clip.start_seconds),
            "duration": f"{clip.duration:.1f} s",
        }
        for clip in clips
    ]
    waiting = film.clips.exclude(status=Clip.Status.READY).count()
    return render(
        request,
        "clips/shared_review.html",
        {
            "case": case,
            "film": film,
            "clips": clips,
            "playlist": playlist,
            "waiting": waiting,
            "helping_question": case.helping_questions.first(),
        },
    )


def _timecode(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
