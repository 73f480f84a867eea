"""Processing a film after upload: probe → playback copy → poster → thumbnails → ready.

`process_film` is the whole pipeline, top to bottom. It is safe to run twice
or after a crash:

- A film is *claimed* with a lease in the database before work starts; a
  second worker given the same film finds the lease held and does nothing.
  The lease is renewed with every progress report, so a worker that dies
  (even by SIGKILL) simply stops renewing it, and `requeue_stalled_films`
  hands the film to another worker once it lapses.
- Every output is made in a private scratch folder and saved under a fixed
  storage name, replacing whatever an earlier, interrupted attempt left, so a
  film always ends with exactly one set of derived files.
- Bad input is a permanent failure with a human message; only errors that may
  pass (storage, database connection) are retried, and the attempt count in
  the database stops a poisoned film after VIG_FILM_MAX_ATTEMPTS.
"""

import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from sessions.summary import refresh_case_summary

from . import media
from .models import Film

logger = logging.getLogger(__name__)

# Progress is written at most this often: enough for a live bar, little load.
PROGRESS_INTERVAL_SECONDS = 1.0


class TransientError(Exception):
    """Something outside the film failed (storage, database); worth trying again later."""


class FilmGone(Exception):
    """The film was deleted or handed to another worker while we worked on it."""


def process_film(film_id: int) -> None:
    film = claim(Film, film_id)
    if film is None:
        return
    if film.attempts > settings.VIG_FILM_MAX_ATTEMPTS:
        fail(
            film,
            f"Processing stopped after {settings.VIG_FILM_MAX_ATTEMPTS} attempts. Try again, or upload the film again.",
        )
        return
    tracker = Tracker(film)
    try:
        with scratch_folder() as work, local_copy(film.original, work) as original:
            tracker.step(Film.Step.PROBING)
            info = media.probe(original)

            tracker.step(Film.Step.TRANSCODING)
            playback = work / "playback.mp4"
            media.transcode_playback(
                original, playback, info, on_progress=tracker.progress, process_started=tracker.watch
            )
            playback_info = media.probe(playback)
            store(film, "playback", playback, film.storage_name("playback", "mp4"))

            tracker.step(Film.Step.POSTER)
            poster = work / "poster.jpg"
            media.make_poster(playback, poster, at_seconds=min(1.0, playback_info.duration / 2))
            store(film, "poster", poster, film.storage_name("poster", "jpg"))

            tracker.step(Film.Step.THUMBNAILS)
            strip = work / "thumbnails.jpg"
            count, interval = media.make_thumbnail_strip(playback, strip, duration=playback_info.duration)
            store(film, "thumbnails", strip, film.storage_name("thumbnails", "jpg"))

            finish(film, playback_info, thumbnail_count=count, thumbnail_interval=interval)
    except media.MediaError as exc:
        logger.warning("film %s failed: %s", film_id, exc)
        fail(film, str(exc) if isinstance(exc, media.RejectedMedia) else "The video could not be processed.")
    except FilmGone:
        logger.info("film %s was deleted or taken over during processing", film_id)
    except (OSError, DatabaseError) as exc:
        # Let the task retry later; free the lease so that retry can claim it.
        release(Film, film_id)
        raise TransientError(f"{type(exc).__name__}: {exc}") from exc


def claim(model, pk: int, *, status_field: str = "status"):
    """Take the lease on a film (or clip, still, letter render) waiting to be processed, counting the attempt.

    None when it is not waiting (done, failed, deleted) or another worker holds it.
    `status_field` names the field that says "processing" (a letter keeps its
    own status for drafting and uses `render_status` for its PDF).
    """
    now = timezone.now()
    claimed = (
        model.objects.filter(pk=pk, **{status_field: "processing"})
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + lease_length(), attempts=F("attempts") + 1, updated_at=now)
    )
    if not claimed:
        return None
    return model.objects.get(pk=pk)


def release(model, pk: int) -> None:
    model.objects.filter(pk=pk).update(lease_until=None)


def lease_length() -> timedelta:
    return timedelta(seconds=settings.VIG_TASK_LEASE_SECONDS)


class Tracker:
    """Reports the step and percentage, and renews the lease while doing so.

    It also holds the running ffmpeg process, so that work on a film that has
    been deleted stops at the next report instead of running to the end.
    """

    def __init__(self, film: Film):
        self.film = film
        self.process: subprocess.Popen | None = None
        self.last_write = 0.0

    def watch(self, process: subprocess.Popen) -> None:
        self.process = process

    def step(self, step: str) -> None:
        self.film.step = step
        self.film.progress = 0
        self._write(step=step, progress=0)

    def progress(self, percent: float) -> None:
        now = time.monotonic()
        if now - self.last_write < PROGRESS_INTERVAL_SECONDS and percent < 100:
            return
        self._write(progress=int(percent))

    def _write(self, **fields) -> None:
        self.last_write = time.monotonic()
        now = timezone.now()
        updated = Film.objects.filter(pk=self.film.pk, status=Film.Status.PROCESSING).update(
            lease_until=now + lease_length(), updated_at=now, **fields
        )
        if not updated:
            if self.process is not None and self.process.poll() is None:
                self.process.kill()
            raise FilmGone()


def store(obj, field: str, path: Path, name: str) -> None:
    """Save a finished output of a film, clip or still under its fixed name, replacing an earlier attempt's file."""
    storage = getattr(obj, field).storage
    # Storage APIs never overwrite: they invent a new name. Delete first so
    # the name stays fixed and a re-run leaves exactly one file.
    storage.delete(name)
    with path.open("rb") as fh:
        saved = storage.save(name, File(fh, name=path.name))
    setattr(obj, field, saved)
    updated = type(obj).objects.filter(pk=obj.pk).update(**{field: saved})
    if not updated:
        storage.delete(saved)
        raise FilmGone()


@transaction.atomic
def finish(film: Film, info: media.ProbeResult, *, thumbnail_count: int, thumbnail_interval: float) -> None:
    Film.objects.filter(pk=film.pk).update(
        status=Film.Status.READY,
        step=Film.Step.DONE,
        progress=100,
        error="",
        lease_until=None,
        duration=info.duration,
        frame_rate=info.frame_rate,
        width=info.width,
        height=info.height,
        thumbnail_count=thumbnail_count,
        thumbnail_interval=thumbnail_interval,
        ready_at=timezone.now(),
    )
    # A ready film waits for micro-analysis: the caseload says so.
    refresh_case_summary(film.case_id)


@transaction.atomic
def fail(film: Film, message: str) -> None:
    Film.objects.filter(pk=film.pk).update(status=Film.Status.FAILED, error=message[:300], lease_until=None)
    refresh_case_summary(film.case_id)


def requeue_stalled_films() -> list[int]:
    """Send again the films, clips and stills whose worker died (lease lapsed) or whose message was lost.

    One waiting with no lease for more than a few minutes has lost its queue
    message (the on-disk broker drops a message the moment a worker takes
    it, so a worker killed then takes the message with it). Returns the
    film ids sent again.
    """
    from .models import Clip, Still
    from .tasks import process_clip_task, process_film_task, process_still_task

    sent = {}
    for model, task in ((Film, process_film_task), (Clip, process_clip_task), (Still, process_still_task)):
        sent[model] = _requeue(model, task)
    return sent[Film]


def _requeue(model, task) -> list[int]:
    now = timezone.now()
    stalled = model.objects.filter(status="processing").filter(
        Q(lease_until__lt=now) | Q(lease_until__isnull=True, updated_at__lt=now - timedelta(minutes=5))
    )
    ids = list(stalled.values_list("pk", flat=True))
    for pk in ids:
        # Touch it, so the next sweep does not send a waiting one again at once.
        model.objects.filter(pk=pk, lease_until__isnull=True).update(updated_at=now)
        task.delay(pk)
    if ids:
        logger.info("requeued %d stalled %s(s)", len(ids), model._meta.verbose_name)
    return ids


def start_processing(film: Film) -> None:
    """Queue a film for processing once the current transaction has committed."""
    from .tasks import process_film_task

    transaction.on_commit(lambda: process_film_task.delay(film.pk))


@contextlib.contextmanager
def scratch_folder() -> Iterator[Path]:
    # The pid in the name lets a restarted worker tell a dead worker's leftovers
    # from a live one's work (clean_orphan_scratch).
    path = Path(tempfile.mkdtemp(prefix=f"film-{os.getpid()}-", dir=settings.VIG_SCRATCH_DIR))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def local_copy(fieldfile, folder: Path) -> Iterator[Path]:
    """A path ffmpeg can read. On local disk that is the stored file itself;
    from a bucket it is a copy streamed into the scratch folder."""
    storage = fieldfile.storage
    try:
        local = Path(storage.path(fieldfile.name))
    except NotImplementedError:  # a bucket has no local path
        local = None
    if local is not None and local.is_file():
        yield local
        return
    target = folder / "original"
    with storage.open(fieldfile.name, "rb") as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst, length=1024 * 1024)
    yield target


def clean_orphan_scratch() -> int:
    """Remove scratch folders of worker processes that no longer exist (killed mid-job)."""
    removed = 0
    for folder in Path(settings.VIG_SCRATCH_DIR).glob("film-*-*"):
        pid = folder.name.split("-")[1]
        if pid.isdigit() and not _process_exists(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _process_exists(pid: int) -> bool:
    """True for a running process; a killed one nobody has reaped yet (a zombie) counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel the portable way
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    # The state follows the command name, which is in brackets and may hold spaces.
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
