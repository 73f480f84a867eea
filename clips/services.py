"""Operations on films that span the upload, storage, the database and the queue."""

import logging
from pathlib import Path

from django.core.files import File
from django.db import transaction

from . import media, pipeline
from .models import Film, FilmUpload

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
    *, upload: FilmUpload, info: media.ProbeResult, uploaded_by, recorded_on, setting: str, activity: str
) -> Film:
    """Turn a checked upload into a Film, move its bytes into storage and queue processing.

    Call it inside the caller's transaction (with the audit event); the film
    is processed once that transaction commits.
    """
    path = Path(upload.path)
    try:
        film = Film(
            case=upload.case,
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

    def remove_files():
        for storage, name in files:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("could not delete a file of film %s", film.pk)

    with transaction.atomic():
        film.delete()
        transaction.on_commit(remove_files)
