"""The processing pipeline as a plain function, with real ffmpeg on tiny generated films."""

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files import File
from django.core.files.storage import InMemoryStorage, default_storage
from django.utils import timezone

from clips import media, pipeline
from clips.models import Film
from clips.tests import media_factory
from clips.tests.factories import FilmFactory

pytestmark = pytest.mark.django_db


def stored_names(film: Film) -> set[str]:
    _folders, files = default_storage.listdir(f"films/{film.key}")
    return set(files)


def waiting_film(case, source: Path) -> Film:
    film = FilmFactory(case=case, status=Film.Status.PROCESSING, step=Film.Step.QUEUED)
    with source.open("rb") as fh:
        film.original.save(film.storage_name("original", "mov"), File(fh), save=True)
    return film


def test_a_film_ends_ready_with_a_playback_copy_poster_and_thumbnails(case, h264_film):
    film = waiting_film(case, h264_film)

    pipeline.process_film(film.pk)

    film.refresh_from_db()
    assert film.status == Film.Status.READY
    assert film.step == Film.Step.DONE and film.progress == 100
    assert film.lease_until is None and film.ready_at is not None
    assert stored_names(film) == {"original.mov", "playback.mp4", "poster.jpg", "thumbnails.jpg"}
    assert film.duration == pytest.approx(2, abs=0.2)
    assert film.thumbnail_count >= 1 and film.thumbnail_interval > 0
    playback = media_factory.ffprobe(Path(default_storage.path(film.playback.name)), "-show_streams")
    codecs = {s["codec_type"]: s["codec_name"] for s in playback["streams"]}
    assert codecs == {"video": "h264", "audio": "aac"}


def test_running_it_again_leaves_exactly_one_set_of_files(case, h264_film):
    film = waiting_film(case, h264_film)
    pipeline.process_film(film.pk)
    first = stored_names(film)

    # As after a crash: the film is handed out again and processed from the start.
    Film.objects.filter(pk=film.pk).update(status=Film.Status.PROCESSING, step=Film.Step.QUEUED)
    pipeline.process_film(film.pk)

    film.refresh_from_db()
    assert film.status == Film.Status.READY
    assert stored_names(film) == first
    assert film.playback.name == f"films/{film.key}/playback.mp4"


def test_a_film_that_is_not_a_video_fails_with_a_human_message(case, tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("This is a text file pretending to be a film.\n" * 20)
    film = waiting_film(case, fake)

    pipeline.process_film(film.pk)

    film.refresh_from_db()
    assert film.status == Film.Status.FAILED
    assert film.error and "Traceback" not in film.error
    assert stored_names(film) == {"original.mov"}


def test_a_ready_film_is_not_processed_again(case, h264_film):
    film = waiting_film(case, h264_film)
    Film.objects.filter(pk=film.pk).update(status=Film.Status.READY)

    pipeline.process_film(film.pk)

    assert stored_names(film) == {"original.mov"}


def test_a_film_another_worker_holds_is_left_alone(case, h264_film):
    film = waiting_film(case, h264_film)
    Film.objects.filter(pk=film.pk).update(lease_until=timezone.now() + timedelta(minutes=1))

    pipeline.process_film(film.pk)

    film.refresh_from_db()
    assert film.attempts == 0
    assert stored_names(film) == {"original.mov"}


def test_each_claim_counts_an_attempt(case, h264_film):
    film = waiting_film(case, h264_film)
    assert pipeline.claim(Film, film.pk) is not None
    assert pipeline.claim(Film, film.pk) is None, "the lease is held"
    Film.objects.filter(pk=film.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert pipeline.claim(Film, film.pk).attempts == 2


def test_a_film_that_keeps_killing_workers_ends_failed(case, h264_film, settings):
    film = waiting_film(case, h264_film)
    Film.objects.filter(pk=film.pk).update(attempts=settings.VIG_FILM_MAX_ATTEMPTS)

    pipeline.process_film(film.pk)

    film.refresh_from_db()
    assert film.status == Film.Status.FAILED
    assert f"after {settings.VIG_FILM_MAX_ATTEMPTS} attempts" in film.error


def test_deleting_a_film_mid_transcode_stops_ffmpeg_and_keeps_no_output(case, long_film, monkeypatch):
    film = waiting_film(case, long_film)
    started = []

    def delete_once_running(percent):
        if percent > 0 and not started:
            started.append(percent)
            Film.objects.filter(pk=film.pk).delete()

    original_progress = pipeline.Tracker.progress

    def progress(self, percent):
        delete_once_running(percent)
        original_progress(self, percent)

    monkeypatch.setattr(pipeline.Tracker, "progress", progress)
    monkeypatch.setattr(pipeline, "PROGRESS_INTERVAL_SECONDS", 0)

    pipeline.process_film(film.pk)

    assert started, "the transcode reported progress before it was stopped"
    assert stored_names(film) == {"original.mov"}, "no derived file was saved for a deleted film"


def test_progress_is_written_while_transcoding(case, long_film, monkeypatch):
    film = waiting_film(case, long_film)
    seen = []
    original_write = pipeline.Tracker._write

    def write(self, **fields):
        original_write(self, **fields)
        seen.append(Film.objects.values_list("step", "progress", "lease_until").get(pk=film.pk))

    monkeypatch.setattr(pipeline.Tracker, "_write", write)
    monkeypatch.setattr(pipeline, "PROGRESS_INTERVAL_SECONDS", 0)

    pipeline.process_film(film.pk)

    transcoding = [progress for step, progress, _ in seen if step == Film.Step.TRANSCODING]
    assert len(transcoding) > 2
    assert transcoding == sorted(transcoding)
    assert all(lease is not None for *_, lease in seen), "every report renews the lease"


def test_stalled_films_are_sent_again(case, h264_film, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("clips.tasks.process_film_task.delay", sent.append)
    lapsed = waiting_film(case, h264_film)
    Film.objects.filter(pk=lapsed.pk).update(lease_until=timezone.now() - timedelta(seconds=5))
    held = waiting_film(case, h264_film)
    Film.objects.filter(pk=held.pk).update(lease_until=timezone.now() + timedelta(minutes=1))
    fresh = waiting_film(case, h264_film)
    lost = waiting_film(case, h264_film)
    Film.objects.filter(pk=lost.pk).update(updated_at=timezone.now() - timedelta(minutes=10))
    FilmFactory(case=case, status=Film.Status.READY)

    requeued = pipeline.requeue_stalled_films()

    assert sorted(requeued) == sorted([lapsed.pk, lost.pk])
    assert sorted(sent) == sorted([lapsed.pk, lost.pk])
    assert fresh.pk not in sent


def test_scratch_folders_of_dead_workers_are_removed(settings, tmp_path):
    settings.VIG_SCRATCH_DIR = tmp_path
    dead = tmp_path / "film-999999999-abc"
    dead.mkdir()
    with pipeline.scratch_folder() as alive:
        assert pipeline.clean_orphan_scratch() == 1
        assert alive.exists()
    assert not dead.exists()


def test_a_film_in_a_bucket_is_streamed_into_the_scratch_folder(h264_film):
    # InMemoryStorage, like a bucket, has no local path: the copy must go through open().
    bucket = InMemoryStorage()
    name = bucket.save("films/x/original.mov", File(h264_film.open("rb")))
    stored = SimpleNamespace(storage=bucket, name=name)

    with pipeline.scratch_folder() as folder, pipeline.local_copy(stored, folder) as copy:
        assert copy.parent == folder
        assert copy.read_bytes() == h264_film.read_bytes()


def test_media_errors_on_accepted_files_do_not_leak_ffmpeg_output(case, h264_film, monkeypatch):
    film = waiting_film(case, h264_film)

    def broken(*args, **kwargs):
        raise media.MediaProcessingError("ffmpeg exited 1", stderr_tail="/secret/path: Invalid data")

    monkeypatch.setattr(media, "transcode_playback", broken)
    pipeline.process_film(film.pk)

    film.refresh_from_db()
    assert film.status == Film.Status.FAILED
    assert film.error == "The video could not be processed."
