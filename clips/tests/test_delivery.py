"""Handing a film's media to the browser (clips/delivery.py through clips:film_media).

parse_range on its own, then the HTTP behaviour a <video> element relies on:
byte ranges to seek, a streamed body, our own file name, and no shared caching.
The nginx (x-accel) and bucket (s3) ways are checked for what Django answers;
S3 itself is the edge of the world here, so only the storage's `url` is mocked.
"""

import os
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.http import StreamingHttpResponse
from django.urls import reverse

from audit.models import AuditEvent
from clips import media
from clips.delivery import CHUNK_SIZE, parse_range
from clips.models import Film
from clips.tests.factories import FilmFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

UPLOADERS_NAME = '../../etc/passwd "x".mp4'
SIGNED_URL = "https://bucket.example/films/playback.mp4?X-Amz-Signature=abc"


# ---------------------------------------------------------------------------
# parse_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", (0, 99)),
        ("bytes=900-", (900, 999)),
        ("bytes=0-", (0, 999)),
        ("bytes=-10", (990, 999)),
        ("bytes=-5000", (0, 999)),
        ("bytes=990-5000", (990, 999)),
        ("bytes=999-999", (999, 999)),
        (" bytes=5-9 ", (5, 9)),
    ],
)
def test_a_single_satisfiable_range_is_clamped_to_the_file(header, expected):
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0", "bytes=9-5"])
def test_a_range_outside_the_file_is_unsatisfiable(header):
    assert parse_range(header, 1000) == "unsatisfiable"


@pytest.mark.parametrize(
    "header", ["", "bytes=-", "bytes=0-1,5-6", "bytes=abc-def", "items=0-9", "bytes 0-9", "0-9", "bytes=0-9\x00"]
)
def test_no_range_or_one_we_do_not_answer_means_the_whole_file(header):
    assert parse_range(header, 1000) is None


# ---------------------------------------------------------------------------
# Streaming from storage (VIG_MEDIA_DELIVERY = "django")


@pytest.fixture(autouse=True)
def django_delivery(settings):
    settings.VIG_MEDIA_DELIVERY = "django"


@pytest.fixture
def owner(client, practitioner):
    client.force_login(practitioner)
    return client


@pytest.fixture
def data():
    return os.urandom(1000)


def film_with_playback(case, data: bytes) -> Film:
    film = FilmFactory(case=case, original_name=UPLOADERS_NAME)
    film.playback.save(film.storage_name("playback", "mp4"), ContentFile(data))
    return film


@pytest.fixture
def film(case, data):
    return film_with_playback(case, data)


def media_url(film, kind="playback") -> str:
    return reverse("clips:film_media", kwargs={"reference": film.case.reference, "film_id": film.pk, "kind": kind})


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_whole_file_is_sent_when_no_range_is_asked_for(owner, film, data):
    response = owner.get(media_url(film))

    assert response.status_code == 200
    assert body(response) == data
    assert response["Content-Length"] == "1000"
    assert response["Content-Type"] == "video/mp4"
    assert response["Accept-Ranges"] == "bytes"
    assert not response.has_header("Content-Range")


def test_the_file_is_named_by_the_case_never_by_the_uploader(owner, case, film):
    response = owner.get(media_url(film))

    assert response["Content-Disposition"] == f'inline; filename="{case.reference}-film-{film.pk}-playback.mp4"'
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    assert "passwd" not in headers
    assert "etc" not in headers


def test_no_shared_cache_may_keep_the_file(owner, film):
    response = owner.get(media_url(film))

    directives = [d.strip() for d in response["Cache-Control"].split(",")]
    assert "private" in directives
    assert "public" not in directives


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=900-", 900, 999),
        ("bytes=-10", 990, 999),
        ("bytes=990-5000", 990, 999),
        ("bytes=500-500", 500, 500),
    ],
)
def test_a_range_gets_exactly_those_bytes(owner, film, data, header, first, last):
    response = owner.get(media_url(film), HTTP_RANGE=header)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/1000"
    assert response["Content-Length"] == str(last - first + 1)
    assert body(response) == data[first : last + 1]
    assert response["Content-Type"] == "video/mp4"


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=-0", "bytes=2000-3000"])
def test_a_range_past_the_end_is_refused_saying_how_long_the_file_is(owner, film, header):
    response = owner.get(media_url(film), HTTP_RANGE=header)

    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1000"
    assert body(response) == b""


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "bytes=banana", "pages=1-2", "bytes=-"])
def test_several_ranges_or_a_garbled_one_get_the_whole_file(owner, film, data, header):
    response = owner.get(media_url(film), HTTP_RANGE=header)

    assert response.status_code == 200
    assert body(response) == data
    assert not response.has_header("Content-Range")


def test_the_body_is_streamed_in_bounded_pieces(owner, case):
    data = os.urandom(1_000_000)
    film = film_with_playback(case, data)

    response = owner.get(media_url(film))

    assert isinstance(response, StreamingHttpResponse)
    assert response.streaming
    chunks = list(response.streaming_content)
    assert len(chunks) > 1
    assert max(len(chunk) for chunk in chunks) <= 256 * 1024 == CHUNK_SIZE
    assert b"".join(chunks) == data


def test_a_range_is_streamed_in_bounded_pieces_too(owner, case):
    data = os.urandom(1_000_000)
    film = film_with_playback(case, data)

    response = owner.get(media_url(film), HTTP_RANGE="bytes=100000-899999")

    chunks = list(response.streaming_content)
    assert max(len(chunk) for chunk in chunks) <= CHUNK_SIZE
    assert b"".join(chunks) == data[100000:900000]


@pytest.mark.parametrize("kind", ["original", "source_info", "secret", "..", "PLAYBACK"])
def test_only_the_playback_copy_poster_and_thumbnails_are_served(owner, film, kind):
    film.original.save(film.storage_name("original", "mov"), ContentFile(b"the uploader's own file"))

    response = owner.get(media_url(film, kind))

    assert response.status_code == 404


def test_a_film_without_a_poster_yet_has_none_to_serve(owner, film):
    assert not film.poster

    response = owner.get(media_url(film, "poster"))

    assert response.status_code == 404


def test_the_poster_is_served_as_a_jpeg(owner, case, film):
    film.poster.save(film.storage_name("poster", "jpg"), ContentFile(b"\xff\xd8\xff poster"))

    response = owner.get(media_url(film, "poster"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f'inline; filename="{case.reference}-film-{film.pk}-poster.jpg"'
    assert body(response) == b"\xff\xd8\xff poster"


def test_someone_who_may_not_see_the_case_gets_nothing(client, other_practitioner, film):
    client.force_login(other_practitioner)

    response = client.get(media_url(film), HTTP_RANGE="bytes=0-99")

    assert response.status_code == 404
    assert not response.has_header("Content-Range")


def test_fetching_media_is_not_audited(owner, film):
    """A <video> asks for many ranges; the audited film page covers them all."""
    before = AuditEvent.objects.count()

    owner.get(media_url(film))
    for start in range(0, 1000, 250):
        owner.get(media_url(film), HTTP_RANGE=f"bytes={start}-{start + 249}")

    assert AuditEvent.objects.count() == before


# A real film, as a browser plays it


@pytest.fixture
def real_film(case, h264_playback):
    film = FilmFactory(case=case)
    film.playback.save(film.storage_name("playback", "mp4"), ContentFile(h264_playback.read_bytes()))
    return film


def test_a_browsers_first_open_ended_range_gets_the_whole_film_as_partial_content(owner, real_film, h264_playback):
    size = h264_playback.stat().st_size

    response = owner.get(media_url(real_film), HTTP_RANGE="bytes=0-")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-{size - 1}/{size}"
    assert body(response) == h264_playback.read_bytes()


def test_the_film_put_together_from_ranges_is_the_film(owner, real_film, h264_playback, tmp_path):
    size = h264_playback.stat().st_size
    step = size // 3 + 1
    pieces = [
        body(owner.get(media_url(real_film), HTTP_RANGE=f"bytes={start}-{start + step - 1}"))
        for start in range(0, size, step)
    ]
    served = tmp_path / "served.mp4"
    served.write_bytes(b"".join(pieces))

    assert served.read_bytes() == h264_playback.read_bytes()
    assert media.probe(served).duration == pytest.approx(2, abs=0.1)


# ---------------------------------------------------------------------------
# Through nginx (VIG_MEDIA_DELIVERY = "x-accel")


@pytest.fixture
def x_accel(settings):
    settings.VIG_MEDIA_DELIVERY = "x-accel"
    settings.VIG_X_ACCEL_PREFIX = "/protected-media/"
    return settings


def test_nginx_is_told_which_stored_file_to_send(owner, case, film, x_accel):
    response = owner.get(media_url(film), HTTP_RANGE="bytes=0-99")

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/films/{film.key}/playback.mp4"
    assert response.content == b""
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"] == f'inline; filename="{case.reference}-film-{film.pk}-playback.mp4"'
    assert response["Cache-Control"].split(",")[0] == "private"


def test_nginx_is_not_told_anything_for_someone_who_may_not_see_the_case(client, other_practitioner, film, x_accel):
    client.force_login(other_practitioner)

    response = client.get(media_url(film))

    assert response.status_code == 404
    assert not response.has_header("X-Accel-Redirect")


# ---------------------------------------------------------------------------
# From a bucket (VIG_MEDIA_DELIVERY = "s3")


@pytest.fixture
def bucket(settings):
    """The S3 storage as production configures it; its `url` (which signs) is the only stand-in."""
    settings.VIG_MEDIA_DELIVERY = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "vig-test", "default_acl": "private", "querystring_auth": True},
        },
    }
    storage = storages["default"]
    with mock.patch.object(storage, "url", autospec=True, return_value=SIGNED_URL) as url:
        yield url


@pytest.fixture
def film_in_bucket(case):
    film = FilmFactory(case=case, original_name=UPLOADERS_NAME)
    film.playback.name = film.storage_name("playback", "mp4")
    film.save(update_fields=["playback"])
    return film


def test_the_browser_is_sent_to_a_short_lived_signed_url(owner, case, film_in_bucket, bucket, settings):
    response = owner.get(media_url(film_in_bucket))

    assert response.status_code == 302
    assert response["Location"] == SIGNED_URL
    assert settings.VIG_SIGNED_URL_SECONDS <= 300
    bucket.assert_called_once_with(
        f"films/{film_in_bucket.key}/playback.mp4",
        parameters={
            "ResponseContentType": "video/mp4",
            "ResponseContentDisposition": f'inline; filename="{case.reference}-film-{film_in_bucket.pk}-playback.mp4"',
        },
        expire=settings.VIG_SIGNED_URL_SECONDS,
    )


def test_the_redirect_to_the_bucket_is_not_cached_by_others(owner, film_in_bucket, bucket):
    response = owner.get(media_url(film_in_bucket))

    assert response["Cache-Control"].split(",")[0] == "private"


def test_no_url_is_signed_for_someone_who_may_not_see_the_case(client, other_practitioner, film_in_bucket, bucket):
    client.force_login(other_practitioner)

    response = client.get(media_url(film_in_bucket))

    assert response.status_code == 404
    bucket.assert_not_called()
