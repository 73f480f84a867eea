"""Operations on films that span the upload, storage, the database and the queue."""

import logging
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.db.models import F, Max

from . import media, pipeline
from .models import Clip, ClipTag, Film, FilmUpload, Still

logger = logging.getLogger(__name__)


class UploadedFile(File):
    """The finished upload as a Django File.

    Having `temporary_file_path` lets the disk storage move the file into
    place instead of copying gigabytes; a bucket storage streams it.
    """

    def temporary_file_path(self) -> str:
        return self.name


def check_upload(upload: FilmUpload) -> media.ProbeResult:
    """Let ffprobe read a complete upload before anything trusts it.

    A file that is not an acceptable film is refused and nothing of it is
    kept. If ffprobe itself fails (a time-out, not the file's fault) the error
    is raised and the upload kept, so the practitioner can simply try again.
    """
    if not upload.is_complete:
        raise ValueError("check_upload needs a complete upload")
    path = Path(upload.path)
    try:
        if not path.is_file():
            raise media.RejectedMedia("The uploaded file is no longer on the server. Choose the file again.")
        return media.probe(path)
    except media.RejectedMedia:
        discard_upload(upload)
        raise


def film_from_upload(
    *,
    upload: FilmUpload,
    info: media.ProbeResult,
    uploaded_by,
    recorded_on,
    setting: str,
    activity: str,
    kind: str = Film.Kind.FAMILY,
) -> Film:
    """Turn a checked upload into a Film, move its bytes into storage and queue processing.

    Call it inside the caller's transaction (with the audit event); the film
    is processed once that transaction commits.
    """
    path = Path(upload.path)
    try:
        film = Film(
            case=upload.case,
            kind=kind,
            uploaded_by=uploaded_by,
            recorded_on=recorded_on,
            setting=setting,
            activity=activity,
            original_name=upload.filename[:255],
            original_size=path.stat().st_size,
            source_info=info.as_dict(),
        )
        name = film.storage_name("original", container_extension(info))
        with path.open("rb") as fh:
            film.original.save(name, UploadedFile(fh, name=str(path)), save=False)
        try:
            film.save()
        except Exception:
            film.original.delete(save=False)
            raise
        pipeline.start_processing(film)
    finally:
        # Moved into storage, or the save failed: either way the upload is over.
        discard_upload(upload)
    return film


def discard_upload(upload: FilmUpload) -> None:
    Path(upload.path).unlink(missing_ok=True)
    FilmUpload.objects.filter(pk=upload.pk).delete()


def container_extension(info: media.ProbeResult) -> str:
    return "mkv" if "matroska" in info.format_name else "mov"


def retry(film: Film) -> None:
    """Start a failed film again from the beginning, with a fresh attempt count."""
    with transaction.atomic():
        Film.objects.filter(pk=film.pk).update(
            status=Film.Status.PROCESSING, step=Film.Step.QUEUED, progress=0, error="", attempts=0, lease_until=None
        )
        pipeline.start_processing(film)


def delete_film(film: Film) -> None:
    """Delete the film and every file made from it, in storage too.

    The files go only after the row's deletion has committed, so a rolled-back
    delete never leaves a film pointing at missing files.
    """
    files = [(f.storage, f.name) for f in film.all_files()]
    for clip in film.clips.prefetch_related("stills"):
        files += [(f.storage, f.name) for f in clip.all_files()]
        files += [(s.image.storage, s.image.name) for s in clip.stills.all() if s.image]
    with transaction.atomic():
        film.delete()
        transaction.on_commit(lambda: _remove_files(files))


# Clips, stills and annotations ---------------------------------------------


def create_clip(*, film: Film, data: dict, tags: list[tuple], created_by) -> Clip:
    """A new clip at the end of the film's selection, queued for cutting once committed."""
    with transaction.atomic():
        last = film.clips.aggregate(last=Max("position"))["last"] or 0
        clip = Clip.objects.create(film=film, position=last + 1, created_by=created_by, **data)
        set_tags(clip, tags)
        start_cutting(clip)
    return clip


def update_clip(clip: Clip, *, data: dict, tags: list[tuple]) -> bool:
    """Save new words, tags or marks. New marks mean a new cut; returns whether one was queued."""
    with transaction.atomic():
        # Compare with the stored marks: a bound ModelForm has already copied
        # the new ones onto `clip`.
        stored = Clip.objects.select_for_update().values_list("start_frame", "end_frame").get(pk=clip.pk)
        marks_moved = (data["start_frame"], data["end_frame"]) != stored
        for name, value in data.items():
            setattr(clip, name, value)
        # Only the practitioner's fields: status and files belong to the worker,
        # which may have finished a cut since this clip was loaded.
        clip.save(update_fields=[*data, "updated_at"])
        set_tags(clip, tags)
        if marks_moved:
            # The file now shows the old moment: cut again, and let any cut in
            # progress for the old marks throw its result away (marks_version).
            Clip.objects.filter(pk=clip.pk).update(
                marks_version=F("marks_version") + 1, status=Clip.Status.PROCESSING, error="", attempts=0
            )
            start_cutting(clip)
    return marks_moved


def set_tags(clip: Clip, tags: list[tuple]) -> None:
    clip.tags.all().delete()
    ClipTag.objects.bulk_create([ClipTag(clip=clip, principle=p, element=e) for p, e in tags])


def start_cutting(clip: Clip) -> None:
    from .tasks import process_clip_task

    transaction.on_commit(lambda: process_clip_task.delay(clip.pk))


def move_clip(clip: Clip, direction: str) -> bool:
    """Swap the clip with its neighbour in the selection (the keyboard way to reorder).

    Returns False when there is no neighbour that way (the first clip moved up).
    """
    clips = list(clip.film.clips.in_order())
    index = clips.index(clip)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(clips):
        return False
    clips[index], clips[other] = clips[other], clips[index]
    reorder_clips(clip.film, [c.pk for c in clips])
    return True


def reorder_clips(film: Film, ordered_ids: list[int]) -> None:
    """Number the film's clips in the given order; ids of other films' clips are refused."""
    clips = {c.pk: c for c in film.clips.all()}
    if len(ordered_ids) != len(set(ordered_ids)) or set(ordered_ids) != set(clips):
        raise ValueError("The new order must name each clip of the film once.")
    with transaction.atomic():
        for position, pk in enumerate(ordered_ids, start=1):
            clips[pk].position = position
        Clip.objects.bulk_update(clips.values(), ["position"])


def delete_clip(clip: Clip) -> None:
    """Delete the clip, its stills and all their files (after the commit)."""
    files = [(f.storage, f.name) for f in clip.all_files()]
    files += [(s.image.storage, s.image.name) for s in clip.stills.all() if s.image]
    with transaction.atomic():
        clip.delete()
        transaction.on_commit(lambda: _remove_files(files))


def create_still(*, clip: Clip, frame: int, caption: str, created_by) -> Still:
    from .tasks import process_still_task

    with transaction.atomic():
        still = Still.objects.create(clip=clip, frame=frame, caption=caption, created_by=created_by)
        transaction.on_commit(lambda: process_still_task.delay(still.pk))
    return still


def delete_still(still: Still) -> None:
    files = [(still.image.storage, still.image.name)] if still.image else []
    with transaction.atomic():
        still.delete()
        transaction.on_commit(lambda: _remove_files(files))


def _remove_files(files) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("could not delete a media file")
