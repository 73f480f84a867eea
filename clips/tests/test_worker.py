"""A real Celery worker on the configured broker (on-disk here, Redis in CI), with real ffmpeg.

These tests are slower (seconds each): they prove the parts a plain function
call cannot, that a task queued on commit reaches a worker, and that a worker
killed with SIGKILL in the middle of a transcode loses nothing.
"""

import time

import pytest
from django.core.files.storage import default_storage

from clips import pipeline
from clips.models import Film
from clips.tests.test_pipeline import stored_names, waiting_film

pytestmark = pytest.mark.worker

TIMEOUT = 120


def wait_for(film: Film, condition, what: str, worker):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        film.refresh_from_db()
        if condition(film):
            return film
        time.sleep(0.2)
    pytest.fail(f"Timed out waiting for {what}; film is {film.status}/{film.step} {film.progress}%\n{worker.log()}")


def test_a_queued_film_is_processed_by_the_worker(celery_worker_process, case, h264_film):
    film = waiting_film(case, h264_film)

    pipeline.start_processing(film)

    film = wait_for(
        film, lambda f: f.status != Film.Status.PROCESSING, "the film to be processed", celery_worker_process
    )
    assert film.status == Film.Status.READY, film.error
    assert stored_names(film) == {"original.mov", "playback.mp4", "poster.jpg", "thumbnails.jpg"}


def test_a_worker_killed_mid_transcode_still_leaves_one_ready_film(celery_worker_process, case, long_film, settings):
    film = waiting_film(case, long_film)
    pipeline.start_processing(film)
    wait_for(
        film,
        lambda f: f.step == Film.Step.TRANSCODING and f.progress > 0,
        "the transcode to start",
        celery_worker_process,
    )

    celery_worker_process.kill()  # SIGKILL to the worker, its pool and ffmpeg
    assert list(settings.VIG_SCRATCH_DIR.glob("film-*")), "the killed worker left its scratch folder"
    celery_worker_process.start()

    film = wait_for(
        film, lambda f: f.status != Film.Status.PROCESSING, "the film to be finished", celery_worker_process
    )
    assert film.status == Film.Status.READY, film.error
    assert film.attempts == 2
    assert stored_names(film) == {"original.mov", "playback.mp4", "poster.jpg", "thumbnails.jpg"}
    assert default_storage.size(film.playback.name) > 0
    assert not list(settings.VIG_SCRATCH_DIR.glob("film-*")), "the restarted worker cleaned up after the dead one"
