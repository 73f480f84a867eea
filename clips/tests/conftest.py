"""Test films for the media tests, each made once per test session on first use.

They are made with the OS ffmpeg; without it these tests are skipped on a
developer's machine and fail in CI (VIG_REQUIRE_SERVICES or CI set).
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from clips import media
from clips.tests import media_factory


def _tools_required() -> bool:
    truthy = {"1", "true", "yes", "on"}
    return any(os.environ.get(name, "").strip().lower() in truthy for name in ("VIG_REQUIRE_SERVICES", "CI"))


@pytest.fixture(scope="session")
def film_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = [tool for tool in (settings.FFMPEG_BINARY, settings.FFPROBE_BINARY) if not shutil.which(tool)]
    if missing:
        message = f"{', '.join(missing)} not found; the media tests need the OS ffmpeg package"
        if _tools_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return tmp_path_factory.mktemp("films")


@pytest.fixture(scope="session")
def playback_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("playback")


# Good films


@pytest.fixture(scope="session")
def h264_film(film_folder):
    return media_factory.h264_mp4(film_folder)


@pytest.fixture(scope="session")
def hevc_film(film_folder):
    return media_factory.hevc_mp4(film_folder)


@pytest.fixture(scope="session")
def portrait_film(film_folder):
    return media_factory.portrait_rotated_mp4(film_folder)


@pytest.fixture(scope="session")
def no_audio_film(film_folder):
    return media_factory.no_audio_mp4(film_folder)


@pytest.fixture(scope="session")
def vfr_film(film_folder):
    return media_factory.vfr_mp4(film_folder)


@pytest.fixture(scope="session")
def hlg_film(film_folder, h264_film):
    return media_factory.hlg_hevc_mp4(film_folder, sdr_source=h264_film)


@pytest.fixture(scope="session")
def gps_film(film_folder):
    return media_factory.with_gps_mp4(film_folder)


@pytest.fixture(scope="session")
def large_film(film_folder):
    return media_factory.larger_than_1080p_mp4(film_folder)


@pytest.fixture(scope="session")
def numbered_film(film_folder):
    return media_factory.numbered_frames_mp4(film_folder / "numbered.mp4", seconds=4, fps=25, keyframe_interval=1.0)


@pytest.fixture(scope="session")
def long_film(film_folder):
    """Long enough that making its playback copy takes a second or more."""
    return media_factory.h264_mp4(film_folder, seconds=20, size="640x480", name="long.mp4")


# Their playback copies


def _playback(source: Path, folder: Path) -> Path:
    dst = folder / f"{source.stem}-playback.mp4"
    media.transcode_playback(source, dst, media.probe(source))
    return dst


@pytest.fixture(scope="session")
def h264_playback(h264_film, playback_folder):
    return _playback(h264_film, playback_folder)


@pytest.fixture(scope="session")
def hevc_playback(hevc_film, playback_folder):
    return _playback(hevc_film, playback_folder)


@pytest.fixture(scope="session")
def no_audio_playback(no_audio_film, playback_folder):
    return _playback(no_audio_film, playback_folder)


@pytest.fixture(scope="session")
def portrait_playback(portrait_film, playback_folder):
    return _playback(portrait_film, playback_folder)


@pytest.fixture(scope="session")
def vfr_playback(vfr_film, playback_folder):
    return _playback(vfr_film, playback_folder)


@pytest.fixture(scope="session")
def hlg_playback(hlg_film, playback_folder):
    return _playback(hlg_film, playback_folder)


@pytest.fixture(scope="session")
def gps_playback(gps_film, playback_folder):
    return _playback(gps_film, playback_folder)


@pytest.fixture(scope="session")
def numbered_playback(numbered_film, playback_folder):
    return _playback(numbered_film, playback_folder)


@pytest.fixture
def principles(transactional_db):
    """The principles taxonomy, for transactional tests.

    It is loaded by a data migration; a transactional test before this one
    flushes every table, taking those rows with it. The migration's own loader
    puts them back (it is idempotent).
    """
    from importlib import import_module

    from django.apps import apps

    import_module("clips.migrations.0003_load_principles").load(apps, None)
