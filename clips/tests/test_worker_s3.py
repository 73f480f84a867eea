"""The production media path, end to end: films in an S3 bucket, a real worker, signed URLs.

An S3 API is served on loopback by moto's server mode (a real HTTP server in a
thread of this process). The test process and a real Celery worker (on the
configured broker: on-disk here, Redis in CI) both get their storage from
vig/settings.py as production does, from the environment: a bucket name, an
endpoint, a region and credentials. A film is sent by tus and the upload form,
processed by the worker straight from the bucket, a clip is marked and cut by
the worker, and the clip is played the way a browser does: the view answers
with a redirect to a short-lived signed URL, which is fetched from the bucket,
whole and by Range. A Traject Letter is finalised and its PDF made by the
worker, with a still read from the bucket, and downloaded the same way.

Nothing here skips: if moto cannot start, the test fails.

Once the case has been closed long enough, the daily retention task, run by
the worker, deletes the film's objects from the bucket: the original first,
then the playback copy and the clip.
"""

import base64
import runpy
import shutil
import socket
import subprocess
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from moto.server import ThreadedMotoServer

from cases.models import Case
from clips import cutting
from clips.models import Clip, Film, PrincipleElement
from clips.tests.factories import ClipFactory, FilmFactory, StillFactory
from dataprotection.models import RetentionRun
from dataprotection.tasks import apply_retention_task
from letters import services as letter_services
from letters.models import TrajectLetter
from vig.testing.worker import WorkerProcess

pytestmark = pytest.mark.worker

BUCKET = "vig-media-test"
REGION = "eu-west-2"
TIMEOUT = 120
TUS = {"Tus-Resumable": "1.0.0"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3_endpoint():
    """moto's S3 API on a free loopback port, for this test only."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    try:
        server.start()
    except Exception as exc:  # noqa: BLE001 - any failure to start is the test's failure
        pytest.fail(f"moto's S3 server did not start on 127.0.0.1:{port}: {exc!r}")
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(endpoint, timeout=2)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                server.stop()
                pytest.fail(f"moto's S3 server is not answering on {endpoint}")
            time.sleep(0.1)
    # moto keeps its buckets in this process, across servers: each test starts from none.
    requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
    yield endpoint
    requests.post(f"{endpoint}/moto-api/reset", timeout=10)
    server.stop()


@pytest.fixture
def s3_env(s3_endpoint, monkeypatch):
    """The environment a production web or worker machine has for a bucket."""
    env = {
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_ACCESS_KEY_ID": "vig-test-key",
        "AWS_SECRET_ACCESS_KEY": "vig-test-secret",  # noqa: S105 - moto accepts any
    }
    for name in ("VIG_MEDIA_DELIVERY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def s3(s3_env):
    client = boto3.client(
        "s3",
        endpoint_url=s3_env["AWS_S3_ENDPOINT_URL"],
        region_name=REGION,
        aws_access_key_id=s3_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=s3_env["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return client


@pytest.fixture
def bucket_settings(s3, s3_env, settings):
    """This process's storage and delivery as vig/settings.py builds them from that environment."""
    built = runpy.run_path(str(django_settings.BASE_DIR / "vig" / "settings.py"))
    assert built["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert built["VIG_MEDIA_DELIVERY"] == "s3"
    settings.STORAGES = built["STORAGES"]
    settings.VIG_MEDIA_DELIVERY = built["VIG_MEDIA_DELIVERY"]
    settings.VIG_SIGNED_URL_SECONDS = built["VIG_SIGNED_URL_SECONDS"]
    return settings


@pytest.fixture
def s3_worker(bucket_settings, s3_env, transactional_db, tmp_path):
    """A real worker whose storage is the bucket (from the same environment)."""
    worker = WorkerProcess(tmp_path / "worker.log", dict(s3_env))
    worker.start()
    yield worker
    worker.stop()


def bucket_keys(s3) -> set[str]:
    keys = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


def film_keys(film: Film) -> set[str]:
    """Every object a processed film with its clips (and their stills) should have in the bucket."""
    film.refresh_from_db()
    names = {f.name for f in (film.original, film.playback, film.poster, film.thumbnails) if f}
    for clip in film.clips.all():
        names.update(f.name for f in (clip.video, clip.poster) if f)
        names.update(s.image.name for s in clip.stills.all() if s.image)
    return names


def wait_for(obj, condition, what: str, worker):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        obj.refresh_from_db()
        if condition(obj):
            return obj
        time.sleep(0.2)
    pytest.fail(f"Timed out waiting for {what}: {obj.status} {obj.error}\n{worker.log()}")


def close_case_months_ago(case, months: int) -> None:
    case.status = Case.Status.CLOSED
    case.closed_on = timezone.localdate() - timedelta(days=31 * months)
    case.save(update_fields=["status", "closed_on"])


def run_retention(worker, *, runs: int) -> None:
    """Send the daily retention task to the real worker and wait for its run to be recorded."""
    apply_retention_task.delay()
    deadline = time.monotonic() + TIMEOUT
    while RetentionRun.objects.count() < runs:
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for the retention run\n{worker.log()}")
        time.sleep(0.2)


def upload_film(client, case, source) -> Film:
    """Send the film by tus as the upload page does, then post the page's form."""
    data = source.read_bytes()
    response = client.post(
        reverse("clips:tus_create", args=[case.reference]),
        headers={
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": "filename " + base64.b64encode(b"garden.mp4").decode(),
        },
    )
    assert response.status_code == 201, response.content
    location = urlsplit(response["Location"]).path
    response = client.patch(
        location,
        data,
        content_type="application/offset+octet-stream",
        headers={**TUS, "Upload-Offset": "0"},
    )
    assert response.status_code == 204 and response["Upload-Offset"] == str(len(data))
    upload_id = location.rstrip("/").rsplit("/", 1)[1]
    response = client.post(
        reverse("clips:film_upload", args=[case.reference]),
        {"upload_id": upload_id, "recorded_on": "2026-11-20", "setting": Film.Setting.HOME, "activity": "Garden"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Film.objects.get(case=case)


def test_a_film_in_a_bucket_is_processed_by_a_worker_and_its_clip_played_by_a_signed_url(
    s3_worker, s3, client, case, practitioner, principles, h264_film, settings, tmp_path
):
    settings.VIG_UPLOAD_DIR = tmp_path / "uploads"
    settings.VIG_UPLOAD_DIR.mkdir()
    client.force_login(practitioner)

    film = upload_film(client, case, h264_film)
    assert bucket_keys(s3) == {film.original.name}, "the original went to the bucket, nothing to local disk"
    film = wait_for(film, lambda f: f.status != Film.Status.PROCESSING, "the film to be processed", s3_worker)
    assert film.status == Film.Status.READY, film.error

    response = client.post(
        reverse("clips:clip_create", args=[case.reference, film.pk]),
        {
            "start_frame": 10,
            "end_frame": 34,
            "caption": "You wait, and Sam looks up",
            "helping_question": "",
            "elements": [PrincipleElement.objects.get(code="encouraging_initiatives.waiting").pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    clip = Clip.objects.get(film=film)
    clip = wait_for(clip, lambda c: c.status != Clip.Status.PROCESSING, "the clip to be cut", s3_worker)
    assert clip.status == Clip.Status.READY, clip.error
    assert film_keys(film) == bucket_keys(s3)
    assert len(film_keys(film)) == 6  # original, playback, poster, thumbnails, clip, clip poster
    stored = s3.get_object(Bucket=BUCKET, Key=clip.video.name)["Body"].read()
    assert stored[4:8] == b"ftyp"

    # Played as a browser does: the view checks access, then sends it to the bucket.
    response = client.get(reverse("clips:clip_media", args=[case.reference, film.pk, clip.pk, "video"]))
    assert response.status_code == 302
    signed = response["Location"]
    assert signed.startswith(settings.STORAGES["default"]["OPTIONS"]["endpoint_url"] + f"/{BUCKET}/")
    query = parse_qs(urlsplit(signed).query)
    assert query["X-Amz-Expires"] == [str(settings.VIG_SIGNED_URL_SECONDS)] and "X-Amz-Signature" in query
    assert query["response-content-type"] == ["video/mp4"]
    assert response["Cache-Control"] == "private, max-age=300"

    whole = requests.get(signed, timeout=30)
    assert whole.status_code == 200 and whole.content == stored
    assert whole.headers["Content-Type"] == "video/mp4"
    assert f"{case.reference}-clip-{clip.pk}.mp4" in whole.headers["Content-Disposition"]
    part = requests.get(signed, headers={"Range": "bytes=100-1123"}, timeout=30)
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-1123/{len(stored)}"
    assert part.content == stored[100:1124]

    # The bucket is private: the object's address without a signature is refused.
    unsigned = requests.get(signed.split("?", 1)[0], timeout=30)
    assert unsigned.status_code == 403

    # Retention, run by the worker as the daily beat entry runs it. Closed four months ago, the
    # original is past its 3 months and leaves the bucket; the playback copy and the clip stay.
    original, playback = film.original.name, film.playback.name
    close_case_months_ago(case, 4)
    run_retention(s3_worker, runs=1)
    assert original not in bucket_keys(s3)
    assert playback in bucket_keys(s3) and clip.video.name in bucket_keys(s3)

    # Past 12 months the rest of the film goes too, and nothing is left in the bucket.
    close_case_months_ago(case, 13)
    run_retention(s3_worker, runs=2)
    assert bucket_keys(s3) == set()
    assert not Film.objects.filter(pk=film.pk).exists()


def test_a_letters_pdf_is_made_by_the_worker_into_the_bucket_and_downloaded_by_a_signed_url(
    s3_worker, s3, client, case, practitioner, h264_film, tmp_path
):
    image = tmp_path / "still.jpg"
    cutting.make_still(h264_film, image, frame=10, frame_rate=25)  # a real frame, by ffmpeg
    still = StillFactory(
        clip=ClipFactory(film=FilmFactory(case=case)),
        caption="Sam looks up at you",
        image=ContentFile(image.read_bytes(), name="still.jpg"),
    )
    assert still.image.name in bucket_keys(s3)
    letter = letter_services.start_draft(case, practitioner)
    letter.account_of_progress = "You waited, and Sam came back to you."
    letter.save()
    letter.stills.set([still])
    client.force_login(practitioner)

    response = client.post(reverse("letters:finalise", args=[case.reference, letter.pk]))

    assert response.status_code == 302
    letter = wait_for(letter, lambda x: x.render_status != TrajectLetter.RenderStatus.PROCESSING, "the PDF", s3_worker)
    assert letter.render_status == TrajectLetter.RenderStatus.READY, letter.error
    assert letter.pdf.name == letter.pdf_storage_name() and letter.pdf.name in bucket_keys(s3)
    stored = s3.get_object(Bucket=BUCKET, Key=letter.pdf.name)["Body"].read()

    response = client.get(reverse("letters:pdf", args=[case.reference, letter.pk]) + "?download=1")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["response-content-type"] == ["application/pdf"]
    download = requests.get(response["Location"], timeout=30)
    assert download.status_code == 200 and download.content == stored and stored.startswith(b"%PDF-")
    assert download.headers["Content-Disposition"] == f'attachment; filename="{letter.download_name()}"'
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(download.content)
    images = subprocess.run([shutil.which("pdfimages"), "-list", str(pdf)], check=True, capture_output=True, text=True)
    assert len(images.stdout.strip().splitlines()) == 3, "two header lines, then the still read from the bucket"
