"""The tus upload endpoints (clips/uploads.py).

Most tests drive the views with Django's test client. PATCH bodies come from
`Body`, a stand-in for the socket that hands out bytes as the server reads
them, so a test can cut a body short or fail mid-way as a poor connection does.
The last tests use an independent client, tuspy, against a live server.
"""

import base64
import fcntl
import hashlib
import http.client
import os
import socket
import time
import tracemalloc
from datetime import timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tusclient.client import TusClient

from audit.models import AuditEvent
from cases.tests.factories import CaseFactory
from clips.models import FilmUpload
from clips.uploads import expire_abandoned_uploads

TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_STREAM = "application/offset+octet-stream"
MiB = 1024 * 1024


class Body:
    """A request body read the way a socket is: piece by piece, as asked.

    `arrive` bytes come through, then the body ends early (a dropped
    connection), or with `fail` reading raises (a reset connection).
    `during_read` runs once, at the first read. With no `data`, `size` zero
    bytes are made as they are read, so the test itself holds none of them.
    """

    def __init__(self, data=b"", *, size=None, arrive=None, fail=False, during_read=None):
        self.data = data
        self.size = len(data) if size is None else size
        self.arrive = self.size if arrive is None else arrive
        self.fail = fail
        self.during_read = during_read
        self.position = 0

    def read(self, n=-1):
        if self.during_read is not None:
            callback, self.during_read = self.during_read, None
            callback()
        n = self.size - self.position if n is None or n < 0 else n
        end = min(self.position + n, self.arrive)
        if end == self.position and n and self.fail:
            raise OSError("Connection reset by peer")
        piece = self.data[self.position : end] if self.data else bytes(end - self.position)
        self.position = end
        return piece

    readline = read


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.VIG_UPLOAD_DIR = tmp_path / "uploads"
    settings.VIG_UPLOAD_DIR.mkdir()
    return settings.VIG_UPLOAD_DIR


@pytest.fixture
def owner(client, practitioner):
    client.force_login(practitioner)
    return client


def create_url(case):
    return reverse("clips:tus_create", kwargs={"reference": case.reference})


def upload_url(upload):
    return reverse("clips:tus_upload", kwargs={"reference": upload.case.reference, "upload_id": upload.pk})


def make_upload(case, user, *, data=b"", length=1000, expires_at=None):
    upload = FilmUpload.objects.create(
        case=case,
        created_by=user,
        length=length,
        offset=len(data),
        expires_at=expires_at or FilmUpload.expiry_from_now(),
    )
    upload.path.write_bytes(data)
    return upload


def send_patch(client, upload, body, *, offset=None, headers=None, content_type=OFFSET_STREAM, content_length=None):
    body = body if isinstance(body, Body) else Body(body)
    return client.generic(
        "PATCH",
        upload_url(upload),
        headers={**TUS, "Upload-Offset": str(upload.offset if offset is None else offset), **(headers or {})},
        **{
            "wsgi.input": body,
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(body.size if content_length is None else content_length),
        },
    )


def checksum(algorithm, data):
    return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def assert_tus(response):
    assert response["Tus-Resumable"] == "1.0.0"
    assert response["Cache-Control"] == "no-store"


def assert_unchanged(upload, data):
    offset = upload.offset
    upload.refresh_from_db()
    assert upload.offset == offset
    assert upload.path.read_bytes() == data


# OPTIONS and creation ------------------------------------------------------


def test_options_lists_the_servers_capabilities_without_log_in(client, case, settings):
    response = client.options(create_url(case))

    assert response.status_code == 204
    assert_tus(response)
    assert response["Tus-Version"] == "1.0.0"
    assert response["Tus-Extension"] == "creation,termination,checksum,expiration"
    assert response["Tus-Max-Size"] == str(settings.VIG_MAX_UPLOAD_BYTES)
    assert response["Tus-Checksum-Algorithm"] == "sha1,md5,sha256"


def test_creation_makes_an_empty_upload_with_an_absolute_location_and_expiry(owner, case, practitioner):
    metadata = "filename " + base64.b64encode("Sam’s film – home.mp4".encode()).decode() + ",filetype dmlkZW8vbXA0"
    response = owner.post(create_url(case), headers={**TUS, "Upload-Length": "5000", "Upload-Metadata": metadata})

    assert response.status_code == 201
    assert_tus(response)
    upload = FilmUpload.objects.get()
    assert response["Location"] == f"http://testserver{upload_url(upload)}"
    assert abs(parsedate_to_datetime(response["Upload-Expires"]) - upload.expires_at) < timedelta(seconds=1)
    assert (upload.case, upload.created_by, upload.length, upload.offset) == (case, practitioner, 5000, 0)
    assert upload.filename == "Sam’s film – home.mp4"
    assert upload.path.read_bytes() == b""
    assert upload.path.stat().st_mode & 0o777 == 0o600


def test_creation_keeps_the_file_name_for_display_only(owner, case, upload_dir):
    name = base64.b64encode(b"..\\..\\C:\\fakepath\\../../film\x00\n.mp4").decode()
    owner.post(create_url(case), headers={**TUS, "Upload-Length": "10", "Upload-Metadata": f"filename {name}"})

    upload = FilmUpload.objects.get()
    assert upload.filename == "film.mp4"
    assert [p.name for p in upload_dir.iterdir()] == [f"{upload.pk}.part"]


def test_creation_is_audited(owner, case, practitioner):
    owner.post(create_url(case), headers={**TUS, "Upload-Length": "10"})

    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE)
    assert (event.actor, event.case, event.object_id) == (practitioner, case, str(FilmUpload.objects.get().pk))


def test_creation_without_tus_resumable_is_412(owner, case):
    response = owner.post(create_url(case), headers={"Upload-Length": "10"})

    assert response.status_code == 412
    assert_tus(response)
    assert response["Tus-Version"] == "1.0.0"
    assert not FilmUpload.objects.exists()


def test_creation_refuses_a_film_over_the_limit(owner, case, settings, upload_dir):
    settings.VIG_MAX_UPLOAD_BYTES = 4 * 1024**3
    response = owner.post(create_url(case), headers={**TUS, "Upload-Length": str(4 * 1024**3 + 1)})

    assert response.status_code == 413
    assert_tus(response)
    assert response.content.decode() == "The film is larger than the 4 GB limit."
    assert not FilmUpload.objects.exists()
    assert not any(upload_dir.iterdir())


@pytest.mark.parametrize("headers", [{}, {"Upload-Length": "ten"}, {"Upload-Length": "-1"}, {"Upload-Length": "0"}])
def test_creation_needs_a_positive_upload_length(owner, case, headers):
    response = owner.post(create_url(case), headers={**TUS, **headers})

    assert response.status_code == 400
    assert not FilmUpload.objects.exists()


def test_creation_refuses_a_deferred_length(owner, case):
    response = owner.post(create_url(case), headers={**TUS, "Upload-Defer-Length": "1"})

    assert response.status_code == 400


def test_creation_refuses_malformed_metadata(owner, case):
    response = owner.post(create_url(case), headers={**TUS, "Upload-Length": "10", "Upload-Metadata": "filename ***"})

    assert response.status_code == 400
    assert not FilmUpload.objects.exists()


def test_csrf_protection_stays_on(case, practitioner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(practitioner)
    client.get(reverse("login"))
    token = client.cookies["csrftoken"].value

    refused = client.post(create_url(case), headers={**TUS, "Upload-Length": "10"})
    accepted = client.post(create_url(case), headers={**TUS, "Upload-Length": "10", "X-CSRFToken": token})

    assert refused.status_code == 403
    assert accepted.status_code == 201
    assert FilmUpload.objects.count() == 1


# HEAD ------------------------------------------------------------------------


def test_head_after_a_partial_patch_gives_the_offset(owner, case, practitioner):
    upload = make_upload(case, practitioner, length=100)
    send_patch(owner, upload, b"x" * 40)

    response = owner.head(upload_url(upload), headers=TUS)

    assert response.status_code == 200
    assert_tus(response)
    assert (response["Upload-Offset"], response["Upload-Length"]) == ("40", "100")
    assert "Upload-Expires" in response


def test_an_expired_upload_is_404_and_its_bytes_are_removed(owner, case, practitioner):
    upload = make_upload(case, practitioner, data=b"film", expires_at=timezone.now() - timedelta(seconds=1))

    response = owner.head(upload_url(upload), headers=TUS)

    assert response.status_code == 404
    assert_tus(response)
    assert "Upload-Offset" not in response
    assert not FilmUpload.objects.exists()
    assert not upload.path.exists()


# PATCH -----------------------------------------------------------------------


def test_patch_appends_at_the_offset_and_pushes_the_expiry_on(owner, case, practitioner):
    upload = make_upload(case, practitioner, data=b"abc", length=10, expires_at=timezone.now() + timedelta(hours=1))

    response = send_patch(owner, upload, b"defg")

    assert response.status_code == 204
    assert_tus(response)
    assert response["Upload-Offset"] == "7"
    upload.refresh_from_db()
    assert upload.offset == 7
    assert upload.path.read_bytes() == b"abcdefg"
    assert upload.expires_at > timezone.now() + timedelta(hours=23)
    assert parsedate_to_datetime(response["Upload-Expires"]) > timezone.now() + timedelta(hours=23)


def test_patch_with_the_wrong_offset_is_409_and_writes_nothing(owner, case, practitioner):
    upload = make_upload(case, practitioner, data=b"abc", length=10)

    response = send_patch(owner, upload, b"def", offset=0)

    assert response.status_code == 409
    assert_tus(response)
    assert_unchanged(upload, b"abc")


def test_patch_needs_the_offset_stream_content_type(owner, case, practitioner):
    upload = make_upload(case, practitioner, length=10)

    response = send_patch(owner, upload, b"abc", content_type="application/octet-stream")

    assert response.status_code == 415
    assert_unchanged(upload, b"")


def test_patch_without_tus_resumable_is_412_and_writes_nothing(owner, case, practitioner):
    upload = make_upload(case, practitioner, length=10)

    response = send_patch(owner, upload, b"abc", headers={"Tus-Resumable": "0.2.2"})

    assert response.status_code == 412
    assert_unchanged(upload, b"")


def test_patch_past_the_upload_length_is_413_and_writes_nothing(owner, case, practitioner):
    upload = make_upload(case, practitioner, data=b"abc", length=5)

    response = send_patch(owner, upload, b"defg")

    assert response.status_code == 413
    assert_unchanged(upload, b"abc")


def test_patch_with_a_mismatched_checksum_is_460_and_keeps_nothing(owner, case, practitioner):
    upload = make_upload(case, practitioner, data=b"abc", length=10)

    response = send_patch(owner, upload, b"defg", headers={"Upload-Checksum": checksum("sha1", b"other")})

    assert response.status_code == 460
    assert response.reason_phrase == "Checksum Mismatch"
    assert_tus(response)
    assert_unchanged(upload, b"abc")


@pytest.mark.parametrize("algorithm", ["sha1", "md5", "sha256"])
def test_patch_with_a_correct_checksum_is_accepted(owner, case, practitioner, algorithm):
    upload = make_upload(case, practitioner, length=10)

    response = send_patch(owner, upload, b"abcd", headers={"Upload-Checksum": checksum(algorithm, b"abcd")})

    assert response.status_code == 204
    assert response["Upload-Offset"] == "4"
    assert upload.path.read_bytes() == b"abcd"


def test_patch_with_an_unsupported_checksum_algorithm_is_400(owner, case, practitioner):
    upload = make_upload(case, practitioner, length=10)

    response = send_patch(owner, upload, b"abcd", headers={"Upload-Checksum": "crc32 AAAAAA=="})

    assert response.status_code == 400
    assert_unchanged(upload, b"")


def test_a_body_cut_short_keeps_what_arrived(owner, case, practitioner):
    """A dropped connection costs only the bytes that never arrived: the client resumes from here."""
    upload = make_upload(case, practitioner, length=100)

    response = send_patch(owner, upload, Body(b"x" * 50, arrive=30))

    assert response["Upload-Offset"] == "30"
    upload.refresh_from_db()
    assert upload.offset == 30
    assert upload.path.read_bytes() == b"x" * 30


def test_a_read_error_mid_body_keeps_what_arrived(owner, case, practitioner):
    upload = make_upload(case, practitioner, length=100)

    response = send_patch(owner, upload, Body(b"x" * 50, arrive=20, fail=True))

    assert response["Upload-Offset"] == "20"
    assert upload.path.read_bytes() == b"x" * 20


def test_a_body_cut_short_with_a_checksum_keeps_nothing(owner, case, practitioner):
    """Bytes that cannot be checked are not trusted."""
    upload = make_upload(case, practitioner, data=b"abc", length=100)
    body = Body(b"x" * 50, arrive=30)

    response = send_patch(owner, upload, body, headers={"Upload-Checksum": checksum("sha256", b"x" * 50)})

    assert response.status_code == 460
    assert_unchanged(upload, b"abc")


def test_a_second_patch_while_the_first_is_writing_is_409(owner, case, practitioner):
    upload = make_upload(case, practitioner, length=10)

    with open(upload.path, "r+b") as first_writer:
        fcntl.flock(first_writer.fileno(), fcntl.LOCK_EX)
        response = send_patch(owner, upload, b"abc")

    assert response.status_code == 409
    assert_unchanged(upload, b"")


def test_a_patch_whose_upload_changed_meanwhile_keeps_nothing(owner, case, practitioner):
    """The offset moves on with a conditional UPDATE: of two writers only one can win."""
    upload = make_upload(case, practitioner, data=b"abc", length=100)

    def other_writer_wins():
        FilmUpload.objects.filter(pk=upload.pk).update(offset=5)

    response = send_patch(owner, upload, Body(b"x" * 50, during_read=other_writer_wins))

    assert response.status_code == 409
    upload.refresh_from_db()
    assert upload.offset == 5
    assert upload.path.read_bytes() == b"abc"


def test_patch_reads_the_body_in_bounded_pieces(owner, case, practitioner):
    """A 20 MB chunk must not cost 20 MB of memory: films are gigabytes."""
    size = 20 * MiB
    upload = make_upload(case, practitioner, length=size)
    body = Body(size=size)

    tracemalloc.start()
    try:
        response = send_patch(owner, upload, body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert response.status_code == 204
    assert upload.path.stat().st_size == size
    assert peak < 5 * MiB


def test_patch_to_an_expired_upload_is_404(owner, case, practitioner):
    upload = make_upload(case, practitioner, length=10, expires_at=timezone.now() - timedelta(minutes=1))

    response = send_patch(owner, upload, b"abc")

    assert response.status_code == 404
    assert not upload.path.exists()


# DELETE ----------------------------------------------------------------------


def test_delete_removes_the_file_and_the_row(owner, case, practitioner):
    upload = make_upload(case, practitioner, data=b"abc", length=10)

    response = owner.delete(upload_url(upload), headers=TUS)

    assert response.status_code == 204
    assert_tus(response)
    assert not FilmUpload.objects.exists()
    assert not upload.path.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DELETE, object_id=str(upload.pk)).exists()


def test_a_post_may_stand_for_delete_through_method_override(owner, case, practitioner):
    upload = make_upload(case, practitioner, length=10)

    response = owner.post(upload_url(upload), headers={**TUS, "X-HTTP-Method-Override": "DELETE"})

    assert response.status_code == 204
    assert not FilmUpload.objects.exists()


# Who may reach an upload -----------------------------------------------------


@pytest.mark.parametrize("method", ["post", "head", "patch", "delete"])
def test_anonymous_gets_403_not_a_redirect(client, case, practitioner, method):
    upload = make_upload(case, practitioner, length=10)
    url = create_url(case) if method == "post" else upload_url(upload)

    response = getattr(client, method)(url, headers={**TUS, "Upload-Length": "10", "Upload-Offset": "0"})

    assert response.status_code == 403
    assert_tus(response)
    assert FilmUpload.objects.get() == upload


def test_a_practitioner_of_another_team_gets_404(client, case, practitioner, other_practitioner):
    upload = make_upload(case, practitioner, length=10)
    client.force_login(other_practitioner)

    assert client.post(create_url(case), headers={**TUS, "Upload-Length": "10"}).status_code == 404
    assert client.head(upload_url(upload), headers=TUS).status_code == 404


def test_the_supervisor_of_the_case_gets_403(client, case, practitioner, supervisor):
    upload = make_upload(case, practitioner, length=10)
    client.force_login(supervisor)

    response = client.post(create_url(case), headers={**TUS, "Upload-Length": "10"})

    assert response.status_code == 403
    assert_tus(response)
    assert client.delete(upload_url(upload), headers=TUS).status_code == 403
    assert FilmUpload.objects.count() == 1


def test_another_users_upload_on_the_same_case_is_404(owner, case, administrator):
    upload = make_upload(case, administrator, data=b"abc", length=10)

    assert owner.head(upload_url(upload), headers=TUS).status_code == 404
    assert send_patch(owner, upload, b"def").status_code == 404
    assert owner.delete(upload_url(upload), headers=TUS).status_code == 404
    assert_unchanged(upload, b"abc")


def test_an_upload_is_only_reached_through_its_own_case(owner, case, practitioner):
    upload = make_upload(case, practitioner, length=10)
    other_case = CaseFactory(practitioner=practitioner, team=practitioner.team)
    url = reverse("clips:tus_upload", kwargs={"reference": other_case.reference, "upload_id": upload.pk})

    assert owner.head(url, headers=TUS).status_code == 404


# Housekeeping ----------------------------------------------------------------


def test_expire_abandoned_uploads_removes_expired_uploads_and_old_orphans_only(case, practitioner, upload_dir):
    now = timezone.now()
    expired = make_upload(case, practitioner, data=b"old", expires_at=now - timedelta(minutes=1))
    fresh = make_upload(case, practitioner, data=b"new", expires_at=now + timedelta(hours=1))
    old_orphan = upload_dir / "0b0c1f9e-0000-4000-8000-000000000001.part"
    new_orphan = upload_dir / "0b0c1f9e-0000-4000-8000-000000000002.part"
    old_orphan.write_bytes(b"x")
    new_orphan.write_bytes(b"x")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old_orphan, (two_days_ago, two_days_ago))

    removed = expire_abandoned_uploads(now=now)

    assert removed == 2
    assert list(FilmUpload.objects.all()) == [fresh]
    assert not expired.path.exists()
    assert not old_orphan.exists()
    assert fresh.path.read_bytes() == b"new"
    assert new_orphan.exists()


# An independent client: tuspy against a live server --------------------------


@pytest.fixture
def film(tmp_path):
    path = tmp_path / "film.mp4"
    path.write_bytes(os.urandom(3 * MiB + 12345))
    return path


@pytest.fixture
def tus_client(live_server, case, practitioner):
    """tuspy, logged in as the case's practitioner by a session cookie and a CSRF token."""
    browser = Client()
    browser.force_login(practitioner)
    session = browser.cookies["sessionid"].value
    csrf = requests.get(live_server.url + reverse("login"), timeout=10).cookies["csrftoken"]
    headers = {"Cookie": f"sessionid={session}; csrftoken={csrf}", "X-CSRFToken": csrf}
    return TusClient(live_server.url + create_url(case), headers=headers)


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_tuspy_uploads_a_film_in_chunks_with_checksums(tus_client, film):
    uploader = tus_client.uploader(
        file_path=str(film), chunk_size=256 * 1024, metadata={"filename": "film.mp4"}, upload_checksum=True
    )
    uploader.upload()

    upload = FilmUpload.objects.get()
    assert upload.is_complete
    assert upload.filename == "film.mp4"
    assert sha256(upload.path) == sha256(film)


def test_tuspy_resumes_an_upload_from_the_servers_offset(tus_client, film):
    first = tus_client.uploader(file_path=str(film), chunk_size=256 * 1024)
    for _ in range(3):
        first.upload_chunk()

    again = tus_client.uploader(file_path=str(film), url=first.url, chunk_size=256 * 1024)
    assert again.offset == 3 * 256 * 1024  # asked the server with HEAD
    again.upload()

    upload = FilmUpload.objects.get()
    assert upload.is_complete
    assert sha256(upload.path) == sha256(film)


def test_a_connection_dropped_mid_body_resumes_from_what_arrived(tus_client, film):
    data = film.read_bytes()
    created = requests.post(
        tus_client.url, headers={**tus_client.headers, **TUS, "Upload-Length": str(len(data))}, timeout=10
    )
    url = urlsplit(created.headers["Location"])

    # A PATCH announcing 1 MiB that stops after 300 kB: the phone lost its signal.
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    connection.putrequest("PATCH", url.path)
    headers = {**tus_client.headers, **TUS, "Upload-Offset": "0", "Content-Type": OFFSET_STREAM}
    for name, value in {**headers, "Content-Length": str(MiB)}.items():
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(data[:300_000])
    connection.sock.shutdown(socket.SHUT_WR)
    response = connection.getresponse()
    connection.close()
    assert response.getheader("Upload-Offset") == "300000"

    resumed = tus_client.uploader(file_path=str(film), url=created.headers["Location"], chunk_size=256 * 1024)
    assert resumed.offset == 300_000
    resumed.upload()

    upload = FilmUpload.objects.get()
    assert upload.is_complete
    assert sha256(upload.path) == sha256(film)
