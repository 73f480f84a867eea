"""Cutting clips and making stills as plain functions, on a real processed film whose frames carry their numbers."""

from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from clips import clip_pipeline, pipeline, services
from clips.models import Clip, Still
from clips.tests import media_factory
from clips.tests.factories import ClipFactory, StillFactory
from clips.tests.test_pipeline import waiting_film

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_film(case, numbered_film):
    film = waiting_film(case, numbered_film)
    pipeline.process_film(film.pk)
    film.refresh_from_db()
    assert film.is_ready and film.frame_rate == 25
    return film


def clip_frames(clip: Clip) -> list[int]:
    return media_factory.frame_numbers(Path(default_storage.path(clip.video.name)))


def test_a_clip_is_cut_exactly_between_its_marks(ready_film):
    clip = ClipFactory(
        film=ready_film, start_frame=13, end_frame=61, status=Clip.Status.PROCESSING, video="", poster=""
    )

    clip_pipeline.process_clip(clip.pk)

    clip.refresh_from_db()
    assert clip.status == Clip.Status.READY, clip.error
    assert clip_frames(clip) == list(range(13, 62))
    assert clip.video.name == f"films/{ready_film.key}/clips/{clip.key}-video.mp4"
    poster = media_factory.gray_image(Path(default_storage.path(clip.poster.name)))
    assert media_factory.read_frame_number(poster) == 13


def test_moving_a_mark_cuts_the_clip_again_and_replaces_the_file(ready_film, django_capture_on_commit_callbacks):
    clip = ClipFactory(
        film=ready_film, start_frame=10, end_frame=30, status=Clip.Status.PROCESSING, video="", poster=""
    )
    clip_pipeline.process_clip(clip.pk)
    clip.refresh_from_db()
    first_name = clip.video.name

    with django_capture_on_commit_callbacks() as callbacks:
        recut = services.update_clip(
            clip,
            data={
                "start_frame": 40,
                "end_frame": 55,
                "caption": clip.caption,
                "helping_question": None,
                "goal": None,
                "review_note": "",
            },
            tags=[],
        )
    assert recut and len(callbacks) == 1
    clip_pipeline.process_clip(clip.pk)

    clip.refresh_from_db()
    assert clip.status == Clip.Status.READY
    assert clip.video.name == first_name, "the same fixed name, replaced"
    assert clip_frames(clip) == list(range(40, 56))
    _folders, files = default_storage.listdir(f"films/{ready_film.key}/clips")
    assert sorted(files) == sorted([f"{clip.key}-video.mp4", f"{clip.key}-poster.jpg"])


def test_a_cut_for_marks_that_moved_meanwhile_is_thrown_away_and_sent_again(ready_film, monkeypatch):
    clip = ClipFactory(
        film=ready_film, start_frame=10, end_frame=30, status=Clip.Status.PROCESSING, video="", poster=""
    )
    sent = []
    monkeypatch.setattr("clips.tasks.process_clip_task.delay", sent.append)
    real_cut = clip_pipeline.cutting.cut_clip

    def practitioner_moves_the_mark_during_the_cut(*args, **kwargs):
        real_cut(*args, **kwargs)
        Clip.objects.filter(pk=clip.pk).update(start_frame=20, marks_version=clip.marks_version + 1)

    monkeypatch.setattr(clip_pipeline.cutting, "cut_clip", practitioner_moves_the_mark_during_the_cut)
    clip_pipeline.process_clip(clip.pk)

    clip.refresh_from_db()
    assert clip.status == Clip.Status.PROCESSING
    assert not clip.video, "no file for the old marks was saved"
    assert clip.lease_until is None
    assert sent == [clip.pk]


def test_a_still_is_the_exact_frame_asked_for(ready_film):
    clip = ClipFactory(film=ready_film, start_frame=10, end_frame=60)
    still = StillFactory(clip=clip, frame=37, status=Still.Status.PROCESSING, image="")

    clip_pipeline.process_still(still.pk)

    still.refresh_from_db()
    assert still.status == Still.Status.READY, still.error
    image = media_factory.gray_image(Path(default_storage.path(still.image.name)))
    assert media_factory.read_frame_number(image) == 37


def test_a_clip_that_cannot_be_cut_fails_with_a_message(ready_film, monkeypatch):
    clip = ClipFactory(film=ready_film, status=Clip.Status.PROCESSING, video="", poster="")

    def broken(*args, **kwargs):
        raise clip_pipeline.media.MediaProcessingError("ffmpeg exited 1", stderr_tail="details")

    monkeypatch.setattr(clip_pipeline.cutting, "cut_clip", broken)
    clip_pipeline.process_clip(clip.pk)

    clip.refresh_from_db()
    assert clip.status == Clip.Status.FAILED
    assert clip.error == "The clip could not be cut. Move a mark slightly and save again."


def test_deleting_a_film_removes_its_clips_and_stills_files(ready_film, django_capture_on_commit_callbacks):
    clip = ClipFactory(film=ready_film, start_frame=5, end_frame=20, status=Clip.Status.PROCESSING, video="", poster="")
    clip_pipeline.process_clip(clip.pk)
    still = StillFactory(clip=clip, frame=7, status=Still.Status.PROCESSING, image="")
    clip_pipeline.process_still(still.pk)

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_film(ready_film)

    assert not default_storage.exists(f"films/{ready_film.key}/clips/{clip.key}-video.mp4")
    folders, files = default_storage.listdir("films") if default_storage.exists("films") else ([], [])
    remaining = [name for folder in folders for name in _walk(f"films/{folder}") if folder == str(ready_film.key)]
    assert remaining == []


def _walk(path):
    folders, files = default_storage.listdir(path)
    yield from (f"{path}/{f}" for f in files)
    for folder in folders:
        yield from _walk(f"{path}/{folder}")
