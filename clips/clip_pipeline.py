"""Cutting a clip (and its poster) and making a still, from the film's playback copy.

The same rules as the film pipeline (pipeline.py): claim with a lease, work
in a scratch folder, save under fixed names, bad input fails with a message,
passing errors are retried. One rule more: the practitioner may move a
clip's marks while it is being cut. The cut remembers which `marks_version`
it was made for, and is thrown away if the marks changed meanwhile; the task
then sends the clip round again for the new marks.
"""

import logging

from django.conf import settings
from django.db import DatabaseError

from . import cutting, media
from .models import Clip, Still
from .pipeline import FilmGone, TransientError, claim, local_copy, release, scratch_folder, store

logger = logging.getLogger(__name__)


def process_clip(clip_id: int) -> None:
    clip = claim(Clip, clip_id)
    if clip is None:
        return
    if clip.attempts > settings.VIG_FILM_MAX_ATTEMPTS:
        fail(Clip, clip_id, "The clip could not be cut. Move a mark slightly and save again.")
        return
    film = clip.film
    version = clip.marks_version
    try:
        with scratch_folder() as work, local_copy(film.playback, work) as playback:
            video = work / "clip.mp4"
            cutting.cut_clip(
                playback,
                video,
                start_frame=clip.start_frame,
                end_frame=clip.end_frame,
                frame_rate=film.frame_rate,
                has_audio=film.source_info.get("has_audio", True),
            )
            poster = work / "poster.jpg"
            cutting.make_clip_poster(video, poster)
            if not _marks_unchanged(clip_id, version):
                return _send_round_again(clip_id)
            store(clip, "video", video, clip.storage_name("video", "mp4"))
            store(clip, "poster", poster, clip.storage_name("poster", "jpg"))
        finished = Clip.objects.filter(pk=clip_id, marks_version=version).update(
            status=Clip.Status.READY, error="", lease_until=None
        )
        if not finished:
            _send_round_again(clip_id)
    except media.MediaError as exc:
        logger.warning("clip %s failed: %s", clip_id, exc)
        fail(Clip, clip_id, "The clip could not be cut. Move a mark slightly and save again.")
    except FilmGone:
        logger.info("clip %s was deleted while being cut", clip_id)
    except (OSError, DatabaseError) as exc:
        release(Clip, clip_id)
        raise TransientError(f"{type(exc).__name__}: {exc}") from exc


def process_still(still_id: int) -> None:
    still = claim(Still, still_id)
    if still is None:
        return
    if still.attempts > settings.VIG_FILM_MAX_ATTEMPTS:
        fail(Still, still_id, "The still could not be made.")
        return
    film = still.clip.film
    try:
        with scratch_folder() as work, local_copy(film.playback, work) as playback:
            image = work / "still.jpg"
            cutting.make_still(playback, image, frame=still.frame, frame_rate=film.frame_rate)
            store(still, "image", image, still.storage_name())
        Still.objects.filter(pk=still_id).update(status=Still.Status.READY, error="", lease_until=None)
    except media.MediaError as exc:
        logger.warning("still %s failed: %s", still_id, exc)
        fail(Still, still_id, "The still could not be made.")
    except FilmGone:
        logger.info("still %s was deleted while being made", still_id)
    except (OSError, DatabaseError) as exc:
        release(Still, still_id)
        raise TransientError(f"{type(exc).__name__}: {exc}") from exc


def fail(model, pk: int, message: str) -> None:
    model.objects.filter(pk=pk).update(status="failed", error=message[:300], lease_until=None)


def _marks_unchanged(clip_id: int, version: int) -> bool:
    return Clip.objects.filter(pk=clip_id, marks_version=version).exists()


def _send_round_again(clip_id: int) -> None:
    """The marks moved while we cut: free the clip and queue a cut for the new marks."""
    from .tasks import process_clip_task

    release(Clip, clip_id)
    process_clip_task.delay(clip_id)
